"""Realistic test fixtures, generated on the spot (no corpus documents in the repo).

Each `make_*` writes one file at `path` and returns that path. PDFs get a real text layer (fpdf2),
scans are rendered by Pillow at 300 dpi without one, Office/OpenDocument files are proper ZIP
containers (python-docx for DOCX; the rest written part by part), MSG/DOC are real OLE2 compound
files written by the small CFB writer at the bottom.
"""
from __future__ import annotations

import io
import struct
import textwrap
import zipfile
from datetime import datetime, timezone
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from xml.sax.saxutils import escape

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
FONT = FONT_DIR / "DejaVuSans.ttf"
DUTCH_SAMPLE = [
    "Besluit op uw verzoek om informatie op grond van de Wet open overheid.",
    "Het college van burgemeester en wethouders heeft besloten de gevraagde documenten openbaar te maken.",
]


def _p(path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


# ------------------------------------------------------------------------------------------------ PDF

def make_pdf(path, pages: list[str], title: str | None = None, author: str | None = None) -> Path:
    from fpdf import FPDF

    path = _p(path)
    pdf = FPDF(format="A4")
    if FONT.exists():
        pdf.add_font("DejaVu", "", str(FONT))
        family = "DejaVu"
        clean = lambda s: s  # noqa: E731
    else:  # fresh machine without DejaVu: core font, latin-1 only
        family = "Helvetica"
        clean = lambda s: s.encode("latin-1", "replace").decode("latin-1")  # noqa: E731
    if title:
        pdf.set_title(clean(title))
    if author:
        pdf.set_author(clean(author))
    pdf.set_creation_date(datetime(2024, 3, 18, 10, 30, tzinfo=timezone.utc))
    for text in pages or [""]:
        pdf.add_page()
        pdf.set_font(family, size=11)
        pdf.multi_cell(0, 6, clean(text))
    pdf.output(str(path))
    return path


def _render_text(text: str, dpi: int = 300):
    """An A4 page image with `text` typeset in a 12 pt sans face, black on white."""
    from PIL import Image, ImageDraw, ImageFont

    width, height = int(8.27 * dpi), int(11.69 * dpi)
    img = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(img)
    size = int(12 / 72 * dpi)
    try:
        font = ImageFont.truetype(str(FONT), size)
    except OSError:
        font = ImageFont.load_default(size=size)
    y, margin = int(dpi * 0.8), int(dpi * 0.9)
    for para in text.split("\n"):
        for line in textwrap.wrap(para, 60) or [""]:
            draw.text((margin, y), line, fill=0, font=font)
            y += int(size * 1.5)
        y += size // 2
    return img


def make_scanned_pdf(path, text: str) -> Path:
    """A 'scan': one 300 dpi page image in a PDF, no text layer at all."""
    path = _p(path)
    _render_text(text).save(path, "PDF", resolution=300.0)
    return path


def make_png_scan(path, text: str) -> Path:
    """A scanned page as an image; the format follows the suffix (.png, .jpg, .tif)."""
    path = _p(path)
    fmt = {".jpg": "JPEG", ".jpeg": "JPEG", ".tif": "TIFF", ".tiff": "TIFF"}.get(path.suffix.lower(), "PNG")
    img = _render_text(text)
    if fmt == "TIFF":
        img.save(path, fmt, dpi=(300, 300), compression="tiff_lzw")
    else:
        img.save(path, fmt, dpi=(300, 300))
    return path


def make_encrypted_pdf(path, text: str = "Vertrouwelijk", password: str = "geheim") -> Path:
    import pikepdf

    path = _p(path)
    plain = path.with_suffix(".plain.pdf")
    make_pdf(plain, [text])
    with pikepdf.open(plain) as pdf:
        pdf.save(path, encryption=pikepdf.Encryption(owner=password + "-eigenaar", user=password, R=6))
    plain.unlink()
    return path


def make_corrupt_pdf(path) -> Path:
    """Starts like a PDF (so libmagic says application/pdf) but has no objects, xref or trailer."""
    path = _p(path)
    path.write_bytes(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n" + bytes(range(256)) * 8 + b"\nthis is not a pdf\n")
    return path


# ------------------------------------------------------------------------------------------------ Office

def make_docx(path, paragraphs: list[str], title: str | None = None, author: str | None = None,
              comments: bool = False) -> Path:
    import docx

    path = _p(path)
    document = docx.Document()
    for i, text in enumerate(paragraphs):
        para = document.add_paragraph(text)
        if comments and i == 0:
            document.add_comment(para.runs, text="Naam van de melder nog weglakken (J. de Vries, 06-12345678)",
                                 author="Jan de Vries", initials="JdV")
    core = document.core_properties
    core.title = title or ""
    core.author = author or ""
    core.created = datetime(2024, 3, 18, 10, 30)
    document.save(str(path))
    return path


def _write_zip(path: Path, parts: dict[str, str | bytes], first: tuple[str, bytes] | None = None) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        if first:  # ODF: 'mimetype' must be the first member, stored uncompressed
            zf.writestr(zipfile.ZipInfo(first[0]), first[1], compress_type=zipfile.ZIP_STORED)
        for name, data in parts.items():
            zf.writestr(name, data)
    return path


_ODF_NS = ('xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
           'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
           'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
           'xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0" '
           'xmlns:meta="urn:oasis:names:tc:opendocument:xmlns:meta:1.0" '
           'xmlns:dc="http://purl.org/dc/elements/1.1/" '
           'xmlns:svg="urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0" '
           'xmlns:officeooo="http://openoffice.org/2009/office" '
           'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"')


def _odf(path, mime: str, body: str, title: str | None, author: str | None) -> Path:
    path = _p(path)
    content = (f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {_ODF_NS} office:version="1.3">'
               f"<office:body>{body}</office:body></office:document-content>")
    meta = (f'<?xml version="1.0" encoding="UTF-8"?><office:document-meta {_ODF_NS} office:version="1.3">'
            f"<office:meta><dc:title>{escape(title or '')}</dc:title>"
            f"<meta:initial-creator>{escape(author or '')}</meta:initial-creator>"
            "<meta:creation-date>2024-03-18T10:30:00</meta:creation-date>"
            '<meta:document-statistic meta:page-count="1"/></office:meta></office:document-meta>')
    manifest = (f'<?xml version="1.0" encoding="UTF-8"?><manifest:manifest {_ODF_NS} manifest:version="1.3">'
                f'<manifest:file-entry manifest:full-path="/" manifest:media-type="{mime}"/>'
                '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
                '<manifest:file-entry manifest:full-path="meta.xml" manifest:media-type="text/xml"/>'
                "</manifest:manifest>")
    return _write_zip(path, {"content.xml": content, "meta.xml": meta, "META-INF/manifest.xml": manifest},
                      first=("mimetype", mime.encode()))


def make_odt(path, paragraphs: list[str], title: str | None = None, author: str | None = None) -> Path:
    body = "".join(f"<text:p>{escape(p)}</text:p>" for p in paragraphs)
    return _odf(path, "application/vnd.oasis.opendocument.text", f"<office:text>{body}</office:text>",
                title, author)


def make_ods(path, rows: list[list[str]], title: str | None = None) -> Path:
    table = "".join("<table:table-row>" + "".join(
        f'<table:table-cell office:value-type="string"><text:p>{escape(str(c))}</text:p></table:table-cell>'
        for c in row) + '<table:table-cell table:number-columns-repeated="16000"/></table:table-row>' for row in rows)
    return _odf(path, "application/vnd.oasis.opendocument.spreadsheet",
                f'<office:spreadsheet><table:table table:name="Blad1">{table}</table:table></office:spreadsheet>',
                title, None)


def make_odp(path, slides: list[str], title: str | None = None) -> Path:
    pages = "".join(f'<draw:page draw:name="dia{i}"><draw:frame><draw:text-box><text:p>{escape(s)}</text:p>'
                    "</draw:text-box></draw:frame></draw:page>" for i, s in enumerate(slides, 1))
    return _odf(path, "application/vnd.oasis.opendocument.presentation",
                f"<office:presentation>{pages}</office:presentation>", title, None)


_CORE = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
         '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
         'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
         'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><dc:title>{title}</dc:title>'
         '<dc:creator>{author}</dc:creator>'
         '<dcterms:created xsi:type="dcterms:W3CDTF">2024-03-18T10:30:00Z</dcterms:created></cp:coreProperties>')
_RELS_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
_OD_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def _content_types(overrides: dict[str, str]) -> str:
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            + "".join(f'<Override PartName="/{k}" ContentType="{v}"/>' for k, v in overrides.items())
            + '<Override PartName="/docProps/core.xml" '
              'ContentType="application/vnd.openxmlformats-package.core-properties+xml"/></Types>')


