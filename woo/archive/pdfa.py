"""PDF/A-2b renditions of PDFs and office documents, for publication and preservation.

Route (all offline, the original is never touched):
  office file --LibreOffice headless (PDF/A-2 export)--> PDF
  PDF --pikepdf.pdfa (repair + declare + verify 2b)--> PDF/A-2b
      on refusal: Ghostscript pdfwrite -dPDFA=2 (embeds fonts, re-renders), then pikepdf.pdfa again.
  A DOCX, ODT, ODS or ODP with comments or tracked changes is rendered from a copy without its comments and
  with its changes accepted (clean_office_copy): LibreOffice exports comments as /Text annotations without an
  appearance (which PDF/A-2b refuses) and prints deleted text struck through; the public rendition is the
  document as it reads, without what was said about it or taken out of it. The original keeps them.

Why not ``ocrmypdf --skip-text --output-type pdfa-2``: OCRmyPDF 17 refuses Debian 12's Ghostscript 10.0.0
for files with text (known regressions), and its internal backend is pikepdf.pdfa, which we call directly
(text is extracted and OCRed elsewhere). Every step is returned with tool, version and outcome so the
caller can record it as a preservation event; a failure carries a Dutch reason for the records officer.
"""
from __future__ import annotations

import shutil
import tempfile
import zipfile
import zlib
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path

import pikepdf
from lxml import etree

from woo.adapters import bounded
from woo.archive import ods_fit
from woo.intake import precheck
from woo.intake.extract import (DOCX_COMMENT_PART, DOCX_REMOVED_CHANGES, DOCX_STORY_PART, ODF_ANNOTATION_ENDS,
                                ODF_ANNOTATIONS, ODF_KINDS, ODF_TRACKED_CHANGES, W)
from woo.privacy.hidden import ODF

__all__ = ["Step", "PdfaResult", "OFFICE_KINDS", "CONVERTIBLE_KINDS", "RENDERED_KINDS", "REDACTABLE_KINDS",
           "convertible", "to_pdfa", "clean_office_copy", "has_hidden_parts",
           "office_to_pdf", "pdf_to_pdfa", "is_pdfa", "tool_versions"]

FLAVOUR = "2b"
# LibreOffice picks its export filter by document family.
OFFICE_KINDS = {"docx": "writer", "doc": "writer", "odt": "writer",
                "xlsx": "calc", "ods": "calc", "pptx": "impress", "odp": "impress",
                "xml": "writer"}  # an XML export (BWB, CVDR): its text, verbatim, as a PDF/A the Woo-index harvests
# Opened as UTF-8 text, not by LibreOffice's XML filter detection (which refuses unknown vocabularies).
TEXT_IMPORT = {"xml": "Text (encoded):UTF8,LF,,,", "txt": "Text (encoded):UTF8,LF,,,", "html": "HTML (StarWriter)"}
CONVERTIBLE_KINDS = frozenset(OFFICE_KINDS) | {"pdf"}
# Kept as they are for the archive; a PDF/A is made of them only to redact in (woo.services.privacy): a page
# (HTML, by LibreOffice) or woo's own reading of the file (text, mail: headers and body, as extracted).
RENDERED_KINDS = frozenset({"txt", "csv", "html", "eml", "msg"})
FROM_TEXT_KINDS = RENDERED_KINDS - {"html"}
REDACTABLE_KINDS = CONVERTIBLE_KINDS | RENDERED_KINDS
SOFFICE_TIMEOUT = 180
GS_TIMEOUT = 300


@dataclass
class Step:
    tool: str
    version: str
    outcome: str  # "ok" or a short failure description
    at: str = field(default_factory=lambda: datetime.now(timezone.utc).isoformat(timespec="seconds"))

    def as_dict(self) -> dict:
        return dict(self.__dict__)


@dataclass
class PdfaResult:
    ok: bool
    path: Path | None = None  # the PDF/A-2b file (in the caller's work folder)
    reason: str | None = None  # Dutch, when not ok
    steps: list[Step] = field(default_factory=list)
    validated: bool = False  # pikepdf's validator passed it (else: PDF/A constructs it cannot check)


class _Failed(Exception):
    def __init__(self, reason: str, final: bool = False):
        super().__init__(reason)
        self.reason = reason
        self.final = final  # no other tool should try: the input itself is unusable


def convertible(kind: str | None) -> bool:
    return kind in CONVERTIBLE_KINDS


def _soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


