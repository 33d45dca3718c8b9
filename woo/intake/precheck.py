"""Cheap checks before expensive work: refuse what would explode in OCR or conversion, in Dutch.

Reads only headers and object dictionaries, never pixel data:

- raster images (PNG/JPEG/TIFF): declared dimensions against a pixel cap; for TIFF the IFD chain is
  walked by hand (a chain that loops or points to itself, or has thousands of frames, is refused);
- PDFs: page count, and for every image XObject Width x Height x components against a byte cap; a
  DCT (JPEG) image whose own header gives other or larger dimensions than the PDF claims is refused
  (decoders allocate what the JPEG says, not what the PDF says).

``check_upload`` runs the cheap ones at upload, in the ingest service, so a file that would be refused
never takes a queue slot, and estimates what the document will cost (pages, text layer, size): the
extraction of an expensive one (a long or scanned PDF, an image, a very large file) goes to the heavy
queue, so the light queue only ever holds cheap work. The extract job runs the same checks again
(defence in depth: an upload check only walks the first pages, and declared sizes can lie).
"""
from __future__ import annotations

import re
import struct
import zipfile
from dataclasses import dataclass
from pathlib import Path

MAX_IMAGE_PIXELS = 150_000_000  # ~ A0 at 300 dpi; an A4 scan at 600 dpi is 35 MP
MAX_IMAGE_BYTES = 600 * 1024 * 1024  # decoded size of one image (pixels x components)
MAX_TIFF_FRAMES = 5000
MAX_PDF_IMAGES_CHECKED = 20000


class Refused(Exception):
    """The file is refused before work starts. ``reason`` is Dutch, ``code`` for machines."""

    def __init__(self, code: str, reason: str):
        super().__init__(reason)
        self.code = code
        self.reason = reason


def _too_big(width: int, height: int, what: str = "De afbeelding") -> Refused:
    return Refused("image_too_large", f"{what} is te groot om te verwerken ({width} x {height} beeldpunten; "
                                      f"de grens is {MAX_IMAGE_PIXELS // 1_000_000} miljoen).")


# ---------------------------------------------------------------------------------------------- TIFF

_TIFF_TYPES = {1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 2, 9: 4, 10: 8, 11: 4, 12: 8, 16: 8, 17: 8, 18: 8}