def _root_rels(main: str) -> str:
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="{_RELS_NS}">'
            f'<Relationship Id="rId1" Type="{_OD_REL}/officeDocument" Target="{main}"/>'
            '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/'
            'metadata/core-properties" Target="docProps/core.xml"/></Relationships>')


def make_xlsx(path, rows: list[list], title: str | None = None, author: str | None = None,
              macro: bool = False) -> Path:
    """A one-sheet workbook; strings as shared strings, numbers as numbers. `macro` declares it .xlsm."""
    path = _p(path)
    strings: list[str] = []
    cells_xml = []
    for r, row in enumerate(rows, 1):
        cells = []
        for c, value in enumerate(row):
            ref = f"{chr(65 + c)}{r}"
            if isinstance(value, (int, float)):
                cells.append(f'<c r="{ref}"><v>{value}</v></c>')
            else:
                strings.append(str(value))
                cells.append(f'<c r="{ref}" t="s"><v>{len(strings) - 1}</v></c>')
        cells_xml.append(f'<row r="{r}">{"".join(cells)}</row>')
    main = ("application/vnd.ms-excel.sheet.macroEnabled.main+xml" if macro
            else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml")
    ns = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    parts = {
        "[Content_Types].xml": _content_types({
            "xl/workbook.xml": main,
            "xl/worksheets/sheet1.xml": "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml",
            "xl/sharedStrings.xml": "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"}),
        "_rels/.rels": _root_rels("xl/workbook.xml"),
        "docProps/core.xml": _CORE.format(title=escape(title or ""), author=escape(author or "")),
        "xl/workbook.xml": f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{ns}" xmlns:r="{_OD_REL}">'
                           '<sheets><sheet name="Inventarislijst" sheetId="1" r:id="rId1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels": (
            f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{_RELS_NS}">'
            f'<Relationship Id="rId1" Type="{_OD_REL}/worksheet" Target="worksheets/sheet1.xml"/>'
            f'<Relationship Id="rId2" Type="{_OD_REL}/sharedStrings" Target="sharedStrings.xml"/></Relationships>'),
        "xl/worksheets/sheet1.xml": f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{ns}">'
                                    f'<sheetData>{"".join(cells_xml)}</sheetData></worksheet>',
        "xl/sharedStrings.xml": f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{ns}" count="{len(strings)}">'
                                + "".join(f"<si><t>{escape(s)}</t></si>" for s in strings) + "</sst>",
    }
    return _write_zip(path, parts)