@lru_cache(maxsize=None)
def _version(tool: str) -> str:
    try:
        if tool == "soffice":
            exe = _soffice()
            if not exe:
                return "niet geïnstalleerd"
            out = bounded.run([exe, "--version"], text=True, timeout=60, network=False).stdout
            return " ".join(out.split()[:2]) or "onbekend"
        if tool == "gs":
            return bounded.run(["gs", "--version"], text=True, timeout=30).stdout.strip()
    except bounded.ToolError:
        return "niet geïnstalleerd"
    return "onbekend"


def tool_versions() -> dict[str, str]:
    return {"pikepdf": pikepdf.__version__, "libreoffice": _version("soffice"), "ghostscript": _version("gs")}


def office_to_pdf(src: Path, kind: str, workdir: Path, target: str = "pdf") -> tuple[Path, Step]:
    """LibreOffice headless, exporting PDF/A-2 directly; a private profile per call (parallel-safe).
    ``target="ods"``: a spreadsheet saved as ODS instead (an XLSX on its way to the rendition, see to_pdfa)."""
    exe = _soffice()
    if exe is None:
        raise _Failed("LibreOffice is niet geïnstalleerd; kantoorbestanden kunnen niet naar PDF/A worden omgezet.")
    family = OFFICE_KINDS.get(kind, "writer")
    out_dir = workdir / "lo-out"
    out_dir.mkdir(exist_ok=True)
    profile = workdir / "lo-profile"
    filt = f'pdf:{family}_pdf_Export:{{"SelectPdfVersion":{{"type":"long","value":"2"}}}}' if target == "pdf" \
        else target
    # A plain ASCII name: LibreOffice names its output after the input.
    staged = workdir / f"input.{kind}"
    shutil.copyfile(src, staged)
    version = _version("soffice")
    _offline_profile(profile)
    try:
        # No network (a linked image or OLE link must not make the server fetch URLs: SSRF), its own
        # process group killed whole afterwards (soffice.bin survives its oosplash parent otherwise).
        proc = bounded.run([exe, f"-env:UserInstallation=file://{profile}", "--headless", "--norestore",
                            "--nolockcheck", *([f"--infilter={TEXT_IMPORT[kind]}"] if kind in TEXT_IMPORT else []),
                            "--convert-to", filt, "--outdir", str(out_dir), str(staged)],
                           text=True, timeout=SOFFICE_TIMEOUT, network=False, name="LibreOffice")
    except bounded.ToolError as exc:
        if exc.code == "tool_timeout":
            raise _Failed(f"LibreOffice gaf na {SOFFICE_TIMEOUT} seconden geen resultaat (bestand te groot of "
                          "beschadigd) en is gestopt.") from None
        raise _Failed("LibreOffice kon niet worden gestart.") from None
    if proc.killed_by_limit:
        raise _Failed(bounded.limit_reason("LibreOffice", proc))
    out = out_dir / f"input.{target}"
    if proc.returncode != 0 or not out.exists() or out.stat().st_size == 0:
        raise _Failed("LibreOffice kon het bestand niet openen of omzetten naar PDF "
                      "(beschadigd, beveiligd met een wachtwoord of geen geldig kantoorbestand).")
    return out, Step("LibreOffice", version, "ok")


# LibreOffice settings for a fresh profile: never load linked graphics or follow links from a document
# (BlockUntrustedRefererLinks), no update checks. The network namespace (bounded.run) is the first wall;
# this is the second, for hosts where unshare is not allowed (containers without CAP_SYS_ADMIN).
_OFFLINE_XCU = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema"
           xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Common/Security/Scripting"><prop oor:name="BlockUntrustedRefererLinks" oor:op="fuse"><value>true</value></prop></item>
