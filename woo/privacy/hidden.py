"""Hidden content that would leak with a published file: metadata, comments, scripts, history.

Returns Dutch, human-readable descriptions for the records officer. PDFs are read with pikepdf,
office files as ZIP parts through the project's hardened XML parser (no entities, no network).
"""
from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import pikepdf
from lxml import etree

from woo.intake.extract import (DC, DOCX_COMMENT_PART, DOCX_REMOVED_CHANGES, DOCX_STORY_PART, ODF_ANNOTATION_ENDS,
                                ODF_ANNOTATIONS, ODF_KINDS, ODF_META, ODF_OFFICE, ODF_TABLE, ODF_TEXT,
                                ODF_TRACKED_CHANGES, W, docx_comment_parts)
from woo.intake.safexml import parse_xml


class EncryptedDocumentError(Exception):
    """An encrypted PDF can be neither inspected nor redacted reliably."""

    def __init__(self, path: Path):
        super().__init__(
            f"{Path(path).name} is versleuteld: dit document kan pas worden gepubliceerd nadat de "
            "versleuteling is verwijderd (vraag de aanleverende partij om een onbeveiligde versie)."
        )


_DOCINFO_LABELS = {
    "/Author": "auteur", "/Creator": "makende toepassing", "/Producer": "producent",
    "/Title": "titel", "/Subject": "onderwerp", "/Keywords": "trefwoorden",
}
_XMP_FIELDS = {
    "dc:creator": "auteur", "xmp:CreatorTool": "makende toepassing", "pdf:Producer": "producent",
    "pdf:Author": "auteur", "xmpMM:History": "bewerkingsgeschiedenis", "photoshop:AuthorsPosition": "functie auteur",
}
_ACTION_KINDS = {"/JavaScript": "JavaScript", "/Launch": "programma starten (Launch)",
                 "/SubmitForm": "formulier verzenden", "/ImportData": "gegevens importeren",
                 "/GoToR": "verwijzing naar ander bestand", "/URI": None}
_MAX_SHOWN = 80  # keep descriptions short: they end up in the review screen


def _short(value: object) -> str:
    text = str(value).replace("\n", " ").strip()
    return text if len(text) <= _MAX_SHOWN else text[:_MAX_SHOWN] + "…"


def open_pdf(path: Path | bytes, name: str = "original.pdf") -> pikepdf.Pdf:
    """Open a PDF (a file, or its bytes called ``name`` in messages), refusing any encryption (also
    owner-password-only "protection")."""
    shown = Path(name) if isinstance(path, bytes) else path
    try:
        pdf = pikepdf.open(io.BytesIO(path) if isinstance(path, bytes) else path)
    except pikepdf.PasswordError as exc:
        raise EncryptedDocumentError(shown) from exc
    if pdf.is_encrypted:
        pdf.close()
        raise EncryptedDocumentError(shown)
    return pdf


def _revisions(path: Path | bytes, linearized: bool) -> int:
    data = path if isinstance(path, bytes) else Path(path).read_bytes()
    eofs = len(re.findall(rb"%%EOF", data))
    # A linearized file carries a first-page trailer: two %%EOF markers for one revision.
    return max(1, eofs - 1 if linearized and eofs >= 2 else eofs)


_CONTAINERS = (pikepdf.ObjectType.dictionary, pikepdf.ObjectType.array)
# An action dictionary has /JS or an /S naming an action kind. qpdf serialises an object with its
# direct children inline and names in one canonical spelling (#xx escapes decoded), so an object
# whose text shows none of these holds no action at any depth. "/S <" (a hex string: str() of a
# UTF-16 string may read "/JavaScript") and "/S n 0 R" (the kind behind a reference) stay candidates.
ACTION_HINT = re.compile(rb"/JS|/(?:" + b"|".join(re.escape(kind[1:]).encode() for kind, label in _ACTION_KINDS.items()
                                                  if label) + rb")|/S (?:<|\d+ \d+ R)")


def all_dictionaries(pdf: pikepdf.Pdf, hint: re.Pattern[bytes] | None = None):
    """Every dictionary in the file, also direct ones nested inside others (an annotation's /A).

    With `hint`, only indirect objects whose serialisation matches it are walked: a cheap C++
    pre-check that spares walking fonts, page trees and structure trees object by object in Python.
    Streams are not walked (their dictionaries hold no actions; their data is never read here).
    """
    containers, pdf_object = _CONTAINERS, pikepdf.Object  # scalars come back as Python int/bool/…
    stack = [o for o in pdf.objects if type(o) is pdf_object and o._type_code in containers]
    if hint is not None:
        stack = [o for o in stack if hint.search(o.unparse(resolved=True))]
    while stack:
        obj = stack.pop()
        if obj._type_code is pikepdf.ObjectType.dictionary:
            yield obj
            children = obj.values()
        else:
            children = obj
        for child in children:
            if type(child) is pdf_object and child._type_code in containers and not child.is_indirect:
                stack.append(child)


