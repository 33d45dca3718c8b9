"""`woo classify` without any server: JSON lines in input order, errors per file, --evaluate."""
from __future__ import annotations

import json
import sys
from pathlib import Path

from click.testing import CliRunner

from tests.corpus import CORPUS, requires_corpus
from tests.unit.test_classify import BESCHIKKING, BESLUITENLIJST, WOO_BESLUIT
from woo.classify import categories as cats
from woo.classify.cli import classify_command

KEYS = {"path", "category", "label", "confidence", "alternatives", "reasons"}


def _docx(path: Path, text: str) -> Path:
    import docx

    document = docx.Document()
    for line in text.splitlines():
        document.add_paragraph(line)
    document.save(str(path))
    return path


def test_jsonl_keeps_order_and_reports_an_unreadable_file_in_the_middle(tmp_path):
    first = tmp_path / "besluitenlijst.txt"
    first.write_text(BESLUITENLIJST, encoding="utf-8")
    broken = tmp_path / "kapot.pdf"
    broken.write_bytes(b"%PDF-1.7\n this is not a pdf at all")
    missing = tmp_path / "bestaat-niet.txt"
    last = _docx(tmp_path / "besluit.docx", WOO_BESLUIT)
    result = CliRunner().invoke(classify_command, [str(first), str(broken), str(missing), str(last), "--jsonl"])
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.output.splitlines() if line.strip()]
    assert [r["path"] for r in lines] == [str(first), str(broken), str(missing), str(last)]
    assert set(lines[0]) == KEYS and set(lines[3]) == KEYS
    assert set(lines[1]) == {"path", "error"} and lines[1]["error"]
    assert set(lines[2]) == {"path", "error"} and lines[2]["error"]
    assert lines[0]["category"] == cats.resolve("agendas_en_besluitenlijsten_bestuurscolleges").uri
    assert lines[3]["category"] == cats.resolve("woo_verzoeken_en_besluiten").uri
    for line in (lines[0], lines[3]):
        assert len(line["alternatives"]) >= 2
        assert all(set(a) == {"category", "confidence"} for a in line["alternatives"])
        assert 0 <= line["confidence"] <= 1 and line["reasons"]


def test_evaluate_prints_the_figures_on_a_small_manifest(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.txt").write_text(BESLUITENLIJST, encoding="utf-8")
    (docs / "b.txt").write_text(WOO_BESLUIT, encoding="utf-8")
    (docs / "c.txt").write_text(BESCHIKKING, encoding="utf-8")
    manifest = tmp_path / "manifest.csv"
    manifest.write_text(
        "path,category\n"
        f"docs/a.txt,{cats.resolve('agendas_en_besluitenlijsten_bestuurscolleges').uri}\n"
        "docs/b.txt,Woo-verzoeken en -besluiten\n"
        "docs/c.txt,beschikkingen\n", encoding="utf-8")
    result = CliRunner().invoke(classify_command, ["--evaluate", str(manifest), "--threshold", "0.5"])
    assert result.exit_code == 0, result.output
    out = result.output
    for heading in ("accuracy", "macro-F1", "top-3 accuracy", "precision", "recall", "confusion matrix"):
        assert heading in out
    assert "documents      3" in out
    assert "accuracy       1.000" in out


@requires_corpus
def test_corpus_cross_validation_smoke(tmp_path):
    """Stratified 3-fold on the shared corpus: every document judged by a model that never saw it."""
    root = Path(__file__).resolve().parents[2]
    sys.path.insert(0, str(root / "scripts"))
    try:
        import train_classifier as tc
    finally:
        sys.path.remove(str(root / "scripts"))
    from woo.classify import metrics

    examples = tc.load_corpus(CORPUS, tmp_path / "cache")
    assert len(examples) >= 80
    preds = tc.cross_validate(examples, dict(tc.DEFAULT_PARAMS), k=3, verbose=False)
    m = metrics.metrics(preds)
    assert m["documents"] == len(examples)
    # far above chance (1/16); the full leave-one-out figures are in the training script's report
    assert m["accuracy"] > 0.6 and m["top3_accuracy"] > 0.8
