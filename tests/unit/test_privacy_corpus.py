"""Privacy scan on real corpus text with injected values: the recall/precision goals."""
import csv

from tests.corpus import CORPUS, MANIFEST, requires_corpus
from woo.privacy.benchmark import STRICT_TYPES, evaluate


@requires_corpus
def test_injected_identifiers_found_with_high_precision():
    from woo.intake.extract import extract_text
    from woo.intake.identify import identify

    texts = []
    for row in csv.DictReader(open(MANIFEST, encoding="utf-8")):
        path = CORPUS / row["path"]
        if row["format"] not in ("txt", "pdf", "docx", "odt", "html", "xml"):
            continue
        try:
            texts.append(extract_text(path, identify(path, path.name).kind, ocr=False).text[:60_000])
        except Exception:  # noqa: BLE001 - an unreadable document is the intake tests' business
            continue
    assert len(texts) >= 40
    scores = evaluate(texts, seed=11, per_type=3, names=3, addresses=3)
    for kind in STRICT_TYPES:
        assert scores.recall(kind) == 1.0, (kind, scores.misses)
        assert scores.precision(kind) >= 0.95, (kind, scores.false_alarms)
    assert scores.recall("person_name") >= 0.9, scores.misses
    # a person's address (street + number + postcode + place near a person cue) is found whole
    assert scores.recall("address") == 1.0, [m for m in scores.misses if m[0] == "address"]
    assert scores.precision("address") >= 0.95, [f for f in scores.false_alarms if f[0] == "address"]