def make_pptx(path, slides: list[str], title: str | None = None) -> Path:
    path = _p(path)
    p_ns = "http://schemas.openxmlformats.org/presentationml/2006/main"
    a_ns = "http://schemas.openxmlformats.org/drawingml/2006/main"
    overrides = {"ppt/presentation.xml":
                 "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml"}
    parts: dict[str, str] = {}
    ids = []
    for i, text in enumerate(slides, 1):
        overrides[f"ppt/slides/slide{i}.xml"] = "application/vnd.openxmlformats-officedocument.presentationml.slide+xml"
        parts[f"ppt/slides/slide{i}.xml"] = (
            f'<?xml version="1.0" encoding="UTF-8"?><p:sld xmlns:p="{p_ns}" xmlns:a="{a_ns}"><p:cSld><p:spTree>'
            f'<p:sp><p:txBody><a:p><a:r><a:t>{escape(text)}</a:t></a:r></a:p></p:txBody></p:sp>'
            "</p:spTree></p:cSld></p:sld>")
        ids.append(f'<p:sldId id="{255 + i}" r:id="rId{i}"/>')
    parts.update({
        "[Content_Types].xml": _content_types(overrides),
        "_rels/.rels": _root_rels("ppt/presentation.xml"),
        "docProps/core.xml": _CORE.format(title=escape(title or ""), author=""),
        "ppt/presentation.xml": f'<?xml version="1.0" encoding="UTF-8"?><p:presentation xmlns:p="{p_ns}" '
                                f'xmlns:r="{_OD_REL}"><p:sldIdLst>{"".join(ids)}</p:sldIdLst></p:presentation>',
        "ppt/_rels/presentation.xml.rels": (
            f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{_RELS_NS}">'
            + "".join(f'<Relationship Id="rId{i}" Type="{_OD_REL}/slide" Target="slides/slide{i}.xml"/>'
                      for i in range(1, len(slides) + 1)) + "</Relationships>"),
    })
    return _write_zip(path, parts)


# ------------------------------------------------------------------------------------------------ text

def make_txt(path, text: str, encoding: str = "utf-8") -> Path:
    path = _p(path)
    path.write_bytes(text.encode(encoding))
    return path


