"""The Woo category classifier: shape, determinism, robustness, explanations, training and comparison."""
from __future__ import annotations

import csv
import time

import pytest

from woo.classify import MODEL_PATH, Classification, Classifier, classify, compare, evaluate, retrain, train
from woo.classify import categories as cats
from woo.classify import metrics as ev
from woo.classify.model import Model

CSV_URIS = {row["uri"]: row["label"] for row in csv.DictReader(cats.CSV_PATH.open(encoding="utf-8"))}


def uri_of(slug: str) -> str:
    return cats.resolve(slug).uri


BESLUITENLIJST = (
    "Besluitenlijst van de vergadering van het college van B&W\n"
    "Gemeente Voorbeeldstad, vergadering van dinsdag 4 juni 2024\n"
    "Aanwezig: burgemeester, wethouders en gemeentesecretaris\n"
    "1. Opening en mededelingen\n"
    "2. Vaststellen besluitenlijst van 28 mei 2024: conform vastgesteld\n"
    "3. Subsidie buurthuis De Linde: het college besluit conform advies de subsidie te verlenen\n"
    "4. Beantwoording raadsvragen over parkeren: vastgesteld\n"
    "5. Rondvraag\n6. Sluiting\n"
)

WOO_BESLUIT = (
    "Retouradres Postbus 100, 1000 AA Voorbeeldstad\n"
    "Onderwerp: Besluit op uw Woo-verzoek over de herinrichting van het Marktplein\n"
    "Geachte heer Jansen,\n"
    "Op 3 februari 2024 hebben wij uw verzoek op grond van de Wet open overheid (hierna: Woo) ontvangen. "
    "U vraagt om alle documenten over de herinrichting van het Marktplein. Wij hebben 24 documenten gevonden. "
    "Wij maken deze documenten deels openbaar. Persoonsgegevens zijn weggelakt op grond van artikel 5.1, "
    "tweede lid, onder e, van de Woo. Voor de beoordeling per document verwijzen wij naar de inventarislijst. "
    "Tegen dit besluit kunt u binnen zes weken bezwaar maken.\nMet vriendelijke groet,\nhet college van "
    "burgemeester en wethouders\n"
)

BESCHIKKING = (
    "Onderwerp: Omgevingsvergunning voor het bouwen van een dakkapel, Kerkstraat 12\n"
    "Geachte aanvrager,\n"
    "Op 5 maart 2024 hebben wij uw aanvraag om een omgevingsvergunning ontvangen voor het plaatsen van een "
    "dakkapel. Wij hebben besloten de vergunning te verlenen. De beschikking treedt in werking op de dag na "
    "bekendmaking. Belanghebbenden kunnen binnen zes weken na de datum van verzending een bezwaarschrift "
    "indienen bij het college van burgemeester en wethouders.\n"
)

SUBSIDIEOVEREENKOMST = (
    "Subsidieovereenkomst tussen de Minister voor Buitenhandel en Ontwikkelingssamenwerking en Stichting "
    "Voorbeeld\nDe partijen komen het volgende overeen. Artikel 1. De minister verstrekt de stichting een "
    "subsidie van ten hoogste EUR 2.500.000 voor het programma Schoon Water. Deze subsidie wordt verstrekt op "
    "grond van deze overeenkomst en niet bij beschikking. Artikel 2. De stichting rapporteert jaarlijks over "
    "de besteding aan het Ministerie van Buitenlandse Zaken. Aldus overeengekomen en in tweevoud ondertekend.\n"
)


def check_shape(result: Classification) -> None:
    assert result.category in CSV_URIS
    assert result.label == CSV_URIS[result.category]
    assert 0.0 <= result.confidence <= 1.0
    assert len(result.alternatives) >= 2
    alt_uris = [u for u, _ in result.alternatives]
    assert result.category not in alt_uris and len(set(alt_uris)) == len(alt_uris)
    assert all(u in CSV_URIS and 0.0 <= p <= result.confidence for u, p in result.alternatives)
    assert result.reasons and all(isinstance(r, str) and r for r in result.reasons)


def test_categories_come_from_the_tooi_csv():
    assert {c.uri for c in cats.categories()} == set(CSV_URIS)
    assert len(cats.categories()) == 18
    assert cats.resolve("agendas_en_besluitenlijsten_bestuurscolleges").label.startswith("agenda")
    assert cats.resolve("woo_verzoeken_en_besluiten") == cats.resolve("Woo-verzoeken en -besluiten")
    assert cats.article_31().article == "3.1"


