"""Dutch full-text search over PUBLISHED documents for the public search page, with facets.

One row per published document in ``search_documents`` (facets: organisation, category, year), and the
words of its title and public text in a backend-specific index:

* SQLite (embedded default): FTS5 table ``search_fts`` (rowid = search_documents.id) holding Dutch Snowball
  stems, so "vergunningen" and "vergunning" meet; every query word is also a prefix ("vergun" finds both).
* PostgreSQL (production): a ``tsvector`` column ``search_documents.tsv`` built with the ``dutch`` text
  search configuration, title weighted above body, with a GIN index; query words are prefixes too.

The index is kept by the publication service (publish indexes, withdraw removes, correct re-indexes) and
by destruction (removes); the search itself still joins the documents table on status 'published', so a
stale row can never show an unpublished document. The text indexed is the text of the PUBLIC file: the
original's extracted text when the original is public, otherwise the text of the redacted or corrected
file itself (the original's text may hold exactly what was removed).

These objects live outside the ORM metadata (FTS5 cannot be modelled, the tsvector exists only on
PostgreSQL); tests/unit/test_migrations.py leaves names for which ``outside_orm`` is true out of its
model/migration comparison.
"""
from __future__ import annotations

import re
import tempfile
from collections import OrderedDict
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path, PurePath

from sqlalchemy import (Column, DateTime, Integer, MetaData, String, Table, column, delete, func, insert, select,
                        table, text)
from sqlalchemy.orm import Session

from woo.adapters.models import Document
from woo.domain.lifecycle import Status

MAX_TEXT_CHARS = 100_000  # PostgreSQL refuses a tsvector over 1 MB; the first 100k characters suffice to find
TABLE, FTS_TABLE = "search_documents", "search_fts"

_meta = MetaData()
search_documents = Table(
    TABLE, _meta,
    Column("id", Integer, primary_key=True),
    Column("document_id", String(32), nullable=False, unique=True),
    Column("organisation_id", Integer, nullable=False),
    Column("category", String(200)),
    Column("year", Integer),
    Column("published_at", DateTime(timezone=True)),
    # for the open JSON API's filters (migration 0025): the DiWoo documentsoort and the document's own date
    Column("documentsoort", String(200)),
    Column("document_date", DateTime(timezone=True)),
)

_WORD = re.compile(r"\w+", re.UNICODE)


def outside_orm(name: str | None) -> bool:
    """True for the search objects the ORM does not describe (tables, FTS5 shadow tables, indexes, tsv)."""
    return bool(name) and (name.startswith(TABLE) or name.startswith(FTS_TABLE) or name.startswith("ix_search_"))


def _dialect(session: Session) -> str:
    return session.get_bind().dialect.name


_stemmer = None


def stems(value: str) -> list[str]:
    """Dutch Snowball stems of the words in ``value`` (lower case, in order)."""
    global _stemmer
    if _stemmer is None:
        import snowballstemmer

        _stemmer = snowballstemmer.stemmer("dutch")
    words = _WORD.findall(value.lower())
    table = dict(zip(set(words), _stemmer.stemWords(list(set(words)))))
    return [table[w] for w in words]


def query_words(q: str) -> list[str]:
    """The user's words, without any query syntax (a quote or operator can never break the query)."""
    return [w for w in _WORD.findall(q.lower())][:20]


# --- keeping the index --------------------------------------------------------------------------------

def _year(doc: Document) -> int | None:
    when = doc.document_date or doc.published_at
    return when.year if when else None


def indexed_documentsoort(metadata: dict | None) -> str | None:
    """The documentsoort the DiWoo record carries (confirmed, else a sure suggestion; a known TOOI value)."""
    from woo.domain import tooi
    from woo.metadata.suggest import effective_values

    soort = effective_values(metadata or {}).get("documentsoort")
    concept = tooi.documentsoort(soort) if soort else None
    return concept.uri if concept else None