def tiff_frames(path: Path, max_frames: int = MAX_TIFF_FRAMES) -> int:
    """Number of frames of a TIFF after walking its IFD chain; Refused on loops, bad offsets or bombs."""
    with open(path, "rb") as fh:
        size = fh.seek(0, 2)
        fh.seek(0)
        head = fh.read(16)
        if len(head) < 8 or head[:2] not in (b"II", b"MM"):
            raise Refused("corrupt_file", "Het TIFF-bestand is beschadigd (geen geldige kop).")
        e = "<" if head[:2] == b"II" else ">"
        magic = struct.unpack(e + "H", head[2:4])[0]
        if magic == 42:
            big, offset = False, struct.unpack(e + "I", head[4:8])[0]
        elif magic == 43 and len(head) >= 16:
            big, offset = True, struct.unpack(e + "Q", head[8:16])[0]
        else:
            raise Refused("corrupt_file", "Het TIFF-bestand is beschadigd (geen geldige kop).")
        seen: set[int] = set()
        frames = 0
        while offset:
            if offset in seen:
                raise Refused("tiff_loop", "Het TIFF-bestand is beschadigd: de lijst met pagina's verwijst naar "
                                           "zichzelf terug (lus) en wordt niet verwerkt.")
            if offset < 8 or offset >= size:
                if frames:
                    break  # a dangling last pointer: common in the wild, the frames so far are fine
                raise Refused("corrupt_file", "Het TIFF-bestand is beschadigd (ongeldige verwijzing).")
            seen.add(offset)
            frames += 1
            if frames > max_frames:
                raise Refused("too_many_pages", f"Het TIFF-bestand heeft meer dan {max_frames} pagina's.")
            fh.seek(offset)
            raw = fh.read(8 if big else 2)
            if len(raw) < (8 if big else 2):
                raise Refused("corrupt_file", "Het TIFF-bestand is beschadigd (afgebroken).")
            count = struct.unpack(e + ("Q" if big else "H"), raw)[0]
            entry = 20 if big else 12
            if count > 4096:
                raise Refused("corrupt_file", "Het TIFF-bestand is beschadigd (onmogelijk aantal velden).")
            data = fh.read(count * entry)
            width = height = 0
            samples, bits = 1, 8
            for i in range(len(data) // entry):
                rec = data[i * entry:(i + 1) * entry]
                tag, typ = struct.unpack(e + "HH", rec[:4])
                n = struct.unpack(e + ("Q" if big else "I"), rec[4:12 if big else 8])[0]
                value = rec[12:] if big else rec[8:]
                width_ok = _TIFF_TYPES.get(typ, 0) * n <= len(value)
                if tag in (256, 257, 258, 277) and width_ok:
                    v = struct.unpack(e + ("H" if typ == 3 else "I"), value[:2 if typ == 3 else 4])[0] \
                        if typ in (3, 4) else 0
                    if tag == 256:
                        width = v
                    elif tag == 257:
                        height = v
                    elif tag == 258:
                        bits = max(v, 1)
                    else:
                        samples = max(v, 1)
            if width * height > MAX_IMAGE_PIXELS or width * height * samples * bits // 8 > MAX_IMAGE_BYTES:
                raise _too_big(width, height, "Een pagina van het TIFF-bestand")
            nxt = fh.read(8 if big else 4)
            if len(nxt) < (8 if big else 4):
                break
            offset = struct.unpack(e + ("Q" if big else "I"), nxt)[0]
    return frames


# ---------------------------------------------------------------------------------------------- images

def check_image(path: Path, kind: str) -> dict:
    """Declared dimensions of a PNG/JPEG/TIFF (header only); Refused when over the caps."""
    if kind == "tiff":
        frames = tiff_frames(path)
    else:
        frames = 1
    from PIL import Image

    try:
        with Image.open(path) as img:  # reads the header only
            width, height = img.size
    except Image.DecompressionBombError:
        raise Refused("image_too_large", "De afbeelding is te groot om te verwerken (mogelijk een "
                                         "decompressiebom).") from None
    except (OSError, ValueError, SyntaxError, struct.error) as exc:
        raise Refused("corrupt_file", "De afbeelding is beschadigd en kan niet worden gelezen.") from exc
    if width * height > MAX_IMAGE_PIXELS:
        raise _too_big(width, height)
    return {"width": width, "height": height, "frames": frames}


# ---------------------------------------------------------------------------------------------- PDF

def _jpeg_size(head: bytes) -> tuple[int, int, int] | None:
    """(width, height, components) from a JPEG's SOF marker in the first bytes, None when not found."""
    if not head.startswith(b"\xff\xd8"):
        return None
    i = 2
    while i + 4 <= len(head):
        if head[i] != 0xFF:
            i += 1
            continue
        marker = head[i + 1]
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7 or marker == 0xFF:
            i += 1 if marker == 0xFF else 2
            continue
        length = struct.unpack(">H", head[i + 2:i + 4])[0]
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            if i + 10 > len(head):
                return None
            height, width = struct.unpack(">HH", head[i + 5:i + 9])
            return width, height, head[i + 9]
        i += 2 + length
    return None


_COMPONENTS = {"/DeviceGray": 1, "/CalGray": 1, "/DeviceRGB": 3, "/CalRGB": 3, "/Lab": 3, "/DeviceCMYK": 4}


def _components(cs) -> int:
    import pikepdf

    try:
        if isinstance(cs, pikepdf.Name):
            return _COMPONENTS.get(str(cs), 1)
        if isinstance(cs, pikepdf.Array) and len(cs):
            first = str(cs[0])
            if first == "/ICCBased":
                return int(cs[1].get("/N", 3))
            if first == "/Indexed":
                return 1
            return _COMPONENTS.get(first, 4)
    except Exception:  # noqa: BLE001 - an odd colour space counts as the worst case
        return 4
    return 3


def check_pdf(path: Path, max_pages: int | None = None) -> int:
    """Page count of a PDF whose images are all within the caps; Refused otherwise (image bombs,
    lying DCT headers). Only object dictionaries and the first bytes of JPEG streams are read.
    ``max_pages``: look at the images of the first pages only (the upload check)."""
    return _inspect_pdf(path, max_pages)[0]


def _inspect_pdf(path: Path, max_pages: int | None = None) -> tuple[int, bool]:
    """(page count, whether any page looked at may carry a text layer: fonts or form XObjects)."""
    import pikepdf

    try:
        pdf = pikepdf.open(path)
    except pikepdf.PasswordError:
        raise Refused("encrypted_pdf", "De PDF is met een wachtwoord beveiligd.") from None
    except Exception as exc:  # noqa: BLE001 - qpdf's many error types: the file is unreadable
        raise Refused("corrupt_pdf", "De PDF is beschadigd en kan niet worden gelezen.") from exc
    checked = 0
    seen: set[tuple[int, int]] = set()
    may_have_text = False
    with pdf:
        pages = len(pdf.pages)
        for number, page in enumerate(pdf.pages):
            if max_pages is not None and number >= max_pages:
                break
            if not may_have_text:
                may_have_text = _may_have_text(page)
            try:
                images = dict(page.get_images()) if hasattr(page, "get_images") else dict(page.images)
            except Exception:  # noqa: BLE001 - a broken resource dictionary: nothing to check here
                continue
            for image in images.values():
                key = image.objgen
                if key in seen and key != (0, 0):
                    continue
                seen.add(key)
                checked += 1
                if checked > MAX_PDF_IMAGES_CHECKED:
                    return pages, True
                _check_pdf_image(image)
    return pages, may_have_text


def _may_have_text(page) -> bool:
    """A page can only show text through a font, directly or inside a form XObject; when in doubt: yes."""
    try:
        resources = page.obj.get("/Resources")
        if resources is None:
            return False
        fonts = resources.get("/Font")
        if fonts is not None and len(fonts.keys()):
            return True
        xobjects = resources.get("/XObject")
        return xobjects is not None and any(str(x.get("/Subtype")) == "/Form" for x in xobjects.values())
    except Exception:  # noqa: BLE001 - an odd resource dictionary: assume text (the cheap route)
        return True


def _check_pdf_image(image) -> None:
    try:
        width, height = int(image.get("/Width", 0)), int(image.get("/Height", 0))
        bpc = int(image.get("/BitsPerComponent", 8) or 8)
    except (TypeError, ValueError):
        raise Refused("corrupt_pdf", "De PDF bevat een afbeelding met ongeldige afmetingen.") from None
    comps = 1 if image.get("/ImageMask", False) else _components(image.get("/ColorSpace"))
    if width < 0 or height < 0:
        raise Refused("corrupt_pdf", "De PDF bevat een afbeelding met ongeldige afmetingen.")
    if width * height > MAX_IMAGE_PIXELS or width * height * comps * max(bpc, 1) // 8 > MAX_IMAGE_BYTES:
        raise _too_big(width, height, "Een afbeelding in de PDF")
    import pikepdf

    filters = image.get("/Filter")
    names = [str(f) for f in filters] if isinstance(filters, pikepdf.Array) else \
        ([str(filters)] if filters is not None else [])
    if names == ["/DCTDecode"]:
        try:
            head = image.read_raw_bytes()[:65536]
        except Exception:  # noqa: BLE001 - unreadable stream: the decoders will refuse it themselves
            return
        found = _jpeg_size(head)
        if found is None:
            return
        jw, jh, jc = found
        if jw * jh > MAX_IMAGE_PIXELS or (jw, jh) != (width, height) and jw * jh > width * height:
            raise Refused("image_lies", f"Een afbeelding in de PDF geeft andere afmetingen op ({width} x {height}) "
                                        f"dan de afbeelding zelf ({jw} x {jh}); het bestand wordt niet verwerkt.")


# ---------------------------------------------------------------------------------------------- upload

# What is looked at while the uploader waits: header-only, milliseconds for ordinary files.
UPLOAD_PDF_PAGES_CHECKED = 500  # images of the first pages; the extract job checks every page
# Parts of an Office/OpenDocument file that extraction parses as one tree (woo.intake.extract keeps the same
# limit, MAX_XML_PART_BYTES); spreadsheet sheets and shared strings are streamed and not limited.
MAX_XML_PART_BYTES = 32 * 1024 * 1024
_STREAMED_PARTS = re.compile(r"xl/worksheets/sheet\d+\.xml|xl/sharedStrings\.xml")
MAX_CONTAINER_MEMBERS = 10_000
_ZIP_METHODS = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA)
CONTAINER_KINDS = frozenset({"docx", "xlsx", "pptx", "odt", "ods", "odp"})
MAX_EMBEDDED_MESSAGES = 200  # e-mail in e-mail; extraction itself gives up far deeper (~1000)
# Extraction of a document over these goes to the heavy queue (it still runs, just not in front of others).
HEAVY_PAGES = 300
HEAVY_BYTES = 50 * 1024 * 1024
HEAVY_UNPACKED_BYTES = 64 * 1024 * 1024
SCAN_PAGES_LOOKED_AT = 50
IMAGE_KINDS = frozenset({"jpeg", "png", "tiff"})