def test_besluitenlijst_is_an_agenda_or_besluitenlijst_with_the_cue_as_reason():
    result = classify(BESLUITENLIJST, filename="besluitenlijst-bw-2024-06-04.pdf")
    check_shape(result)
    assert result.category == uri_of("agendas_en_besluitenlijsten_bestuurscolleges")
    assert any("Besluitenlijst" in r for r in result.reasons)


@pytest.mark.parametrize("text,slug,cue", [
    (WOO_BESLUIT, "woo_verzoeken_en_besluiten", "Woo-verzoek"),
    (BESCHIKKING, "beschikkingen", "vergunning"),
])
def test_typical_letters(text, slug, cue):
    result = classify(text)
    check_shape(result)
    assert result.category == uri_of(slug)
    assert any(cue.lower() in r.lower() for r in result.reasons)


def test_category_without_training_examples_is_reachable_through_its_legal_definition():
    result = classify(SUBSIDIEOVEREENKOMST)
    check_shape(result)
    ranked = [result.category] + [u for u, _ in result.alternatives]
    assert uri_of("subsidieverplichtingen_anders_dan_met_beschikking") in ranked[:3]


def test_same_input_same_output_also_across_instances():
    first = classify(WOO_BESLUIT, title="Woo-besluit", filename="besluit.pdf", properties={"subject": "Woo"})
    again = classify(WOO_BESLUIT, title="Woo-besluit", filename="besluit.pdf", properties={"subject": "Woo"})
    other = Classifier().classify(WOO_BESLUIT, title="Woo-besluit", filename="besluit.pdf",
                                  properties={"subject": "Woo"})
    assert first == again == other


@pytest.mark.parametrize("text,hint", [
    ("", "Geen of bijna geen tekst"),
    ("   \n\t  ", "Geen of bijna geen tekst"),
    ("#@!% 1234 ^^&& 99-88-77 |||| ~~~~ 0x00ff %%%% 12.34.56 ++++ //// 42 ==== ]]]] 7 @@@@ 3 ---- 5 " * 5,
     "tekens die geen letters"),
    ("The Minister hereby publishes the annual report of the agency. It was a good year and we thank all the "
     "staff for their work, which has been of great value to the country and its people. " * 4, "Engelstalig"),
])
def test_empty_garbage_and_english_give_low_confidence_with_a_reason(text, hint):
    result = classify(text)
    check_shape(result)
    assert result.confidence < 0.35
    assert any(hint in r for r in result.reasons)


def test_none_text_and_odd_properties_do_not_crash():
    result = classify(None, title=None, filename="", properties={"title": None, "pages": 3, "x": object()})
    check_shape(result)


def test_text_read_is_bounded_for_a_very_long_document():
    page = BESCHIKKING * 6  # about 3,000 characters, a page
    huge = page * 2000  # a 2,000-page document
    start = time.perf_counter()
    result = classify(huge)
    assert time.perf_counter() - start < 3.0
    assert result.category == uri_of("beschikkingen")


def _examples():
    """Small generated training set (no corpus needed)."""
    out = []
    for i in range(4):
        place = ["Aastad", "Beedorp", "Ceeveen", "Deewijk"][i]
        out.append((BESLUITENLIJST.replace("Voorbeeldstad", place), {"group": f"g{i}"},
                    "agendas_en_besluitenlijsten_bestuurscolleges"))
        out.append((WOO_BESLUIT.replace("Marktplein", f"{place}plein"), {"group": f"g{i}"},
                    "Woo-verzoeken en -besluiten"))
        out.append((BESCHIKKING.replace("Kerkstraat", f"{place}straat"), {"group": f"g{i}"},
                    uri_of("beschikkingen")))
    return out


def test_train_save_load_roundtrip_is_exact(tmp_path):
    model = train(_examples(), {"max_word_features": 500, "max_char_features": 500})
    path = tmp_path / "m.npz"
    model.save(path)
    loaded = Model.load(path)
    assert loaded.word_vocab == model.word_vocab and loaded.params == model.params
    a = Classifier(model).classify(WOO_BESLUIT)
    b = Classifier(path).classify(WOO_BESLUIT)
    assert a == b
    assert a.category == uri_of("woo_verzoeken_en_besluiten")
    # training is deterministic: same examples, same bytes
    model2 = train(_examples(), {"max_word_features": 500, "max_char_features": 500})
    model2.save(tmp_path / "m2.npz")
    assert (tmp_path / "m2.npz").read_bytes() == path.read_bytes()


