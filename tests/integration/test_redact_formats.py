"""Redaction in every format: a DOCX, ODT, TXT, HTML or e-mail with a BSN and a name is redacted in its PDF/A
rendition, and that redacted PDF is what the public gets (download, sitemap <loc>, DiWoo format, MDTO sidecar);
the original stays unpublished. Checked from the outside: the file fetched over HTTP, read by pdftotext."""
from __future__ import annotations

import shutil
import subprocess
from urllib.parse import urlparse

import pytest
import requests

from tests.conftest import drain
from tests.factories import make_docx, make_eml, make_html, make_odt, make_txt
from tests.integration.test_harvest import crawl
from tests.integration.test_publish import DATED, answered
from woo.adapters.models import Document, Event, Organisation
from woo.archive import sidecars
from woo.domain import tooi
from woo.metadata import mdto
from woo.metadata.diwoo import parse_diwoo_document
from woo.services import accounts, classification, preservation, privacy, publication
from woo.services.context import Actor
from woo.services.ingest import ingest

pytestmark = pytest.mark.skipif(not (shutil.which("soffice") or shutil.which("libreoffice"))
                                or not shutil.which("pdftotext"), reason="LibreOffice and pdftotext needed")

OFFICER = Actor("user", None, "officer-test")
BSN = "111222333"  # passes the elfproef
NAME = "Ayşe Yılmaz"
KEPT = "de omgevingsvergunning voor het kappen van twee eiken te verlenen"
LINES = [f"Geachte mevrouw {NAME},",
         f"Uw aanvraag is bij ons geregistreerd onder burgerservicenummer {BSN}.",
         f"Het college heeft besloten {KEPT}.", DATED,
         "Met vriendelijke groet, het college van burgemeester en wethouders."]


def _files(tmp_path):
    return {
        "docx": make_docx(tmp_path / "brief.docx", LINES),
        "odt": make_odt(tmp_path / "brief.odt", LINES),
        "txt": make_txt(tmp_path / "brief.txt", "\n\n".join(LINES)),
        "html": make_html(tmp_path / "brief.html", "Besluit kapvergunning", LINES),
        "eml": make_eml(tmp_path / "brief.eml", "Besluit kapvergunning", "\n\n".join(LINES)),
    }


def _pdftotext(data: bytes, tmp_path) -> str:
    path = tmp_path / "public.pdf"
    path.write_bytes(data)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout


def _ingest(woo_ctx, paths) -> dict[str, str]:
    with woo_ctx.unit_of_work() as s:
        org = accounts.default_organisation(s).id
    ids = {kind: ingest(woo_ctx, OFFICER, org, path.name, path=path).document_id for kind, path in paths.items()}
    drain(woo_ctx)
    for doc_id in ids.values():
        classification.set_category(woo_ctx, OFFICER, doc_id, tooi.category_by_label("beschikkingen").uri)
    return ids


def _redact_everything(woo_ctx, doc_id) -> list[str]:
    """Redact every finding with its default ground; the text values redacted."""
    with woo_ctx.unit_of_work() as s:
        rows = privacy.original_findings(s, doc_id)
        ids = [f.id for f in rows if f.location is None and f.decision in ("open", "ambtsdrager")]
        texts = [f.text for f in rows if f.location is None and f.type != "hidden"]
        types = {f.type for f in rows}
    assert {"bsn", "person_name"} <= types, types
    privacy.decide(woo_ctx, OFFICER, doc_id, ids, "redact")
    with woo_ctx.unit_of_work() as s:  # metadata findings (a file name, a title) are allowed as the officer would
        meta = [f.id for f in privacy.original_findings(s, doc_id) if f.location and f.decision == "open"]
    if meta:
        privacy.decide(woo_ctx, OFFICER, doc_id, meta, "allow", reason="Titel zonder persoonsgegevens")
    return texts


@pytest.fixture
def site(live_server, woo_ctx):
    with woo_ctx.unit_of_work() as s:
        for org in s.query(Organisation):
            org.public_base_url = live_server
    return live_server


