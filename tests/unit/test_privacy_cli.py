"""`woo privacy scan --jsonl`: one JSON object per file, errors reported per file."""
import json

import docx
from click.testing import CliRunner
from fpdf import FPDF

from woo.privacy.cli import privacy_scan_command


def test_scan_jsonl_shape(tmp_path):
    pdf = FPDF()
    pdf.set_font("helvetica", size=12)
    pdf.add_page()
    pdf.cell(0, 10, "Titelpagina zonder gegevens")
    pdf.add_page()
    pdf.cell(0, 10, "Geachte heer Jansen, uw BSN is 123456782.")
    pdf.set_author("Piet Geheim")
    pdf.output(str(tmp_path / "brief.pdf"))
    d = docx.Document()
    d.add_paragraph("Mail mij op a.bakker@example.nl of bel 06-12345678.")
    d.core_properties.author = "Marieke Auteur"
    d.save(str(tmp_path / "notitie.docx"))
    (tmp_path / "kapot.pdf").write_bytes(b"%PDF-1.7\nrommel")

    paths = [str(tmp_path / n) for n in ("brief.pdf", "kapot.pdf", "notitie.docx", "ontbreekt.pdf")]
    result = CliRunner().invoke(privacy_scan_command, [*paths, "--jsonl", "--no-ocr"])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.output.splitlines()]
    assert [r["path"] for r in rows] == paths

    brief, kapot, notitie, ontbreekt = rows
    assert set(brief) == {"path", "findings", "hidden_content"}
    assert {(f["type"], f["page"], f["text"]) for f in brief["findings"]} == {
        ("person_name", 2, "Jansen"), ("bsn", 2, "123456782")}
    assert all(set(f) == {"type", "page", "text", "start", "end"} for f in brief["findings"])
    assert any("Piet Geheim" in h for h in brief["hidden_content"])

    assert {f["type"] for f in notitie["findings"]} == {"email", "phone"}
    assert any("Marieke Auteur" in h for h in notitie["hidden_content"])

    assert set(kapot) == {"path", "error"} and kapot["error"]
    assert ontbreekt == {"path": paths[3], "error": "Bestand niet gevonden."}


def test_scan_human_output(tmp_path):
    (tmp_path / "a.txt").write_text("Kenteken 12-BDB-3 gezien.\n", encoding="utf-8")
    result = CliRunner().invoke(privacy_scan_command, [str(tmp_path / "a.txt")])
    assert result.exit_code == 0 and "licence_plate: 12-BDB-3" in result.output
