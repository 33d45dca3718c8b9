"""What is this file really? Content-based identification against the allowlist of publishable formats.

libmagic gives the MIME type from the bytes, siegfried (pygfried, offline) the PRONOM identifier that
archives want; ZIP containers are opened to tell DOCX/XLSX/PPTX and ODF apart (and to refuse
macro-enabled variants). The file name's extension is only checked against the content: an allowed
format dressed up as another allowed format (a PDF named .docx) is refused, because mislabelled types
are how unsafe content slips past people.
"""
from __future__ import annotations

import os
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import Path

import magic

from woo.domain import text

# kind -> canonical MIME type. What a Dutch public body publishes; nothing executable.
KINDS: dict[str, str] = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "doc": "application/msword",
    "odt": "application/vnd.oasis.opendocument.text",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "ods": "application/vnd.oasis.opendocument.spreadsheet",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "odp": "application/vnd.oasis.opendocument.presentation",
    "txt": "text/plain",
    "csv": "text/csv",
    "html": "text/html",
    "xml": "application/xml",
    "eml": "message/rfc822",
    "msg": "application/vnd.ms-outlook",
    "jpeg": "image/jpeg",
    "png": "image/png",
    "tiff": "image/tiff",
}
ALLOWED_KINDS = frozenset(KINDS)

# extension (lower case, no dot) -> kind
EXTENSIONS: dict[str, str] = {
    "pdf": "pdf", "docx": "docx", "doc": "doc", "odt": "odt", "xlsx": "xlsx", "ods": "ods",
    "pptx": "pptx", "odp": "odp", "txt": "txt", "text": "txt", "csv": "csv", "html": "html",
    "htm": "html", "xhtml": "html", "xml": "xml", "eml": "eml", "msg": "msg", "jpg": "jpeg",
    "jpeg": "jpeg", "jpe": "jpeg", "png": "png", "tif": "tiff", "tiff": "tiff",
}

# Text formats are told apart by name, not bytes: libmagic calls XHTML "text/xml" and a CSV
# "text/plain". Within this family the extension decides and a disagreement is only noted.
TEXT_KINDS = frozenset({"txt", "csv", "html", "xml"})

# Extensions that announce something runnable: never accepted, whatever the bytes look like.
DANGEROUS_EXTENSIONS = frozenset({
    "exe", "dll", "com", "scr", "pif", "bat", "cmd", "ps1", "vbs", "vbe", "js", "jse", "wsf", "wsh",
    "hta", "msi", "msp", "jar", "lnk", "sh", "reg", "cpl", "docm", "dotm", "xlsm", "xltm", "xlam",
    "pptm", "potm", "ppsm", "sldm", "svg", "swf", "iso", "img", "vhd", "apk", "app", "py", "php",
})

MAGIC_TO_KIND: dict[str, str] = {
    "application/pdf": "pdf",
    "application/msword": "doc",
    "application/vnd.ms-office": "ole",  # generic OLE2; decided by extension below
    "application/x-ole-storage": "ole",
    "application/CDFV2": "ole",
    "application/vnd.ms-outlook": "msg",
    "message/rfc822": "eml",
    "image/jpeg": "jpeg",
    "image/png": "png",
    "image/tiff": "tiff",
    "text/plain": "txt",
    "text/csv": "csv",
    "text/html": "html",
    "text/xml": "xml",
    "application/xml": "xml",
    "application/xhtml+xml": "html",
    "application/zip": "zip",
    "application/x-zip-compressed": "zip",
}
for _kind in ("docx", "xlsx", "pptx", "odt", "ods", "odp"):
    MAGIC_TO_KIND[KINDS[_kind]] = _kind

ZIP_KINDS = frozenset({"zip", "docx", "xlsx", "pptx", "odt", "ods", "odp"})

OOXML_MAIN_TYPES = {
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml": "docx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml": "xlsx",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml": "pptx",
}

KIND_LABELS = {
    "pdf": "PDF", "docx": "Word (DOCX)", "doc": "Word 97-2003 (DOC)", "odt": "OpenDocument-tekst",
    "xlsx": "Excel (XLSX)", "ods": "OpenDocument-rekenblad", "pptx": "PowerPoint (PPTX)",
    "odp": "OpenDocument-presentatie", "txt": "platte tekst", "csv": "CSV", "html": "HTML", "xml": "XML",
    "eml": "e-mail (EML)", "msg": "Outlook-bericht (MSG)", "jpeg": "JPEG-afbeelding",
    "png": "PNG-afbeelding", "tiff": "TIFF-afbeelding",
}

MAX_NAME = 255


class RejectedFile(Exception):
    """A file we refuse to take in. `.reason` is Dutch, for the records officer; `.code` for machines."""

    def __init__(self, code: str, reason: str):
        super().__init__(reason)
        self.code = code
        self.reason = reason


