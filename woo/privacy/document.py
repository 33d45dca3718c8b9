"""Privacy scan of one file on disk: identify, extract (woo.intake), detect, inspect hidden parts."""
from __future__ import annotations

from pathlib import Path

from woo.intake.extract import extract_text
from woo.intake.identify import identify
from woo.privacy.finding import Finding
from woo.privacy.hidden import inspect_hidden, removed_in_public_pdf
from woo.privacy.scan import scan_pages, scan_text


def scan_extracted(kind: str, text: str, pages: list[str]) -> list[Finding]:
    """PDFs (and other paged output) per page, so findings carry the page to redact on."""
    if pages and (kind == "pdf" or len(pages) > 1):
        return scan_pages(pages)
    return scan_text(text)


def scan_file(path: Path, *, ocr: bool = True, with_removed: bool = False) -> dict:
    """{"path", "findings": [...], "hidden_content": [...]} for one file; raises on unreadable files.

    A finding of an official in office also carries "proposal": "publiek_ambtsdrager" and "role". A PDF's
    producer and creating application are not hidden content to decide on (the cleaned public PDF drops
    them): they are left out, or listed under "removed_in_public_version" with ``with_removed``.
    """
    path = Path(path)
    kind = identify(path, path.name).kind
    extraction = extract_text(path, kind, ocr=ocr)
    findings = scan_extracted(kind, extraction.text, extraction.pages)
    hidden = inspect_hidden(path, kind)
    removed = [h for h in hidden if kind == "pdf" and removed_in_public_pdf(h)]
    result = {
        "path": str(path),
        "findings": [f.to_dict() for f in findings],
        "hidden_content": [h for h in hidden if h not in removed],
    }
    if with_removed:
        result["removed_in_public_version"] = removed
    return result
