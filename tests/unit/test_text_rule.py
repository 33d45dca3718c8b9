"""The one text rule (woo.domain.text) and what the writers and records make of it."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
from lxml import etree

from woo.domain import text
from woo.metadata import xsd
from woo.metadata.diwoo import sitemap_url_xml
from woo.publish.atom import atom_feed
from woo.publish.records import DocumentView, FileView, diwoo_record, public_file
from woo.services import describe

WOO_VERZOEK = "https://identifier.overheid.nl/tooi/def/thes/kern/c_3baef532"


@pytest.mark.parametrize("value", ["abc\u0000def", "tab\u0007bel", "esc\u001b[31m", "del\u007f", "c1\u0085",
                                   "bom\ufffe", "lone\ud800"])
def test_control_characters_are_refused_with_the_field_named(value):
    with pytest.raises(text.InvalidText) as exc:
        text.check_text(value, "Officiële titel")
    assert str(exc.value).startswith("Officiële titel bevat") and "U+" in str(exc.value)
    assert text.forbidden_characters(text.clean_text(value)) == []


@pytest.mark.parametrize("value", ["Besluit op Woo-verzoek", "regel 1\nregel 2\ttab\r", "Ærø – “citaat” 😀",
                                   "Zero\u200dwidth joiner"])
def test_ordinary_text_passes_unchanged(value):
    assert text.check_text(value, "Titel") == value and text.clean_text(value) == value
    assert text.xml_text(value) == value and text.is_xml_safe(value)


def test_xml_text_drops_only_what_xml_cannot_carry():
    assert text.xml_text("a\u0000b\u0007c\u000bd\ufffee\ud800f\u0085g") == "abcdef\u0085g"
    assert text.xml_text(None) is None
    every_control = ''.join(map(chr, range(0x20)))
    assert etree.fromstring(f"<t>{text.xml_text(every_control)}</t>".encode()).text == "\t\n\n"  # \r read as \n


def test_describe_refuses_every_field_with_a_control_character():
    for field, value in (("title", "Besluit\u0000"), ("identifiers", ["A-1", "B\u00012"]),
                         ("date.creatie", "2025-01-01\u0007"), ("documentsoort", "brief\u001b"),
                         ("organisation", "gm0363\u0000")):
        with pytest.raises(describe.DescribeError, match="stuurtekens"):
            describe.normalise(field, value)
    assert describe.normalise("title", "  Besluit\n over  de haven ") == "Besluit over de haven"


def _view(title: str, metadata: dict, created_at=datetime(2025, 6, 1, tzinfo=timezone.utc), files=None):
    now = datetime(2025, 6, 2, 12, 30, 45, 123456, tzinfo=timezone.utc)
    return DocumentView("d" * 32, title, WOO_VERZOEK, metadata, "nl", None, created_at, now, now,
                        files or [FileView("original", "besluit.pdf", 1234, "application/pdf")])


class _Org:
    tooi_uri = "https://identifier.overheid.nl/tooi/id/gemeente/gm0363"


def _record_xml(view) -> str:
    return sitemap_url_xml(diwoo_record(view, _Org(), public_file(view), "https://woo.example"), declare_ns=True)


def test_a_bad_title_still_gives_a_valid_record_and_feed():
    view = _view("abc\u0000def\u0007", {"confirmed": {"identifiers": ["K\u00011"]}})
    xml = _record_xml(view)
    xsd.validate_diwoo(f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{xml}</urlset>')
    assert "<diwoo:officieleTitel>abcdef</diwoo:officieleTitel>" in xml and "<diwoo:identifier>K1<" in xml
    assert "<lastmod>2025-06-02T12:30:45+00:00</lastmod>" in xml  # W3C datetime, seconds, no fraction

    class Doc:
        id, title, category, updated_at, published_at = "d" * 32, "abc\u0000def", WOO_VERZOEK, None, \
            datetime(2025, 6, 2, tzinfo=timezone.utc)

        class organisation:
            name = "Gemeente\u0007 Utrecht"
    feed = etree.fromstring(atom_feed("https://woo.example", [Doc()], datetime.now(timezone.utc)))
    assert feed.findtext("{http://www.w3.org/2005/Atom}entry/{http://www.w3.org/2005/Atom}title") == "abcdef"


def test_creatiedatum_where_known_and_never_invented():
    def creatie(view):
        found = etree.fromstring(_record_xml(view)).find(".//{https://standaarden.overheid.nl/diwoo/metadata/}"
                                                         "creatiedatum")
        return None if found is None else found.text
    assert creatie(_view("Besluit", {"confirmed": {"date.creatie": "2025-03-04"},
                                     "properties": {"created": "2024-01-01T10:00:00"}})) == "2025-03-04"
    # the file's own recorded creation date when nothing better is known
    assert creatie(_view("Besluit", {"properties": {"created": "2024-01-01T10:00:00+01:00"}})) == "2024-01-01"
    # not believed: after the registration here, or unreadable
    assert creatie(_view("Besluit", {"properties": {"created": "2031-01-01T10:00:00"}})) is None
    assert creatie(_view("Besluit", {"properties": {"created": "gisteren!!"}})) is None
    # unknown: left out (optional in the 0.9.8 XSD), not filled with the registration date
    assert creatie(_view("Besluit", {})) is None


def test_an_unharvestable_original_is_stood_in_for_by_its_pdfa():
    xml = FileView("original", "regeling.xml", 500, "application/xml")
    pdfa = FileView("pdfa", "regeling.pdfa.pdf", 900, "application/pdf")
    assert public_file(_view("Regeling", {}, files=[xml, pdfa])) is pdfa
    assert public_file(_view("Regeling", {}, files=[xml])) is xml  # the blockers then name its format
    pdf = FileView("original", "besluit.pdf", 500, "application/pdf")
    assert public_file(_view("Besluit", {}, files=[pdf, FileView("pdfa", "b.pdfa.pdf", 9, "application/pdf")])) is pdf
