"""Describing a document: suggested metadata (stored by the classify job) and the officer's confirmed values.

``doc.metadata_["suggested"]`` holds what ``woo.metadata.suggest`` found; ``set_metadata`` records what an
officer confirmed or corrected in ``doc.metadata_["confirmed"]`` (and in ``doc.title`` /
``doc.document_date``), audited with before and after. The DiWoo record (woo.publish.records) reads
the confirmed values first. One function for the web page, the API, the CLI.
"""
from __future__ import annotations

import re
from datetime import datetime, time, timezone

from woo.adapters.models import Document
from woo.domain import lifecycle, tooi
from woo.domain import text as textrule
from woo.metadata import suggest
from woo.services import audit, organisations
from woo.services.context import Actor, Context

FIELDS = suggest.FIELDS
MAX_TITLE = 1000
MAX_IDENTIFIERS = 20


class DescribeError(ValueError):
    """Invalid metadata or a document that cannot be described; the message is Dutch."""


def store_suggestions(doc: Document, suggestions: list[suggest.Suggestion]) -> None:
    """Keep the suggestions on the document (a new dict, so the JSON column is seen as changed)."""
    meta = dict(doc.metadata_ or {})
    # found in a file's text or properties: control characters are removed, not refused (woo.domain.text)
    meta["suggested"] = [_clean_suggestion(s.as_dict()) for s in suggestions]
    doc.metadata_ = meta


def _clean_suggestion(item: dict) -> dict:
    for key in ("value", "reason", "snippet"):
        if isinstance(item.get(key), str):
            item[key] = textrule.clean_text(item[key])
    return item


def normalise(field: str, value) -> object:
    """One field's value as stored: ISO date, TOOI URI, stripped title, list of identifiers.

    None or "" clears the field. Raises DescribeError with a Dutch message."""
    if field not in FIELDS:
        raise DescribeError(f"Onbekend metadataveld: {field}. Kies uit: {', '.join(FIELDS)}.")
    if value is None or (isinstance(value, str) and not value.strip()) or value == []:
        return None
    try:  # one rule for every door (woo.domain.text): no control characters in any field
        for item in (value if isinstance(value, (list, tuple)) else [value]):
            textrule.check_text(str(item), suggest.FIELD_LABELS[field])
    except textrule.InvalidText as exc:
        raise DescribeError(str(exc)) from None
    if field == "title":
        text = re.sub(r"\s+", " ", str(value)).strip()
        if len(text) > MAX_TITLE:
            raise DescribeError(f"De titel is te lang (meer dan {MAX_TITLE} tekens).")
        return text
    if field in suggest.DATE_FIELDS:
        parsed = suggest.parse_date(str(value))
        if parsed is None:
            raise DescribeError(f"{suggest.FIELD_LABELS[field]}: ‘{value}’ is geen datum "
                                "(bijvoorbeeld 3 maart 2025, 03-03-2025 of 2025-03-03).")
        return parsed.isoformat()
    if field == "documentsoort":
        concept = tooi.documentsoort(str(value))
        if concept is None:
            raise DescribeError(f"Documentsoort ‘{value}’ staat niet in de TOOI-lijst documentsoorten.")
        return concept.uri
    if field == "language":
        code = tooi.language_code(str(value))
        if code is None:
            raise DescribeError(f"Taal ‘{value}’ staat niet in de TOOI-lijst talen (bijvoorbeeld nl of Nederlands).")
        return code
    if field == "organisation":
        org = suggest.organisation_by_label(str(value))
        if org is None:
            raise DescribeError(f"Organisatie ‘{value}’ staat niet in de TOOI-registers "
                                "(geef de TOOI-URI, de code zoals gm0344 of de naam zoals ‘gemeente Utrecht’).")
        return org.uri
    # identifiers: a list, or text with one per line (or separated by ';')
    items = value if isinstance(value, (list, tuple)) else re.split(r"[\n;]+", str(value))
    out: list[str] = []
    for item in items:
        item = re.sub(r"\s+", " ", str(item)).strip()
        if item and item not in out:
            if len(item) > 200:
                raise DescribeError("Een kenmerk mag hoogstens 200 tekens lang zijn.")
            out.append(item)
    if len(out) > MAX_IDENTIFIERS:
        raise DescribeError(f"Hoogstens {MAX_IDENTIFIERS} kenmerken.")
    return out or None


