"""Bereikbaarheidsgegevens (issue 14 item 7, Woo art. 3.3 lid 1 sub e): an organisation's contact details,
set through the organisation service (admin page, `woo organisation set`), are published as a Dutch PDF in
that TOOI category; the privacy gate allows the organisation's own contact data, not a person's; a change
becomes a new version of the same record (correction path), which a harvester finds in the category's
sitemap under the same file URL."""
from __future__ import annotations

import requests
from lxml import etree

from tests.conftest import drain
from tests.integration.test_dossiers import site  # noqa: F401  (fixture: the live server is the public host)
from tests.integration.test_harvest import NS
from tests.integration.test_publish import make_pdf
from woo.adapters.models import Document, Organisation, PrivacyFinding
from woo.domain import tooi
from woo.metadata.diwoo import parse_diwoo_document
from woo.services import accounts, contact_details, organisations
from woo.services.context import SYSTEM
from woo.services.ingest import ingest

CONTACT = {"email": "info@voorbeeldstad.nl", "phone": "030 123 4567",
           "address": "Stadsplein 1, 3511 AB Voorbeeldstad", "url": "https://www.voorbeeldstad.nl/contact"}


def _pdf_text(data: bytes) -> str:
    import fitz

    with fitz.open(stream=data, filetype="pdf") as pdf:
        return "\n".join(page.get_text() for page in pdf)


def _category_sitemap(base: str, code: str) -> dict[str, etree._Element]:
    index = etree.fromstring(requests.get(f"{base}/sitemaps/sitemapindex-diwoo-{code}.xml", timeout=10).content)
    found = {}
    for loc in index.findall("sm:sitemap/sm:loc", NS):
        for url in etree.fromstring(requests.get(loc.text, timeout=10).content).findall("sm:url", NS):
            found[url.find("sm:loc", NS).text] = url
    return found


def test_contact_details_published_as_bereikbaarheidsgegevens_and_versioned(site, woo_ctx):
    category = tooi.resolve_category("bereikbaarheidsgegevens")
    assert category.woo_article == "3.3 lid 1 sub e" and contact_details.category() == category
    with woo_ctx.unit_of_work() as s:
        org = accounts.default_organisation(s)
        org_id, org_name = org.id, org.name
    assert organisations.change(woo_ctx, SYSTEM, org_id, contact=CONTACT) == ["contact"]
    drain(woo_ctx)
    with woo_ctx.unit_of_work() as s:
        doc = contact_details.current(s, org_id)
        assert doc is not None and doc.status == "published", doc and doc.status
        assert doc.category == category.uri and doc.title == f"Bereikbaarheidsgegevens {org_name}"
        doc_id = doc.id
        findings = s.query(PrivacyFinding).filter_by(document_id=doc_id).all()
        assert findings and {f.type for f in findings} >= {"email", "phone"}
        assert all(f.decision == "allow" and "organisatie zelf" in f.reason for f in findings
                   if f.type in ("email", "phone", "address")), [(f.type, f.text, f.decision) for f in findings]
    file_url = f"{site}/publicaties/{doc_id}/bestand"
    found = _category_sitemap(site, category.sitemapindex_code)
    assert list(found) == [file_url]
    rec = parse_diwoo_document(found[file_url])
    assert rec.informatiecategorieen == [category.uri] and rec.officiele_titel == f"Bereikbaarheidsgegevens {org_name}"
    assert rec.reden_verwijdering is None
    text = _pdf_text(requests.get(file_url, timeout=10).content)
    assert "030 123 4567" in text and "info@voorbeeldstad.nl" in text
    assert "artikel 3.3, eerste lid, onder e, van de Wet open overheid" in " ".join(text.split())
    assert "Vastgesteld op" in text

    # unchanged details: nothing new
    assert organisations.change(woo_ctx, SYSTEM, org_id, contact=CONTACT) == []
    # new details: a new version of the same record, public once its check passed, same file URL
    assert organisations.change(woo_ctx, SYSTEM, org_id, contact={**CONTACT, "phone": "030 765 4321"}) == ["contact"]
    drain(woo_ctx)
    with woo_ctx.unit_of_work() as s:
        assert contact_details.current(s, org_id).id == doc_id
        doc = s.get(Document, doc_id)
        assert doc.status == "published" and len(doc.metadata_["corrections"]) == 1
        assert s.query(Document).filter_by(source=contact_details.SOURCE).count() == 1
    text = _pdf_text(requests.get(file_url, timeout=10).content)
    assert "030 765 4321" in text and "030 123 4567" not in text
    found = _category_sitemap(site, category.sitemapindex_code)
    assert list(found) == [file_url]  # the harvester sees a replaced file of the same record
    assert parse_diwoo_document(found[file_url]).reden_verwijdering == \
        tooi.reden_verwijdering("correctie procedurele fout").uri


def test_privacy_gate_allows_the_organisations_contact_data_not_a_persons(woo_ctx, tmp_path):
    with woo_ctx.unit_of_work() as s:
        org_id = accounts.default_organisation(s).id
    with woo_ctx.unit_of_work() as s:  # the details alone (no document of them in this test)
        s.get(Organisation, org_id).contact = CONTACT
    pdf = make_pdf(tmp_path / "brief.pdf", ["Neem contact op via info@voorbeeldstad.nl of 030 123 4567.",
                                            "Behandelaar: j.devries@gmail.com, telefoon 06-12345678."])
    doc_id = ingest(woo_ctx, SYSTEM, org_id, "brief.pdf", path=pdf, title="Brief").document_id
    drain(woo_ctx)
    with woo_ctx.unit_of_work() as s:
        got = {f.text: f.decision for f in s.query(PrivacyFinding).filter_by(document_id=doc_id)
               if f.type in ("email", "phone")}
    assert got.get("info@voorbeeldstad.nl") == "allow" and got.get("030 123 4567") == "allow", got
    assert got.get("j.devries@gmail.com") == "open" and got.get("06-12345678") == "open", got


def test_details_changed_before_the_first_version_was_public_replace_it(site, woo_ctx):
    """A change while the first version still waits for its checks replaces that file: one document, published
    once with the latest details."""
    with woo_ctx.unit_of_work() as s:
        org_id = accounts.default_organisation(s).id
    organisations.change(woo_ctx, SYSTEM, org_id, contact=CONTACT)
    organisations.change(woo_ctx, SYSTEM, org_id, contact={**CONTACT, "email": "balie@voorbeeldstad.nl"})
    drain(woo_ctx)
    with woo_ctx.unit_of_work() as s:
        docs = s.query(Document).filter_by(source=contact_details.SOURCE).all()
        assert [d.status for d in docs] == ["published"] and not (docs[0].metadata_ or {}).get("corrections")
        doc_id = docs[0].id
    text = _pdf_text(requests.get(f"{site}/publicaties/{doc_id}/bestand", timeout=10).content)
    assert "balie@voorbeeldstad.nl" in text and "info@voorbeeldstad.nl" not in text