def _pdf_actions(pdf: pikepdf.Pdf) -> list[str]:
    found: dict[str, int] = {}
    root = pdf.Root
    opening = root.get("/OpenAction")
    # An array is only "open at this page/zoom"; an action dictionary other than GoTo does something.
    if isinstance(opening, pikepdf.Dictionary) and str(opening.get("/S", "")) != "/GoTo":
        found["actie bij openen (OpenAction)"] = 1
    if "/AA" in root:
        found["automatische acties op documentniveau (AA)"] = 1
    names = root.get("/Names")
    if isinstance(names, pikepdf.Dictionary) and "/JavaScript" in names:
        found["JavaScript in de naamboom"] = 1
    for obj in all_dictionaries(pdf, ACTION_HINT):
        kind = obj.get("/S")
        label = _ACTION_KINDS.get(str(kind)) if kind is not None else None
        if label is None and "/JS" in obj:
            label = "JavaScript"
        if label:
            found[f"actie: {label}"] = found.get(f"actie: {label}", 0) + 1
    return [f"PDF bevat {k}" + (f" ({n}x)" if n > 1 else "") for k, n in found.items()]


def inspect_pdf(path: Path | bytes, name: str = "original.pdf") -> list[str]:
    """Hidden content of a PDF file, or of its bytes (``name``: how the encryption message calls them)."""
    out: list[str] = []
    with open_pdf(path, name) as pdf:
        for key, label in _DOCINFO_LABELS.items():
            value = pdf.docinfo.get(key) if pdf.trailer.get("/Info") is not None else None
            if value is not None and str(value).strip():
                out.append(f"Documentinformatie: {label} = '{_short(value)}'")
        if "/Metadata" in pdf.Root:
            try:
                meta = pdf.open_metadata()
                for key, label in _XMP_FIELDS.items():
                    value = meta.get(key)
                    shown = ", ".join(map(str, value)) if isinstance(value, (list, set, tuple)) else value
                    if shown and str(shown).strip() not in ("", "None"):
                        out.append(f"XMP-metadata: {label} = '{_short(shown)}'")
            except Exception:  # noqa: BLE001 - broken XMP is itself worth reporting
                out.append("XMP-metadata aanwezig maar onleesbaar")
        for name in pdf.attachments.keys():
            out.append(f"Ingesloten bestand: '{_short(name)}'")
        out.extend(_pdf_actions(pdf))
        for number, page in enumerate(pdf.pages, start=1):
            for annot in page.obj.get("/Annots", []) or []:
                subtype = str(annot.get("/Subtype", "/Onbekend"))[1:]
                if subtype in ("Link", "Widget"):
                    continue  # links are visible; widgets are reported as form fields
                contents = annot.get("/Contents")
                author = annot.get("/T")
                desc = f"Pagina {number}: annotatie ({subtype})"
                if author is not None:
                    desc += f" van '{_short(author)}'"
                if contents is not None and str(contents).strip():
                    desc += f": '{_short(contents)}'"
                out.append(desc)
        acro = pdf.Root.get("/AcroForm")
        fields = acro.get("/Fields") if isinstance(acro, pikepdf.Dictionary) else None
        if fields is not None and len(fields):
            for field in fields:
                name = field.get("/T", "(naamloos)")
                value = field.get("/V")
                desc = f"Formulierveld '{_short(name)}'"
                if value is not None and str(value).strip():
                    desc += f" met waarde '{_short(value)}'"
                out.append(desc)
        revisions = _revisions(path, pdf.is_linearized)
    if revisions > 1:
        out.append(f"Bewerkingsgeschiedenis: {revisions} revisies (incrementele updates); eerdere "
                   "versies van de inhoud kunnen nog in het bestand zitten")
    return out


def _zip_xml(zf: zipfile.ZipFile, name: str, limit: int = 50_000_000) -> etree._Element | None:
    try:
        info = zf.getinfo(name)
    except KeyError:
        return None
    if info.file_size > limit:
        raise ValueError(f"{name} is te groot om te controleren")
    return parse_xml(zf.read(name), recover=True)


def _text(el: etree._Element) -> str:
    return " ".join("".join(el.itertext()).split())


W15 = "{http://schemas.microsoft.com/office/word/2012/wordml}"
_CORE_FIELDS = {"creator": "auteur", "lastModifiedBy": "laatst gewijzigd door", "title": "titel",
                "subject": "onderwerp", "keywords": "trefwoorden", "description": "omschrijving"}