def test_model_file_is_not_a_pickle(tmp_path):
    import numpy as np

    assert MODEL_PATH.stat().st_size < 3 * 1024 * 1024
    with np.load(MODEL_PATH, allow_pickle=False) as z:  # plain arrays only: loads without pickle
        assert "coef" in z.files


def test_compare_prefers_the_model_that_learned_the_categories():
    examples = _examples()
    held_out = [(BESLUITENLIJST.replace("Voorbeeldstad", "Eeburg"), {}, "agendas_en_besluitenlijsten_bestuurscolleges"),
                (WOO_BESLUIT.replace("Marktplein", "Stationsplein"), {}, "woo_verzoeken_en_besluiten"),
                (BESCHIKKING.replace("Kerkstraat", "Dorpsstraat"), {}, "beschikkingen")]
    good = train(examples, {"max_word_features": 500, "max_char_features": 500})
    # a model trained on wrong labels (rotated) and without the legal-definition prior
    wrong = [(t, m, examples[(i + 1) % len(examples)][2]) for i, (t, m, _) in enumerate(examples)]
    bad = train(wrong, {"max_word_features": 500, "max_char_features": 500, "alpha": 0.0, "cue_scale": 0.0})
    result = compare(bad, good, held_out)
    assert result["new_not_worse"] is True
    assert result["delta"]["accuracy"] > 0
    assert compare(good, bad, held_out)["new_not_worse"] is False
    assert evaluate(good, held_out)["accuracy"] == 1.0


def test_retrain_switches_only_to_a_model_that_is_not_worse(tmp_path):
    held_out = [(BESLUITENLIJST.replace("Voorbeeldstad", "Eeburg"), {}, "agendas_en_besluitenlijsten_bestuurscolleges"),
                (WOO_BESLUIT.replace("Marktplein", "Stationsplein"), {}, "woo_verzoeken_en_besluiten"),
                (BESCHIKKING.replace("Kerkstraat", "Dorpsstraat"), {}, "beschikkingen")]
    small = {"max_word_features": 500, "max_char_features": 500}
    good = train(_examples(), small)
    examples = _examples()
    wrong = [(t, m, examples[(i + 1) % len(examples)][2]) for i, (t, m, _) in enumerate(examples)]
    out = tmp_path / "new.npz"
    refused = retrain(wrong, held_out, current=good, out=out, params={**small, "alpha": 0.0, "cue_scale": 0.0})
    assert refused["new_not_worse"] is False and refused["written"] is None and not out.exists()
    accepted = retrain(_examples(), held_out, current=good, out=out, params=small)
    assert accepted["new_not_worse"] is True and accepted["written"] == str(out)
    assert Classifier(out).classify(WOO_BESLUIT).category == uri_of("woo_verzoeken_en_besluiten")


def test_metrics_by_hand():
    a, b, c = (uri_of(s) for s in ("adviezen", "convenanten", "klachtoordelen"))
    preds = [ev.Prediction(a, [(a, 0.9), (b, 0.05), (c, 0.01)]),
             ev.Prediction(a, [(b, 0.6), (a, 0.3), (c, 0.1)]),
             ev.Prediction(b, [(b, 0.8), (a, 0.1), (c, 0.1)]),
             ev.Prediction(c, [(a, 0.5), (b, 0.3), (c, 0.2)])]
    m = ev.metrics(preds)
    assert m["accuracy"] == pytest.approx(0.5)
    assert m["top3_accuracy"] == pytest.approx(1.0)
    assert m["per_category"][a]["precision"] == pytest.approx(0.5)
    assert m["per_category"][a]["recall"] == pytest.approx(0.5)
    assert m["per_category"][b]["precision"] == pytest.approx(0.5)
    assert m["per_category"][c]["recall"] == 0.0
    # macro-F1 = mean(0.5, 2/3, 0)
    assert m["macro_f1"] == pytest.approx((0.5 + 2 / 3 + 0.0) / 3)
    assert ev.precision_at(preds, 0.8) == (1.0, 0.5)
    assert ev.suggest_threshold(preds, 0.97) == 0.8
    # two right answers above 0.8 do not show 0.97 once one more error is assumed above the threshold
    assert ev.suggest_threshold(preds, 0.97, margin=1) is None
    assert ev.suggest_threshold(preds, 0.6, margin=1) == 0.8  # 2 right of 2 + 1 assumed wrong: 0.67
    assert "confusion matrix" in ev.format_report(m)


