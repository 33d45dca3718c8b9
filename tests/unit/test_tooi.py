"""TOOI lists: loaded from schemas/tooi, looked up the ways officers and the corpus name things."""
from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest

from tests.corpus import MANIFEST, requires_corpus
from woo.domain import categories, tooi

SCHEMAS = Path(__file__).resolve().parents[2] / "schemas"


def _csv(name):
    with (SCHEMAS / "tooi" / name).open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def test_categories_follow_the_law_order_and_carry_extra_columns():
    cats = tooi.woo_categories()
    rows = _csv("woo-informatiecategorieen.csv")
    assert [c.uri for c in cats] == [r["uri"] for r in rows]
    assert len(cats) == 18
    assert [c.sort_order for c in cats] == sorted(c.sort_order for c in cats)
    # 17 categories of art. 3.3 have a sitemap code infocat001..017 in order; the art. 3.1 one has none
    assert [c.sitemapindex_code for c in cats[:17]] == [f"infocat{i:03d}" for i in range(1, 18)]
    assert cats[17].sitemapindex_code == "" and cats[17].woo_article == "3.1"
    woo = tooi.category_by_label("Woo-verzoeken en -besluiten")
    assert woo.woo_article == "3.3 lid 2 sub i"
    assert woo.label_singular == "Woo-verzoek of -besluit"
    assert woo.label_plural == woo.label


def test_category_lookup_by_uri_label_slug_and_code():
    for c in tooi.woo_categories():
        assert tooi.category_by_uri(c.uri) is c
        assert tooi.category_by_label(c.label) is c
        assert tooi.category_by_label(c.label.upper()) is c
        assert tooi.category_by_label(c.slug) is c
        assert tooi.category_by_label(c.label_singular) is c
        assert tooi.resolve_category(c.uri) is c
        if c.sitemapindex_code:
            assert tooi.category_by_code(c.sitemapindex_code) is c
    agendas = tooi.category_by_label("agendas_en_besluitenlijsten_bestuurscolleges")
    assert agendas.label.startswith("agenda")
    assert tooi.category_by_label("  Woo verzoeken_en besluiten ") is tooi.category_by_label("woo_verzoeken_en_besluiten")
    assert tooi.category_by_code("3.3 lid 2 sub i") is tooi.category_by_code("2i") is tooi.category_by_label(
        "Woo-verzoeken en -besluiten")
    assert tooi.category_by_uri("https://example.org/nope") is None
    assert tooi.category_by_label("geen categorie") is None
    assert tooi.category_by_label(None) is None
    # the readable alias module is the same API
    assert categories.woo_categories() == tooi.woo_categories()


@requires_corpus
def test_every_corpus_slug_names_a_category():
    with MANIFEST.open(encoding="utf-8", newline="") as fh:
        slugs = {r["category_slug"] for r in csv.DictReader(fh)}
    assert slugs
    for slug in slugs:
        cat = tooi.category_by_label(slug)
        assert cat is not None, slug
        assert cat.slug == slug


def test_organisations_from_both_csvs():
    orgs = tooi.organisations()
    uris = {r["uri"] for r in _csv("organisaties.csv")} | {r["uri"] for r in _csv("gemeenten.csv")}
    assert {o.uri for o in orgs} == uris
    gemeente = next(r for r in _csv("gemeenten.csv") if r["organisatiecode"] == "gm0363")
    ams = tooi.organisation("gm0363")
    assert ams.uri == gemeente["uri"]
    assert ams.label == gemeente["label"] and ams.naam == gemeente["naam"]
    assert tooi.organisation("GM0363") is ams
    assert tooi.organisation(ams.uri) is ams
    assert tooi.organisation("0363") is ams
    assert ams.active and ams.register == "TOOI register gemeenten compleet"
    dissolved = next(r for r in _csv("gemeenten.csv") if r["einddatum"])
    assert not tooi.organisation(dissolved["organisatiecode"]).active
    ministry = next(r for r in _csv("organisaties.csv") if r["tooi_list"] == "rwc_ministeries_compleet")
    org = tooi.organisation(ministry["uri"])
    assert org.code == ministry["uri"].rsplit("/", 1)[-1]
    assert tooi.organisation(org.code) is org
    assert tooi.organisation("gm9999") is None
    assert tooi.organisation("") is None


def test_simple_lists_and_cli_codes():
    assert [c.label for c in tooi.documenthandelingen()] == [r["label"] for r in _csv("documenthandelingen.csv")]
    assert tooi.documenthandeling("Vaststelling").label == "vaststelling"
    assert len(tooi.documentsoorten()) == len(_csv("documentsoorten.csv"))
    assert tooi.taal("nederlands").code == "NLD"
    assert tooi.taal("nld").label == "Nederlands"
    redenen = tooi.redenen_verwijdering()
    assert len(redenen) == len(_csv("reden-verwijdering-vervanging.csv"))
    for r in redenen:
        assert " " not in r.code and r.code == r.code.lower()
        assert tooi.reden_verwijdering(r.code) is r
        assert tooi.reden_verwijdering(r.uri) is r
    assert tooi.documentrelatie("heeft bijlage") is not None
    assert tooi.thema("afval") is not None
    assert tooi.documentsoort("bestaat niet") is None


@pytest.mark.parametrize("ext,label", [
    ("pdf", "PDF"), (".docx", "Word DOCX"), ("brief.DOC", "Word DOC"), ("xlsx", "Excel XLSX"),
    ("odt", "ODT"), ("txt", "Plain text"), ("htm", "HTML"), ("html", "HTML"), ("csv", "CSV"),
    ("pps", "PowerPoint Slide Show"), ("7z", "7z"), ("zip", "ZIP"),
])
def test_format_by_extension(ext, label):
    assert tooi.bestandsformaat_by_extension(ext).label == label


@pytest.mark.parametrize("mime,label", [
    ("application/pdf", "PDF"),
    ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "Word DOCX"),
    ("text/plain; charset=utf-8", "Plain text"),
    ("text/html", "HTML"),
    ("application/vnd.oasis.opendocument.spreadsheet", "ODS"),
    ("application/vnd.ms-powerpoint", "PowerPoint PPT"),
])
def test_format_by_mime(mime, label):
    assert tooi.bestandsformaat_by_mime(mime).label == label


def test_unharvestable_formats_are_none():
    assert tooi.bestandsformaat_by_extension("xml") is None
    assert tooi.bestandsformaat_by_extension("png") is None
    assert tooi.bestandsformaat_by_mime("image/png") is None
    assert tooi.bestandsformaat_for("application/vnd.ms-powerpoint", "show.pps").label == "PowerPoint Slide Show"
    assert tooi.bestandsformaat_for("application/pdf", None).label == "PDF"
    every = {f.uri for f in tooi.bestandsformaten()}
    assert every == {r["uri"] for r in _csv("bestandsformaten.csv")}


def test_schemas_dir_can_be_overridden(tmp_path, monkeypatch):
    shutil.copytree(SCHEMAS / "tooi", tmp_path / "tooi")
    rows = (tmp_path / "tooi" / "woo-informatiecategorieen.csv").read_text(encoding="utf-8").splitlines()
    (tmp_path / "tooi" / "woo-informatiecategorieen.csv").write_text("\n".join(rows[:3]) + "\n", encoding="utf-8")
    monkeypatch.setenv("WOO_SCHEMAS_DIR", str(tmp_path))
    tooi.clear_cache()
    try:
        assert len(tooi.woo_categories()) == 2
    finally:
        monkeypatch.delenv("WOO_SCHEMAS_DIR")
        tooi.clear_cache()
    assert len(tooi.woo_categories()) == 18
