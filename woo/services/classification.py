"""Suggesting a document's Woo category (an rq job after extraction) and the officer's review of it."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from woo.adapters.models import Document
from woo.domain import tooi
from woo.domain.lifecycle import Status, check_transition
from woo.services import audit, jobs, organisations
from woo.services.context import SYSTEM, Actor, Context

MAX_TEXT_BYTES = 2_000_000  # the model reads a capped prefix anyway; don't fetch more than that


def document_context(session: Session, doc: Document):
    """What woo knows of the document besides its text, as a classifier prior (woo.classify.context): the
    kind of its dossier and, in a meeting, its role; the reason is shown with the suggestion."""
    from woo.adapters.models import DossierDocument, Publication
    from woo.classify.context import DocumentContext

    if not doc.publication_id:
        return None
    dossier = session.get(Publication, doc.publication_id)
    item = session.get(DossierDocument, doc.id)
    if dossier is None:
        return None
    return DocumentContext(dossier_kind=dossier.kind, dossier_role=item.role if item is not None else None)


def classify_document(ctx: Context, document_id: str) -> None:
    from woo.services.classifier_models import active_classifier, pointer_marker

    with ctx.unit_of_work() as session:
        doc = session.get(Document, document_id)
        text_file = doc.file("text") if doc else None
        if text_file is None:
            raise jobs.JobFailed("Er is nog geen uitgelezen tekst om te classificeren.")
        original = doc.file("original")
        key, version = text_file.object_key, text_file.version_id
        title, filename = doc.title, original.filename if original else None
        props = (doc.metadata_ or {}).get("properties") or {}
        context = document_context(session, doc)  # the dossier's kind and the document's role in it
        from_source, kept = _source_context(doc)  # a source's meeting (college or council) and supplier
        if from_source is not None:
            import dataclasses

            context = dataclasses.replace(from_source, dossier_role=context.dossier_role if context else None)
        marker = pointer_marker(session)
    text = b"".join(_prefix(ctx.store.iter_chunks(key, version_id=version), MAX_TEXT_BYTES)).decode("utf-8", "ignore")
    classifier = active_classifier(ctx, marker)
    result = classifier.classify(text, title=title, filename=filename, properties=props, context=context)
    from woo.metadata.suggest import suggest_metadata
    from woo.services import describe
    metadata = suggest_metadata(text, title=title, filename=filename, properties=props)
    suggestion = {"category": result.category, "label": result.label, "confidence": round(result.confidence, 4),
                  "alternatives": [{"category": c, "confidence": round(p, 4)} for c, p in result.alternatives],
                  "reasons": list(dict.fromkeys([*kept, *result.reasons])), "uncertain": result.uncertain}
    with ctx.unit_of_work() as session:
        doc = session.get(Document, document_id)
        doc.suggestion = suggestion
        describe.store_suggestions(doc, metadata)  # title, dates, documentsoort, organisation, kenmerken
        audit.record(session, SYSTEM.label, "document.classified", document_id, category=result.category,
                     confidence=suggestion["confidence"])
        threshold = ctx.settings.auto_accept_confidence
        if threshold == "model":
            threshold = getattr(classifier, "auto_accept_threshold", None)
        # an "onzeker" suggestion always goes to review, whatever the threshold
        accepted = (threshold is not None and not result.uncertain and result.confidence >= threshold
                    and doc.category is None)
        if accepted:
            _decide(session, doc, SYSTEM, result.category, "classification.auto_accepted")
    if accepted:
        _retention_follows(ctx, SYSTEM, [document_id])


def _source_context(doc: Document):
    """For a document a source delivered (woo.services.sources): its meeting dossier and supplier as the
    classifier's prior, and the reasons the connector gave for its place. (None, []) for anything else."""
    intake = (doc.metadata_ or {}).get("intake")
    if not intake:
        return None, []
    from woo.classify.context import DocumentContext

    kind = None
    dossier = doc.dossier
    if dossier is not None:
        college = tooi.category_by_code("2d")
        kind = "collegevergadering" if college and dossier.category == college.uri else dossier.kind
    kept = [r for r in (doc.suggestion or {}).get("reasons") or []] if (doc.suggestion or {}).get("context") else []
    return DocumentContext(dossier_kind=kind, connector=intake.get("supplier")), kept


def _retention_follows(ctx: Context, actor: Actor, document_ids: list[str]) -> None:
    """A confirmed category gives the document its default Selectielijst class (the service `woo retention
    classify` calls); a class an archivist chose is kept."""
    from woo.services import retention

    if document_ids:
        retention.classify_defaults(ctx, actor, recompute=True, document_ids=document_ids)


def _prefix(chunks, limit: int):
    seen = 0
    for chunk in chunks:
        yield chunk[: max(0, limit - seen)]
        seen += len(chunk)
        if seen >= limit:
            break


class ReviewError(ValueError):
    pass


def _decide(session: Session, doc: Document, actor: Actor, category_uri: str, action: str) -> None:
    organisations.check_unit_of(session, actor, "document.review", doc)
    cat = tooi.category_by_uri(category_uri)
    if cat is None:
        raise ReviewError(f"Onbekende informatiecategorie: {category_uri}")
    previous = doc.category
    doc.category = cat.uri
    if doc.status == Status.CONCEPT:
        doc.status = check_transition(doc.status, Status.READY)
    audit.record(session, actor.label, action, doc.id, category=cat.uri, label=cat.label, previous=previous,
                 suggested=(doc.suggestion or {}).get("category"))


def accept(ctx: Context, actor: Actor, document_ids: list[str]) -> list[str]:
    """Confirm the suggested category of each document; returns the ids that had a suggestion."""
    done = []
    with ctx.unit_of_work() as session:
        for doc_id in document_ids:
            doc = session.get(Document, doc_id)
            if doc is None:
                raise ReviewError(f"Document {doc_id} bestaat niet.")
            if not doc.suggestion:
                continue
            _decide(session, doc, actor, doc.suggestion["category"], "classification.confirmed")
            done.append(doc_id)
    _retention_follows(ctx, actor, done)
    return done


def set_category(ctx: Context, actor: Actor, document_id: str, category: str) -> None:
    """The officer's correction: any TOOI URI or label of a Woo category."""
    cat = tooi.resolve_category(category)
    if cat is None:
        raise ReviewError(f"Onbekende informatiecategorie: {category}")
    with ctx.unit_of_work() as session:
        doc = session.get(Document, document_id)
        if doc is None:
            raise ReviewError(f"Document {document_id} bestaat niet.")
        suggested = (doc.suggestion or {}).get("category")
        _decide(session, doc, actor, cat.uri,
                "classification.confirmed" if suggested == cat.uri else "classification.corrected")
    _retention_follows(ctx, actor, [document_id])


def review_queue(session: Session, organisation_ids: set[int] | None, limit: int = 200) -> list[Document]:
    """Documents awaiting confirmation, lowest confidence first."""
    stmt = select(Document).where(Document.category.is_(None), Document.suggestion.is_not(None),
                                  Document.status == Status.CONCEPT)
    if organisation_ids is not None:
        stmt = stmt.where(Document.organisation_id.in_(organisation_ids))
    docs = list(session.execute(stmt.limit(5000)).scalars())
    docs.sort(key=lambda d: (d.suggestion.get("confidence", 0.0), d.created_at))
    return docs[:limit]