def test_every_format_is_published_as_its_redacted_pdf(site, woo_ctx, tmp_path):
    ids = _ingest(woo_ctx, _files(tmp_path))
    redacted = {kind: _redact_everything(woo_ctx, doc_id) for kind, doc_id in ids.items()}
    drain(woo_ctx)  # the PDF/A rendition of text, HTML and mail is made now, for the redaction
    for kind, doc_id in ids.items():
        with woo_ctx.unit_of_work() as s:
            doc = s.get(Document, doc_id)
            assert privacy.blockers(s, doc) == [], (kind, privacy.blockers(s, doc))
            public = publication.public_file(doc)
            assert public.role == "redacted" and public.mime_type == "application/pdf", kind
            assert public.filename.endswith(".pdf") and doc.file("pdfa") is not None, kind
    result = publication.publish(woo_ctx, OFFICER, list(ids.values()),
                                 metadata=answered(list(ids.values()), "Besluit kapvergunning"))
    assert sorted(result.published) == sorted(ids.values()), result.refused
    drain(woo_ctx)  # feeds
    assert preservation.describe_pending(woo_ctx)[1] == []  # MDTO sidecars (the worker does this periodically)

    found = crawl(site)
    by_id = {urlparse(loc).path.split("/")[2]: (loc, url) for loc, url in found.items()}
    pdf_format = tooi.bestandsformaat_for("application/pdf", "x.pdf").uri
    for kind, doc_id in ids.items():
        loc, url = by_id[doc_id]
        got = requests.get(loc, timeout=30)
        assert got.status_code == 200 and got.headers["Content-Type"] == "application/pdf", kind
        assert got.headers["Content-Disposition"].endswith('.pdf"') or ".pdf" in got.headers["Content-Disposition"]
        rec = parse_diwoo_document(url)
        assert rec.format == pdf_format and rec.size == len(got.content), (kind, rec.format)
        text = _pdftotext(got.content, tmp_path)
        flat = " ".join(text.split())
        for value in redacted[kind] + [BSN, NAME]:
            assert " ".join(value.split()) not in flat, (kind, value)
        assert "omgevingsvergunning" in flat and "twee eiken" in flat and "5.1.1e" in flat, (kind, flat)
        with woo_ctx.unit_of_work() as s:
            doc = s.get(Document, doc_id)
            public, original = publication.public_file(doc), doc.file("original")
            assert got.content == woo_ctx.store.get_bytes(public.object_key, public.version_id)
            public_key, original_key, puid = public.object_key, original.object_key, public.puid
        assert puid and puid not in ("fmt/476", "fmt/477", "fmt/478")  # redacted: plain PDF, not PDF/A
        # the MDTO sidecars: the public file carries the public URL and its own PRONOM format; the original none
        public_xml = woo_ctx.store.get_bytes(sidecars.bestand_key(public_key)).decode()
        original_xml = woo_ctx.store.get_bytes(sidecars.bestand_key(original_key)).decode()
        path = urlparse(loc).path  # the sidecars name the instance's base URL, the sitemap the organisation's
        assert path in public_xml and f"<begripCode>{puid}</begripCode>" in public_xml, kind
        assert path not in original_xml, kind
        record = woo_ctx.store.get_bytes(sidecars.informatieobject_key(doc_id)).decode()
        assert public_key in record and original_key in record, kind  # the archive keeps both
        with woo_ctx.unit_of_work() as s:  # the open (OAI-PMH) variant: the public file's URL only
            facts = preservation.document_facts(s, s.get(Document, doc_id))
        open_record = mdto.to_bytes(mdto.build_informatieobject(
            sidecars.informatieobject_record(facts, woo_ctx.settings.base_url, public=True))).decode()
        assert facts.public_role == "redacted" and path in open_record and original_key not in open_record
        # the original is kept and never served
        assert requests.get(f"{site}/publicaties/{doc_id}/bestand", timeout=30).content == got.content


def _docx_with_hidden_text(path, hidden: str):
    import docx

    document = docx.Document()
    for line in LINES:
        document.add_paragraph(line)
    document.paragraphs[1].add_run(f" {hidden}").font.hidden = True  # read by the scan, never printed
    document.save(str(path))
    return path


