"""Bulk actions on the work lists (issue 14 items 3/4): publish the checked documents, or accept their
suggested categories, in one go. Each document is either done entirely or refused with its Dutch reason:
none is skipped silently and none is left half-done (each action is one transaction per call of the
service it uses: woo.services.publication.publish, woo.services.classification.accept).

A document is refused before the action when the principal may not see it, their roles do not allow the
action in its organisation, or their units do not (woo.services.organisations.unit_refusal); the action
itself refuses what its own rules refuse (the publication gate, a missing suggestion)."""
from __future__ import annotations

from dataclasses import dataclass, field

from woo.domain.lifecycle import Status
from woo.domain.roles import allowed
from woo.services import classification, organisations, publication
from woo.services import documents as docsvc
from woo.services.context import Context

MAX_DOCUMENTS = 500  # per bulk action: a page of the work list is far less
NOT_FOUND = "Document niet gevonden."
NO_RIGHT = "U heeft geen rechten voor deze handeling bij dit document."


class BulkError(ValueError):
    """The request itself is refused (nothing chosen, too many); Dutch."""


@dataclass
class BulkResult:
    done: list[str] = field(default_factory=list)
    refused: dict[str, list[str]] = field(default_factory=dict)  # document id -> Dutch reasons
    titles: dict[str, str] = field(default_factory=dict)  # document id -> title, for the report


def _screen(session, principal, action: str, ids: list[str], result: BulkResult) -> list[str]:
    """The ids the principal may act on; the others are put in ``result.refused`` with the reason."""
    ok = []
    for doc_id in ids:
        doc = docsvc.get_document(session, principal, doc_id)
        if doc is None:
            result.refused[doc_id] = [NOT_FOUND]
            continue
        result.titles[doc_id] = doc.title
        if not allowed(principal.roles_for(doc.organisation_id), action):
            result.refused[doc_id] = [NO_RIGHT]
        elif refusal := organisations.unit_refusal(session, principal, action, doc.organisation_id, doc.unit_id):
            result.refused[doc_id] = [refusal]
        else:
            ok.append(doc_id)
    return ok


def _ids(document_ids) -> list[str]:
    ids = [str(i).strip()[:64] for i in dict.fromkeys(document_ids or []) if str(i).strip()]
    if not ids:
        raise BulkError("Kies eerst een of meer documenten.")
    if len(ids) > MAX_DOCUMENTS:
        raise BulkError(f"Kies ten hoogste {MAX_DOCUMENTS} documenten tegelijk.")
    return ids


def publish(ctx: Context, principal, document_ids) -> BulkResult:
    """Publish every chosen document that passes the gate; refuse the others with the gate's reasons."""
    ids = _ids(document_ids)
    result = BulkResult()
    with ctx.unit_of_work() as session:
        ok = _screen(session, principal, "document.publish", ids, result)
    done = publication.publish(ctx, principal.actor, ok) if ok else publication.PublishResult()
    result.done = list(done.published)
    result.refused.update(done.refused)
    return _complete(result, ids)


def accept(ctx: Context, principal, document_ids) -> BulkResult:
    """Confirm the suggested category of every chosen document awaiting review; refuse the others."""
    ids = _ids(document_ids)
    result = BulkResult()
    with ctx.unit_of_work() as session:
        ok = []
        for doc_id in _screen(session, principal, "document.review", ids, result):
            doc = docsvc.get_document(session, principal, doc_id)
            if doc.category is not None or doc.status != Status.CONCEPT:
                result.refused[doc_id] = ["De categorie is al vastgesteld."]
            elif not (doc.suggestion or {}).get("category"):
                result.refused[doc_id] = ["Er is (nog) geen voorgestelde categorie; kies er zelf een op de "
                                          "documentpagina."]
            else:
                ok.append(doc_id)
    result.done = classification.accept(ctx, principal.actor, ok) if ok else []
    return _complete(result, ids)


def _complete(result: BulkResult, ids: list[str]) -> BulkResult:
    """Every chosen id is in done or refused (a document changed between the check and the action)."""
    for doc_id in ids:
        if doc_id not in result.done and doc_id not in result.refused:
            result.refused[doc_id] = ["Niet uitgevoerd: het document is intussen gewijzigd. Probeer het opnieuw."]
    return result


__all__ = ["publish", "accept", "BulkResult", "BulkError", "MAX_DOCUMENTS"]