<item oor:path="/org.openoffice.Office.Common/Security/Scripting"><prop oor:name="MacroSecurityLevel" oor:op="fuse"><value>3</value></prop></item>
<item oor:path="/org.openoffice.Office.Common/Security/Scripting"><prop oor:name="DisableMacrosExecution" oor:op="fuse"><value>true</value></prop></item>
<item oor:path="/org.openoffice.Office.Common/Misc"><prop oor:name="UseLocking" oor:op="fuse"><value>false</value></prop></item>
<item oor:path="/org.openoffice.Office.Jobs/Jobs/org.openoffice.Office.Jobs:Job['UpdateCheck']/Arguments"><prop oor:name="AutoCheckEnabled" oor:op="fuse"><value>false</value></prop></item>
</oor:items>
"""


def _offline_profile(profile: Path) -> None:
    user = profile / "user"
    user.mkdir(parents=True, exist_ok=True)
    xcu = user / "registrymodifications.xcu"
    if not xcu.exists():
        xcu.write_text(_OFFLINE_XCU, encoding="utf-8")


def _strip_unsupported(pdf: pikepdf.Pdf) -> None:
    root = pdf.Root
    for name in ("/OpenAction", "/AA"):
        if name in root:
            del root[name]
    if "/Names" in root and "/JavaScript" in root.Names:
        del root.Names["/JavaScript"]
    if "/DocChecksum" in pdf.trailer:
        del pdf.trailer["/DocChecksum"]
    form = root.get("/AcroForm")
    if form is not None and len(form.get("/Fields", [])) == 0:
        del root["/AcroForm"]  # an empty form dictionary: nothing to fill in, nothing lost


def _pikepdf_save(src: Path, dest: Path) -> str:
    """Write ``dest`` as PDF/A-2b; returns "" when validated, else a note on what could not be checked."""
    try:
        pdf = pikepdf.open(src)
    except pikepdf.PasswordError:
        raise _Failed("De PDF is versleuteld met een wachtwoord; zonder wachtwoord kan er geen PDF/A van "
                      "worden gemaakt.", final=True) from None
    except pikepdf.PdfError as exc:
        # Ghostscript would "repair" it into blank pages: a rendition of nothing is worse than none.
        raise _Failed(f"De PDF is beschadigd en kan niet worden gelezen ({str(exc)[:200]}).", final=True) from None
    with pdf:
        if pdf.is_encrypted:
            raise _Failed("De PDF is versleuteld (beveiligd tegen wijzigen); de beveiliging moet eraf voordat er "
                          "een PDF/A van kan worden gemaakt.", final=True)
        _strip_unsupported(pdf)
        try:
            pikepdf.pdfa.prepare(pdf, FLAVOUR)
            pdf.save(dest, **pikepdf.pdfa.resolve_save_kwargs(FLAVOUR))
        except Exception as exc:  # qpdf cannot write it back: broken beyond repair
            raise _Failed(f"De PDF kan niet worden herschreven ({str(exc)[:200]}).") from None
    report = pikepdf.pdfa.validate_written(dest, FLAVOUR)
    if report.verdict == "pass":
        return ""
    if report.verdict == "not_checked" and not report.violations:
        # PDF/A-2b allows these (JPEG 2000, shared XObjects); pikepdf's allowlist just cannot vouch for them.
        return "niet volledig controleerbaar: " + _findings(report.unsupported)
    dest.unlink(missing_ok=True)
    raise _Failed("Voldoet niet aan PDF/A-2b: " + _findings(report.violations or report.findings))


def _findings(findings) -> str:
    seen = list(dict.fromkeys(f.message for f in findings))
    return "; ".join(seen[:3]) + (f" (en nog {len(seen) - 3})" if len(seen) > 3 else "")


def _ghostscript(src: Path, dest: Path) -> None:
    if shutil.which("gs") is None:
        raise _Failed("Ghostscript is niet geïnstalleerd.")
    try:  # image bombs and lying JPEG headers are refused before Ghostscript renders anything
        precheck.check_pdf(src)
    except precheck.Refused as exc:
        raise _Failed(exc.reason, final=True) from None
    try:
        proc = bounded.run(["gs", "-dPDFA=2", "-dBATCH", "-dNOPAUSE", "-dSAFER", "-dQUIET",
                            "-dPDFACompatibilityPolicy=1", "-sColorConversionStrategy=RGB",
                            "-sDEVICE=pdfwrite", f"-sOutputFile={dest}", str(src)],
                           text=True, timeout=GS_TIMEOUT, network=False, name="Ghostscript")
    except bounded.ToolError as exc:
        if exc.code == "tool_timeout":
            raise _Failed(f"Ghostscript gaf na {GS_TIMEOUT} seconden geen resultaat en is gestopt.") from None
        raise _Failed("Ghostscript kon niet worden gestart.") from None
    if proc.killed_by_limit:
        raise _Failed(bounded.limit_reason("Ghostscript", proc))
    if proc.returncode != 0 or not dest.exists() or dest.stat().st_size == 0:
        tail = (proc.stderr or proc.stdout or "").strip().splitlines()[-1:] or ["geen uitvoer"]
        raise _Failed(f"Ghostscript kon de PDF niet herschrijven ({tail[0][:200]}).")


def _pages(path: Path) -> int:
    try:
        with pikepdf.open(path) as pdf:
            return len(pdf.pages)
    except Exception:
        return -1


def pdf_to_pdfa(src: Path, workdir: Path, steps: list[Step]) -> tuple[Path, bool]:
    """PDF/A-2b from a PDF: (path, fully validated). pikepdf.pdfa first (keeps the file as it is, adds the
    declarations); when that is refused or cannot be fully checked, Ghostscript re-renders it (embeds fonts,
    flattens forms) and pikepdf.pdfa runs again. Of two unverifiable results the one closest to the original
    is kept, unless pikepdf could not check its fonts (embedded fonts are the point of PDF/A)."""
    first, rendered, final = workdir / "pdfa-pikepdf.pdf", workdir / "gs.pdf", workdir / "pdfa-gs.pdf"
    note: str | None
    try:
        note = _pikepdf_save(src, first)
        steps.append(Step("pikepdf.pdfa", pikepdf.__version__, f"ok ({note})" if note else "ok"))
        if not note:
            return first, True
    except _Failed as exc:
        steps.append(Step("pikepdf.pdfa", pikepdf.__version__, exc.reason))
        if exc.final:
            raise
        note = None
    try:
        _ghostscript(src, rendered)
        if _pages(rendered) != _pages(src):
            raise _Failed("Ghostscript leverde een ander aantal pagina's op dan het origineel.")
        steps.append(Step("Ghostscript", _version("gs"), "ok"))
    except _Failed as exc:
        steps.append(Step("Ghostscript", _version("gs"), exc.reason))
        if note is not None and "font" not in note.lower():
            return first, False
        raise
    try:
        gs_note = _pikepdf_save(rendered, final)
        steps.append(Step("pikepdf.pdfa", pikepdf.__version__, f"ok ({gs_note})" if gs_note else "ok"))
    except _Failed as exc:
        steps.append(Step("pikepdf.pdfa", pikepdf.__version__, exc.reason))
        if note is not None and "font" not in note.lower():
            return first, False
        raise
    return final, not gs_note


def is_pdfa(path: Path) -> bool:
    """pikepdf's allowlist validator: a pass is trustworthy, a refusal may be a false alarm."""
    try:
        return bool(pikepdf.pdfa.validate_written(path, FLAVOUR).passed)
    except Exception:
        return False


