"""woo.domain.organisations: TOOI codes from the lists, same-site theme files, contact details, unit filter."""
from __future__ import annotations

import pytest

from woo.domain import organisations as rules
from woo.domain import tooi


def test_tooi_code_comes_from_the_lists():
    ref = rules.tooi_organisation("ws0636")
    assert ref == tooi.organisation("ws0636") and ref.uri.startswith("https://identifier.overheid.nl/tooi/id/")
    assert rules.tooi_organisation(" GM0363 ").code == "gm0363"
    assert rules.tooi_organisation(ref.uri) == ref
    for bad in ("gm9999", "", "https://identifier.overheid.nl/tooi/id/gemeente/gm9999"):
        with pytest.raises(rules.OrganisationError, match="TOOI"):
            rules.tooi_organisation(bad)


def test_public_url_and_theme_paths():
    assert rules.check_public_url("https://open.example.nl/") == "https://open.example.nl"
    assert rules.check_public_url("") == ""
    assert rules.check_public_url("http://localhost:8000") == "http://localhost:8000"
    for bad in ("http://open.example.nl", "open.example.nl", "https://open.example.nl/pad", "ftp://x.nl"):
        with pytest.raises(rules.OrganisationError, match="openbare adres"):
            rules.check_public_url(bad)
    assert rules.check_asset_path("/thema/org.css", "Het thema") == "/thema/org.css"
    for bad in ("https://cdn.example.nl/org.css", "//cdn.example.nl/x.css", "/a b.css", "/x.css\"><script>"):
        with pytest.raises(rules.OrganisationError, match="pad op deze site"):
            rules.check_asset_path(bad, "Het thema")


def test_contact_details_are_checked_and_empty_ones_dropped():
    got = rules.check_contact({"email": " woo@example.nl ", "phone": "+31 20 123 4567", "address": "",
                               "url": "https://example.nl/contact"})
    assert got == {"email": "woo@example.nl", "phone": "+31 20 123 4567", "url": "https://example.nl/contact"}
    assert rules.contact_line(got) == "+31 20 123 4567 · woo@example.nl"
    assert rules.contact_line({}) is None
    with pytest.raises(rules.OrganisationError, match="geen e-mailadres"):
        rules.check_contact({"email": "geen-adres"})
    with pytest.raises(rules.OrganisationError, match="geen telefoonnummer"):
        rules.check_contact({"phone": "bel maar"})
    with pytest.raises(rules.OrganisationError, match="Onbekend contactveld"):
        rules.check_contact({"fax": "1"})
    with pytest.raises(rules.OrganisationError, match="stuurtekens"):
        rules.check_contact({"address": "Straat\x001"})


def test_names_and_changes():
    with pytest.raises(rules.OrganisationError, match="verplicht"):
        rules.check_name("  ")
    with pytest.raises(rules.OrganisationError, match="te lang"):
        rules.check_unit_name("x" * 201)
    ch = rules.check_changes(name=" Gemeente X ", logo_url="")
    assert ch.name == "Gemeente X" and ch.logo_url == "" and ch.public_base_url is None and ch.contact is None


def test_unit_filter_defaults_to_own_units():
    assert rules.visible_unit_ids({3, 4}, all_work=False) == {3, 4}
    assert rules.visible_unit_ids({3}, all_work=True) is None
    assert rules.visible_unit_ids(set(), all_work=False) is None  # in no unit: everything, as before units


def test_units_bound_what_a_user_may_do():
    for action in ("document.edit", "document.review", "document.publish", "document.ingest"):
        assert rules.unit_allows(action, False, {3}, 3)  # own unit
        assert rules.unit_allows(action, False, {3}, None)  # no unit: anyone's
        assert not rules.unit_allows(action, False, {3, 4}, 5)  # another unit's
        assert rules.unit_allows(action, True, {3}, 5)  # admin
        assert rules.unit_allows(action, False, set(), 5)  # in no unit: organisation-wide
    for action in ("document.read", "retention.manage"):  # reading and archival work: not bounded
        assert rules.unit_allows(action, False, {3}, 5)
    assert "(Financiën)" in rules.unit_refusal_nl("Financiën")
