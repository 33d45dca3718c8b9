"""Plain text and document properties out of an identified file, without executing anything in it.

PDF through PDFium's text layer (OCR in Dutch when there is none), Office Open XML and OpenDocument
through zipfile and the hardened XML parser (macros are never looked at), HTML/XML through lxml,
e-mail through the standard library, Outlook .msg and Word .doc through olefile. Work is bounded:
pages and characters are capped and large parts are streamed rather than read whole.
"""
from __future__ import annotations

import email
import email.policy
import re
import shutil
import zipfile
import zlib
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import parsedate_to_datetime
from pathlib import Path

from lxml import etree

from woo.adapters import bounded
from woo.intake import ocr as ocr_mod
from woo.intake import precheck
from woo.intake.identify import RejectedFile, identify
from woo.intake.safexml import iterparse, parse_html, parse_xml

# Below this many non-space characters per page on average a PDF counts as a scan.
MIN_CHARS_PER_PAGE = 25
MAX_PART_BYTES = 200 * 1024 * 1024  # one stream inside a .msg; more is a bomb, not a document
# One XML part of a DOCX/PPTX/ODT that is parsed as a whole tree (lxml needs ~15x its size in memory):
# 32 MiB is thousands of pages of text, and keeps the parse well inside the worker's 2 GB goal.
# Spreadsheet sheets are streamed (iterparse) and have no such limit.
MAX_XML_PART_BYTES = precheck.MAX_XML_PART_BYTES  # the upload check refuses parts over it already
MAX_TEXT_FILE_BYTES = 256 * 1024 * 1024


class ExtractionError(Exception):
    """Text could not be extracted. `.reason` is Dutch (for the officer), `.code` for machines."""

    def __init__(self, code: str, reason: str):
        super().__init__(reason)
        self.code = code
        self.reason = reason


@dataclass
class Extraction:
    text: str
    pages: list[str]
    method: str
    ocr_used: bool = False
    properties: dict = field(default_factory=dict)
    page_count: int | None = None
    language: str | None = None
    truncated: bool = False
    needs_ocr: bool = False  # extracted with ocr=False, and it looks like a scan: OCR would add text
    ocr_stopped: str | None = None  # Dutch: OCR did not cover every page, and why


# ---------------------------------------------------------------------------------------------- helpers