# Elements that anchor or mark a comment in the document body (w:commentReference sits in its own run).
_COMMENT_TAGS = {f"{W}{t}" for t in ("commentRangeStart", "commentRangeEnd", "commentReference")}
# Accepting changes: inserted or moved-in content stays (its wrapper goes), revision marks and the former
# formatting go; deleted and moved-out content (DOCX_REMOVED_CHANGES) goes with its wrapper.
_UNWRAP = {f"{W}{t}" for t in ("ins", "moveTo")}
_MARKS = {f"{W}{t}" for t in ("moveFromRangeStart", "moveFromRangeEnd", "moveToRangeStart", "moveToRangeEnd",
                                    "pPrChange", "rPrChange", "sectPrChange", "tblPrChange", "trPrChange",
                                    "tcPrChange", "tblGridChange", "tblPrExChange", "numberingChange",
                                    "cellIns", "cellDel", "cellMerge")}
_TEXT = f"{{{ODF['text']}}}"
# Writer marks where a change was in the text (text:change*); Calc's table shows the cells as they are now.
_ODF_CHANGE_MARKS = {f"{_TEXT}change", f"{_TEXT}change-start", f"{_TEXT}change-end"}
_ODF_DROP = {*ODF_ANNOTATIONS, *ODF_ANNOTATION_ENDS, *ODF_TRACKED_CHANGES, *_ODF_CHANGE_MARKS}
_ODF_PARTS = ("content.xml", "styles.xml")
_XML_PARSER = dict(resolve_entities=False, no_network=True, huge_tree=False, remove_blank_text=False)
# What a damaged or unusual ZIP member raises when read (besides a broken archive itself).
_ZIP_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError, KeyError, ValueError,
               OSError)