@dataclass(frozen=True)
class Identification:
    mime: str
    puid: str | None
    format_name: str | None
    extension: str
    kind: str  # an ALLOWED_KINDS member when accepted; otherwise a hint such as "zip" or "unknown"
    extension_mismatch: bool
    accepted: bool
    reason: str | None = None
    code: str | None = None  # set when not accepted (format_not_allowed, extension_mismatch, ...)

    def require_accepted(self) -> "Identification":
        if not self.accepted:
            raise RejectedFile(self.code or "format_not_allowed", self.reason or "Bestand geweigerd.")
        return self


def safe_filename(name: str) -> str:
    """The base name of an uploaded file, NFC-normalised; refuses names that smell of an attack."""
    if name is None or not isinstance(name, str):
        raise RejectedFile("bad_name", "Bestandsnaam ontbreekt.")
    if "\x00" in name:
        raise RejectedFile("bad_name", "Bestandsnaam bevat een ongeldig teken (NUL).")
    if any(unicodedata.category(ch) in ("Cc", "Cf", "Cs") and ch not in "\u200d" for ch in name) \
            or text.forbidden_characters(name):
        raise RejectedFile("bad_name", "Bestandsnaam bevat besturingstekens.")
    if "/" in name or "\\" in name:
        raise RejectedFile("bad_name", "Bestandsnaam mag geen mapnaam of pad bevatten.")
    normalised = unicodedata.normalize("NFC", name).strip()
    if normalised in ("", ".", "..") or normalised.startswith(".."):
        raise RejectedFile("bad_name", "Ongeldige bestandsnaam.")
    if normalised.startswith(".") and "." not in normalised[1:]:
        raise RejectedFile("bad_name", f"Bestandsnaam '{normalised}' heeft geen naam vóór de extensie; "
                                       "geef het bestand een naam, bijvoorbeeld besluit.pdf.")
    if len(normalised) > MAX_NAME or len(normalised.encode("utf-8")) > 4 * MAX_NAME:
        raise RejectedFile("bad_name", f"Bestandsnaam is langer dan {MAX_NAME} tekens.")
    return normalised


def _extension(filename: str) -> str:
    suffix = os.path.splitext(filename or "")[1]
    return suffix[1:].lower() if suffix else ""


def _zip_kind(path: Path) -> str:
    """Tell OOXML and ODF containers apart by their declared contents, not by the name."""
    try:
        with zipfile.ZipFile(path) as zf:
            names = set(zf.namelist())
            if "mimetype" in names:
                declared = zf.read("mimetype")[:200].decode("ascii", "replace").strip()
                for kind in ("odt", "ods", "odp"):
                    if declared == KINDS[kind]:
                        return kind
                return "odf-other"
            if "[Content_Types].xml" in names:
                info = zf.getinfo("[Content_Types].xml")
                if info.file_size > 1_000_000:
                    return "zip"
                from woo.intake.safexml import parse_xml

                root = parse_xml(zf.read(info))
                types = {el.get("ContentType", "") for el in root}
                if any("macroEnabled" in t for t in types) or "word/vbaProject.bin" in names:
                    return "macro"
                for main_type, kind in OOXML_MAIN_TYPES.items():
                    if main_type in types:
                        return kind
                return "ooxml-other"
    except (zipfile.BadZipFile, OSError, ValueError, KeyError, Exception):
        return "corrupt-zip"
    return "zip"


def _ole_kind(path: Path, ext_kind: str | None) -> str:
    """OLE2 compound files: Word 97-2003 or Outlook message, by their streams where olefile is there."""
    try:
        import olefile
    except ImportError:
        return ext_kind if ext_kind in ("doc", "msg") else "ole"
    try:
        with olefile.OleFileIO(str(path)) as ole:
            if ole.exists("WordDocument"):
                return "doc"
            if ole.exists("__properties_version1.0") or any(
                    e and e[0].startswith("__substg1.0_") for e in ole.listdir()):
                return "msg"
            if ole.exists("EncryptedPackage"):
                return "encrypted-office"
    except Exception:
        return "corrupt-ole"
    return "ole"


MAIL_HEADERS = {"from", "to", "subject", "date", "message-id", "received", "return-path", "mime-version",
                "cc", "reply-to", "sender", "x-mailer", "content-type"}


def _looks_like_email(path: Path) -> bool:
    """RFC 5322 header block: at least two well-known mail headers before the first blank line."""
    with open(path, "rb") as fh:
        head = fh.read(16384).decode("utf-8", "replace")
    seen = set()
    for line in head.splitlines():
        if not line.strip():
            break
        if line[:1] in " \t":
            continue  # folded continuation
        name, colon, _ = line.partition(":")
        if not colon or " " in name.strip():
            return False
        seen.add(name.strip().lower())
    return len(seen & MAIL_HEADERS) >= 2