def test_a_value_not_found_in_the_rendition_blocks_publication(woo_ctx, tmp_path):
    # Hidden text in a DOCX is read by the scan but not printed in the PDF rendition: its phone number cannot
    # be located there, so the document is held back with a reason instead of being published.
    ids = _ingest(woo_ctx, {"hidden": _docx_with_hidden_text(tmp_path / "melding.docx", "Bel 06-12345678.")})
    doc_id = ids["hidden"]
    with woo_ctx.unit_of_work() as s:
        assert any(f.text == "06-12345678" for f in privacy.original_findings(s, doc_id))
    _redact_everything(woo_ctx, doc_id)
    drain(woo_ctx)
    with woo_ctx.unit_of_work() as s:
        reasons = privacy.blockers(s, s.get(Document, doc_id))
    assert any("Niet alle te lakken tekst" in r and "niet gevonden in de PDF-versie" in r for r in reasons), reasons
    assert not any("12345678" in r for r in reasons)  # masked in the reason
    refused = publication.publish(woo_ctx, OFFICER, [doc_id], metadata=answered([doc_id], "Melding"))
    assert set(refused.refused) == {doc_id} and not refused.published

    # allowing that value (a functional number) lets the redacted rendition through
    with woo_ctx.unit_of_work() as s:
        phone = [f.id for f in privacy.original_findings(s, doc_id) if f.text == "06-12345678"]
    privacy.decide(woo_ctx, OFFICER, doc_id, phone, "allow", reason="Algemeen nummer van de gemeente")
    with woo_ctx.unit_of_work() as s:
        doc = s.get(Document, doc_id)
        assert privacy.blockers(s, doc) == []
        assert publication.public_file(doc).role == "redacted"


COMMENT = "Naam van de melder nog weglakken"  # make_docx(comments=True): "... (J. de Vries, 06-12345678)"


def test_a_docx_with_comments_is_published_redacted_without_its_comments(site, woo_ctx, tmp_path):
    # LibreOffice exports a DOCX's comments as annotations that PDF/A-2b refuses; the rendition is made from a
    # copy without the comments, so the BSN and name in the text are redacted, and the comment (personal data
    # of its own) is not in the public file. The original, comments and all, is kept unchanged.
    path = make_docx(tmp_path / "notitie.docx", LINES, comments=True)
    original_bytes = path.read_bytes()
    (doc_id,) = _ingest(woo_ctx, {"docx": path}).values()
    redacted = _redact_everything(woo_ctx, doc_id)
    drain(woo_ctx)
    with woo_ctx.unit_of_work() as s:
        doc = s.get(Document, doc_id)
        assert privacy.blockers(s, doc) == [], privacy.blockers(s, doc)
        public, original = publication.public_file(doc), doc.file("original")
        assert public.role == "redacted" and doc.file("pdfa") is not None
        original_ref = (original.object_key, original.version_id)
    assert woo_ctx.store.get_bytes(*original_ref) == original_bytes
    result = publication.publish(woo_ctx, OFFICER, [doc_id], metadata=answered([doc_id], "Notitie kapvergunning"))
    assert result.published == [doc_id], result.refused
    drain(woo_ctx)
    (loc,) = [loc for loc in crawl(site) if doc_id in loc]
    got = requests.get(loc, timeout=30)
    assert got.status_code == 200 and got.headers["Content-Type"] == "application/pdf"
    flat = " ".join(_pdftotext(got.content, tmp_path).split())
    for value in redacted + [BSN, NAME, COMMENT, "J. de Vries", "06-12345678"]:
        assert " ".join(value.split()) not in flat, value
    assert "omgevingsvergunning" in flat and "twee eiken" in flat and "5.1.1e" in flat, flat
    assert COMMENT.encode() not in got.content and b"/Annots" not in got.content



def _published_text(site, woo_ctx, doc_id, title, tmp_path) -> tuple[str, bytes]:
    """Publish, crawl as a harvester does, fetch the public file: (its pdftotext text, its bytes)."""
    result = publication.publish(woo_ctx, OFFICER, [doc_id], metadata=answered([doc_id], title))
    assert result.published == [doc_id], result.refused
    drain(woo_ctx)
    (loc,) = [loc for loc in crawl(site) if doc_id in loc]
    got = requests.get(loc, timeout=30)
    assert got.status_code == 200 and got.headers["Content-Type"] == "application/pdf"
    return " ".join(_pdftotext(got.content, tmp_path).split()), got.content