def has_hidden_parts(path: Path, kind: str) -> bool:
    """A DOCX or OpenDocument file with comments or tracked changes (which its public rendition leaves out)."""
    try:
        with zipfile.ZipFile(path) as zf:
            if kind == "docx":
                if any(DOCX_COMMENT_PART.fullmatch(n) for n in zf.namelist()):
                    return True
                marks = (b"<w:ins ", b"<w:del ", b"<w:moveFrom ", b"<w:moveTo ")
                parts = [n for n in zf.namelist() if DOCX_STORY_PART.fullmatch(n)]
            elif kind in ODF_KINDS:
                marks = (b"<office:annotation", b"<officeooo:annotation", b"<text:tracked-changes",
                         b"<table:tracked-changes")
                parts = [n for n in _ODF_PARTS if n in zf.namelist()]
            else:
                return False
            return any(m in zf.read(n) for n in parts for m in marks)
    except _ZIP_ERRORS:
        return False  # the conversion itself reports a broken file


def _drop(el: etree._Element) -> None:
    """Remove ``el`` and what it holds, keeping the text that follows it (ODF has mixed content)."""
    parent = el.getparent()
    if el.tail:
        prev = el.getprevious()
        if prev is not None:
            prev.tail = (prev.tail or "") + el.tail
        else:
            parent.text = (parent.text or "") + el.tail
    parent.remove(el)


def _unwrap(el: etree._Element) -> None:
    """Replace ``el`` by its children."""
    parent, at = el.getparent(), el.getparent().index(el)
    for i, child in enumerate(list(el)):
        parent.insert(at + i, child)
    _drop(el)


def _clean_docx_part(root: etree._Element) -> tuple[int, int]:
    comments = changes = 0
    for el in [e for e in root.iter() if e.tag in _COMMENT_TAGS]:
        parent = el.getparent()
        parent.remove(el)
        comments += 1
        # a run that only held the reference (and its style) is removed too
        if parent.tag == f"{W}r" and all(c.tag == f"{W}rPr" for c in parent):
            parent.getparent().remove(parent)
    for el in [e for e in root.iter(*DOCX_REMOVED_CHANGES, *_UNWRAP, *_MARKS)]:
        if el.getparent() is None or not any(a is root for a in el.iterancestors()):
            continue  # inside something already removed
        changes += 1
        parent = el.getparent()
        if parent.tag == f"{W}trPr" and el.tag == f"{W}del":
            row = parent.getparent()  # a deleted table row
            row.getparent().remove(row)
        elif parent.tag in (f"{W}rPr", f"{W}trPr") or el.tag in _MARKS:
            parent.remove(el)  # a revision mark on a paragraph mark or a row, or the former formatting
        elif el.tag in _UNWRAP:
            _unwrap(el)
        else:
            parent.remove(el)
    return comments, changes


def _clean_odf_part(root: etree._Element) -> tuple[int, int]:
    comments = changes = 0
    for el in [e for e in root.iter(*_ODF_DROP)]:
        if not any(a is root for a in el.iterancestors()):
            continue
        if el.tag in ODF_ANNOTATIONS:
            comments += 1
        elif el.tag == f"{{{ODF['table']}}}tracked-changes":
            changes += sum(1 for c in el if isinstance(c.tag, str))  # a cell changed, rows inserted or deleted
        elif el.tag in (f"{_TEXT}change", f"{_TEXT}change-start"):
            changes += 1
        _drop(el)
    return comments, changes


def clean_office_copy(src: Path, kind: str, dest: Path) -> tuple[int, int]:
    """Write ``dest``: a copy of the DOCX or OpenDocument ``src`` without its comments (DOCX: the comment parts,
    their relationships and content types and the anchors in the text; ODT, ODS, ODP: the annotations) and with
    its tracked changes accepted (deleted text gone, inserted text kept, revision marks gone; a spreadsheet's
    cells already show the accepted contents, its change records go); ``src`` is left as it is. A spreadsheet
    (ODS) is also laid out to print every cell whole (woo.archive.ods_fit: wrapped, columns wide enough).
    Returns (comments removed, changes accepted). Raises zipfile.BadZipFile / etree.XMLSyntaxError for a
    broken file."""
    parser = etree.XMLParser(**_XML_PARSER)
    comments = changes = 0

    def write(root: etree._Element) -> bytes:
        return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)

    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as zout:
        add_styles = kind == "ods" and "styles.xml" not in zin.namelist()
        for info in zin.infolist():
            name = info.filename
            if kind == "docx" and DOCX_COMMENT_PART.fullmatch(name):
                continue
            data = zin.read(info)
            if kind == "docx" and DOCX_STORY_PART.fullmatch(name):
                root = etree.fromstring(data, parser)
                c, t = _clean_docx_part(root)
                comments, changes, data = comments + c, changes + t, write(root)
            elif kind == "docx" and name in ("word/_rels/document.xml.rels", "[Content_Types].xml"):
                root = etree.fromstring(data, parser)
                for el in list(root):
                    target = (el.get("Target") or el.get("PartName") or "").lstrip("/")
                    target = target if target.startswith("word/") else f"word/{target}"
                    if DOCX_COMMENT_PART.fullmatch(target):
                        root.remove(el)
                data = write(root)
            elif kind in ODF_KINDS and name in _ODF_PARTS:
                root = etree.fromstring(data, parser)
                c, t = _clean_odf_part(root)
                if kind == "ods":  # whole cell contents in the rendition (woo.archive.ods_fit)
                    ods_fit.wrap_styles(root)
                    if name == "content.xml":
                        ods_fit.widen_columns(root)
                comments, changes, data = comments + c, changes + t, write(root)
            elif add_styles and name == "META-INF/manifest.xml":
                data = ods_fit.add_to_manifest(data, "styles.xml")
            zout.writestr(info, data)
        if add_styles:  # a spreadsheet without styles.xml: one with the default cell style wrapping
            root = etree.fromstring(ods_fit.STYLES_XML, parser)
            ods_fit.wrap_styles(root)
            zout.writestr("styles.xml", write(root))
    return comments, changes