def inspect_docx(path: Path) -> list[str]:
    out: list[str] = []
    with zipfile.ZipFile(path) as zf:
        # the comments, and the commenters' identities Word 2013+ keeps in word/people.xml
        for name in docx_comment_parts(zf.namelist()):
            root = _zip_xml(zf, name)
            if root is None:
                continue
            for c in root.iter(f"{W}comment"):
                out.append(f"Opmerking van '{_short(c.get(f'{W}author', '?'))}': '{_short(_text(c))}'")
            for person in root.iter(f"{W15}person"):
                ids = [p.get(f"{W15}userId") for p in person.iter(f"{W15}presenceInfo") if p.get(f"{W15}userId")]
                out.append(f"Persoon bij opmerkingen: '{_short(person.get(f'{W15}author', '?'))}'"
                           + (f" ({_short(', '.join(ids))})" if ids else ""))
        counts = {"ins": 0, "del": 0}
        authors: set[str] = set()
        for name in zf.namelist():
            if DOCX_STORY_PART.fullmatch(name):
                root = _zip_xml(zf, name)
                for tag in counts:
                    for el in root.iter(f"{W}{tag}"):
                        counts[tag] += 1
                        if el.get(f"{W}author"):
                            authors.add(el.get(f"{W}author"))
        if counts["ins"] or counts["del"]:
            out.append(f"Bijgehouden wijzigingen: {counts['ins']} invoegingen, {counts['del']} verwijderingen"
                       + (f" (door {', '.join(sorted(map(_short, authors)))})" if authors else ""))
        core = _zip_xml(zf, "docProps/core.xml")
        if core is not None:
            for el in core:
                local = etree.QName(el).localname
                if local in _CORE_FIELDS and (el.text or "").strip():
                    out.append(f"Documenteigenschap: {_CORE_FIELDS[local]} = '{_short(el.text)}'")
        app = _zip_xml(zf, "docProps/app.xml")
        if app is not None:
            for el in app:
                if etree.QName(el).localname in ("Company", "Manager") and (el.text or "").strip():
                    out.append(f"Documenteigenschap: {etree.QName(el).localname.lower()} = '{_short(el.text)}'")
    return out


ODF = {"office": ODF_OFFICE, "text": ODF_TEXT, "table": ODF_TABLE, "dc": DC, "meta": ODF_META}


def inspect_odf(path: Path) -> list[str]:
    out: list[str] = []
    with zipfile.ZipFile(path) as zf:
        content = _zip_xml(zf, "content.xml")
        if content is not None:
            for ann in content.iter(*ODF_ANNOTATIONS):
                author = ann.find("dc:creator", ODF)
                body = " ".join(_text(p) for p in ann.iter(f"{{{ODF['text']}}}p"))
                out.append(f"Opmerking van '{_short(author.text if author is not None else '?')}': '{_short(body)}'")
            # Writer: a changed-region per change, holding what kind it is; Calc: the changes themselves
            changes = [c for t in content.iter(*ODF_TRACKED_CHANGES) for c in t if isinstance(c.tag, str)]
            if changes:
                region = f"{{{ODF['text']}}}changed-region"
                kinds = [etree.QName(c.find("*") if c.tag == region and c.find("*") is not None else c).localname
                         for c in changes]
                authors = {a.text for c in changes for a in c.iterfind(".//dc:creator", ODF) if a.text}
                cells = kinds.count("cell-content-change")
                cells_shown = f", {cells} gewijzigde {'cel' if cells == 1 else 'cellen'}" if cells else ""
                out.append(f"Bijgehouden wijzigingen: {kinds.count('insertion')} invoegingen, "
                           f"{kinds.count('deletion')} verwijderingen{cells_shown}"
                           + (f" (door {', '.join(sorted(map(_short, authors)))})" if authors else ""))
        meta = _zip_xml(zf, "meta.xml")
        if meta is not None:
            for xpath, label in ((".//meta:initial-creator", "oorspronkelijke auteur"), (".//dc:creator", "auteur"),
                                 (".//dc:title", "titel"), (".//dc:subject", "onderwerp")):
                for el in meta.iterfind(xpath, ODF):
                    if (el.text or "").strip():
                        out.append(f"Documenteigenschap: {label} = '{_short(el.text)}'")
    return out


def inspect_hidden(path: Path | bytes, kind: str, name: str = "original.pdf") -> list[str]:
    """Dutch descriptions of hidden content in `path` (kind as from identify()); [] if none or
    the kind has no hidden parts we know of. Raises EncryptedDocumentError for encrypted PDFs.
    A PDF may be given as its bytes (``name``: how the encryption message calls the file)."""
    kind = (kind or "").lower()
    if kind == "pdf":
        return inspect_pdf(path if isinstance(path, bytes) else Path(path), name)
    if isinstance(path, bytes):
        raise TypeError("bytes are inspected for a PDF only")
    if kind == "docx":
        return inspect_docx(Path(path))
    if kind in ODF_KINDS:
        return inspect_odf(Path(path))
    return []