def public_text(store, doc: Document) -> str:
    """The text of the file the public gets (see the module doc), at most MAX_TEXT_CHARS."""
    from woo.publish.records import public_file

    stored = public_file(doc)
    if stored is None:
        return ""
    if stored.role in ("original", "pdfa"):  # a PDF/A rendition carries the text of its original
        rendition = doc.file("text")
        if rendition is None:
            return ""
        return store.get_bytes(rendition.object_key, rendition.version_id).decode("utf-8", "replace")[:MAX_TEXT_CHARS]
    from woo.intake.extract import ExtractionError, extract_text

    with tempfile.TemporaryDirectory(prefix="woo-search-") as tmp:
        local = Path(tmp) / ("public" + PurePath(stored.filename or "").suffix.lower())
        store.download(stored.object_key, local, version_id=stored.version_id)
        try:  # no OCR here: a scan without a text layer is found by its title
            return extract_text(local, ocr=False, max_chars=MAX_TEXT_CHARS).text[:MAX_TEXT_CHARS]
        except ExtractionError:
            return ""


_TEXT_CACHE: "OrderedDict[tuple, str]" = OrderedDict()
_TEXT_CACHE_SIZE = 128


def cached_public_text(store, doc: Document) -> str:
    """``public_text`` for the snippets of the search page, remembered per public file (its key and version):
    a result page shows the same documents again and again; a correction is another file, so another entry."""
    from woo.publish.records import public_file

    stored = public_file(doc)
    if stored is None:
        return ""
    key = (doc.id, stored.object_key, stored.version_id)
    if key in _TEXT_CACHE:
        _TEXT_CACHE.move_to_end(key)
        return _TEXT_CACHE[key]
    value = public_text(store, doc)
    _TEXT_CACHE[key] = value
    while len(_TEXT_CACHE) > _TEXT_CACHE_SIZE:
        _TEXT_CACHE.popitem(last=False)
    return value


def remove_documents(session: Session, document_ids: list[str]) -> None:
    """Take documents out of the search index (withdrawal, destruction); absent ids are fine."""
    if not document_ids:
        return
    ids = list(document_ids)
    if _dialect(session) == "sqlite":
        for i in range(0, len(ids), 500):
            session.execute(text(f"DELETE FROM {FTS_TABLE} WHERE rowid IN "
                                 f"(SELECT id FROM {TABLE} WHERE document_id IN :ids)")
                            .bindparams(_expanding("ids")), {"ids": ids[i:i + 500]})
    for i in range(0, len(ids), 500):
        session.execute(delete(search_documents).where(search_documents.c.document_id.in_(ids[i:i + 500])))


def _expanding(name: str):
    from sqlalchemy import bindparam

    return bindparam(name, expanding=True)


def index_document(session: Session, store, doc: Document, body: str | None = None, removed: bool = False) -> None:
    """(Re)index one document: published -> its title and public text; anything else -> removed.
    ``removed``: the caller already took it out of the index (``remove_documents`` over many at once)."""
    if not removed:
        remove_documents(session, [doc.id])
    if doc.status != Status.PUBLISHED:
        return
    if body is None:
        body = public_text(store, doc)
    row = {"document_id": doc.id, "organisation_id": doc.organisation_id, "category": doc.category,
           "year": _year(doc), "published_at": doc.published_at,
           "documentsoort": indexed_documentsoort(doc.metadata_), "document_date": doc.document_date}
    if _dialect(session) == "sqlite":
        new_id = session.execute(insert(search_documents).values(**row)).inserted_primary_key[0]
        session.execute(text(f"INSERT INTO {FTS_TABLE}(rowid, title, body) VALUES (:id, :title, :body)"),
                        {"id": new_id, "title": " ".join(stems(doc.title)), "body": " ".join(stems(body))})
    else:
        session.execute(text(
            f"INSERT INTO {TABLE} (document_id, organisation_id, category, year, published_at, documentsoort, "
            "document_date, tsv) VALUES (:document_id, :organisation_id, :category, :year, :published_at, "
            ":documentsoort, :document_date, "
            "setweight(to_tsvector('dutch', :title), 'A') || setweight(to_tsvector('dutch', :body), 'B'))"),
            {**row, "title": doc.title, "body": body.replace("\x00", " ")})


