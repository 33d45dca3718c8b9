"""An overbrengingspakket: MDTO SIP sidecars in a BagIt bag, with a pakbon.

Layout (MDTO SIP specification: one sidecar per informatieobject, ``.bestand.mdto.xml`` beside each file,
safe and unique names):

    <package-id>/                      the bag (bagit: bagit.txt, bag-info.txt, manifest-sha256.txt ...)
      pakbon.xml                       tag file (namespace urn:woo:pakbon:1, schemas/woo/pakbon-1.xsd): counts,
                                       bytes, SIP checksum (sha256 of manifest-sha256.txt), public-side choice
      data/<record>/<record>.mdto.xml
      data/<record>/<file>             the bytes, checked against the stored SHA-256 while copying
      data/<record>/<file>.bestand.mdto.xml
      data/<dossier>/<dossier>.mdto.xml           a dossier (aggregatieniveau Dossier, bevatOnderdeel) ...
      data/<dossier>/<record>/...                 ... with its records inside (isOnderdeelVan the dossier)
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
            # a record inside an aggregation lives in its dossier's folder ("dossier/record"): its sidecar is
            # named after its own folder
            (folder / f"{Path(rec.folder).name}.mdto.xml").write_bytes(
                mdto.to_bytes(mdto.build_informatieobject(rec.io)))
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


PAKBON_NS = "urn:woo:pakbon:1"  # woo's own, documented structure: schemas/woo/pakbon-1.xsd
PUBLIC_AFTER_TRANSFER = ("Na bevestiging van de ontvangst verdwijnen de records uit de sitemaps, de zoekfunctie en "
                         "OAI-PMH van woo; hun openbare pagina antwoordt 410 met de archiefbewaarplaats waar ze te "
                         "raadplegen zijn (openbaarheid daar volgens de Archiefwet).")


def pakbon_schema():
    from woo.domain.tooi import schemas_dir

    parser = etree.XMLParser(no_network=True, resolve_entities=False)
    return etree.XMLSchema(etree.parse(str(schemas_dir() / "woo" / "pakbon-1.xsd"), parser))


def _pakbon(package_id: str, info: dict, records: int, files: int, total: int, checksum: str,
            formats: dict[str, int]) -> bytes:
    """The pakbon, valid against schemas/woo/pakbon-1.xsd (checked here)."""
    el = etree.Element(f"{{{PAKBON_NS}}}pakbon", nsmap={None: PAKBON_NS})

    def sub(parent, name: str, text=None):
        child = etree.SubElement(parent, f"{{{PAKBON_NS}}}{name}")
        if text is not None:
            child.text = xml_text(str(text))
        return child

    sub(el, "identificatie", package_id)
    sub(el, "naam", info.get("naam", ""))
    sub(el, "doel", info.get("doel", ""))
    sub(el, "aangemaakt", datetime.now(timezone.utc).isoformat(timespec="seconds"))
    sub(el, "archiefvormer", info.get("archiefvormer", ""))
    sub(el, "contact", info.get("contact", ""))
    sub(el, "aantalInformatieobjecten", records)
    sub(el, "aantalBestanden", files)  # payload files (the bytes of the records)
    sub(el, "aantalMdtoBestanden", records + files)  # one .mdto.xml per record + one .bestand.mdto.xml per file
    sub(el, "omvangInBytes", total)
    h = sub(el, "sipChecksum")
    sub(h, "algoritme", "SHA-256")
    sub(h, "waarde", checksum)
    sub(h, "over", "manifest-sha256.txt")
    fm = sub(el, "bestandsformaten")
    for name, count in sorted(formats.items()):
        f = sub(fm, "formaat", name)
        f.set("aantal", str(count))
    sub(el, "openbaarheidNaOverbrenging", info.get("openbaarheid", PUBLIC_AFTER_TRANSFER))
    schema = pakbon_schema()
    if not schema.validate(el):
        raise PackageError(f"De pakbon is niet geldig volgens pakbon-1.xsd: {schema.error_log.last_error}")
    return etree.tostring(el, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def read_pakbon(package_dir: Path) -> dict:
    tree = etree.parse(str(Path(package_dir) / PAKBON))
    ns = {"p": PAKBON_NS}
    return {etree.QName(child).localname: (child.text or "").strip() for child in tree.getroot() if len(child) == 0} | {
        "sipChecksum": tree.findtext("p:sipChecksum/p:waarde", namespaces=ns)}


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
           "unique_folders", "PAKBON", "PAKBON_NS", "pakbon_schema", "PUBLIC_AFTER_TRANSFER"]