# What made the file, not who: the public PDF rendition is cleaned of all document metadata, so these
# are recorded as "verwijderd uit publieksversie" and need no decision. Authors, titles, comments and
# everything else stay findings: a person's name there is still personal data to look at.
_TOOL_METADATA = re.compile(r"^(?:Documentinformatie|XMP-metadata): (?:producent|makende toepassing) = ")


def removed_in_public_pdf(item: str) -> bool:
    """True for hidden-content items that the cleaned public PDF never carries and nobody must decide on."""
    return bool(_TOOL_METADATA.match(item))


_FLAT = re.compile(r"\s+")


def _flat(s: str) -> str:
    return _FLAT.sub(" ", s).strip().casefold()


def _docx_unprinted(zf: zipfile.ZipFile) -> tuple[str, str, str]:
    """(comments, deleted text, printed text) of a DOCX: every comment part (text and every attribute: authors,
    initials, people's identities), the deleted revisions of the story parts, and the text they print."""
    said, deleted, printed = [], [], []
    for name in zf.namelist():
        if DOCX_COMMENT_PART.fullmatch(name):
            root = _zip_xml(zf, name)
            if root is not None:
                said.append(_text(root))
                said += [" ".join(el.attrib.values()) for el in root.iter() if isinstance(el.tag, str)]
        elif DOCX_STORY_PART.fullmatch(name):
            root = _zip_xml(zf, name)
            if root is None:
                continue
            for change in root.iter(*DOCX_REMOVED_CHANGES):
                deleted.append(" ".join(t.text or "" for t in change.iter(f"{W}delText", f"{W}t")))
            for p in root.iter(f"{W}p"):  # runs joined with and without a space: a value split over runs
                runs = [t.text or "" for t in p.iter(f"{W}t")
                        if not any(a.tag in DOCX_REMOVED_CHANGES for a in t.iterancestors())]
                printed += [" ".join(runs), "".join(runs)]
    return " | ".join(said), " | ".join(deleted), " | ".join(printed)


def _odf_unprinted(zf: zipfile.ZipFile) -> tuple[str, str, str]:
    """(comments, deleted text, printed text) of an ODT, ODS or ODP's content and styles (headers, footers,
    master pages). Deleted text is Writer's deletions and everything Calc's change tracking keeps (the former
    contents of changed and deleted cells, who changed them); what a cell or a slide shows now is printed."""
    said, deleted, printed = [], [], []
    hidden = (*ODF_ANNOTATIONS, *ODF_TRACKED_CHANGES)
    for name in ("content.xml", "styles.xml"):
        root = _zip_xml(zf, name)
        if root is None:
            continue
        said += [_text(a) for a in root.iter(*ODF_ANNOTATIONS)]
        deleted += [_text(d) for d in root.iter(f"{{{ODF['text']}}}deletion", f"{{{ODF['table']}}}tracked-changes")]
        for p in root.iter(f"{{{ODF['text']}}}p", f"{{{ODF['text']}}}h"):
            if not any(a.tag in hidden for a in p.iterancestors()):
                printed.append("".join(t for t in _odf_printed(p)))
    return " | ".join(said), " | ".join(deleted), " | ".join(printed)


def _odf_printed(el: etree._Element):
    """The text of a paragraph without its annotations (which sit inline in it)."""
    yield el.text or ""
    for child in el:
        if child.tag not in ODF_ANNOTATIONS and child.tag not in ODF_ANNOTATION_ENDS:
            yield from _odf_printed(child)
        yield child.tail or ""


# The kinds whose PDF rendition is made without their comments and with their changes accepted.
UNPRINTED_KINDS = frozenset({"docx", *ODF_KINDS})


def unprinted_only(path: Path, kind: str, values: list[str]) -> dict[str, str]:
    """Of ``values``, those that occur in the office file's comments or deleted tracked changes and nowhere
    in its printed text, each with where: "comments" or "changes". The PDF rendition is made from a copy
    without comments and with the changes accepted (woo.archive.pdfa), so such a value is not published and
    need not be found there to be redacted: it is removed with its comment or change."""
    reader = _docx_unprinted if kind == "docx" else _odf_unprinted if kind in ODF_KINDS else None
    if reader is None:
        return {}
    try:
        with zipfile.ZipFile(path) as zf:
            said, deleted, printed = (_flat(t) for t in reader(zf))
    except (zipfile.BadZipFile, ValueError, OSError):
        return {}
    out = {}
    for v in values:
        flat = _flat(v)
        if flat and flat not in printed and (flat in said or flat in deleted):
            out[v] = "comments" if flat in said else "changes"
    return out