def set_metadata(ctx: Context, actor: Actor, document_id: str, values: dict) -> dict:
    """Confirm or correct metadata fields; returns the confirmed values after the change.

    ``values`` maps fields (``suggest.FIELDS``) to values; an empty value removes a confirmed one.
    The title also becomes ``doc.title``, date.creatie ``doc.document_date``."""
    if not values:
        raise DescribeError("Geef minstens één metadataveld.")
    clean = {field: normalise(field, value) for field, value in values.items()}
    with ctx.unit_of_work() as session:
        doc = session.get(Document, document_id)
        if doc is None:
            raise DescribeError(f"Document {document_id} bestaat niet.")
        organisations.check_unit_of(session, actor, "document.edit", doc)
        if not lifecycle.is_mutable(doc.status):
            raise DescribeError(f"Een document met status ‘{lifecycle.LABELS_NL[lifecycle.Status(doc.status)]}’ "
                                "kan niet meer worden gewijzigd.")
        meta = dict(doc.metadata_ or {})
        confirmed = dict(meta.get("confirmed") or {})
        before = {f: confirmed.get(f) for f in clean}
        changed = {f: v for f, v in clean.items() if confirmed.get(f) != v}
        for field, value in clean.items():
            if value is None:
                confirmed.pop(field, None)
            else:
                confirmed[field] = value
        if "title" in clean and clean["title"]:
            before["title"] = before["title"] or doc.title
            doc.title = clean["title"]
        if "date.creatie" in clean:
            value = clean["date.creatie"]
            doc.document_date = (datetime.combine(datetime.fromisoformat(value).date(), time.min, timezone.utc)
                                 if value else None)
        if "language" in clean:
            doc.language = clean["language"] or doc.language  # clearing the confirmation keeps the detected one
        meta["confirmed"] = confirmed
        doc.metadata_ = meta
        if "title" in changed and doc.status == lifecycle.Status.PUBLISHED:
            from woo.publish import search

            search.index_document(session, ctx.store, doc)  # the public search finds the new title
        if set(changed) & {"title", "identifiers"}:
            from woo.services import privacy

            privacy.scan_metadata(session, doc)  # what will be public is checked like the text
        if changed:
            audit.record(session, actor.label, "metadata.confirmed", doc.id, fields=sorted(changed),
                         before=before, after={f: clean[f] for f in clean})
        return dict(confirmed)


effective = suggest.effective  # confirmed, else a suggestion of high confidence


def view(doc: Document) -> list[dict]:
    """Per field, for the document page: label, confirmed value, best suggestion and the form value."""
    meta = doc.metadata_ or {}
    confirmed = meta.get("confirmed") or {}
    suggested = meta.get("suggested") or []
    rows = []
    for field in FIELDS:
        mine = [s for s in suggested if s.get("field") == field]
        top = max(mine, key=lambda s: s.get("confidence") or 0) if mine else None
        value = confirmed.get(field)
        if field == "identifiers":
            shown = value if value is not None else [s["value"] for s in mine if (s.get("confidence") or 0) >= 0.6]
            form = "\n".join(shown or [])
        else:
            form = value if value is not None else (top or {}).get("value") or ""
        if field == "title" and value is None and not top:
            form = doc.title
        if field == "language" and value is None:
            form = doc.language or ""  # detected from the text at extraction
        if field == "organisation" and form:
            form = _label(field, form)  # the officer reads and types names; set_metadata resolves them
        rows.append({"field": field, "label": suggest.FIELD_LABELS[field], "confirmed": value,
                     "confirmed_label": _label(field, value), "suggestions": mine, "best": top, "form": form,
                     "kind": ("date" if field in suggest.DATE_FIELDS else "select" if field == "documentsoort"
                              else "language" if field == "language"
                              else "textarea" if field == "identifiers" else "text")})
    return rows


def _label(field: str, value) -> str | None:
    if value is None:
        return None
    if field == "documentsoort":
        c = tooi.documentsoort(value)
        return c.label if c else value
    if field == "organisation":
        o = tooi.organisation(value)
        return o.label if o else value
    if field == "identifiers":
        return "; ".join(value)
    if field == "language":
        t = tooi.taal(value)
        return t.label if t else value
    return str(value)
