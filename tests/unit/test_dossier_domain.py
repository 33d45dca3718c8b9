"""Dossier rules (woo.domain.dossiers, woo.domain.grounds): kinds, life cycle, judgements, the decision term."""
from __future__ import annotations

from datetime import date

import pytest

from woo.domain import dossiers as d
from woo.domain import tooi
from woo.domain.grounds import WOO_GROUNDS, normalise_ground, split_grounds


def test_grounds_loosely_written_resolve_to_one_list():
    assert normalise_ground("5.1.2e") == "5.1.2e"
    assert normalise_ground("5.1.2.e") == "5.1.2e"
    assert normalise_ground("Art. 5.1 lid 2 sub e") == "5.1.2e"
    assert normalise_ground("5.1, lid 2, onder i") == "5.1.2i"
    assert normalise_ground("5.2.1") == "5.2"
    assert normalise_ground("5.1.5 Woo") == "5.1.5"
    assert normalise_ground("11.1") is None and normalise_ground("5.9") is None
    assert split_grounds("5.1.2e; 5.2.1,5.1.2i; 10.2e") == (["5.1.2e", "5.2", "5.1.2i"], ["10.2e"])
    from woo.services import privacy  # the privacy gate validates against the very same list
    assert privacy.WOO_GROUNDS is WOO_GROUNDS


def test_categories_come_from_tooi():
    two_i = tooi.category_by_code("3.3 lid 2 sub i").uri
    assert d.dossier_category(d.Kind.WOO_BESLUIT, None) == two_i
    with pytest.raises(d.DossierError, match="2i"):
        d.dossier_category(d.Kind.WOO_BESLUIT, "adviezen")
    assert d.dossier_category(d.Kind.VERGADERING, None) == tooi.category_by_code("2c").uri
    assert d.dossier_category(d.Kind.PUBLICATIE, None) is None
    assert d.dossier_category(d.Kind.PUBLICATIE, "adviezen") == tooi.category_by_label("adviezen").uri
    with pytest.raises(d.DossierError, match="Onbekende informatiecategorie"):
        d.dossier_category(d.Kind.PUBLICATIE, "kookboeken")
    meeting = d.dossier_category(d.Kind.VERGADERING, None)
    assert d.document_category(d.Kind.VERGADERING, meeting, d.Role.INGEKOMEN_STUK) == tooi.category_by_code("2a").uri
    assert d.document_category(d.Kind.VERGADERING, meeting, d.Role.AGENDA) == meeting
    assert tooi.documentsoort(d.documentsoort_for(d.Role.BESLUIT)).label == "beslissing op Wob-/Woo-verzoek"
    assert d.documentsoort_for(d.Role.DOCUMENT) is None
    assert all(d.documentsoort_for(r) for r in d.Role if r != d.Role.DOCUMENT)


def test_life_cycle_transitions():
    wb, pub = d.Kind.WOO_BESLUIT.value, d.Kind.PUBLICATIE.value
    assert d.check_transition(wb, "concept", "gereed") == d.Status.GEREED
    assert d.check_transition(wb, "gereed", "online-voor-verzoeker") == d.Status.ONLINE_VOOR_VERZOEKER
    assert d.check_transition(wb, "online-voor-verzoeker", "openbaar") == d.Status.OPENBAAR
    assert d.check_transition(pub, "gereed", "openbaar") == d.Status.OPENBAAR
    assert d.check_transition(pub, "openbaar", "ingetrokken") == d.Status.INGETROKKEN
    with pytest.raises(d.DossierError, match="Alleen een Woo-besluit"):
        d.check_transition(pub, "gereed", "online-voor-verzoeker")
    for cur, tgt in [("concept", "openbaar"), ("openbaar", "concept"), ("ingetrokken", "openbaar"),
                     ("concept", "ingetrokken")]:
        with pytest.raises(d.DossierError, match="kan niet naar"):
            d.check_transition(wb, cur, tgt)
    assert d.is_editable("concept") and not d.is_editable("gereed") and not d.is_editable("openbaar")


