"""An overbrengingspakket: MDTO SIP sidecars in a BagIt bag, with a pakbon.

Layout (MDTO SIP specification: one sidecar per informatieobject, ``.bestand.mdto.xml`` beside each file,
safe and unique names):

    <package-id>/                      the bag (bagit: bagit.txt, bag-info.txt, manifest-sha256.txt ...)
      pakbon.xml                       tag file: counts, bytes, SIP checksum (sha256 of manifest-sha256.txt)
      data/<record>/<record>.mdto.xml
      data/<record>/<file>             the bytes, checked against the stored SHA-256 while copying
      data/<record>/<file>.bestand.mdto.xml
"""
from __future__ import annotations

import hashlib
import re
import shutil
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Iterable, Iterator

from lxml import etree

from woo.domain.text import xml_text
from woo.metadata import mdto

FORBIDDEN = re.compile(r'[<>:"/\\|?*#&\s\x00-\x1f]+')
PAKBON = "pakbon.xml"


class PackageError(RuntimeError):
    """The package could not be written (Dutch message)."""


def safe_name(text: str, max_len: int = 120) -> str:
    """A file name the SIP specification accepts: no < > : " / \\ | ? * # & or spaces, <= 255 chars."""
    text = unicodedata.normalize("NFC", text or "").strip()
    text = FORBIDDEN.sub("_", text).strip("._") or "naamloos"
    if len(text) > max_len:
        stem, dot, ext = text.rpartition(".")
        text = (stem[: max_len - len(ext) - 1] + "." + ext) if dot and len(ext) <= 10 else text[:max_len]
    return text


@dataclass
class PackageFile:
    record: mdto.BestandRecord  # naam is the (safe) file name inside the record folder
    fetch: Callable[[Path], None]  # writes the bytes to the given path


@dataclass
class PackageRecord:
    folder: str  # safe, unique folder name
    io: mdto.InformatieobjectRecord
    files: list[PackageFile] = field(default_factory=list)


@dataclass
class PackageResult:
    path: Path
    records: int
    files: int
    bytes: int
    checksum: str  # sha256 of manifest-sha256.txt: fixes every payload file's digest


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1024 * 1024), b""):
            digest.update(chunk)
    return digest.hexdigest()


def write(out_dir: Path, package_id: str, records: Iterable[PackageRecord], info: dict,
          progress: Callable[[int], None] | None = None) -> PackageResult:
    """Write the bag. ``info``: naam, archiefvormer, contact, doel (pakbon fields)."""
    import bagit

    root = Path(out_dir) / package_id
    if root.exists():
        raise PackageError(f"Map {root} bestaat al; kies een andere uitvoermap.")
    root.mkdir(parents=True)
    n_records = n_files = total = 0
    formats: dict[str, int] = {}
    try:
        for rec in records:
            folder = root / rec.folder
            folder.mkdir()
            for pf in rec.files:
                target = folder / pf.record.naam
                pf.fetch(target)
                size, digest = target.stat().st_size, _sha256(target)
                if digest != pf.record.checksum or size != pf.record.omvang:
                    raise PackageError(f"Bestand {pf.record.naam} van record {rec.io.id} wijkt af van de "
                                       "opgeslagen checksum; het pakket is niet gemaakt.")
                (folder / f"{pf.record.naam}.bestand.mdto.xml").write_bytes(
                    mdto.to_bytes(mdto.build_bestand(pf.record)))
                n_files, total = n_files + 1, total + size
                formats[pf.record.pronom_naam] = formats.get(pf.record.pronom_naam, 0) + 1
            (folder / f"{rec.folder}.mdto.xml").write_bytes(mdto.to_bytes(mdto.build_informatieobject(rec.io)))
            n_records += 1
            if progress:
                progress(1)
        bag = bagit.make_bag(str(root), {"Source-Organization": info.get("archiefvormer", ""),
                                         "External-Identifier": package_id,
                                         "External-Description": info.get("naam", "")},
                             checksums=["sha256"])
        checksum = _sha256(root / "manifest-sha256.txt")
        (root / PAKBON).write_bytes(_pakbon(package_id, info, n_records, n_files, total, checksum, formats))
        bag.save(manifests=False)  # rewrites the tag manifest so it covers pakbon.xml
        if not bagit.Bag(str(root)).is_valid():
            raise PackageError("Het BagIt-pakket is na het schrijven niet geldig.")
    except BaseException:
        shutil.rmtree(root, ignore_errors=True)  # never leave half a package behind
        raise
    return PackageResult(root, n_records, n_files, total, checksum)


def _pakbon(package_id: str, info: dict, records: int, files: int, total: int, checksum: str,
            formats: dict[str, int]) -> bytes:
    el = etree.Element("pakbon")

    def sub(name: str, text) -> None:
        etree.SubElement(el, name).text = xml_text(str(text))

    sub("identificatie", package_id)
    sub("naam", info.get("naam", ""))
    sub("doel", info.get("doel", ""))
    sub("aangemaakt", datetime.now(timezone.utc).isoformat(timespec="seconds"))
    sub("archiefvormer", info.get("archiefvormer", ""))
    sub("contact", info.get("contact", ""))
    sub("aantalInformatieobjecten", records)
    sub("aantalBestanden", files)
    sub("aantalBestandenZonderMdto", files)  # every payload file that is not a sidecar
    sub("omvangInBytes", total)
    h = etree.SubElement(el, "sipChecksum")
    etree.SubElement(h, "algoritme").text = "SHA-256"
    etree.SubElement(h, "waarde").text = checksum
    etree.SubElement(h, "over").text = "manifest-sha256.txt"
    fm = etree.SubElement(el, "bestandsformaten")
    for name, count in sorted(formats.items()):
        f = etree.SubElement(fm, "formaat", aantal=str(count))
        f.text = name
    return etree.tostring(el, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def read_pakbon(package_dir: Path) -> dict:
    tree = etree.parse(str(Path(package_dir) / PAKBON))
    return {child.tag: (child.text or "").strip() for child in tree.getroot() if len(child) == 0} | {
        "sipChecksum": tree.findtext("sipChecksum/waarde")}


def unique_folders(names: Iterable[str]) -> Iterator[str]:
    seen: set[str] = set()
    for name in names:
        base, n, cand = safe_name(name, 100), 1, None
        cand = base
        while cand.lower() in seen:
            n += 1
            cand = f"{base}_{n}"
        seen.add(cand.lower())
        yield cand


__all__ = ["safe_name", "PackageFile", "PackageRecord", "PackageResult", "PackageError", "write", "read_pakbon",
           "unique_folders", "PAKBON"]
