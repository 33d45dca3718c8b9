"""Optical character recognition in Dutch, for scans without a text layer.

PDFs go through ocrmypdf (which drives tesseract page by page and keeps existing text pages);
images go straight to tesseract. Every run is bounded (woo.adapters.bounded: own process group
killed whole, memory and CPU limits, no network), and nothing is loaded into this process but the
resulting text. Long PDFs are done in chunks of CHUNK_PAGES pages, each with its own time limit, up to
WOO_OCR_MAX_PAGES pages and WOO_OCR_BUDGET_SECONDS in total: what did not fit is reported, not hidden.
"""
from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

from woo.adapters import bounded

LANGUAGE = "nld"
DEFAULT_TIMEOUT = 600  # seconds for one tool run (a chunk of pages, or one image)
CHUNK_PAGES = 25
DEFAULT_MAX_PAGES = 2000
DEFAULT_BUDGET = 3000  # seconds for all chunks of one document (the rq job timeout is 3600)


class OcrError(Exception):
    def __init__(self, code: str, reason: str):
        super().__init__(reason)
        self.code = code
        self.reason = reason


class OcrPages(list):
    """Text per page (a list), plus how far OCR got: ``done`` of ``total`` pages, and why it stopped."""

    def __init__(self, pages=()):
        super().__init__(pages)
        self.total = 0
        self.done = 0
        self.stopped: str | None = None  # Dutch: why not every page was recognised


def max_pages_setting() -> int:
    return bounded._env_int("WOO_OCR_MAX_PAGES", DEFAULT_MAX_PAGES)


def budget_setting() -> int:
    return bounded._env_int("WOO_OCR_BUDGET_SECONDS", DEFAULT_BUDGET)


def available() -> bool:
    return shutil.which("tesseract") is not None


def languages() -> set[str]:
    try:
        out = bounded.run(["tesseract", "--list-langs"], text=True, timeout=30, network=False)
    except bounded.ToolError:
        return set()
    return {line.strip() for line in out.stdout.splitlines()[1:] if line.strip()}


def _language() -> str:
    # Dutch first; English helps with the many English terms in government documents when present.
    langs = languages()
    if LANGUAGE not in langs:
        raise OcrError("ocr_unavailable", "Tekstherkenning (OCR) in het Nederlands is niet geïnstalleerd "
                                          "(tesseract-ocr-nld ontbreekt).")
    return LANGUAGE


def _run(cmd: list[str], timeout: float) -> bounded.Result:
    env = dict(os.environ, OMP_THREAD_LIMIT="1")  # tesseract's own threads fight ocrmypdf's workers
    try:
        proc = bounded.run(cmd, timeout=timeout, env=env, network=False, name="Tekstherkenning (OCR)")
    except bounded.ToolError as exc:
        if exc.code == "tool_timeout":
            raise OcrError("ocr_timeout", f"Tekstherkenning (OCR) duurde langer dan {int(timeout)} seconden "
                                          "en is gestopt.") from exc
        raise OcrError("ocr_unavailable", "Tekstherkenning (OCR) kon niet worden gestart.") from exc
    if proc.killed_by_limit:
        raise OcrError("ocr_limit", bounded.limit_reason("Tekstherkenning (OCR)", proc))
    return proc


def _detail(proc: bounded.Result) -> str:
    """The last line ocrmypdf/tesseract printed, without a Python traceback's exception name."""
    lines = [ln.strip() for ln in proc.stderr.decode("utf-8", "replace").splitlines() if ln.strip()]
    last = lines[-1] if lines else ""
    if ":" in last and last.split(":", 1)[0].replace(".", "").isidentifier() and \
            last.split(":", 1)[0].endswith(("Error", "Exception")):
        last = last.split(":", 1)[1].strip()
    return last[:200] or f"foutcode {proc.returncode}"