def rebuild(ctx, batch: int = 200) -> int:
    """Index every published document again (after an upgrade, or if the index is suspect)."""
    with ctx.unit_of_work() as session:
        ids = list(session.execute(select(Document.id).where(Document.status == Status.PUBLISHED)
                                   .order_by(Document.id)).scalars())
        session.execute(delete(search_documents))
        if _dialect(session) == "sqlite":
            session.execute(text(f"DELETE FROM {FTS_TABLE}"))
    for i in range(0, len(ids), batch):
        with ctx.unit_of_work() as session:
            for doc in session.execute(select(Document).where(Document.id.in_(ids[i:i + batch]))).scalars():
                index_document(session, ctx.store, doc)
    return len(ids)


# --- searching -------------------------------------------------------------------------------------------

@dataclass
class SearchResult:
    total: int
    document_ids: list[str]
    # facet name -> [(value, count)], most frequent first (year: newest first)
    facets: dict[str, list[tuple]] = field(default_factory=dict)


FACETS = {"category": search_documents.c.category, "organisation": search_documents.c.organisation_id,
          "year": search_documents.c.year, "documentsoort": search_documents.c.documentsoort}


def search(session: Session, organisation_ids, q: str = "", *, category: str | None = None,
           organisation_id: int | None = None, year: int | None = None, offset: int = 0,
           limit: int = 20, published_after=None, facets: bool = True, documentsoort: str | None = None,
           date_from=None, date_to=None, published_from=None, published_to=None, within=None) -> SearchResult:
    """Published documents of ``organisation_ids`` matching the words of ``q`` (all of them, as prefixes,
    Dutch stemming), newest first without words, best first with words. Each facet counts the matches
    under the other filters (so choosing a category still shows the counts of the other categories).
    ``published_after`` keeps only documents published later (subscription digests); ``facets=False`` skips
    counting them. The open API also filters on ``documentsoort`` (TOOI URI), the document date and the
    publication date (``*_from`` inclusive, ``*_to`` exclusive) and ``within`` (a select of document ids,
    e.g. the documents of the dossiers with an onderwerp)."""
    sd = search_documents
    words = query_words(q)
    sqlite = _dialect(session) == "sqlite"
    params: dict = {}
    base = [sd.c.organisation_id.in_(list(organisation_ids)),
            sd.c.document_id.in_(select(Document.id).where(Document.status == Status.PUBLISHED))]
    if published_after is not None:
        base.append(sd.c.published_at > published_after)
    for col, value, op in ((sd.c.document_date, date_from, "ge"), (sd.c.document_date, date_to, "lt"),
                           (sd.c.published_at, published_from, "ge"), (sd.c.published_at, published_to, "lt")):
        if value is not None:
            base.append(col >= value if op == "ge" else col < value)
    if within is not None:
        base.append(sd.c.document_id.in_(within))
    if words:
        if sqlite:
            stemmed = [s for s in stems(" ".join(words)) if s]
            params["m"] = " ".join(f'"{s}"*' for s in stemmed)
            base.append(text(f"{TABLE}.id IN (SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH :m)"))
        else:
            # each word as a Dutch stem prefix or a plain prefix ('parkeer' is stemmed to 'parker', which is
            # no prefix of 'parkeerdruk'); a Dutch stop word ('de') drops out instead of matching nothing
            parts = []
            for i, w in enumerate(words):
                params[f"w{i}"] = f"{w}:*"
                parts.append(f"(CASE WHEN numnode(to_tsquery('dutch', :w{i})) = 0 THEN ''::tsquery "
                             f"ELSE to_tsquery('dutch', :w{i}) || to_tsquery('simple', :w{i}) END)")
            tsq = "(" + " && ".join(parts) + ")"
            base.append(text(f"{TABLE}.tsv @@ {tsq}"))
    filters = {"category": (sd.c.category, category), "organisation": (sd.c.organisation_id, organisation_id),
               "year": (sd.c.year, year), "documentsoort": (sd.c.documentsoort, documentsoort)}

    def where(skip: str | None = None) -> list:
        conds = list(base)
        conds += [col == value for name, (col, value) in filters.items() if value is not None and name != skip]
        return conds

    total = session.execute(select(func.count()).select_from(sd).where(*where()), params).scalar_one()
    stmt = select(sd.c.document_id).where(*where())
    if words and sqlite:  # bm25 needs the FTS table in the query itself; title words weigh 10x
        fts = table(FTS_TABLE, column("rowid"))
        stmt = (select(sd.c.document_id).select_from(sd.join(fts, fts.c.rowid == sd.c.id)).where(*where())
                .order_by(text(f"bm25({FTS_TABLE}, 10.0, 1.0)"), sd.c.published_at.desc()))
    elif words:
        stmt = stmt.order_by(text(f"ts_rank({TABLE}.tsv, {tsq}) DESC"),
                             sd.c.published_at.desc())
    else:
        stmt = stmt.order_by(sd.c.published_at.desc(), sd.c.document_id)
    ids = list(session.execute(stmt.offset(offset).limit(limit), params).scalars())
    facets_found: dict = {}
    for name, col in (FACETS.items() if facets else ()):
        n = func.count().label("n")
        rows = session.execute(select(col, n).where(*where(skip=name), col.is_not(None)).group_by(col)
                               .order_by(col.desc() if name == "year" else n.desc(), col), params).all()
        facets_found[name] = [(value, count) for value, count in rows]
    return SearchResult(total, ids, facets_found)


