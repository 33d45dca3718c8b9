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


# --------------------------------------------------------------------------- 7z (py7zr)

SEVEN_ZIP_MAGIC = b"7z\xbc\xaf\x27\x1c"


def is_7z(path: Path) -> bool:
    with open(path, "rb") as fh:
        return fh.read(6) == SEVEN_ZIP_MAGIC


def _unsafe7(reason: str) -> RejectedFile:
    return RejectedFile("zip_unsafe", reason.replace("ZIP-archief", "7z-archief"))


class _BoundedFile:
    """A py7zr writer (py7zr.io.Py7zIO) that streams one member to a file and stops at the byte limits."""

    def __init__(self, path: Path, name: str, declared: int, budget: list[int]):
        self.path, self.name, self.declared, self.budget = path, name, declared, budget
        self.fh = open(path, "w+b")
        self.written = 0

    def write(self, s) -> int:
        self.written += len(s)
        self.budget[0] -= len(s)
        if self.written > self.declared or self.budget[0] < 0:  # the headers lied: a bomb
            raise _unsafe7(f"7z-archief lijkt een zip-bom: {self.name}")
        return self.fh.write(s)

    def read(self, size=None) -> bytes:
        return self.fh.read(-1 if size is None else size)

    def seek(self, offset: int, whence: int = 0) -> int:
        return self.fh.seek(offset, whence)

    def flush(self) -> None:
        self.fh.flush()

    def size(self) -> int:
        return self.written

    def close(self) -> None:
        if not self.fh.closed:
            self.fh.close()


def iter_7z_members(path: Path, max_members: int = 1000, max_total_bytes: int = 2 * 1024**3,
                    max_ratio: float = 100.0, *, tmp_dir: str | None = None) -> Iterator[tuple[str, Path]]:
    """Yield (member_name, temp_path) for each regular file in a 7z archive, with the ZIP rules: every
    name vetted before anything is written (no traversal, links, devices, encryption), caps on members,
    total size and compression ratio, enforced again on the bytes actually decompressed.

    7z archives are usually solid (one compressed stream for many files), so the members are decompressed
    in one pass into a temporary folder (disk, never memory; at most ``max_total_bytes``) and then yielded
    one at a time, each removed once the caller moves on."""
    import py7zr
    from py7zr.io import Py7zIO, WriterFactory

    try:
        archive = py7zr.SevenZipFile(path, mode="r")
    except (py7zr.exceptions.Bad7zFile, py7zr.exceptions.UnsupportedCompressionMethodError, OSError, EOFError,
            ValueError, KeyError, IndexError) as exc:
        raise RejectedFile("zip_unsafe", "Het 7z-archief is beschadigd of wordt niet ondersteund.") from exc
    except py7zr.exceptions.PasswordRequired as exc:
        raise _unsafe7("7z-archief is versleuteld (wachtwoord nodig).") from exc
    with archive:
        if archive.needs_password():
            raise _unsafe7("7z-archief is versleuteld (wachtwoord nodig).")
        infos = [f for f in archive.files if not f.is_directory]
        if len(infos) > max_members:
            raise _unsafe7(f"7z-archief bevat meer dan {max_members} bestanden.")
        declared: dict[str, int] = {}
        total = 0
        for f in infos:
            try:
                _check_member_name(f.filename)
            except RejectedFile as exc:
                raise _unsafe7(exc.reason) from exc
            if f.is_symlink or f.is_junction or f.is_socket:
                raise _unsafe7(f"7z-archief bevat een symbolische koppeling of speciaal bestand: {f.filename}")
            if f.filename in declared:
                raise _unsafe7(f"7z-archief bevat dezelfde naam twee keer: {f.filename}")
            try:
                safe_filename(PurePosixPath(f.filename).name or "_")
            except RejectedFile as exc:
                raise _unsafe7(f"7z-archief bevat een ongeldige bestandsnaam: {exc.reason}") from exc
            size = int(f.uncompressed or 0)
            declared[f.filename] = size
            total += size
            if total > max_total_bytes:
                raise _unsafe7("7z-archief is uitgepakt groter dan toegestaan.")
        packed = max(path.stat().st_size, 1)
        if total > packed * max_ratio and total > CHUNK:
            raise _unsafe7("7z-archief lijkt een zip-bom (compressieverhouding).")

        with tempfile.TemporaryDirectory(prefix="woo-7z-", dir=tmp_dir) as tmp:
            written: list[tuple[str, Path]] = []
            budget = [max_total_bytes]

            class _Writer(_BoundedFile, Py7zIO):
                pass

            class _Factory(WriterFactory):
                def create(self, filename: str):
                    if filename not in declared:
                        raise _unsafe7(f"7z-archief bevat een onverwacht bestand: {filename}")
                    target = Path(tmp) / f"m{len(written):06d}"
                    written.append((filename, target))
                    return _Writer(target, filename, declared[filename], budget)

            try:
                archive.extract(targets=list(declared), factory=_Factory())
            except RejectedFile:
                raise
            except Exception as exc:  # noqa: BLE001 - py7zr raises many kinds for damaged data (CRC, LZMA ...)
                raise _unsafe7(f"7z-archief is beschadigd ({type(exc).__name__}).") from exc
            for name, target in written:
                if not target.exists():
                    continue
                yield name, target
                target.unlink(missing_ok=True)
            # members without a stream (empty files) are not written by py7zr: they are empty
            for name in declared:
                if declared[name] == 0 and all(n != name for n, _ in written):
                    target = Path(tmp) / "empty"
                    target.write_bytes(b"")
                    yield name, target
                    target.unlink(missing_ok=True)


def iter_archive_members(path: Path, max_members: int = 1000, max_total_bytes: int = 2 * 1024**3,
                         max_ratio: float = 100.0, *, tmp_dir: str | None = None) -> Iterator[tuple[str, Path]]:
    """A ZIP or a 7z archive (told apart by its first bytes), member by member, with the same defences."""
    if is_7z(path):
        return iter_7z_members(path, max_members, max_total_bytes, max_ratio, tmp_dir=tmp_dir)
    return iter_zip_members(path, max_members, max_total_bytes, max_ratio, tmp_dir=tmp_dir)