def _public_copy(src: Path, kind: str, workdir: Path, steps: list[Step]) -> Path:
    """The copy the rendition is made of: without comments, changes accepted (recorded as a step)."""
    copy = workdir / f"zonder-opmerkingen.{kind}"
    try:
        comments, changes = clean_office_copy(src, kind, copy)
    except (*_ZIP_ERRORS, etree.XMLSyntaxError):
        raise _Failed("De opmerkingen of bijgehouden wijzigingen in dit bestand konden niet worden verwijderd "
                      "(het bestand is beschadigd); lever het aan met de wijzigingen geaccepteerd en zonder "
                      "opmerkingen.", final=True) from None
    whole = "; cellen volledig getoond (tekstterugloop, kolommen verbreed)" if kind == "ods" else ""
    steps.append(Step("woo.publieksversie", "1", f"ok (weergave zonder opmerkingen ({comments}) en met bijgehouden "
                                                  f"wijzigingen geaccepteerd ({changes}){whole}; het origineel "
                                                  "behoudt ze)"))
    return copy


def to_pdfa(src: Path, kind: str, workdir: Path | None = None, text: str | None = None) -> PdfaResult:
    """Convert ``src`` (an original of format ``kind``) to PDF/A-2b in ``workdir``; never raises for bad input.
    A text or mail original (FROM_TEXT_KINDS) is typeset from ``text``, woo's extracted reading of it."""
    if not (convertible(kind) or kind in RENDERED_KINDS):
        return PdfaResult(False, reason=f"Voor dit bestandsformaat ({kind}) wordt geen PDF/A gemaakt.")
    if kind in FROM_TEXT_KINDS and text is None:
        return PdfaResult(False, reason="Er is nog geen uitgelezen tekst om een PDF/A van te maken.")
    own = workdir is None
    workdir = Path(tempfile.mkdtemp(prefix="woo-pdfa-")) if own else Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    steps: list[Step] = []
    try:
        pdf = src
        if kind in FROM_TEXT_KINDS:
            src = workdir / "text.txt"
            src.write_text(text or "", encoding="utf-8")
            kind = "txt"
        if kind == "xlsx":  # Calc cuts long cells off here too: the rendition is made as of an ODS (ods_fit)
            src, step = office_to_pdf(src, kind, workdir, target="ods")
            steps.append(Step(step.tool, step.version, "ok (als ODS, om elke cel volledig te tonen)"))
            kind = "ods"
        if kind in OFFICE_KINDS or kind in RENDERED_KINDS:
            # a spreadsheet always: Calc cuts off a long cell where the next one has content (ods_fit)
            shown = _public_copy(src, kind, workdir, steps) if kind == "ods" or has_hidden_parts(src, kind) else src
            pdf, step = office_to_pdf(shown, kind, workdir)
            steps.append(step)
        out, validated = pdf_to_pdfa(pdf, workdir, steps)
        return PdfaResult(True, out, None, steps, validated)
    except _Failed as exc:
        if (kind in OFFICE_KINDS or kind in RENDERED_KINDS) and not any(s.tool == "LibreOffice" for s in steps):
            steps.append(Step("LibreOffice", _version("soffice"), exc.reason))
        return PdfaResult(False, None, exc.reason, steps)