# --- snippets ------------------------------------------------------------------------------------------

SNIPPET_CHARS = 240


@lru_cache(maxsize=20_000)
def _stem(word: str) -> str:
    return (stems(word) or [word])[0]


def _matcher(q: str):
    """A test for one word of a text: does it match a query word (the word or its Dutch stem as a prefix,
    as the index matches)?"""
    words = query_words(q)
    wanted = [w for w in {*words, *stems(" ".join(words))} if w]

    def hit(word: str) -> bool:
        low = word.lower()
        return any(low.startswith(w) for w in wanted) or any(_stem(low).startswith(w) for w in wanted)
    return hit if wanted else None


def marked(value: str, q: str) -> list[tuple[str, bool]]:
    """``value`` cut into (text, matched) parts: the matched words of ``q`` flagged, for <mark> (the page
    escapes every part; nothing here is markup)."""
    hit = _matcher(q)
    if hit is None or not value:
        return [(value, False)] if value else []
    parts: list[tuple[str, bool]] = []
    pos = 0
    for m in _WORD.finditer(value):
        if hit(m.group()):
            if m.start() > pos:
                parts.append((value[pos:m.start()], False))
            parts.append((m.group(), True))
            pos = m.end()
    if pos < len(value):
        parts.append((value[pos:], False))
    return parts


def snippet(body: str, q: str, width: int = SNIPPET_CHARS) -> list[tuple[str, bool]]:
    """A passage of ``body`` (the public text) around the first matched word of ``q``, whitespace folded,
    cut at word boundaries, as ``marked`` parts; the start of the text when no word matches (or no ``q``)."""
    body = " ".join(body.split())
    if not body:
        return []
    hit = _matcher(q)
    first = next((m for m in _WORD.finditer(body) if hit(m.group())), None) if hit else None
    start = max(0, first.start() - width // 3) if first else 0
    end = min(len(body), start + width)
    if start > 0:  # begin at a word
        space = body.find(" ", start)
        start = space + 1 if 0 <= space < (first.start() if first else end) else start
    if end < len(body):
        space = body.rfind(" ", start, end)
        end = space if space > start else end
    parts = marked(body[start:end], q)
    if start > 0:
        parts.insert(0, ("… ", False))
    if end < len(body):
        parts.append((" …", False))
    return parts


__all__ = ["indexed_documentsoort", "marked", "snippet", "SNIPPET_CHARS", "search_documents", "outside_orm", "stems", "query_words", "public_text", "cached_public_text", "index_document",
           "remove_documents", "rebuild", "search", "SearchResult", "MAX_TEXT_CHARS"]
