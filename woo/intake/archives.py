"""Expanding a ZIP upload (a batch of documents) safely into temporary files.

Every member is checked before anything is written: no absolute paths or `..` traversal, no
symlinks or device files, a cap on the number of members, on the total uncompressed size and on the
compression ratio (zip bombs). The declared sizes in the ZIP directory can lie, so the limits are
enforced again on the bytes actually decompressed.
"""
from __future__ import annotations

import stat
import tempfile
import zipfile
from collections.abc import Iterator
from pathlib import Path, PurePosixPath

from woo.intake.identify import RejectedFile, safe_filename

CHUNK = 1024 * 1024


def _unsafe(reason: str) -> RejectedFile:
    return RejectedFile("zip_unsafe", reason)


def _check_member_name(name: str) -> str:
    """The member's path inside the archive, refused when it could escape the target folder."""
    if not name or not PurePosixPath(name).name.strip():
        raise _unsafe("ZIP-archief bevat een bestand zonder naam.")
    if "\x00" in name or "\\" in name:
        raise _unsafe(f"ZIP-archief bevat een ongeldige bestandsnaam: {name!r}")
    if name.startswith("/") or (len(name) > 1 and name[1] == ":"):
        raise _unsafe(f"ZIP-archief bevat een absoluut pad: {name}")
    parts = PurePosixPath(name).parts
    if any(part == ".." for part in parts):
        raise _unsafe(f"ZIP-archief bevat een pad buiten het archief (..): {name}")
    return name


def iter_zip_members(zip_path: Path, max_members: int = 1000, max_total_bytes: int = 2 * 1024**3,
                     max_ratio: float = 100.0, *, tmp_dir: str | None = None,
                     ) -> Iterator[tuple[str, Path]]:
    """Yield (member_name, temp_path) for each regular file in the ZIP; folders are skipped.

    The whole directory is vetted before the first member is yielded, so a bad archive is refused
    as a whole rather than half-ingested. Each temp file is removed once the caller moves on to the
    next member (or stops iterating): copy it if you need to keep it. Raises RejectedFile
    (code zip_unsafe) for anything suspicious.
    """
    try:
        zf = zipfile.ZipFile(zip_path)
    except UnicodeDecodeError as exc:  # a name flagged UTF-8 that is not
        raise _unsafe("ZIP-archief bevat een bestandsnaam die geen geldige UTF-8 is.") from exc
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError) as exc:
        raise RejectedFile("zip_unsafe", "Het ZIP-archief is beschadigd.") from exc
    with zf:
        infos = [i for i in zf.infolist() if not i.filename.endswith("/")]  # is_dir() fails on ""
        if len(infos) > max_members:
            raise _unsafe(f"ZIP-archief bevat meer dan {max_members} bestanden.")
        declared_total = 0
        for info in infos:
            _check_member_name(info.filename)
            mode = info.external_attr >> 16
            # Unix attributes without a type (plain 0o600) are common and harmless; links are not.
            if info.create_system == 3 and stat.S_IFMT(mode) not in (0, stat.S_IFREG, stat.S_IFDIR):
                raise _unsafe(f"ZIP-archief bevat een symbolische koppeling of speciaal bestand: {info.filename}")
            if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2,
                                          zipfile.ZIP_LZMA):
                raise _unsafe(f"ZIP-archief gebruikt een compressiemethode die niet wordt ondersteund: "
                              f"{info.filename}")
            if info.flag_bits & 0x1:
                raise _unsafe(f"ZIP-archief bevat een versleuteld bestand: {info.filename}")
            declared_total += info.file_size
            if declared_total > max_total_bytes:
                raise _unsafe("ZIP-archief is uitgepakt groter dan toegestaan.")
            if info.file_size > max(info.compress_size, 1) * max_ratio and info.file_size > CHUNK:
                raise _unsafe(f"ZIP-archief lijkt een zip-bom (compressieverhouding): {info.filename}")
            try:
                safe_filename(PurePosixPath(info.filename).name or "_")
            except RejectedFile as exc:
                raise _unsafe(f"ZIP-archief bevat een ongeldige bestandsnaam: {exc.reason}") from exc

        total = 0
        for info in infos:
            with tempfile.TemporaryDirectory(prefix="woo-zip-", dir=tmp_dir) as tmp:
                target = Path(tmp) / "member"
                written = 0
                try:
                    with zf.open(info) as src, open(target, "wb") as out:
                        while chunk := src.read(CHUNK):
                            written += len(chunk)
                            total += len(chunk)
                            # Declared sizes can lie: enforce the limits on real bytes too.
                            if written > info.file_size or total > max_total_bytes or (
                                    written > CHUNK and written > max(info.compress_size, 1) * max_ratio):
                                raise _unsafe(f"ZIP-archief lijkt een zip-bom: {info.filename}")
                            out.write(chunk)
                except (zipfile.BadZipFile, EOFError, OSError, NotImplementedError) as exc:
                    raise _unsafe(f"ZIP-archief is beschadigd bij {info.filename}.") from exc
                yield info.filename, target
