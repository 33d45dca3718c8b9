"""Redaction that removes the data, and stripping of everything a published PDF should not carry.

PyMuPDF (AGPL, compatible with EUPL-1.2) deletes the glyphs under each redaction from the content
stream and blanks image pixels under it (scans with an OCR layer), then paints a box with the Woo
ground. pikepdf then strips document info, XMP, embedded files, scripts/actions, annotations and
form fields, and writes a fresh file: earlier revisions (incremental updates) are not carried over.
"""
from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from pathlib import Path

import pikepdf
import pymupdf

from woo.privacy.hidden import EncryptedDocumentError, all_dictionaries, open_pdf


@dataclass(frozen=True)
class Redaction:
    page: int  # 1-based
    text: str
    ground: str  # Woo article, e.g. "5.1.2e"


@dataclass
class RedactionReport:
    applied: list[tuple[Redaction, int]] = field(default_factory=list)  # (redaction, occurrences)
    not_found: list[Redaction] = field(default_factory=list)
    stripped: list[str] = field(default_factory=list)  # Dutch descriptions of what was removed
    still_readable: list[Redaction] = field(default_factory=list)  # redact_rendition: text left after redacting

    @property
    def complete(self) -> bool:
        """True when every requested redaction was found; otherwise a person must look."""
        return not self.not_found and not self.still_readable


def _apply_redactions(src: Path, redactions: list[Redaction], report: RedactionReport) -> bytes:
    doc = pymupdf.open(src)
    try:
        if doc.needs_pass or doc.is_encrypted:
            raise EncryptedDocumentError(src)
        boxes: dict[int, list[tuple[pymupdf.Rect, set[str]]]] = {}
        for r in redactions:
            if not 1 <= r.page <= doc.page_count:
                raise ValueError(f"Pagina {r.page} bestaat niet (het document heeft {doc.page_count} pagina's).")
            if not r.text.strip():
                continue
            page = doc[r.page - 1]
            hits = whole_word_hits(page, r.text)
            if not hits:
                report.not_found.append(r)
                continue
            for quad in hits:
                _add_box(boxes.setdefault(r.page - 1, []), quad.rect, r.ground)
            report.applied.append((r, len(hits)))
        for index, page_boxes in boxes.items():
            # overlapping findings make one box with one label (not two labels printed over each other)
            for rect, grounds in page_boxes:
                doc[index].add_redact_annot(rect, text=", ".join(sorted(grounds)), fontname="helv", fontsize=7,
                                            align=pymupdf.TEXT_ALIGN_CENTER, fill=(0, 0, 0), text_color=(1, 1, 1),
                                            cross_out=False)
        for index in sorted(boxes):
            # Remove glyphs under the boxes and the image pixels under them; vector drawings stay.
            doc[index].apply_redactions(images=pymupdf.PDF_REDACT_IMAGE_PIXELS,
                                        graphics=pymupdf.PDF_REDACT_LINE_ART_NONE)
        return doc.tobytes(garbage=4, deflate=True, clean=True)
    finally:
        doc.close()


def whole_word_hits(page, text: str) -> list:
    """``page.search_for`` hits (quads) that are whole words: "Jan" is not hit inside "januari" or "Jansen".

    A hit is part of a longer word when a word on the page overlaps it and sticks out beyond it with a
    letter or digit (estimated from the word's width per character); punctuation beside it ("Jan,") is fine."""
    words = page.get_text("words")
    out = []
    for quad in page.search_for(text, quads=True):
        hit = quad.rect
        partial = False
        for x0, y0, x1, y1, word, *_ in words:
            if not word or x1 <= hit.x0 or x0 >= hit.x1 or y1 <= hit.y0 or y0 >= hit.y1:
                continue
            width = (x1 - x0) / len(word)
            left = round(max(0.0, hit.x0 - x0) / width) if width else 0
            right = round(max(0.0, x1 - hit.x1) / width) if width else 0
            if any(c.isalnum() for c in word[:left] + (word[-right:] if right else "")):
                partial = True
                break
        if not partial:
            out.append(quad)
    return out


def _add_box(boxes: list, rect, ground: str) -> None:
    """Add ``rect`` to a page's boxes, merged with every box it overlaps (also through the merged box)."""
    rect, grounds = pymupdf.Rect(rect), {ground}
    while True:
        i = next((i for i, (other, _) in enumerate(boxes) if other.intersects(rect)), None)
        if i is None:
            break
        other, other_grounds = boxes.pop(i)
        rect |= other
        grounds |= other_grounds
    boxes.append((rect, grounds))