ODT_COMMENT = "Bel de melder terug op 06-24681357"


def test_an_odt_with_a_comment_is_published_redacted_without_it_and_the_audit_counts_it_apart(
        site, woo_ctx, tmp_path):
    # As for a DOCX: the comment (its text and its author, personal data of their own) is read by the scan,
    # and the rendition is made from a copy without it. A value only in the comment is removed with it, not
    # redacted: the audit counts it apart instead of among the redactions.
    from tests.unit.test_privacy_office import make_odt_with_comment_and_changes

    path = make_odt_with_comment_and_changes(tmp_path / "notitie.odt", ODT_COMMENT, lines=LINES)
    (doc_id,) = _ingest(woo_ctx, {"odt": path}).values()
    with woo_ctx.unit_of_work() as s:
        texts = {(f.type, f.text) for f in privacy.original_findings(s, doc_id) if f.location is None}
    assert {("bsn", BSN), ("phone", "06-24681357")} <= texts, texts
    assert any(t == "hidden" and "Piet Jansen" in v for t, v in texts), texts
    redacted = _redact_everything(woo_ctx, doc_id)
    drain(woo_ctx)
    with woo_ctx.unit_of_work() as s:
        doc = s.get(Document, doc_id)
        assert privacy.blockers(s, doc) == [], privacy.blockers(s, doc)
        assert publication.public_file(doc).role == "redacted"
        (event,) = s.query(Event).filter_by(document_id=doc_id, action="document.redacted").all()
        detail = event.detail
    only_in_comment = [v for v in redacted if v in ODT_COMMENT or v == "Piet Jansen"]
    assert only_in_comment and detail["removed_with_comments"] == len(only_in_comment), (detail, redacted)
    assert detail["redactions"] == len(set(redacted)) - len(only_in_comment) and detail["not_found"] == 0, detail
    flat, data = _published_text(site, woo_ctx, doc_id, "Notitie kapvergunning", tmp_path)
    for value in redacted + [BSN, NAME, ODT_COMMENT, "06-24681357", "Piet Jansen"]:
        assert " ".join(value.split()) not in flat, value
    assert "omgevingsvergunning" in flat and "twee eiken" in flat and "Geachte heer, uw aanvraag" in flat, flat
    assert b"/Annots" not in data


def test_deleted_tracked_changes_are_not_in_the_public_file(site, woo_ctx, tmp_path):
    # LibreOffice prints deleted text of a tracked change (struck through) in its PDF; the rendition is made
    # from a copy with the changes accepted. The deleted name and number are found by the scan, redacted by
    # the officer, and absent from the public PDF; the inserted text is there.
    from tests.unit.test_privacy_office import DELETED, make_docx_with_changes, make_odt_with_comment_and_changes

    paths = {"docx": make_docx_with_changes(tmp_path / "brief.docx", LINES),
             "odt": make_odt_with_comment_and_changes(tmp_path / "brief.odt", "Akkoord", DELETED, LINES)}
    ids = _ingest(woo_ctx, paths)
    for kind, doc_id in ids.items():
        with woo_ctx.unit_of_work() as s:
            texts = {f.text for f in privacy.original_findings(s, doc_id) if f.location is None}
        assert {"06-98765432", "Fatima Bakkali"} <= texts, (kind, texts)
        _redact_everything(woo_ctx, doc_id)
    drain(woo_ctx)
    for kind, doc_id in ids.items():
        with woo_ctx.unit_of_work() as s:
            doc = s.get(Document, doc_id)
            assert privacy.blockers(s, doc) == [], (kind, privacy.blockers(s, doc))
            (event,) = s.query(Event).filter_by(document_id=doc_id, action="document.redacted").all()
        assert event.detail.get("removed_with_changes", 0) >= 2, (kind, event.detail)
        flat, _ = _published_text(site, woo_ctx, doc_id, f"Besluit vergunning {kind}", tmp_path)
        for value in ("Fatima", "Bakkali", "98765432", "Schrapper", "voorbehoud"):
            assert value not in flat, (kind, value, flat)
        assert "Contactpersoon: het Klantcontactcentrum" in flat and "twee eiken" in flat, (kind, flat)