def make_csv(path, rows: list[list], delimiter: str = ";") -> Path:
    import csv

    path = _p(path)
    with open(path, "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh, delimiter=delimiter).writerows(rows)
    return path


def make_html(path, title: str, paragraphs: list[str], author: str | None = None) -> Path:
    path = _p(path)
    meta = f'<meta name="author" content="{escape(author)}">' if author else ""
    body = "".join(f"<p>{escape(p)}</p>" for p in paragraphs)
    path.write_text(f'<!DOCTYPE html><html lang="nl"><head><meta charset="utf-8"><title>{escape(title)}</title>'
                    f"{meta}<style>p {{ color: red }}</style><script>var geheim = 'niet tonen';</script></head>"
                    f"<body><h1>{escape(title)}</h1>{body}</body></html>", encoding="utf-8")
    return path


def make_xml(path, title: str, paragraphs: list[str]) -> Path:
    path = _p(path)
    body = "".join(f"<al>{escape(p)}</al>" for p in paragraphs)
    path.write_text(f'<?xml version="1.0" encoding="UTF-8"?><officiele-publicatie><metadata/>'
                    f"<titel>{escape(title)}</titel><tekst>{body}</tekst></officiele-publicatie>", encoding="utf-8")
    return path


def make_eml(path, subject: str, body: str, sender: str = "Jan de Vries <j.devries@gemeente.example>",
             to: str = "woo@gemeente.example", html: bool = False, attachment: tuple[str, bytes] | None = None,
             ) -> Path:
    path = _p(path)
    msg = EmailMessage()
    msg["Subject"] = subject
    msg["From"] = sender
    msg["To"] = to
    msg["Date"] = format_datetime(datetime(2024, 3, 18, 10, 30, tzinfo=timezone.utc))
    msg["Message-ID"] = "<fixture-1@gemeente.example>"
    msg.set_content(body)
    if html:
        msg.add_alternative(f"<html><body><p>{escape(body)}</p></body></html>", subtype="html")
    if attachment:
        msg.add_attachment(attachment[1], maintype="application", subtype="octet-stream", filename=attachment[0])
    path.write_bytes(bytes(msg))
    return path


def make_zip(path, members: dict[str, bytes]) -> Path:
    """A ZIP with exactly these member names (which may be hostile: '../x', '/etc/x')."""
    path = _p(path)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(zipfile.ZipInfo(name), data, compress_type=zipfile.ZIP_DEFLATED)
    return path


def make_symlink_zip(path, name: str = "link", target: str = "/etc/passwd") -> Path:
    path = _p(path)
    info = zipfile.ZipInfo(name)
    info.create_system = 3
    info.external_attr = (0o120777 << 16)  # S_IFLNK
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr(info, target)
    return path


# ------------------------------------------------------------------------------------------------ OLE2

def make_msg(path, subject: str, body: str, sender: str = "Jan de Vries",
             sender_email: str = "j.devries@gemeente.example", to: str = "Afdeling Woo",
             sent: datetime = datetime(2024, 3, 18, 10, 30, tzinfo=timezone.utc)) -> Path:
    """An Outlook .msg: the MS-OXMSG property streams of a message (Unicode strings)."""
    path = _p(path)
    u = lambda s: s.encode("utf-16-le")  # noqa: E731
    streams = {
        "__substg1.0_001A001F": u("IPM.Note"),
        "__substg1.0_0037001F": u(subject),
        "__substg1.0_0C1A001F": u(sender),
        "__substg1.0_5D01001F": u(sender_email),
        "__substg1.0_0E04001F": u(to),
        "__substg1.0_1000001F": u(body),
        "__properties_version1.0": b"\x00" * 32 + struct.pack("<IIQ", 0x00390040, 6, _filetime(sent)),
    }
    path.write_bytes(cfb(streams, clsid=bytes.fromhex("0B0D020000000000C000000000000046")))
    return path


def _filetime(moment: datetime) -> int:
    """100 ns ticks since 1601-01-01 UTC (Windows FILETIME)."""
    delta = moment - datetime(1601, 1, 1, tzinfo=timezone.utc)
    return (delta.days * 86400 + delta.seconds) * 10_000_000 + delta.microseconds * 10


def make_doc(path, text: str = "Tekst") -> Path:
    """A Word 97-2003 container shell (WordDocument stream with a FIB signature); identifies as .doc
    but holds no real Word text, so extraction tools are expected to give up on it."""
    path = _p(path)
    fib = struct.pack("<HH", 0xA5EC, 0x00C1) + b"\x00" * 508
    streams = {"WordDocument": fib + text.encode("cp1252", "replace"), "1Table": b"\x00" * 512}
    path.write_bytes(cfb(streams, clsid=bytes.fromhex("0609020000000000C000000000000046")))
    return path


def cfb(streams: dict[str, bytes], clsid: bytes = b"\x00" * 16) -> bytes:
    """A minimal compound file (CFB v3, 512-byte sectors) with flat streams under the root."""
    SECT, MINI, CUTOFF = 512, 64, 4096
    FREE, END, FATSECT, NOSTREAM = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF
    names = sorted(streams, key=lambda n: (len(n), n.upper()))  # CFB's directory order
    small = [n for n in names if len(streams[n]) < CUTOFF]
    big = [n for n in names if len(streams[n]) >= CUTOFF]
    ceil = lambda a, b: -(-a // b)  # noqa: E731

    mini_start, ministream = {}, bytearray()
    minifat: list[int] = []
    for n in small:
        data = streams[n]
        if not data:
            continue
        count = ceil(len(data), MINI)
        mini_start[n] = len(minifat)
        minifat.extend(list(range(len(minifat) + 1, len(minifat) + count)) + [END])
        ministream += data + b"\x00" * (count * MINI - len(data))

    n_dir = ceil((len(names) + 1) * 128, SECT)
    n_minifat = ceil(len(minifat) * 4, SECT)
    n_mini = ceil(len(ministream), SECT)
    n_big = [ceil(len(streams[n]), SECT) for n in big]
    body = n_dir + n_minifat + n_mini + sum(n_big)
    n_fat = 1
    while n_fat * 128 < body + n_fat:
        n_fat += 1
    assert n_fat <= 109, "fixture too large for a header-only DIFAT"

    fat: list[int] = [FATSECT] * n_fat
    def chain(count: int) -> int:
        if count == 0:
            return END
        start = len(fat)
        fat.extend(list(range(start + 1, start + count)) + [END])
        return start
    dir_start = chain(n_dir)
    minifat_start = chain(n_minifat)
    mini_stream_start = chain(n_mini)
    big_start = {n: chain(c) for n, c in zip(big, n_big)}
    fat.extend([FREE] * (n_fat * 128 - len(fat)))

    def entry(name: str, typ: int, left: int, right: int, child: int, start: int, size: int, cls=b"\x00" * 16):
        raw = name.encode("utf-16-le") + b"\x00\x00"
        return (raw.ljust(64, b"\x00") + struct.pack("<HBB", len(raw), typ, 1)
                + struct.pack("<III", left, right, child) + cls + b"\x00" * 4 + b"\x00" * 16
                + struct.pack("<IQ", start, size))

    # Root's child is the first stream; siblings chain to the right (a valid, if unbalanced, tree).
    entries = [entry("Root Entry", 5, NOSTREAM, NOSTREAM, 1 if names else NOSTREAM,
                     mini_stream_start if ministream else END, len(ministream), clsid)]
    for i, n in enumerate(names, 1):
        right = i + 1 if i < len(names) else NOSTREAM
        data = streams[n]
        start = big_start.get(n, mini_start.get(n, END))
        entries.append(entry(n, 2, NOSTREAM, right, NOSTREAM, start, len(data)))
    directory = b"".join(entries)
    directory += (b"\x00" * 64 + struct.pack("<HBB", 0, 0, 0) + struct.pack("<III", NOSTREAM, NOSTREAM, NOSTREAM)
                  + b"\x00" * 44) * ((n_dir * SECT - len(directory)) // 128)

    difat = list(range(n_fat)) + [FREE] * (109 - n_fat)
    header = (bytes.fromhex("D0CF11E0A1B11AE1") + b"\x00" * 16
              + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6) + b"\x00" * 6
              + struct.pack("<IIIIIIIII", 0, n_fat, dir_start, 0, CUTOFF,
                            minifat_start if minifat else END, n_minifat, END, 0)
              + struct.pack("<109I", *difat))
    out = io.BytesIO()
    out.write(header)
    out.write(struct.pack(f"<{len(fat)}I", *fat))
    out.write(directory)
    if minifat:
        mf = struct.pack(f"<{len(minifat)}I", *minifat)
        out.write(mf + b"\xff" * (n_minifat * SECT - len(mf)))
    out.write(bytes(ministream) + b"\x00" * (n_mini * SECT - len(ministream)))
    for n, count in zip(big, n_big):
        out.write(streams[n] + b"\x00" * (count * SECT - len(streams[n])))
    return out.getvalue()


def unique_mark(length: int = 16) -> str:
    """A random token of letters only: unique text for a fixture that no privacy detector can mistake
    for a number (a hex uuid starts with a 9-digit run passing the elfproef in ~0.7% of draws)."""
    import uuid

    return uuid.uuid4().hex.translate(str.maketrans("0123456789", "ghijklmnop"))[:length]