def _clean(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")
    text = re.sub(r"[ \t\u00a0]+\n", "\n", text)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def _finish(pages: list[str], method: str, *, max_chars: int | None, ocr_used: bool = False,
            properties: dict | None = None, page_count: int | None = None, sep: str = "\n\n") -> Extraction:
    pages = [_clean(p) for p in pages] or [""]
    truncated = False
    if max_chars is not None:
        kept, used = [], 0
        for page in pages:
            room = max_chars - used
            if room <= 0:
                truncated = True
                break
            if len(page) > room:
                page, truncated = page[:room], True
            kept.append(page)
            used += len(page) + len(sep)
        pages = kept or [""]
    text = sep.join(p for p in pages if p)
    props = {k: v for k, v in (properties or {}).items() if v not in (None, "", [], {})}
    return Extraction(text=text, pages=pages, method=method, ocr_used=ocr_used, properties=props,
                      page_count=page_count, language=guess_language(text), truncated=truncated)


_NL = {"de", "het", "een", "en", "van", "is", "dat", "op", "te", "voor", "niet", "met", "zijn", "wordt",
       "worden", "bij", "aan", "ook", "door", "naar", "deze", "om", "als", "er", "tot", "over", "uit"}
_EN = {"the", "and", "of", "to", "is", "in", "that", "for", "it", "with", "as", "on", "be", "are", "this",
       "by", "not", "or", "from", "at", "which", "have", "an", "was", "were", "will"}


def guess_language(text: str) -> str | None:
    """'nl' or 'en' by function words; enough to tell a Dutch record from an English one."""
    words = re.findall(r"[a-zà-ÿ]+", text[:20000].lower())
    if len(words) < 20:
        return None
    nl = sum(w in _NL for w in words)
    en = sum(w in _EN for w in words)
    if max(nl, en) < len(words) * 0.05:
        return None
    return "nl" if nl >= en else "en"


def _pdf_date(value: str | None) -> str | None:
    """'D:20200806122358+02'00'' -> ISO 8601."""
    if not value:
        return None
    m = re.match(r"(?:D:)?(\d{4})(\d{2})?(\d{2})?(\d{2})?(\d{2})?(\d{2})?([Zz+\-])?(\d{2})?'?(\d{2})?", value.strip())
    if not m:
        return value.strip() or None
    y, mo, d, h, mi, s, sign, tzh, tzm = m.groups()
    try:
        dt = datetime(int(y), int(mo or 1), int(d or 1), int(h or 0), int(mi or 0), int(s or 0))
    except ValueError:
        return value.strip()
    iso = dt.isoformat()
    if sign in ("Z", "z"):
        iso += "+00:00"
    elif sign in ("+", "-") and tzh:
        iso += f"{sign}{tzh}:{tzm or '00'}"
    return iso


def _zip_read(zf: zipfile.ZipFile, name: str) -> bytes | None:
    try:
        info = zf.getinfo(name)
    except KeyError:
        return None
    if info.file_size > MAX_XML_PART_BYTES:
        raise ExtractionError("too_large", f"Onderdeel {name} van het document is te groot om te verwerken.")
    with zf.open(info) as fh:  # the declared size can lie: read at most one byte more than the limit
        data = fh.read(MAX_XML_PART_BYTES + 1)
    if len(data) > MAX_XML_PART_BYTES:
        raise ExtractionError("too_large", f"Onderdeel {name} van het document is te groot om te verwerken.")
    return data


def _local(tag) -> str:
    return etree.QName(tag).localname if isinstance(tag, str) else ""


# ---------------------------------------------------------------------------------------------- PDF

def _pdf(path: Path | bytes, *, ocr: bool, max_pages: int | None, max_chars: int | None) -> Extraction:
    """``path`` may be the file's bytes (the job's read cache holds them: no temporary file needed) unless
    OCR may run, which needs a file for ocrmypdf."""
    import pypdfium2 as pdfium

    try:
        doc = pdfium.PdfDocument(path if isinstance(path, bytes) else str(path))
    except pdfium.PdfiumError as exc:
        if "password" in str(exc).lower():
            raise ExtractionError("encrypted_pdf", "De PDF is met een wachtwoord beveiligd.") from exc
        raise ExtractionError("corrupt_pdf", "De PDF is beschadigd en kan niet worden gelezen.") from exc
    try:
        page_count = len(doc)
        meta = doc.get_metadata_dict(skip_empty=True)
        limit = min(page_count, max_pages) if max_pages else page_count
        pages, budget = [], max_chars
        for i in range(limit):
            page = doc[i]
            try:
                textpage = page.get_textpage()
                try:
                    text = textpage.get_text_bounded()
                finally:
                    textpage.close()
            finally:
                page.close()
            pages.append(text)
            if budget is not None:
                budget -= len(text)
                if budget <= 0:
                    break
    finally:
        doc.close()
    props = {
        "title": meta.get("Title"), "author": meta.get("Author"), "subject": meta.get("Subject"),
        "keywords": meta.get("Keywords"), "creator": meta.get("Creator"), "producer": meta.get("Producer"),
        "created": _pdf_date(meta.get("CreationDate")), "modified": _pdf_date(meta.get("ModDate")),
    }
    if not props["title"] or not props["author"]:
        props.update({k: v for k, v in _xmp(path).items() if not props.get(k)})
    method, ocr_used, stopped = "pdf-text", False, None
    dense = sum(len("".join(p.split())) for p in pages)
    scan = bool(pages) and dense < MIN_CHARS_PER_PAGE * len(pages)
    if ocr and scan:
        try:
            precheck.check_pdf(path)  # image bombs and lying JPEG headers never reach ocrmypdf
            ocr_pages = ocr_mod.ocr_pdf(path, max_pages=limit)
        except precheck.Refused as exc:
            raise ExtractionError(exc.code, exc.reason) from exc
        except ocr_mod.OcrError as exc:
            raise ExtractionError(exc.code, exc.reason) from exc
        stopped = getattr(ocr_pages, "stopped", None)
        merged = [ocr_pages[i] if i < len(ocr_pages) and ocr_pages[i] and len(pages[i].strip()) < MIN_CHARS_PER_PAGE
                  else pages[i] for i in range(len(pages))]
        if any(o for o in ocr_pages):
            pages, method, ocr_used = merged, "ocr", True
    result = _finish(pages, method, max_chars=max_chars, ocr_used=ocr_used, properties=props,
                     page_count=page_count)
    result.needs_ocr, result.ocr_stopped = scan and not ocr, stopped
    return result


def _xmp(path: Path | bytes) -> dict:
    """Title/author from XMP when the document information dictionary has none (common in PDF 2.0)."""
    try:
        import io

        import pikepdf

        with pikepdf.open(io.BytesIO(path) if isinstance(path, bytes) else path) as pdf:
            meta = pdf.open_metadata()
            out = {"title": meta.get("dc:title"), "author": meta.get("dc:creator"),
                   "subject": meta.get("dc:description"), "created": meta.get("xmp:CreateDate"),
                   "modified": meta.get("xmp:ModifyDate")}
    except Exception:
        return {}
    if isinstance(out["author"], (list, tuple)):
        out["author"] = "; ".join(str(a) for a in out["author"] if a)
    return {k: str(v) for k, v in out.items() if v}


# ---------------------------------------------------------------------------------------------- Office

def _ooxml_core(zf: zipfile.ZipFile) -> dict:
    props: dict = {}
    data = _zip_read(zf, "docProps/core.xml")
    if data:
        root = parse_xml(data, recover=True)
        names = {"title": "title", "creator": "author", "subject": "subject", "keywords": "keywords",
                 "description": "description", "lastModifiedBy": "last_modified_by", "created": "created",
                 "modified": "modified", "category": "category", "identifier": "identifier"}
        for el in root:
            key = names.get(_local(el.tag))
            if key and el.text and el.text.strip():
                props[key] = el.text.strip()
    data = _zip_read(zf, "docProps/app.xml")
    if data:
        root = parse_xml(data, recover=True)
        for el in root:
            name = _local(el.tag)
            if name in ("Pages", "Slides") and el.text and el.text.strip().isdigit():
                props["pages" if name == "Pages" else "slides"] = int(el.text)
            elif name in ("Company", "Application") and el.text:
                props[name.lower()] = el.text.strip()
    return props


W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
# The parts of a DOCX that print (body, headers, footers, notes) and its comment parts (the comments, Word
# 2012+ extensions: threads, ids, people's identities), and the tracked changes whose content is gone once the
# changes are accepted. Also used by woo.privacy.hidden (the scan) and woo.archive.pdfa (the clean copy).
DOCX_STORY_PART = re.compile(r"word/(document|header\d*|footer\d*|footnotes|endnotes)\.xml")
DOCX_COMMENT_PART = re.compile(r"word/(comments\w*|people)\.xml", re.IGNORECASE)
DOCX_REMOVED_CHANGES = (f"{W}del", f"{W}moveFrom")
_DOCX_STORY_ORDER = ("document", "header", "footnotes", "endnotes", "footer")  # the order the text is read in


def docx_comment_parts(names: list[str]) -> list[str]:
    """The comment parts among a DOCX's part ``names``, word/comments.xml first: every part the public
    rendition's copy drops. Word keeps its comments in word/comments.xml, but a comment element in any other
    comment part travels with the file just as well."""
    return sorted((n for n in names if DOCX_COMMENT_PART.fullmatch(n)), key=lambda n: (n != "word/comments.xml", n))


def _word_text(root: etree._Element) -> str:
    """Paragraphs of a WordprocessingML part, with tabs and breaks; deleted revisions left out."""
    lines = []
    for p in root.iter(W + "p"):
        buf = []
        for el in p.iter():
            tag = el.tag
            if tag == W + "t":
                if not any(a.tag == W + "del" for a in el.iterancestors()):
                    buf.append(el.text or "")
            elif tag == W + "tab":
                buf.append("\t")
            elif tag in (W + "br", W + "cr"):
                buf.append("\n")
        # nested paragraphs (text boxes) are visited on their own by root.iter; skip the duplicate here
        if p.find(".//" + W + "p") is None:
            lines.append("".join(buf))
    return "\n".join(lines)


DELETED_HEADING = "Verwijderde tekst (bijgehouden wijzigingen):"


def _word_deleted(root: etree._Element) -> list[str]:
    """The text of each deleted (or moved-away) tracked change in a WordprocessingML part."""
    out = []
    for change in root.iter(*DOCX_REMOVED_CHANGES):
        text = "".join(t.text or "" for t in change.iter(W + "delText", W + "t")).strip()
        if text:
            out.append(text)
    return out


def _docx(path: Path, *, max_chars: int | None) -> Extraction:
    with zipfile.ZipFile(path) as zf:
        names = zf.namelist()
        if "word/document.xml" not in names:
            raise ExtractionError("corrupt_file", "Het DOCX-bestand bevat geen documenttekst.")
        parts, deleted = [], []
        stories = sorted((n for n in names if DOCX_STORY_PART.fullmatch(n)),
                         key=lambda n: (next(i for i, k in enumerate(_DOCX_STORY_ORDER) if n[5:].startswith(k)), n))
        for name in stories:  # the body first, always (even when empty)
            root = parse_xml(_zip_read(zf, name), recover=True)
            text = _word_text(root)
            if text.strip() or name == "word/document.xml":
                parts.append(text if name == "word/document.xml" else text.strip())
            deleted += _word_deleted(root)
        props = _ooxml_core(zf)
        comments = []
        for name in docx_comment_parts(names):
            data = _zip_read(zf, name)
            for c in parse_xml(data, recover=True).iter(W + "comment") if data else ():
                comments.append({"author": c.get(W + "author"), "date": c.get(W + "date"),
                                 "text": _word_text(c).strip()})
    if comments:
        # Comments travel with the published file, so their text must be visible to the privacy scan.
        props["comments"] = comments
        parts.append("Opmerkingen:\n" + "\n".join(f"{c['author'] or ''}: {c['text']}" for c in comments))
    if deleted:  # so is the text a tracked change deleted (LibreOffice even prints it, struck through)
        parts.append(DELETED_HEADING + "\n" + "\n".join(deleted))
    page_count = props.pop("pages", None)
    return _finish(["\n\n".join(parts)], "docx", max_chars=max_chars, properties=props, page_count=page_count)


A = "{http://schemas.openxmlformats.org/drawingml/2006/main}"


def _pptx(path: Path, *, max_chars: int | None) -> Extraction:
    with zipfile.ZipFile(path) as zf:
        slides = sorted((n for n in zf.namelist() if re.fullmatch(r"ppt/slides/slide\d+\.xml", n)),
                        key=lambda n: int(re.search(r"(\d+)\.xml$", n).group(1)))
        texts = []
        for name in slides:
            root = parse_xml(_zip_read(zf, name), recover=True)
            paras = ["".join(t.text or "" for t in p.iter(A + "t")) for p in root.iter(A + "p")]
            texts.append("\n".join(x for x in paras if x.strip()))
            notes = name.replace("slides/slide", "notesSlides/notesSlide")
            if notes in zf.namelist():
                nroot = parse_xml(_zip_read(zf, notes), recover=True)
                note = "\n".join("".join(t.text or "" for t in p.iter(A + "t")) for p in nroot.iter(A + "p"))
                if note.strip():
                    texts[-1] += "\n" + note
        props = _ooxml_core(zf)
    props.pop("slides", None)
    props.pop("pages", None)
    return _finish(["\n\n".join(texts)], "pptx", max_chars=max_chars, properties=props, page_count=len(slides))


S = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"


def _xlsx(path: Path, *, max_chars: int | None) -> Extraction:
    """Cell values row by row (tab separated), streaming so a big sheet never sits in memory whole."""
    limit = max_chars if max_chars is not None else None
    with zipfile.ZipFile(path) as zf:
        shared: list[str] = []
        if "xl/sharedStrings.xml" in zf.namelist():
            with zf.open("xl/sharedStrings.xml") as fh:
                for _, si in iterparse(fh, tag=S + "si"):
                    shared.append("".join(t.text or "" for t in si.iter(S + "t")))
                    si.clear()
        sheet_names = []
        wb = _zip_read(zf, "xl/workbook.xml")
        if wb:
            sheet_names = [s.get("name") for s in parse_xml(wb, recover=True).iter(S + "sheet")]
        sheets = sorted((n for n in zf.namelist() if re.fullmatch(r"xl/worksheets/sheet\d+\.xml", n)),
                        key=lambda n: int(re.search(r"(\d+)\.xml$", n).group(1)))
        out, size = [], 0
        for idx, name in enumerate(sheets):
            if idx < len(sheet_names) and sheet_names[idx]:
                out.append(f"# {sheet_names[idx]}")
            with zf.open(name) as fh:
                for _, row in iterparse(fh, tag=S + "row"):
                    cells = []
                    for c in row.iter(S + "c"):
                        t, v = c.get("t"), c.find(S + "v")
                        if t == "s" and v is not None and (v.text or "").isdigit():
                            i = int(v.text)
                            cells.append(shared[i] if i < len(shared) else "")
                        elif t == "inlineStr":
                            cells.append("".join(x.text or "" for x in c.iter(S + "t")))
                        else:
                            cells.append(v.text or "" if v is not None else "")
                    row.clear()
                    line = "\t".join(cells).rstrip("\t")
                    if line:
                        out.append(line)
                        size += len(line) + 1
                    if limit is not None and size > limit:
                        break
            if limit is not None and size > limit:
                break
        props = _ooxml_core(zf)
    props.pop("pages", None)
    props["sheets"] = sheet_names
    return _finish(["\n".join(out)], "xlsx", max_chars=max_chars, properties=props, page_count=None)


ODF_TEXT = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
ODF_TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
ODF_DRAW = "urn:oasis:names:tc:opendocument:xmlns:drawing:1.0"
ODF_OFFICE = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
ODF_OFFICE_OOO = "http://openoffice.org/2009/office"  # Impress writes a slide's comments in this namespace
ODF_META = "urn:oasis:names:tc:opendocument:xmlns:meta:1.0"
ODF_STYLE = "urn:oasis:names:tc:opendocument:xmlns:style:1.0"
DC = "http://purl.org/dc/elements/1.1/"
ODF_PAGE_REGIONS = ("header", "header-first", "header-left", "footer", "footer-first", "footer-left")
ODF_KINDS = ("odt", "ods", "odp")
# Comments of Writer and Calc (office:annotation) and of Impress (officeooo:annotation), with their range ends;
# tracked changes of Writer (text:tracked-changes) and of Calc (table:tracked-changes: who changed which
# cell, and the former contents of changed and deleted cells). None of it is printed; all of it travels
# with the file. Also used by woo.privacy.hidden and woo.archive.pdfa (the public rendition leaves it out).
ODF_ANNOTATIONS = tuple(f"{{{ns}}}annotation" for ns in (ODF_OFFICE, ODF_OFFICE_OOO))
ODF_ANNOTATION_ENDS = tuple(f"{{{ns}}}annotation-end" for ns in (ODF_OFFICE, ODF_OFFICE_OOO))
ODF_TRACKED_CHANGES = (f"{{{ODF_TEXT}}}tracked-changes", f"{{{ODF_TABLE}}}tracked-changes")


def _odf_inline(el: etree._Element) -> str:
    """Text of one paragraph-like element, honouring <text:s/>, <text:tab/> and <text:line-break/>."""
    buf = [el.text or ""]
    for child in el:
        name = etree.QName(child.tag).localname if isinstance(child.tag, str) else ""
        ns = etree.QName(child.tag).namespace if isinstance(child.tag, str) else ""
        if ns == ODF_TEXT and name == "s":
            buf.append(" " * int(child.get(f"{{{ODF_TEXT}}}c", "1") or 1))
        elif ns == ODF_TEXT and name == "tab":
            buf.append("\t")
        elif ns == ODF_TEXT and name == "line-break":
            buf.append("\n")
        elif ns == ODF_TEXT and name == "note" or child.tag in ODF_ANNOTATIONS or child.tag in ODF_ANNOTATION_ENDS:
            pass  # not part of the line (a comment is listed after the text by _odf)
        elif isinstance(child.tag, str):
            buf.append(_odf_inline(child))
        buf.append(child.tail or "")
    return "".join(buf)


def _odf_unprinted(body: etree._Element) -> str:
    """The comments (author: text) and the deleted text of tracked changes, under their own headings: they travel
    with the file, so the privacy scan must see them. Deleted text is that of Writer's deletions and, in a
    spreadsheet, the former contents of changed or deleted cells."""
    out = ""
    comments = []
    for ann in body.iter(*ODF_ANNOTATIONS):
        author = ann.find(f"{{{DC}}}creator")
        said = " ".join(_odf_inline(q) for q in ann.iter(f"{{{ODF_TEXT}}}p")).strip()
        comments.append(f"{(author.text or '') if author is not None else ''}: {said}")
    if comments:
        out += "\n\nOpmerkingen:\n" + "\n".join(comments)
    former = (f"{{{ODF_TEXT}}}deletion", f"{{{ODF_TABLE}}}previous", f"{{{ODF_TABLE}}}cell-content-deletion")
    deleted = [_odf_inline(q) for d in body.iter(*former) for q in d.iter(f"{{{ODF_TEXT}}}p")]
    if any(d.strip() for d in deleted):
        out += "\n\n" + DELETED_HEADING + "\n" + "\n".join(d for d in deleted if d.strip())
    return out


def _odf(path: Path, kind: str, *, max_chars: int | None) -> Extraction:
    with zipfile.ZipFile(path) as zf:
        content = _zip_read(zf, "content.xml")
        if content is None:
            raise ExtractionError("corrupt_file", "Het OpenDocument-bestand bevat geen inhoud (content.xml).")
        root = parse_xml(content, recover=True)
        meta = _zip_read(zf, "meta.xml")
        meta_root = parse_xml(meta, recover=True) if meta else None
        styles = _zip_read(zf, "styles.xml") if kind == "odt" else None
        styles_root = parse_xml(styles, recover=True) if styles else None
    body = root.find(f"{{{ODF_OFFICE}}}body")
    body = body if body is not None else root
    page_count = None
    if kind == "ods":
        lines = []
        for table in body.iter(f"{{{ODF_TABLE}}}table"):
            lines.append(f"# {table.get(f'{{{ODF_TABLE}}}name', '')}")
            for row in table.iter(f"{{{ODF_TABLE}}}table-row"):
                cells = []
                for cell in row:
                    if not isinstance(cell.tag, str) or _local(cell.tag) not in ("table-cell", "covered-table-cell"):
                        continue
                    value = "\n".join(_odf_inline(p) for p in cell.iter(f"{{{ODF_TEXT}}}p")  # a comment follows below
                                      if not any(a.tag in ODF_ANNOTATIONS for a in p.iterancestors()))
                    # Repeats of empty cells pad sheets to 16384 columns: never expand those.
                    repeat = int(cell.get(f"{{{ODF_TABLE}}}number-columns-repeated", "1") or 1) if value else 1
                    cells.extend([value] * min(repeat, 1000))
                line = "\t".join(cells).rstrip("\t")
                if line:
                    lines.append(line)
        text = "\n".join(lines)
    else:
        blocks = []
        paragraph_tags = {f"{{{ODF_TEXT}}}p", f"{{{ODF_TEXT}}}h"}
        containers = body.iter(f"{{{ODF_DRAW}}}page") if kind == "odp" else [body]
        slide_count = 0
        hidden_tags = {*ODF_ANNOTATIONS, *ODF_TRACKED_CHANGES}
        for container in containers:
            slide_count += 1
            for el in container.iter(*paragraph_tags):
                # a paragraph inside a note or nested frame is reached on its own; avoid doubling it;
                # comments and deleted changes are not printed and follow below
                if any(a.tag in paragraph_tags or a.tag in hidden_tags for a in el.iterancestors()):
                    continue
                blocks.append(_odf_inline(el))
        # Footnotes, and the headers and footers of the page styles (styles.xml), are printed on the pages
        # like the body, as in a DOCX: after the body, so the scan and the classifier see them.
        notes = [_odf_inline(q) for n in body.iter(f"{{{ODF_TEXT}}}note-body") for q in n.iter(*paragraph_tags)]
        blocks += [n for n in notes if n.strip()]
        if styles_root is not None:
            regions = [f"{{{ODF_STYLE}}}{r}" for r in ODF_PAGE_REGIONS]
            printed = (_odf_inline(q) for part in styles_root.iter(*regions) for q in part.iter(*paragraph_tags))
            blocks += [t for t in dict.fromkeys(printed) if t.strip()]  # left and right pages often say the same
        text = "\n".join(blocks)
        if kind == "odp":
            page_count = slide_count
    text += _odf_unprinted(body)
    props = {}
    if meta_root is not None:
        fields = {f"{{{DC}}}title": "title", f"{{{DC}}}creator": "author", f"{{{DC}}}subject": "subject",
                  f"{{{DC}}}description": "description", f"{{{DC}}}date": "modified",
                  f"{{{ODF_META}}}initial-creator": "initial_creator", f"{{{ODF_META}}}creation-date": "created",
                  f"{{{ODF_META}}}keyword": "keywords", f"{{{DC}}}language": "language"}
        for el in meta_root.iter(*fields):
            if el.text and el.text.strip():
                props.setdefault(fields[el.tag], el.text.strip())
        stats = meta_root.find(f".//{{{ODF_META}}}document-statistic")
        if stats is not None and kind == "odt" and (stats.get(f"{{{ODF_META}}}page-count") or "").isdigit():
            page_count = int(stats.get(f"{{{ODF_META}}}page-count"))
        if not props.get("author") and props.get("initial_creator"):
            props["author"] = props["initial_creator"]
    return _finish([text], kind, max_chars=max_chars, properties=props, page_count=page_count)


# ---------------------------------------------------------------------------------------------- text

def _read_bounded(path: Path, max_chars: int | None) -> bytes:
    size = path.stat().st_size
    cap = MAX_TEXT_FILE_BYTES if max_chars is None else min(MAX_TEXT_FILE_BYTES, max_chars * 4 + 4)
    with open(path, "rb") as fh:
        return fh.read(min(size, cap))


def decode_text(data: bytes) -> tuple[str, str]:
    """UTF-8 (with or without BOM), UTF-16 with a BOM, else Windows-1252: what Dutch offices produce."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", "replace"), "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", "replace"), "utf-16"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as exc:
        if exc.start >= len(data) - 3:  # a multibyte character cut by the read cap
            return data[:exc.start].decode("utf-8"), "utf-8"
    return data.decode("cp1252", "replace"), "cp1252"


def _plain(path: Path, kind: str, *, max_chars: int | None) -> Extraction:
    text, encoding = decode_text(_read_bounded(path, max_chars))
    return _finish([text], kind, max_chars=max_chars, properties={"encoding": encoding})


_BLOCK = {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "table", "section", "article",
          "header", "footer", "ul", "ol", "dd", "dt", "blockquote", "pre", "hr", "title", "td", "th", "nav"}


def html_to_text(root) -> str:
    for bad in root.xpath("//script|//style|//noscript|//template|//head/meta|//svg"):
        bad.drop_tree() if hasattr(bad, "drop_tree") else bad.getparent().remove(bad)
    buf: list[str] = []

    def walk(el):
        tag = _local(el.tag).lower() if isinstance(el.tag, str) else ""
        if tag in _BLOCK:
            buf.append("\n")
        if tag == "td" or tag == "th":
            buf.append("\t")
        if el.text and tag != "title":
            buf.append(el.text)
        for child in el:
            walk(child)
            if child.tail:
                buf.append(child.tail)
        if tag in _BLOCK:
            buf.append("\n")

    body = root.find(".//body")
    walk(body if body is not None else root)
    text = "".join(buf)
    text = re.sub(r"[ \t]*\n[ \t]*", "\n", re.sub(r"[ \t\u00a0]+", " ", text))
    return text


def _html(path: Path, *, max_chars: int | None) -> Extraction:
    data = _read_bounded(path, None if max_chars is None else max_chars * 2)
    root = parse_html(data)
    props = {"title": (root.findtext(".//title") or "").strip() or None}
    for meta in root.iter("meta"):
        name = (meta.get("name") or meta.get("property") or "").lower()
        content = (meta.get("content") or "").strip()
        key = {"author": "author", "dc.creator": "author", "description": "description",
               "dc.description": "description", "keywords": "keywords", "dc.title": "title",
               "dcterms.modified": "modified", "dcterms.created": "created", "dc.date": "created",
               "dcterms.identifier": "identifier", "dc.language": "language"}.get(name)
        if key and content and not props.get(key):
            props[key] = content
    return _finish([html_to_text(root)], "html", max_chars=max_chars, properties=props)


def _xml(path: Path, *, max_chars: int | None) -> Extraction:
    try:
        with open(path, "rb") as fh:
            root = parse_xml(fh)
    except etree.XMLSyntaxError:
        # Many "XML" files in the wild are XHTML or broken; recover rather than lose the text.
        root = parse_xml(_read_bounded(path, max_chars), recover=True)
    if _local(root.tag).lower() == "html":
        return _finish([html_to_text(root)], "html", max_chars=max_chars,
                       properties={"title": "".join(root.xpath("//*[local-name()='title']//text()")).strip()})
    etree.strip_elements(root, etree.Entity, with_tail=False)  # unresolved entities stay out of the text
    chunks = []
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        if el.text and el.text.strip():
            chunks.append(el.text.strip())
        if el.tail and el.tail.strip():
            chunks.append(el.tail.strip())
    props = {"root_element": _local(root.tag), "namespace": etree.QName(root.tag).namespace}
    title = root.xpath("//*[local-name()='title' or local-name()='titel'][1]//text()")
    if title:
        props["title"] = " ".join(t.strip() for t in title if t.strip())[:1000] or None
    return _finish(["\n".join(chunks)], "xml", max_chars=max_chars, properties=props)


# ---------------------------------------------------------------------------------------------- mail

def _eml(path: Path, *, max_chars: int | None) -> Extraction:
    with open(path, "rb") as fh:
        msg = email.message_from_binary_file(fh, policy=email.policy.default)
    headers = {k: str(msg.get(k, "") or "").strip() for k in ("Subject", "From", "To", "Cc", "Date", "Message-ID")}
    created = None
    if headers["Date"]:
        try:
            created = parsedate_to_datetime(headers["Date"]).isoformat()
        except (TypeError, ValueError):
            created = headers["Date"]
    body = ""
    part = msg.get_body(preferencelist=("plain", "html"))
    if part is not None:
        try:
            content = part.get_content()
        except (LookupError, UnicodeError):
            content = part.get_payload(decode=True).decode("cp1252", "replace")
        body = html_to_text(parse_html(content.encode("utf-8"))) if part.get_content_type() == "text/html" else content
    attachments = [a.get_filename() or "" for a in msg.iter_attachments()]
    head = "\n".join(f"{dutch}: {headers[k]}" for k, dutch in
                     (("Subject", "Onderwerp"), ("From", "Van"), ("To", "Aan"), ("Cc", "Cc"), ("Date", "Datum"))
                     if headers[k])
    props = {"title": headers["Subject"], "author": headers["From"], "to": headers["To"], "cc": headers["Cc"],
             "created": created, "message_id": headers["Message-ID"], "attachments": attachments}
    return _finish([head + "\n\n" + body], "eml", max_chars=max_chars, properties=props)


def _msg(path: Path, *, max_chars: int | None) -> Extraction:
    """Outlook .msg (MS-OXMSG): the property streams of the top-level message, read with olefile."""
    try:
        import olefile
    except ImportError as exc:
        raise ExtractionError("unsupported", "Outlook-berichten (.msg) kunnen hier niet worden gelezen "
                                             "(olefile ontbreekt).") from exc
    try:
        ole = olefile.OleFileIO(str(path))
    except (OSError, ValueError) as exc:
        raise ExtractionError("corrupt_file", "Het Outlook-bericht (.msg) is beschadigd.") from exc
    with ole:
        def prop(tag: str) -> str | None:
            for typ, enc in (("001F", "utf-16-le"), ("001E", "cp1252")):
                name = f"__substg1.0_{tag}{typ}"
                if ole.exists(name):
                    size = ole.get_size(name)
                    if size > MAX_PART_BYTES:
                        raise ExtractionError("too_large", "Het Outlook-bericht is te groot om te verwerken.")
                    return ole.openstream(name).read().decode(enc, "replace").rstrip("\x00").strip()
            return None

        subject = prop("0037")
        sender = prop("0C1A") or prop("5D01") or prop("0C1F")
        sender_email = prop("5D01") or prop("0C1F")
        to, cc = prop("0E04"), prop("0E03")
        body = prop("1000")
        if not body and ole.exists("__substg1.0_10130102"):
            html_bytes = ole.openstream("__substg1.0_10130102").read()
            body = html_to_text(parse_html(html_bytes))
        created = _msg_time(ole)
        attachments = []
        for entry in ole.listdir(streams=True, storages=False):
            if len(entry) == 2 and entry[0].startswith("__attach_version1.0_") and \
                    entry[1] in ("__substg1.0_3707001F", "__substg1.0_3704001F"):
                attachments.append(ole.openstream(entry).read().decode("utf-16-le", "replace").rstrip("\x00"))
    if subject is None and body is None:
        raise ExtractionError("corrupt_file", "Het bestand is geen leesbaar Outlook-bericht (.msg).")
    author = f"{sender} <{sender_email}>" if sender and sender_email and sender_email not in sender else sender
    head = "\n".join(f"{k}: {v}" for k, v in (("Onderwerp", subject), ("Van", author), ("Aan", to), ("Cc", cc)) if v)
    props = {"title": subject, "author": author, "to": to, "cc": cc, "created": created,
             "attachments": sorted(set(attachments))}
    return _finish([head + "\n\n" + (body or "")], "msg", max_chars=max_chars, properties=props)


def _msg_time(ole) -> str | None:
    """Sent (PidTagClientSubmitTime) or else delivery time, from the fixed-size property stream:
    a 32-byte header for the top-level message, then 16-byte entries (tag, flags, 8-byte value)."""
    import struct
    from datetime import timedelta, timezone

    if not ole.exists("__properties_version1.0"):
        return None
    data = ole.openstream("__properties_version1.0").read(32 + 16 * 4096)
    found = {}
    for off in range(32, len(data) - 15, 16):
        tag, _flags, value = struct.unpack_from("<IIQ", data, off)
        if tag & 0xFFFF == 0x0040 and value:  # PT_SYSTIME: 100 ns ticks since 1601-01-01 UTC
            found[tag >> 16] = value
    ticks = found.get(0x0039) or found.get(0x0E06)
    if not ticks:
        return None
    try:
        return (datetime(1601, 1, 1, tzinfo=timezone.utc) + timedelta(microseconds=ticks // 10)).isoformat()
    except OverflowError:
        return None


# ---------------------------------------------------------------------------------------------- DOC, images

def _doc(path: Path, *, max_chars: int | None) -> Extraction:
    for tool, args in (("antiword", ["-w", "0"]), ("catdoc", ["-w", "-d", "utf-8"])):
        exe = shutil.which(tool)
        if not exe:
            continue
        try:
            proc = bounded.run([exe, *args, str(path)], timeout=120, network=False)
        except bounded.ToolError:
            continue
        if proc.returncode == 0 and proc.stdout.strip():
            text, _ = decode_text(proc.stdout[: (max_chars * 4 if max_chars else None)])
            return _finish([text], f"doc-{tool}", max_chars=max_chars)
    raise ExtractionError("unsupported", "Tekst uit Word 97-2003 (.doc) kan hier niet worden gelezen "
                                         "(antiword/catdoc ontbreekt of faalde); lever het op als .docx of .pdf.")


def _image(path: Path, kind: str, *, ocr: bool, max_chars: int | None) -> Extraction:
    from PIL import Image

    try:  # headers only: dimensions, and for TIFF the whole IFD chain (loops, frame count)
        props = precheck.check_image(path, kind)
    except precheck.Refused as exc:
        raise ExtractionError(exc.code, exc.reason) from exc
    try:
        with Image.open(path) as img:  # Pillow's decompression-bomb guard applies here
            dpi = img.info.get("dpi")
            if dpi:
                props["dpi"] = round(float(dpi[0]))
    except (OSError, ValueError, TypeError, Image.DecompressionBombError) as exc:
        raise ExtractionError("corrupt_file", "De afbeelding is beschadigd of te groot.") from exc
    if not ocr:
        result = _finish([""], "image", max_chars=max_chars, properties=props, page_count=props.get("frames"))
        result.needs_ocr = True
        return result
    try:
        pages = ocr_mod.ocr_image(path)
    except ocr_mod.OcrError as exc:
        raise ExtractionError(exc.code, exc.reason) from exc
    return _finish(pages, "ocr", max_chars=max_chars, ocr_used=True, properties=props,
                   page_count=props.get("frames"))


# ---------------------------------------------------------------------------------------------- entry

def extract_text(path: Path | bytes, kind: str | None = None, *, ocr: bool = True, max_pages: int | None = None,
                 max_chars: int | None = None) -> Extraction:
    """Text and properties of `path`. `kind` is an identify() kind; identified here when omitted.
    A PDF's text layer (``kind="pdf"``, ``ocr=False``) may be given as the file's bytes instead of a path
    (a job's read cache holds them already: no temporary file)."""
    if isinstance(path, bytes):
        if kind != "pdf" or ocr:
            raise TypeError("bytes are read for a PDF's text layer only (kind='pdf', ocr=False)")
        return _guarded(lambda: _pdf(path, ocr=False, max_pages=max_pages, max_chars=max_chars))
    path = Path(path)
    if kind is None:
        try:
            kind = identify(path, path.name).require_accepted().kind
        except RejectedFile as exc:  # callers handle one exception type
            raise ExtractionError(exc.code, exc.reason) from exc
    return _guarded(lambda: _extract_kind(path, kind, ocr=ocr, max_pages=max_pages, max_chars=max_chars))


def _extract_kind(path: Path, kind: str, *, ocr: bool, max_pages: int | None, max_chars: int | None) -> Extraction:
    if kind == "pdf":
        return _pdf(path, ocr=ocr, max_pages=max_pages, max_chars=max_chars)
    if kind in ODF_KINDS:
        return _odf(path, kind, max_chars=max_chars)
    if kind in ("txt", "csv"):
        return _plain(path, kind, max_chars=max_chars)
    if kind in ("jpeg", "png", "tiff"):
        return _image(path, kind, ocr=ocr, max_chars=max_chars)
    reader = {"docx": _docx, "pptx": _pptx, "xlsx": _xlsx, "html": _html, "xml": _xml, "eml": _eml, "msg": _msg,
              "doc": _doc}.get(kind)
    if reader is not None:
        return reader(path, max_chars=max_chars)
    raise ExtractionError("unsupported", f"Tekstextractie voor bestandssoort '{kind}' wordt niet ondersteund.")


def _guarded(run) -> Extraction:
    """``run()``, with the library errors hostile or odd files cause turned into ExtractionError."""
    try:
        return run()
    except ExtractionError:
        raise
    except (zipfile.BadZipFile, zlib.error, EOFError) as exc:  # EOF/zlib: a damaged compressed member
        raise ExtractionError("corrupt_file", "Het bestand is beschadigd (ongeldig ZIP-/Office-formaat).") from exc
    except etree.LxmlError as exc:
        raise ExtractionError("corrupt_file", f"Het bestand bevat ongeldige XML: {str(exc)[:200]}") from exc
    except Exception as exc:
        reason = dutch_reason(exc)
        if reason is None:
            raise
        raise ExtractionError("unreadable", reason) from exc


def dutch_reason(exc: BaseException) -> str | None:
    """A Dutch explanation for the library errors hostile or odd files cause; None when unknown."""
    text = str(exc).lower()
    if isinstance(exc, RecursionError):
        return "Het bestand is te diep genest (bijvoorbeeld e-mail in e-mail in e-mail) om te verwerken."
    if isinstance(exc, MemoryError):
        return "Het bestand vraagt te veel geheugen om te verwerken."
    if isinstance(exc, NotImplementedError) and "compression" in text:
        return "Het bestand gebruikt een compressiemethode die niet wordt ondersteund."
    if isinstance(exc, RuntimeError) and ("encrypted" in text or "password" in text):
        return "Het bestand bevat onderdelen die met een wachtwoord zijn versleuteld."
    if isinstance(exc, ValueError) and ("decompressed data too large" in text or "too large" in text
                                        or "bomb" in text):
        return "Het bestand bevat een onderdeel dat uitgepakt te groot is (mogelijk een decompressiebom)."
    if isinstance(exc, (ValueError, TypeError, KeyError, IndexError, UnicodeError, OSError, EOFError,
                        NotImplementedError, RuntimeError, LookupError, AttributeError)):
        return "Het bestand is beschadigd of heeft een vorm die niet kan worden gelezen."
    return None