@dataclass(frozen=True)
class Estimate:
    """What a document will cost to make ready for review, guessed from its headers at upload."""
    heavy: bool
    why: str | None = None  # English, for the audit detail and logs: 'pages', 'scan', 'image', 'size'
    pages: int | None = None
    text_layer: bool | None = None


def check_upload(path: Path, kind: str) -> Estimate:
    """The cheap checks of a just-identified upload; Refused (Dutch reason) when the extract job would refuse
    it anyway, else the cost estimate that routes its extraction."""
    path = Path(path)
    size = path.stat().st_size
    if kind in IMAGE_KINDS:
        props = check_image(path, kind)
        return Estimate(True, "image", pages=props["frames"], text_layer=False)  # text only through OCR
    if kind == "pdf":
        pages, may_have_text = _inspect_pdf(path, UPLOAD_PDF_PAGES_CHECKED)
        if pages > HEAVY_PAGES:
            return Estimate(True, "pages", pages=pages, text_layer=may_have_text)
        if not may_have_text:
            return Estimate(True, "scan", pages=pages, text_layer=False)  # OCR will be needed
        return Estimate(size > HEAVY_BYTES, "size" if size > HEAVY_BYTES else None, pages=pages, text_layer=True)
    unpacked = size
    if kind in CONTAINER_KINDS:
        unpacked = check_container(path)
    elif kind == "eml":
        check_email(path)
    heavy = size > HEAVY_BYTES or unpacked > HEAVY_UNPACKED_BYTES
    return Estimate(heavy, "size" if heavy else None)


