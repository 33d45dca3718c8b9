"""Generators of hostile files (issue 12), shared by the hostile tests and scripts/bench/hostile.py.
Each writes one small file that attacks a decoder or converter: looping TIFF IFD chains, image bombs,
JPEG headers that lie about their size, thousands of blank pages, deeply nested e-mail, ZIP members
with flags or methods zipfile cannot write, a DOCX that inflates to many megabytes."""
from __future__ import annotations

import io
import struct
import zipfile
from pathlib import Path

def tiff_ifd_loop(path: Path, loop: str) -> Path:
    """A 10x10 grey TIFF whose IFD chain points back to itself ('self') or IFD2 -> IFD1 ('pair')."""
    entries = [(256, 3, 1, 10), (257, 3, 1, 10), (258, 3, 1, 8), (259, 3, 1, 1), (262, 3, 1, 1),
               (273, 4, 1, 0), (277, 3, 1, 1), (278, 3, 1, 10), (279, 4, 1, 100)]
    ifd_size = 2 + 12 * len(entries) + 4

    def ifd(at: int, data_at: int, nxt: int) -> bytes:
        out = struct.pack("<H", len(entries))
        for tag, typ, n, value in entries:
            value = data_at if tag == 273 else value
            out += struct.pack("<HHI", tag, typ, n) + (struct.pack("<HH", value, 0) if typ == 3 else
                                                       struct.pack("<I", value))
        return out + struct.pack("<I", nxt)

    first, second = 8, 8 + ifd_size
    data_at = 8 + 2 * ifd_size
    body = b"II*\x00" + struct.pack("<I", first)
    if loop == "self":
        body += ifd(first, data_at, first) + b"\x00" * ifd_size
    else:
        body += ifd(first, data_at, second) + ifd(second, data_at, first)
    path.write_bytes(body + b"\x80" * 100)
    return path


def png_bomb(path: Path) -> Path:
    """A PNG that declares 100000 x 100000 pixels in a few hundred bytes."""
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", 100_000, 100_000, 8, 0, 0, 0, 0)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\x00" * 1000))
                     + chunk(b"IEND", b""))
    return path


def pdf_with_image(path: Path, width: int, height: int, data: bytes, filt: str) -> Path:
    import pikepdf

    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(612, 792))
    image = pikepdf.Stream(pdf, data)
    image.Type, image.Subtype = pikepdf.Name.XObject, pikepdf.Name.Image
    image.Width, image.Height, image.BitsPerComponent = width, height, 8
    image.ColorSpace, image.Filter = pikepdf.Name.DeviceRGB, pikepdf.Name(filt)
    page = pdf.pages[0]
    page.Resources = pikepdf.Dictionary(XObject=pikepdf.Dictionary(Im0=image))
    page.Contents = pikepdf.Stream(pdf, b"q 612 0 0 792 0 0 cm /Im0 Do Q")
    pdf.save(path)
    return path


def flate_bomb_pdf(path: Path) -> Path:
    import zlib

    return pdf_with_image(path, 60_000, 60_000, zlib.compress(b"\x00" * 1_000_000, 9), "/FlateDecode")


def lying_dct_pdf(path: Path) -> Path:
    """The PDF says 16 x 16; the JPEG inside says 30000 x 30000 (decoders believe the JPEG)."""
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (16, 16), "white").save(buf, "JPEG")
    jpeg = bytearray(buf.getvalue())
    sof = jpeg.index(b"\xff\xc0")
    jpeg[sof + 5:sof + 9] = struct.pack(">HH", 30_000, 30_000)
    return pdf_with_image(path, 16, 16, bytes(jpeg), "/DCTDecode")


def blank_pages_pdf(path: Path, pages: int) -> Path:
    import pikepdf

    pdf = pikepdf.new()
    for _ in range(pages):
        pdf.add_blank_page(page_size=(595, 842))
    pdf.save(path)
    return path


def nested_eml(path: Path, depth: int = 3000) -> Path:
    head = b"From: a@example.org\r\nSubject: genest\r\nMIME-Version: 1.0\r\n"
    inner = b"Content-Type: text/plain\r\n\r\nbinnenste\r\n"
    for _ in range(depth):
        inner = b"Content-Type: message/rfc822\r\n\r\n" + inner
    path.write_bytes(head + inner)
    return path


def patch_member(path: Path, member: str, *, flag: int = 0, method: int | None = None,
                  new_name: bytes | None = None) -> Path:
    """Set general-purpose flag bits / the compression method / the raw name of one member, in both
    the local and the central header (zipfile cannot write such archives itself)."""
    data = bytearray(path.read_bytes())
    name = member.encode()
    for sig, flag_at, method_at, name_len_at, name_at in ((b"PK\x03\x04", 6, 8, 26, 30), (b"PK\x01\x02", 8, 10, 28, 46)):
        pos = 0
        while (pos := data.find(sig, pos)) != -1:
            n = struct.unpack_from("<H", data, pos + name_len_at)[0]
            if bytes(data[pos + name_at:pos + name_at + n]) == name:
                struct.pack_into("<H", data, pos + flag_at, struct.unpack_from("<H", data, pos + flag_at)[0] | flag)
                if method is not None:
                    struct.pack_into("<H", data, pos + method_at, method)
                if new_name is not None:
                    data[pos + name_at:pos + name_at + n] = new_name
            pos += 4
    path.write_bytes(bytes(data))
    return path


def docx_zip_bomb(size_mb: int) -> bytes:
    """A DOCX whose document.xml inflates to size_mb MB of one repeated tag."""
    chunk = b"<w:p><w:r><w:t>a</w:t></w:r></w:p>" * 1000
    body = io.BytesIO()
    with zipfile.ZipFile(body, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        with zf.open("word/document.xml", "w", force_zip64=True) as f:
            f.write(b'<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/'
                    b'wordprocessingml/2006/main"><w:body>')
            for _ in range(size_mb * 1024 * 1024 // len(chunk)):
                f.write(chunk)
            f.write(b"</w:body></w:document>")
        zf.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/'
                    'package/2006/content-types"><Override PartName="/word/document.xml" ContentType="application/'
                    'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>')
    return body.getvalue()