# siegfried (pygfried) is a Go library (c-shared) loaded into the process that imports it. Go's collector
# lets its heap grow to twice the live set (GOGC=100) and keeps the pages, which was the whole growth of a
# 2,000-document dossier import's peak RSS (+55 MB). The Go runtime of a c-shared library reads its
# environment from the process's original environment block, not from putenv: os.environ set at run time is
# not seen (checked with GODEBUG=gctrace=1). So a bulk intake identifies through a child process that is
# started with these settings (an operator's own values win) and holds the Go heap outside the importer.
GO_RUNTIME_ENV = {"GOGC": "50", "GOMEMLIMIT": "64MiB"}

_HELPER_CODE = """
import json, sys
import pygfried
for line in sys.stdin:
    try:
        request = json.loads(line)
        path, ref = (request, None) if isinstance(request, str) else (request["path"], request["ref"])
        m = pygfried.identify(path, detailed=True)["files"][0]["matches"][0]
        out = {"id": m.get("id"), "format": m.get("format")}
    except Exception as exc:
        out, ref = {"error": type(exc).__name__}, locals().get("ref")
    if ref is not None:
        out["ref"] = ref
    sys.stdout.write(json.dumps(out) + "\\n")
    sys.stdout.flush()
"""


class _SiegfriedProcess:
    """One long-lived child that answers PRONOM look-ups, one JSON line per path (thread-safe)."""

    def __init__(self):
        import subprocess
        import sys
        import threading

        env = {**os.environ, **{k: os.environ.get(k, v) for k, v in GO_RUNTIME_ENV.items()}}
        self.proc = subprocess.Popen([sys.executable, "-c", _HELPER_CODE], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, env=env, text=True, bufsize=1)
        self.pid = os.getpid()  # a forked copy must not share the pipes
        self.lock = threading.Lock()

    def identify(self, path: Path) -> dict:
        import json
        import uuid

        if self.pid == os.getpid():
            with self.lock:
                self.proc.stdin.write(json.dumps(str(path)) + "\n")
                self.proc.stdin.flush()
                line = self.proc.stdout.readline()
            if not line:
                raise OSError("siegfried helper ended")
            return json.loads(line)
        # A forked work-horse of the worker that started the helper (see shared_helper): each request carries
        # a reference, and answers to other references (left by a horse killed before it read its answer)
        # are skipped. The worker runs one horse at a time, so requests never interleave.
        ref = uuid.uuid4().hex
        self.proc.stdin.write(json.dumps({"path": str(path), "ref": ref}) + "\n")
        self.proc.stdin.flush()
        while True:
            line = self.proc.stdout.readline()
            if not line:
                raise OSError("siegfried helper ended")
            try:
                answer = json.loads(line)
            except ValueError:
                continue  # the rest of an answer a killed horse had begun to read
            if isinstance(answer, dict) and answer.pop("ref", None) == ref:
                return answer

    def close(self) -> None:
        global last_helper_peak_mb
        try:  # its peak RSS (VmHWM), for the benchmark and the operator's log
            status = Path(f"/proc/{self.proc.pid}/status").read_text()
            last_helper_peak_mb = int(status.split("VmHWM:")[1].split()[0]) / 1024
        except (OSError, IndexError, ValueError):
            pass
        try:
            self.proc.stdin.close()
            self.proc.wait(timeout=10)
        except Exception:
            self.proc.kill()
            self.proc.wait()


_helper: _SiegfriedProcess | None = None
last_helper_peak_mb: float | None = None


class out_of_process:
    """``with out_of_process():`` identifications inside the block go to a child process (bulk intake)."""

    def __enter__(self):
        global _helper
        self.outer = _helper
        if _helper is None or _helper.pid != os.getpid():
            _helper = _SiegfriedProcess()
        return self

    def __exit__(self, *exc):
        global _helper
        if self.outer is not _helper:
            _helper.close()
        _helper = self.outer
        return False


_shared: _SiegfriedProcess | None = None


def shared_helper() -> None:
    """Start one siegfried child for this process *and the processes it forks later* (a forking rq worker's
    work-horses, one at a time). siegfried loads its Go runtime and signature file on the first
    identification of every process (0.8 s of CPU, 1-2.7 s on a busy 2-core machine): paid in each horse,
    that was most of a PDF/A rendition's time on the heavy queue. It cannot be loaded in the worker
    before the fork instead: a forked child of a process that has used it hangs (Go's threads do not
    survive a fork). The child ends when the worker (and with it every horse) has ended: its stdin closes."""
    global _shared
    if _shared is None:
        _shared = _SiegfriedProcess()