def check_container(path: Path) -> int:
    """Office Open XML / OpenDocument: the ZIP directory only. Refused for encrypted members, compression
    methods that cannot be read, parts too large to parse and an absurd number of members; returns the
    declared unpacked size."""
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError, UnicodeDecodeError) as exc:
        raise Refused("corrupt_file", "Het bestand is een beschadigd Office-bestand (ongeldig ZIP-formaat).") from exc
    if len(infos) > MAX_CONTAINER_MEMBERS:
        raise Refused("too_large", f"Het Office-bestand bestaat uit meer dan {MAX_CONTAINER_MEMBERS} onderdelen.")
    total = 0
    for info in infos:
        if info.flag_bits & 0x1:
            raise Refused("encrypted_file", "Het bestand bevat onderdelen die met een wachtwoord zijn versleuteld; "
                                            "lever een onbeveiligde versie aan.")
        if info.compress_type not in _ZIP_METHODS:
            raise Refused("unsupported_compression", "Het bestand gebruikt een compressiemethode die niet wordt "
                                                     "ondersteund; sla het opnieuw op en lever het opnieuw aan.")
        if (info.filename.endswith(".xml") and info.file_size > MAX_XML_PART_BYTES
                and not _STREAMED_PARTS.fullmatch(info.filename)):
            raise Refused("too_large", f"Onderdeel {info.filename} van het document is uitgepakt groter dan "
                                       f"{MAX_XML_PART_BYTES // (1024 * 1024)} MB en wordt niet verwerkt "
                                       "(mogelijk een zip-bom).")
        total += info.file_size
    return total


_EMBEDDED = re.compile(rb"^content-type:[ \t]*message/rfc822", re.IGNORECASE)


def check_email(path: Path) -> None:
    """Refused when an e-mail holds more than MAX_EMBEDDED_MESSAGES messages (e-mail in e-mail in ...):
    a streamed look at the header lines, the message is not parsed."""
    found = 0
    with open(path, "rb") as fh:
        while line := fh.readline(65536):  # bounded: a file without line breaks is read in pieces
            if _EMBEDDED.match(line):
                found += 1
                if found > MAX_EMBEDDED_MESSAGES:
                    raise Refused("too_deep", f"Het e-mailbericht bevat meer dan {MAX_EMBEDDED_MESSAGES} ingesloten "
                                              "berichten (e-mail in e-mail) en wordt niet verwerkt.")