def _strip(pdf: pikepdf.Pdf, report: RedactionReport) -> None:
    root = pdf.Root
    if pdf.trailer.get("/Info") is not None:
        if len(pdf.docinfo):
            report.stripped.append("documentinformatie (auteur, titel, toepassing)")
        del pdf.trailer["/Info"]
    if "/Metadata" in root:
        del root["/Metadata"]
        report.stripped.append("XMP-metadata")
    for key, label in (("/OpenAction", "actie bij openen"), ("/AA", "automatische acties"),
                       ("/AcroForm", "formuliervelden"), ("/PieceInfo", "toepassingsgegevens"),
                       ("/Threads", "artikeldraden"), ("/SpiderInfo", "webcapture-gegevens")):
        if key in root:
            del root[key]
            report.stripped.append(label)
    names = root.get("/Names")
    if isinstance(names, pikepdf.Dictionary):
        for key, label in (("/JavaScript", "JavaScript"), ("/EmbeddedFiles", "ingesloten bestanden")):
            if key in names:
                del names[key]
                report.stripped.append(label)
    annotations = 0
    for page in pdf.pages:
        for key in ("/Annots", "/AA", "/PieceInfo"):
            if key in page.obj:
                if key == "/Annots":
                    annotations += len(page.obj["/Annots"])
                del page.obj[key]
    if annotations:
        report.stripped.append(f"{annotations} annotaties (opmerkingen, koppelingen, formulierwidgets)")
    # Anything still reachable that runs code is cut loose: actions hang off outlines too.
    for obj in list(all_dictionaries(pdf)):
        for key in ("/JS", "/AA"):
            if key in obj:
                del obj[key]
        if str(obj.get("/S", "")) in ("/JavaScript", "/Launch", "/SubmitForm", "/ImportData", "/GoToR"):
            obj["/S"] = pikepdf.Name("/GoTo")
            obj["/D"] = pikepdf.Array([])
    pdf.remove_unreferenced_resources()


def _write_clean(data: bytes | Path, dst: Path, report: RedactionReport) -> None:
    source = io.BytesIO(data) if isinstance(data, bytes) else data
    with pikepdf.open(source) as pdf:
        _strip(pdf, report)
        # A fresh, non-incremental write: one revision, unreferenced objects dropped.
        pdf.save(dst, linearize=False, object_stream_mode=pikepdf.ObjectStreamMode.generate,
                 compress_streams=True, fix_metadata_version=False)


def redact_pdf(src: Path, dst: Path, redactions: list[Redaction]) -> RedactionReport:
    """Write `dst`: `src` with every occurrence of each redaction's text on its page removed and
    boxed with its Woo ground, and hidden content stripped. Check `report.not_found`."""
    src, dst = Path(src), Path(dst)
    open_pdf(src).close()  # refuses encrypted files with the Dutch message
    report = RedactionReport()
    data = _apply_redactions(src, redactions, report)
    _write_clean(data, dst, report)
    return report


def sanitize_pdf(src: Path, dst: Path) -> RedactionReport:
    """`redact_pdf` without redactions: the clean rendition to publish."""
    return redact_pdf(src, dst, [])


def _squash(text: str) -> str:
    """Whitespace folded and soft hyphens dropped, for comparing a value with a page's text."""
    return re.sub(r"\s+", " ", text.replace("\u00ad", "")).strip().casefold()


def page_texts(path: Path) -> list[str]:
    """The text of each page of a PDF, as PyMuPDF reads it (the same reading its search uses)."""
    with pymupdf.open(path) as doc:
        return [page.get_text() for page in doc]


def redact_rendition(src: Path, dst: Path, values: list[tuple[str, str]]) -> RedactionReport:
    """Redact text found in another file (a DOCX, a mail, ...) in that file's PDF rendition ``src``.

    ``values`` are (text, Woo ground) as found in the original's text, without a page: each is searched on
    every page of the rendition and redacted wherever it occurs there (``redact_pdf`` does the work). A value
    found on no page is in ``report.not_found`` (page 0), a value that can still be read in the written file
    afterwards in ``report.still_readable``: the caller must not publish the file then."""
    src, dst = Path(src), Path(dst)
    wanted: list[Redaction] = []
    missing: list[Redaction] = []
    with pymupdf.open(src) as doc:
        for text, ground in values:
            needle = " ".join(text.split())
            if not needle:
                continue
            pages = [i + 1 for i, page in enumerate(doc) if whole_word_hits(page, needle)]
            if not pages:
                missing.append(Redaction(page=0, text=text, ground=ground))
            wanted += [Redaction(page=p, text=needle, ground=ground) for p in pages]
    report = redact_pdf(src, dst, wanted)
    report.not_found += missing
    remaining = "\n".join(_squash(t) for t in page_texts(dst))
    for text, ground in dict.fromkeys(values):
        value = _squash(text)
        if value and re.search(rf"(?<!\w){re.escape(value)}(?!\w)", remaining):
            report.still_readable.append(Redaction(page=0, text=text, ground=ground))
    return report