def _pronom(path: Path) -> tuple[str | None, str | None]:
    """PRONOM id and name via siegfried; None when it cannot say (never fatal)."""
    helper = _helper
    if (helper is None or helper.pid != os.getpid()) and _shared is not None:
        helper = _shared  # this process, or a horse forked from it
    try:
        if helper is not None and (helper.pid == os.getpid() or helper is _shared):
            try:
                match = helper.identify(path)
            except (OSError, ValueError):  # the helper died: identify here instead
                match = _pronom_here(path)
        else:
            match = _pronom_here(path)
    except Exception:
        return None, None
    puid = match.get("id")
    if not puid or puid == "UNKNOWN":
        return None, None
    return puid, match.get("format") or None


def pronom(path: Path) -> tuple[str | None, str | None]:
    """PRONOM id and format name of a file (siegfried), None when it cannot say."""
    return _pronom(path)


def _pronom_here(path: Path) -> dict:
    import pygfried

    return pygfried.identify(str(path), detailed=True)["files"][0]["matches"][0]


def _check_pdf(path: Path) -> None:
    import pikepdf

    try:
        with pikepdf.open(path):
            pass
    except pikepdf.PasswordError as exc:
        raise RejectedFile("encrypted_pdf",
                           "De PDF is met een wachtwoord beveiligd; lever een onbeveiligde versie aan.") from exc
    except (pikepdf.PdfError, OSError, ValueError) as exc:
        raise RejectedFile("corrupt_pdf", "De PDF is beschadigd en kan niet worden geopend.") from exc


def identify(path: Path, filename: str) -> Identification:
    """Identify `path` (uploaded as `filename`). Raises RejectedFile for files that are unusable
    (empty, corrupt or encrypted PDF, mislabelled); returns accepted=False with a Dutch reason for a
    readable file whose format is not on the allowlist."""
    path = Path(path)
    if path.stat().st_size == 0:
        raise RejectedFile("empty", "Het bestand is leeg.")
    ext = _extension(filename)
    ext_kind = EXTENSIONS.get(ext)
    mime = magic.from_file(str(path), mime=True) or "application/octet-stream"
    kind = MAGIC_TO_KIND.get(mime)
    if kind is None and mime.startswith("text/"):
        kind = "txt"  # text/x-c, text/x-python ... : readable text, name decides below
    if kind in ZIP_KINDS or (kind is None and mime.startswith("application/")):
        # Always look inside: libmagic names a macro-enabled or broken container after its extension.
        kind = _zip_kind(path) if zipfile.is_zipfile(path) else ("corrupt-zip" if kind in ZIP_KINDS else kind)
    if kind == "ole":
        kind = _ole_kind(path, ext_kind)
    if ext_kind == "eml" and kind in TEXT_KINDS and _looks_like_email(path):
        kind = "eml"  # libmagic only spots mail that starts with From/Received; headers decide here
    text_family = kind in TEXT_KINDS | {"eml"} and ext_kind in TEXT_KINDS
    if text_family:
        # Never refused: XHTML is text/xml to libmagic, a CSV is text/plain, XML without prolog text.
        # Only markup hiding behind a plain-text name is worth recording.
        mismatch = kind == "html" and ext_kind in ("txt", "csv")
        kind = ext_kind
    else:
        mismatch = bool(ext) and ext_kind != kind
    puid, format_name = _pronom(path)

    def refuse(code: str, reason: str) -> Identification:
        return Identification(mime, puid, format_name, ext, kind or "unknown", mismatch, False, reason, code)

    if ext in DANGEROUS_EXTENSIONS:
        raise RejectedFile("format_not_allowed", f"Bestandstype .{ext} is niet toegestaan.")
    if kind == "corrupt-zip":
        raise RejectedFile("corrupt_file", "Het bestand is een beschadigd ZIP-/Office-bestand.")
    if kind == "macro":
        return refuse("format_not_allowed",
                      "Office-bestanden met macro's zijn niet toegestaan; sla op als gewoon .docx/.xlsx/.pptx.")
    if kind == "encrypted-office":
        return refuse("encrypted_file", "Het Office-bestand is met een wachtwoord beveiligd.")
    if kind not in ALLOWED_KINDS:
        return refuse("format_not_allowed", f"Bestandsformaat niet toegestaan: {mime}")
    if mismatch and ext_kind in ALLOWED_KINDS and not text_family:
        raise RejectedFile(
            "extension_mismatch",
            f"De extensie .{ext} past niet bij de inhoud ({KIND_LABELS[kind]}); "
            "hernoem het bestand of lever het juiste bestand aan.")
    if kind == "pdf":
        _check_pdf(path)
    # An unknown, harmless extension ("besluit.2024") is only noted: the content decides.
    if MAGIC_TO_KIND.get(mime) != kind:
        mime = KINDS[kind]  # e.g. XHTML that libmagic calls text/xml, a DOCX it calls application/zip
    return Identification(mime, puid, format_name, ext, kind, mismatch, True, None, None)
