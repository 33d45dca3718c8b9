"""The benches' shared "ready for review" (scripts/bench/benchlib.py, issue 18): a document counts as ready
only once its privacy scan and its category + metadata suggestions are done, on a real instance."""
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts" / "bench"))

from benchlib import readiness, wait_ready  # noqa: E402


def _text_pdf(path: Path) -> Path:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", size=11)
    pdf.multi_cell(0, 6, "Besluit van de gemeente Utrecht van 3 maart 2025 op het verzoek van Jan de Vries. "
                         "Het college heeft de belangen afgewogen en besloten de documenten openbaar te maken.")
    pdf.output(str(path))
    return path


def test_ready_only_after_privacy_and_classification(woo_ctx, drain_jobs, tmp_path):
    from woo.services import accounts
    from woo.services.context import SYSTEM
    from woo.services.ingest import ingest

    with woo_ctx.unit_of_work() as s:
        org = accounts.default_organisation(s).id
    doc = ingest(woo_ctx, SYSTEM, org, "besluit.pdf", path=_text_pdf(tmp_path / "besluit.pdf"), source="cli")
    assert doc.status == "accepted"
    before = readiness(woo_ctx)
    assert before["ready"] == set() and before["open_light"] >= 1

    t0 = time.perf_counter()
    assert wait_ready(woo_ctx, t0, 1, timeout=0)["ready_s"] is None  # queued jobs: not ready yet

    drain_jobs()
    after = readiness(woo_ctx)
    assert len(after["ready"]) == 1 and after["failed"] == set() and after["ocr"] == set()
    waited = wait_ready(woo_ctx, t0, 1, timeout=0)
    assert waited["ready_s"] is not None and waited["ready"] == 1
