"""Optical character recognition in Dutch, for scans without a text layer.

PDFs go through ocrmypdf (which drives tesseract page by page and keeps existing text pages);
images go straight to tesseract. Both run in a subprocess with a timeout, so a pathological scan
cannot hang a worker, and nothing is loaded into this process but the resulting text.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

LANGUAGE = "nld"
DEFAULT_TIMEOUT = 600  # seconds for a whole document


class OcrError(Exception):
    def __init__(self, code: str, reason: str):
        super().__init__(reason)
        self.code = code
        self.reason = reason


def available() -> bool:
    return shutil.which("tesseract") is not None


def languages() -> set[str]:
    try:
        out = subprocess.run(["tesseract", "--list-langs"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return set()
    return {line.strip() for line in out.stdout.splitlines()[1:] if line.strip()}


def _language() -> str:
    # Dutch first; English helps with the many English terms in government documents when present.
    langs = languages()
    if LANGUAGE not in langs:
        raise OcrError("ocr_unavailable", "Tekstherkenning (OCR) in het Nederlands is niet geïnstalleerd "
                                          "(tesseract-ocr-nld ontbreekt).")
    return LANGUAGE


def _run(cmd: list[str], timeout: float) -> subprocess.CompletedProcess:
    env = dict(os.environ, OMP_THREAD_LIMIT="1")  # tesseract's own threads fight ocrmypdf's workers
    try:
        return subprocess.run(cmd, capture_output=True, timeout=timeout, env=env)
    except subprocess.TimeoutExpired as exc:
        raise OcrError("ocr_timeout", f"Tekstherkenning (OCR) duurde langer dan {int(timeout)} seconden.") from exc
    except OSError as exc:
        raise OcrError("ocr_unavailable", "Tekstherkenning (OCR) kon niet worden gestart.") from exc


def ocr_pdf(pdf: Path, *, max_pages: int | None = None, timeout: float = DEFAULT_TIMEOUT,
            jobs: int | None = None) -> list[str]:
    """Text per page of `pdf`, OCR'd where a page has no text layer (pages with text are skipped by
    ocrmypdf and come back empty here: the caller keeps its own text for those)."""
    if not available():
        raise OcrError("ocr_unavailable", "Tekstherkenning (OCR) is niet beschikbaar: tesseract ontbreekt.")
    lang = _language()
    with tempfile.TemporaryDirectory(prefix="woo-ocr-") as tmp:
        sidecar = Path(tmp) / "text.txt"
        cmd = [sys.executable, "-m", "ocrmypdf", "--quiet", "--skip-text", "--output-type", "none",
               "--sidecar", str(sidecar), "-l", lang, "--optimize", "0",
               "--jobs", str(jobs or max(1, min(2, os.cpu_count() or 1))),
               "--tesseract-timeout", str(int(max(30, timeout / 2)))]
        if max_pages:
            cmd += ["--pages", f"1-{int(max_pages)}"]
        cmd += [str(pdf), "-"]
        proc = _run(cmd, timeout)
        if proc.returncode not in (0, 6) or not sidecar.exists():  # 6: already had text everywhere
            detail = proc.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or [""]
            raise OcrError("ocr_failed", f"Tekstherkenning (OCR) mislukt: {detail[0][:200]}")
        text = sidecar.read_text(encoding="utf-8", errors="replace")
    pages = text.split("\f")
    if pages and not pages[-1].strip():
        pages = pages[:-1]
    # Pages that already had text come back as a "[OCR skipped on page(s) ...]" marker.
    return ["" if p.strip().startswith("[OCR skipped") else p.strip() for p in pages]


def ocr_image(image: Path, *, timeout: float = DEFAULT_TIMEOUT) -> list[str]:
    """Text per frame of an image (multi-page TIFFs give several)."""
    if not available():
        raise OcrError("ocr_unavailable", "Tekstherkenning (OCR) is niet beschikbaar: tesseract ontbreekt.")
    proc = _run(["tesseract", str(image), "stdout", "-l", _language(), "--psm", "3"], timeout)
    if proc.returncode != 0:
        detail = proc.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or [""]
        raise OcrError("ocr_failed", f"Tekstherkenning (OCR) mislukt: {detail[0][:200]}")
    text = proc.stdout.decode("utf-8", "replace")
    pages = [p.strip() for p in text.split("\f")]
    return [p for p in pages if p] or [""]