def test_judgements():
    assert d.parse_judgement("Deels Openbaar") == d.Judgement.DEELS_OPENBAAR
    assert d.parse_judgement("niet_openbaar") == d.Judgement.NIET_OPENBAAR
    assert d.parse_judgement("Reeds openbaar") == d.Judgement.REEDS_OPENBAAR
    assert d.parse_judgement("misschien") is None
    j = d.make_judgement("niet openbaar", "5.1.2e; 5.2.1", remark="Intern beraad", number="12")
    assert j.grounds == ("5.1.2e", "5.2") and j.number == "12"
    with pytest.raises(d.DossierError, match="minstens één weigeringsgrond"):
        d.make_judgement("deels openbaar")
    with pytest.raises(d.DossierError, match="Onbekende weigeringsgrond"):
        d.make_judgement("niet openbaar", "10.2e")
    with pytest.raises(d.DossierError, match="publieke link"):
        d.make_judgement("reeds openbaar")
    with pytest.raises(d.DossierError, match="geen geldig webadres"):
        d.make_judgement("reeds openbaar", public_link="ergens op internet")
    with pytest.raises(d.DossierError, match="geen weigeringsgronden"):
        d.make_judgement("openbaar", "5.1.2e")
    with pytest.raises(d.DossierError, match="Onbekende beoordeling"):
        d.make_judgement("half")
    assert d.make_judgement("reeds openbaar", public_link="https://example.org/x").public_link
    assert d.judgement_problems(d.DocumentJudgement(None))[0].startswith("Het document is nog niet beoordeeld")
    assert d.PUBLISHED_AS_FILE == {d.Judgement.OPENBAAR, d.Judgement.DEELS_OPENBAAR}


def test_decision_adds_up():
    J = d.Judgement
    assert d.decision_from([]) is None
    assert d.decision_from([J.OPENBAAR, J.OPENBAAR]) == J.OPENBAAR
    assert d.decision_from([J.OPENBAAR, J.REEDS_OPENBAAR]) == J.OPENBAAR
    assert d.decision_from([J.NIET_OPENBAAR, J.REEDS_OPENBAAR]) == J.NIET_OPENBAAR
    assert d.decision_from([J.OPENBAAR, J.NIET_OPENBAAR]) == J.DEELS_OPENBAAR


def test_decision_term():
    received = date(2024, 3, 1)
    assert d.decision_term(None, None) is None
    t = d.decision_term(received, date(2024, 3, 29))
    assert t.deadline == date(2024, 3, 29) and t.on_time and t.label == "op tijd"
    assert d.decision_term(received, date(2024, 3, 30)).label == "te laat"
    t = d.decision_term(received, date(2024, 4, 12), extended=True)
    assert t.deadline == date(2024, 4, 12) and t.label == "op tijd"
    t = d.decision_term(received, date(2024, 4, 22), extended=True, suspension_days=10)
    assert t.deadline == date(2024, 4, 22) and t.on_time
    assert d.decision_term(received, None, today=date(2024, 3, 20)).label == "nog open (9 dagen)"
    assert d.decision_term(received, None, today=date(2024, 5, 1)).label == "te laat"
    with pytest.raises(d.DossierError, match="voor de datum van ontvangst"):
        d.decision_term(received, date(2024, 2, 1))
    with pytest.raises(d.DossierError, match="negatief"):
        d.decision_term(received, None, suspension_days=-1)


def test_topics_and_fields():
    assert d.check_topics(["  Haven ", "haven", "Verkeer"], ["Haven", "Verkeer", "Wonen"]) == ["Haven", "Verkeer"]
    with pytest.raises(d.DossierError, match="Onbekend onderwerp: Ruimtevaart"):
        d.check_topics(["Ruimtevaart"], ["Haven"])
    ok = d.DossierFields("Besluit op Woo-verzoek", d.Kind.WOO_BESLUIT, category=d.woo_besluit_category(),
                         received_date=date(2024, 1, 1), decision_date=date(2024, 1, 20))
    assert d.fields_problems(ok) == []
    bad = d.DossierFields("", d.Kind.PUBLICATIE, received_date=date(2024, 1, 1))
    problems = " ".join(d.fields_problems(bad))
    assert "titel" in problems and "informatiecategorie" in problems and "ontvangstdatum" in problems
    assert d.publication_problems(d.Kind.WOO_BESLUIT, "concept", False, 0, None) == [
        "Alleen een dossier met status 'Gereed' kan openbaar worden; dit dossier is 'Concept'.",
        "Het besluit (de besluitbrief) ontbreekt.",
        "Het besluit (openbaar, deels openbaar, niet openbaar of reeds openbaar) is niet vastgelegd.",
        "Het dossier bevat geen documenten."]
    assert d.publication_problems(d.Kind.VERGADERING, "gereed", False, 3, None) == []
    assert d.parse_kind("Woo-besluit") == d.Kind.WOO_BESLUIT
    with pytest.raises(d.DossierError, match="Onbekend soort dossier"):
        d.parse_kind("raadsvoorstel")