def _ocr_chunk(pdf: Path, lang: str, timeout: float, jobs: int | None, tmp: Path) -> list[str]:
    sidecar = tmp / "text.txt"
    sidecar.unlink(missing_ok=True)
    cmd = [sys.executable, "-m", "ocrmypdf", "--quiet", "--skip-text", "--output-type", "none",
           "--sidecar", str(sidecar), "-l", lang, "--optimize", "0",
           "--jobs", str(jobs or max(1, min(2, os.cpu_count() or 1))),
           "--tesseract-timeout", str(int(max(30, min(timeout / 2, 180)))), str(pdf), "-"]
    proc = _run(cmd, timeout)
    if proc.returncode not in (0, 6) or not sidecar.exists():  # 6: already had text everywhere
        raise OcrError("ocr_failed", f"Tekstherkenning (OCR) mislukt: {_detail(proc)}")
    pages = sidecar.read_text(encoding="utf-8", errors="replace").split("\f")
    if pages and not pages[-1].strip():
        pages = pages[:-1]
    # Pages that already had text come back as a "[OCR skipped on page(s) ...]" marker.
    return ["" if p.strip().startswith("[OCR skipped") else p.strip() for p in pages]


def ocr_pdf(pdf: Path, *, max_pages: int | None = None, timeout: float = DEFAULT_TIMEOUT,
            jobs: int | None = None, budget: float | None = None) -> OcrPages:
    """Text per page of `pdf`, OCR'd where a page has no text layer (pages with text are skipped by
    ocrmypdf and come back empty here: the caller keeps its own text for those).

    At most ``max_pages`` (default WOO_OCR_MAX_PAGES) pages, CHUNK_PAGES at a time, within ``budget``
    seconds (default WOO_OCR_BUDGET_SECONDS); the result says how many pages were done and why it stopped.
    """
    import pikepdf

    if not available():
        raise OcrError("ocr_unavailable", "Tekstherkenning (OCR) is niet beschikbaar: tesseract ontbreekt.")
    lang = _language()
    cap = min(max_pages or max_pages_setting(), max_pages_setting())
    budget = budget or budget_setting()
    started = time.monotonic()
    result = OcrPages()
    with tempfile.TemporaryDirectory(prefix="woo-ocr-") as tmpdir:
        tmp = Path(tmpdir)
        try:
            src = pikepdf.open(pdf)
        except Exception as exc:  # noqa: BLE001 - qpdf's error types: unreadable
            raise OcrError("ocr_failed", "Tekstherkenning (OCR) mislukt: de PDF kan niet worden gelezen.") from exc
        with src:
            result.total = len(src.pages)
            limit = min(result.total, cap)
            for first in range(0, limit, CHUNK_PAGES):
                last = min(first + CHUNK_PAGES, limit)
                left = budget - (time.monotonic() - started)
                if left < 10:
                    result.stopped = (f"De tijd voor tekstherkenning ({int(budget)} seconden) was op na "
                                      f"{result.done} van de {result.total} pagina's.")
                    break
                chunk = tmp / "chunk.pdf"
                if first == 0 and last == result.total:
                    chunk = Path(pdf)
                else:
                    part = pikepdf.new()
                    part.pages.extend(src.pages[first:last])
                    part.save(chunk)
                    part.close()
                pages = _ocr_chunk(chunk, lang, min(timeout, left), jobs, tmp)
                pages = (pages + [""] * (last - first))[:last - first]
                result.extend(pages)
                result.done = last
        if result.stopped is None and result.done < result.total:
            result.stopped = (f"Tekstherkenning is beperkt tot de eerste {result.done} van de {result.total} "
                              "pagina's (WOO_OCR_MAX_PAGES).")
    return result


def ocr_image(image: Path, *, timeout: float = DEFAULT_TIMEOUT) -> list[str]:
    """Text per frame of an image (multi-page TIFFs give several)."""
    if not available():
        raise OcrError("ocr_unavailable", "Tekstherkenning (OCR) is niet beschikbaar: tesseract ontbreekt.")
    proc = _run(["tesseract", str(image), "stdout", "-l", _language(), "--psm", "3"], timeout)
    if proc.returncode != 0:
        raise OcrError("ocr_failed", f"Tekstherkenning (OCR) mislukt: {_detail(proc)}")
    text = proc.stdout.decode("utf-8", "replace")
    pages = [p.strip() for p in text.split("\f")]
    return [p for p in pages if p] or [""]