def test_a_retrained_model_is_calibrated_on_documents_it_never_saw(tmp_path):
    """The temperature and thresholds of a retrained model are fitted on held-out documents and stored
    in the model file; auto-accept only when enough documents measured its precision."""
    from woo.classify import calibration

    small = {"max_word_features": 500, "max_char_features": 500}
    examples = _examples()
    training = [e for e in examples if e[1]["group"] != "g3"]
    held_out = [e for e in examples if e[1]["group"] == "g3"] * 3  # 9 documents the model never trained on
    model = train(training, small)
    assert "calibration" not in model.info
    cal = calibration.calibrate_on(model, held_out, 0.97, "test")
    assert cal["documents"] == 9 and cal["auto_accept"] is None  # fewer than MIN_DOCUMENTS_FOR_AUTO_ACCEPT
    assert model.params["temperature"] == cal["temperature"] and model.info["calibration"] == cal
    assert cal["held_out"]["accuracy"] == 1.0

    again = train(training, small)
    # 9 right answers cannot show 0.97 with one more error assumed (9/10); 36 can (36/37)
    assert calibration.calibrate_on(train(training, small), held_out, 0.97, "test",
                                    min_for_auto_accept=5)["auto_accept"] is None
    cal2 = calibration.calibrate_on(again, held_out * 4, 0.97, "test", min_for_auto_accept=5)
    assert cal2["auto_accept"] is not None and cal2["auto_accept_precision"] >= 0.97
    path = tmp_path / "m.npz"
    again.save(path)
    loaded = Classifier(path)
    assert loaded.auto_accept_threshold == cal2["auto_accept"] and loaded.uncertain_below == cal2["uncertain_below"]


def test_context_prior_per_role_in_a_meeting():
    from woo.classify import categories as cats
    from woo.classify.context import DO, IS, DocumentContext, prior

    from woo.classify import default_classifier

    uris = default_classifier().model.all_uris
    do, is_ = uris.index(cats.resolve(DO).uri), uris.index(cats.resolve(IS).uri)
    plain, reasons = prior(DocumentContext(dossier_kind="vergadering"), uris)
    assert plain[do] == plain[is_] > 0 and len(reasons) == 1
    ingekomen, reasons = prior(DocumentContext(dossier_kind="vergadering", dossier_role="ingekomen-stuk"), uris)
    assert ingekomen[is_] > ingekomen[do] and any("ingekomen stuk" in r for r in reasons)
    agenda, _ = prior(DocumentContext(dossier_kind="vergadering", dossier_role="agenda"), uris)
    assert agenda[do] > agenda[is_]
    # a role means nothing outside a meeting
    besluit, reasons = prior(DocumentContext(dossier_kind="woo-besluit", dossier_role="agenda"), uris)
    assert besluit[do] == besluit[is_] == 0.0 and len(reasons) == 1


def test_cue_word_look_first_is_a_necessary_condition_of_every_cue():
    """A cue is skipped when none of its required words occur; that must never skip a cue that matches."""
    from woo.classify.cues import CUES, required_words

    assert required_words(r"\bstaatsblad\b") == ("staatsblad",)
    assert required_words(r"\bministeri[eë]le regeling\b|\bregeling van de minister\b") == (
        "le regeling", "regeling van de minister")
    assert required_words(r"\bbeleidsregel(s)?\b|\b[1-9][0-9]{3}\b") is None  # an alternative without words
    assert required_words(r"(?i:staatsblad)") is None
    looked = [c for c in CUES if required_words(c.pattern)]
    assert len(looked) > 100  # nearly every cue has its words
    # on real letters, every cue whose regex matches contains one of its words
    for text in (WOO_BESLUIT, BESCHIKKING, WOO_BESLUIT + "\n" + BESCHIKKING):
        for cue in looked:
            zone = text if cue.cased else text.lower()
            if cue.regex.search(zone):
                assert any(w in zone for w in required_words(cue.pattern)), cue.id


def test_cleaning_runs_the_address_pattern_only_on_text_with_an_at_sign(monkeypatch):
    """clean() removes e-mail addresses; a text without "@" has none, and is not scanned for them."""
    from woo.classify import text as text_mod

    real = text_mod._EMAIL
    scanned: list[str] = []

    class Counting:
        def sub(self, repl, s):
            scanned.append(s)
            return real.sub(repl, s)

    monkeypatch.setattr(text_mod, "_EMAIL", Counting())
    assert text_mod.clean("Mail j.jansen@utrecht.nl of bel.") == "Mail of bel."
    assert len(scanned) == 1
    assert text_mod.clean("Het college besluit:\n\n  de vergunning te verlenen.") == \
        "Het college besluit:\nde vergunning te verlenen."
    assert len(scanned) == 1