def test_no_redaction_left_publishes_the_original(woo_ctx, tmp_path):
    path = make_txt(tmp_path / "brief.txt", "\n\n".join(LINES))
    (doc_id,) = _ingest(woo_ctx, {"txt": path}).values()
    _redact_everything(woo_ctx, doc_id)
    drain(woo_ctx)
    with woo_ctx.unit_of_work() as s:
        assert publication.public_file(s.get(Document, doc_id)).role == "redacted"
        ids = [f.id for f in privacy.original_findings(s, doc_id) if f.decision == "redact"]
    privacy.decide(woo_ctx, OFFICER, doc_id, ids, "allow", reason="Betrokkene heeft ingestemd met openbaarmaking")
    with woo_ctx.unit_of_work() as s:
        doc = s.get(Document, doc_id)
        assert doc.file("redacted") is None and publication.public_file(doc).role == "original"
        assert privacy.blockers(s, doc) == []


def test_a_spreadsheet_and_a_presentation_are_published_redacted_without_comments_and_changes(
        site, woo_ctx, tmp_path):
    # As for a DOCX and an ODT: LibreOffice would export the comments of an ODS or ODP as annotations that
    # PDF/A-2b refuses, so there was no rendition to redact in. The scan reads the comment (and its author) and
    # the former contents of a changed cell; the rendition is made from a copy without them, so neither is in
    # the public file, while the BSN and the name in the cells and on the slides are redacted there.
    from tests.unit.test_privacy_office import DELETED, make_ods_with_comment_and_changes, make_odp_with_comment

    paths = {"ods": make_ods_with_comment_and_changes(tmp_path / "overzicht.ods", ODT_COMMENT, DELETED, LINES),
             "odp": make_odp_with_comment(tmp_path / "presentatie.odp", ODT_COMMENT, LINES)}
    ids = _ingest(woo_ctx, paths)
    redacted = {}
    for kind, doc_id in ids.items():
        with woo_ctx.unit_of_work() as s:
            texts = {(f.type, f.text) for f in privacy.original_findings(s, doc_id) if f.location is None}
        assert {("bsn", BSN), ("phone", "06-24681357")} <= texts, (kind, texts)
        assert any(t == "hidden" and "Piet Jansen" in v for t, v in texts), (kind, texts)
        if kind == "ods":
            assert {("phone", "06-98765432"), ("person_name", "Fatima Bakkali")} <= texts, texts
        redacted[kind] = _redact_everything(woo_ctx, doc_id)
    drain(woo_ctx)
    for kind, doc_id in ids.items():
        with woo_ctx.unit_of_work() as s:
            doc = s.get(Document, doc_id)
            assert privacy.blockers(s, doc) == [], (kind, privacy.blockers(s, doc))
            assert publication.public_file(doc).role == "redacted", kind
            (event,) = s.query(Event).filter_by(document_id=doc_id, action="document.redacted").all()
        assert event.detail["removed_with_comments"] >= 2 and event.detail["not_found"] == 0, (kind, event.detail)
        if kind == "ods":
            assert event.detail["removed_with_changes"] >= 2, event.detail
        flat, data = _published_text(site, woo_ctx, doc_id, f"Overzicht kapvergunning {kind}", tmp_path)
        for value in redacted[kind] + [BSN, NAME, ODT_COMMENT, "06-24681357", "Piet Jansen", "Fatima", "Bakkali",
                                       "98765432", "Schrapper", "voorbehoud"]:
            assert " ".join(value.split()) not in flat, (kind, value, flat)
        assert "omgevingsvergunning" in flat and "twee eiken" in flat and "5.1.1e" in flat, (kind, flat)
        assert ("het Klantcontactcentrum" if kind == "ods" else "Geachte heer, uw aanvraag") in flat, (kind, flat)
        assert b"/Annots" not in data, kind
