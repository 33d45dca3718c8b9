"""Public full-text search (woo.publish.search) on SQLite FTS5 and PostgreSQL 'dutch': Dutch word forms, prefixes,
facets, and never a concept, ready, withdrawn or destroyed document."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from tests.conftest import drain
from tests.factories import unique_mark
from tests.integration.test_publish import ONDERZOEK, PRIVACY, WOO_VERZOEK, make_pdf
from woo.adapters.models import Document, Organisation, utcnow
from woo.app import create_app
from woo.publish import search
from woo.services import accounts, classification, publication
from woo.services.context import SYSTEM


def _documents(ctx, tmp_path, specs: list[tuple[str, list[str], str | None]]) -> list[str]:
    """Ingest one PDF per (title, body lines, category or None) through the real pipeline."""
    from woo.services.ingest import ingest

    with ctx.unit_of_work() as s:
        org_id = accounts.default_organisation(s).id
    ids = []
    for i, (title, lines, _) in enumerate(specs):
        pdf = make_pdf(tmp_path / f"zoek-{i}.pdf", [*lines, f"Kenmerk {unique_mark()}"])
        result = ingest(ctx, SYSTEM, org_id, f"zoek-{i}.pdf", path=pdf, source="cli", title=title)
        assert result.status == "accepted", result.reason
        ids.append(result.document_id)
    drain(ctx)
    for doc_id, (_, _, category) in zip(ids, specs):
        if category:
            classification.set_category(ctx, SYSTEM, doc_id, category)
    return ids


def _found(ctx, q: str, **filters) -> set[str]:
    with ctx.unit_of_work() as s:
        org_ids = {o.id for o in s.execute(select(Organisation)).scalars()}
        return set(search.search(s, org_ids, q, limit=100, **filters).document_ids)


def test_dutch_word_forms_prefixes_and_only_published(woo_ctx, tmp_path):
    haven, parkeren, concept, ready, withdrawn = _documents(woo_ctx, tmp_path, [
        ("Besluit omgevingsvergunning haven", ["De vergunningen voor de kade worden verleend."], WOO_VERZOEK),
        ("Onderzoek parkeerdruk", ["Uit het onderzoek blijkt dat er een vergunning nodig is voor bewoners."],
         ONDERZOEK),
        ("Concept vergunning geheim", ["Interne notitie over vergunningen en de haven."], None),
        ("Gereed: vergunning niet gepubliceerd", ["Vergunningen, nog niet openbaar."], ONDERZOEK),
        ("Ingetrokken besluit vergunningen", ["Deze vergunning is ingetrokken."], WOO_VERZOEK),
    ])
    assert set(publication.publish(woo_ctx, SYSTEM, [haven, parkeren, withdrawn]).published) == \
        {haven, parkeren, withdrawn}
    publication.withdraw(woo_ctx, SYSTEM, [withdrawn], PRIVACY)

    # Dutch stemming: plural finds singular and back, in title and in the extracted text
    assert _found(woo_ctx, "vergunningen") == {haven, parkeren}
    assert _found(woo_ctx, "vergunning") == {haven, parkeren}
    assert _found(woo_ctx, "bewoner") == {parkeren}        # text says "bewoners"
    assert _found(woo_ctx, "kade haven") == {haven}        # every word must match
    assert _found(woo_ctx, "de kade") == {haven}           # a stop word does not spoil it
    assert _found(woo_ctx, "parkeer") == {parkeren}        # a word being typed is a prefix
    assert _found(woo_ctx, "geheim") == set()              # concept text never
    assert _found(woo_ctx, "openbaar") == set()            # ready, not published
    assert _found(woo_ctx, "ingetrokken") == set()         # withdrawn
    assert _found(woo_ctx, '"vergun*" ( -:') == {haven, parkeren}  # query syntax is just words
    assert _found(woo_ctx, "") == {haven, parkeren}

    # facets: each counts the matches under the other filters
    with woo_ctx.unit_of_work() as s:
        org = accounts.default_organisation(s)
        result = search.search(s, {org.id}, "vergunning", category=ONDERZOEK)
        year = s.get(Document, haven).published_at.year
    assert result.document_ids == [parkeren] and result.total == 1
    assert dict(result.facets["category"]) == {WOO_VERZOEK: 1, ONDERZOEK: 1}
    assert dict(result.facets["organisation"]) == {org.id: 1}
    assert dict(result.facets["year"]) == {year: 1}
    assert _found(woo_ctx, "vergunning", year=year) == {haven, parkeren}
    assert _found(woo_ctx, "vergunning", year=year - 1) == set()
    assert _found(woo_ctx, "vergunning", organisation_id=org.id + 1000) == set()

    # republishing after withdrawal comes back; a correction replaces the words that were found
    fixed = make_pdf(tmp_path / "haven-v2.pdf", ["Besluit over de steiger, zonder persoonsgegevens."])
    publication.correct(woo_ctx, SYSTEM, haven, fixed, "haven.pdf", PRIVACY)
    assert _found(woo_ctx, "steiger") == set()  # not public (nor findable) before it passed the gate
    drain(woo_ctx)  # the correction's check (extraction, privacy scan) publishes it
    assert _found(woo_ctx, "kade") == set() and _found(woo_ctx, "steiger") == {haven}
    assert haven in _found(woo_ctx, "omgevingsvergunning")  # the title stays


def test_public_search_page_with_facets(woo_ctx, tmp_path):
    doc, other = _documents(woo_ctx, tmp_path, [
        ("Besluit subsidies sportverenigingen", ["Subsidies voor verenigingen in de gemeente."], WOO_VERZOEK),
        ("Onderzoek sportparken", ["De sportparken worden onderzocht."], ONDERZOEK)])
    assert publication.publish(woo_ctx, SYSTEM, [doc, other]).refused == {}
    app = create_app(ctx=woo_ctx)
    client = app.test_client()
    page = client.get("/publicaties?q=subsidie").get_data(as_text=True)
    assert "Besluit subsidies sportverenigingen" in page and "Onderzoek sportparken" not in page
    assert "1 document gevonden" in page
    page = client.get("/publicaties?q=sport").get_data(as_text=True)
    assert "2 documenten gevonden" in page and "Informatiecategorie" in page and "Jaar" in page
    narrowed = client.get("/publicaties?q=sport&categorie=infocat015").get_data(as_text=True)
    assert "1 document gevonden" in narrowed and "Onderzoek sportparken" in narrowed
    assert 'aria-current="true"' in narrowed  # the chosen facet is marked, with a link to clear it
    year = utcnow().year
    assert client.get(f"/publicaties?q=sport&jaar={year - 3}").get_data(as_text=True).count("gevonden") == 1
    assert "0 documenten gevonden" in client.get(f"/publicaties?q=sport&jaar={year - 3}").get_data(as_text=True)


def test_destruction_leaves_no_words_behind(woo_ctx):
    from tests.integration.retention_helpers import make_record, users
    from woo.services import destruction as ds

    u = users(woo_ctx)
    doc_id = make_record(woo_ctx, "Besluit waterschapsheffing", resultaat="6.1", status="published")
    with woo_ctx.unit_of_work() as s:  # indexed while published ...
        search.index_document(s, woo_ctx.store, s.get(Document, doc_id))
    publication.withdraw(woo_ctx, SYSTEM, [doc_id], PRIVACY)
    with woo_ctx.unit_of_work() as s:  # ... and a row left behind (an index from before the withdrawal rule)
        doc = s.get(Document, doc_id)
        doc.status = "published"
        search.index_document(s, woo_ctx.store, doc)
        doc.status = "withdrawn"
    assert _rows(woo_ctx, doc_id) == 1
    list_id = ds.create_list(woo_ctx, u["archivaris-a"], "Lijst zoekindex", [doc_id])
    ds.review_item(woo_ctx, u["beoordelaar-r"], list_id, doc_id, "akkoord")
    ds.finish_review(woo_ctx, u["beoordelaar-r"], list_id)
    ds.approve(woo_ctx, u["archivaris-b"], list_id)
    ds.start(woo_ctx, u["archivaris-b"], list_id, now=utcnow() + timedelta(days=8))
    drain(woo_ctx)
    with woo_ctx.unit_of_work() as s:
        assert s.get(Document, doc_id).status == "destroyed"
    assert _rows(woo_ctx, doc_id) == 0


def _rows(ctx, doc_id: str) -> int:
    with ctx.unit_of_work() as s:
        return s.execute(select(func.count()).select_from(search.search_documents)
                         .where(search.search_documents.c.document_id == doc_id)).scalar_one()


def test_cli_reindex_restores_published_only(woo_ctx, tmp_path):
    from click.testing import CliRunner

    from tests.conftest import cli_env
    from woo.cli_publish import search_group

    shown, hidden = _documents(woo_ctx, tmp_path, [
        ("Verslag commissievergadering", ["Verslagen van de commissie."], ONDERZOEK),
        ("Verslag niet openbaar", ["Verslagen, concept."], ONDERZOEK)])
    publication.publish(woo_ctx, SYSTEM, [shown])
    with woo_ctx.unit_of_work() as s:  # an index from before this revision: empty
        s.execute(search.search_documents.delete())
        if s.get_bind().dialect.name == "sqlite":
            s.execute(search.text("DELETE FROM search_fts"))
    assert _found(woo_ctx, "verslag") == set()
    result = CliRunner().invoke(search_group, ["reindex", "--data-dir", str(tmp_path / "d")],
                                env=cli_env(woo_ctx.settings))
    assert result.exit_code == 0, result.output
    assert "geïndexeerd: 1" in result.output
    assert _found(woo_ctx, "verslagen") == {shown}


def test_a_new_title_of_a_published_document_is_searchable(woo_ctx, tmp_path):
    from woo.services import describe

    (doc_id,) = _documents(woo_ctx, tmp_path, [("Besluit over de kermis", ["Tekst over de kermis."], ONDERZOEK)])
    assert publication.publish(woo_ctx, SYSTEM, [doc_id]).published == [doc_id]
    assert _found(woo_ctx, "zwembad") == set()
    describe.set_metadata(woo_ctx, SYSTEM, doc_id, {"title": "Besluit over het zwembad"})
    assert _found(woo_ctx, "zwembad") == {doc_id}
    assert _found(woo_ctx, "kermis") == {doc_id}  # still in the text


def test_result_snippets_kenmerk_date_and_readable_urls(woo_ctx, tmp_path):
    """Item 8: each hit shows a passage of its public text with the matched words in <mark> (escaped: the
    text is never markup), its own kenmerk and date, and links /publicaties/<id>/<slug>; the short URL and
    a stale slug answer 301, the file URL stays; a withdrawn document redirects nowhere."""
    from woo.services import describe

    doc, gone = _documents(woo_ctx, tmp_path, [
        ("Besluit kapvergunning plataan", ["Na afweging zijn de kapvergunningen <script>alert(1)</script> "
                                            "voor twee platanen verleend aan de aanvrager."], WOO_VERZOEK),
        ("Besluit kapvergunning eik", ["De kapvergunning voor de eik is verleend."], WOO_VERZOEK)])
    describe.set_metadata(woo_ctx, SYSTEM, doc, {"identifiers": "UIT-2024-0815", "title": "Besluit kapvergunning plataan"})
    assert publication.publish(woo_ctx, SYSTEM, [doc, gone]).refused == {}
    publication.withdraw(woo_ctx, SYSTEM, [gone], PRIVACY)
    client = create_app(ctx=woo_ctx).test_client()

    page = client.get("/publicaties?q=kapvergunningen").get_data(as_text=True)
    assert "1 document gevonden" in page
    assert "<mark>kapvergunningen</mark> &lt;script&gt;alert(1)&lt;/script&gt; voor twee platanen" in page
    assert "<script>alert" not in page
    assert ">Besluit kapvergunning plataan</a>" in page
    assert "kenmerk UIT-2024-0815" in page and f"kenmerk {doc}" not in page
    assert '<time datetime="2024-03-03">03-03-2024</time>' in page      # the document's own date
    readable = f"/publicaties/{doc}/besluit-kapvergunning-plataan"
    assert f'href="{readable}"' in page and f'href="/publicaties/{doc}"' not in page
    assert "Besluit kapvergunning eik" not in page and gone not in page  # withdrawn: nowhere

    resp = client.get(readable)
    assert resp.status_code == 200 and "UIT-2024-0815" in resp.get_data(as_text=True)
    for old in (f"/publicaties/{doc}", f"/publicaties/{doc}/oude-titel"):
        resp = client.get(old)
        assert resp.status_code == 301 and resp.headers["Location"].endswith(readable), old
    assert client.get(f"/publicaties/{doc}/bestand").status_code == 200   # the harvested file URL stays
    for url in (f"/publicaties/{gone}", f"/publicaties/{gone}/besluit-kapvergunning-eik"):
        assert client.get(url).status_code == 410
    # a new confirmed title moves the readable URL; the old readable URL redirects to the new one
    describe.set_metadata(woo_ctx, SYSTEM, doc, {"title": "Besluit kap plataan Oudegracht"})
    resp = client.get(readable)
    assert resp.status_code == 301 and resp.headers["Location"].endswith(f"/publicaties/{doc}/besluit-kap-plataan-oudegracht")


def test_snippet_is_cut_at_words_and_marks_prefixes():
    parts = search.snippet("aanloop " * 60 + "De vergunningen voor de haven. " + "slot " * 60, "vergun", 80)
    text = "".join(p for p, _ in parts)
    assert text.startswith("… ") and text.endswith(" …") and "aanloo " not in text
    assert [p for p, hit in parts if hit] == ["vergunningen"]
    assert search.snippet("", "x") == [] and search.marked("Haven", "") == [("Haven", False)]


def test_snippet_of_a_redacted_document_shows_the_redacted_text_never_the_original(woo_ctx, tmp_path):
    """The passage comes from the public (redacted) file, like the index: what was redacted never shows."""
    from woo.services import privacy

    (doc_id,) = _documents(woo_ctx, tmp_path, [("Besluit bezwaar snoeiwerk", [
        "Het bezwaar tegen het snoeiwerk is ongegrond. Bezwaarmaker j.pietersen@example.nl ontvangt dit besluit."],
        WOO_VERZOEK)])
    with woo_ctx.unit_of_work() as s:
        ids = [f.id for f in privacy.findings(s, doc_id) if f.decision == "open"]
    assert ids
    privacy.decide(woo_ctx, SYSTEM, doc_id, ids, "redact")
    drain(woo_ctx)
    assert publication.publish(woo_ctx, SYSTEM, [doc_id]).published == [doc_id]
    page = create_app(ctx=woo_ctx).test_client().get("/publicaties?q=snoeiwerk").get_data(as_text=True)
    assert "<mark>snoeiwerk</mark> is ongegrond" in page
    assert "pietersen" not in page
