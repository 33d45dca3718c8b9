"""OpenBesluitvorming (ontola/openbesluitvorming, the successor of Open Raadsinformatie): a connector.

Designed from its API.md and schemas/ (copies in schemas/openbesluitvorming/):

- ``GET /api/export/snapshot?source=KEY&cursor=..&limit=..`` and ``GET /api/export/changes?...`` answer
  NDJSON, one record per line (``seq, op, time, entity_id, entity_type, source_key, supplier, commit_id,
  content_hash, schema_version, payload``); headers ``X-Next-Cursor``, ``X-Has-More`` and, on the first
  snapshot page, ``X-Changes-Cursor`` (where the change feed starts). ``op: delete`` is a tombstone.
- ``400`` with ``code: invalid_export_cursor``: the cursor is unknown -> ``CursorExpired``.
- ``GET /api/status``: freshness per organisation (``sources[]`` keyed by ``sourceKey``).
- ``/api/*`` costs one unit per call from a bucket of 60 per minute; ``429`` carries ``Retry-After``.

Each line is read on its own: a malformed line or a schema-invalid entity becomes an ``ItemProblem``
and the rest of the page goes on. Files (``original_url``) are the supplier's own downloads, outside
``/api/``, and do not count against the bucket.
"""
from __future__ import annotations

import json
import logging
import threading
import time
from datetime import date, datetime
from functools import lru_cache
from typing import BinaryIO, Callable
from urllib.parse import urlsplit

from .base import (AuthFailed, Batch, ConnectorError, CursorExpired, FileProblem, ItemProblem, RateLimited,
                   RemoteAgendaItem, RemoteCommittee, RemoteDeletion, RemoteDocument, RemoteFile, RemoteMeeting,
                   RemoteMotion)

log = logging.getLogger(__name__)

KIND = "openbesluitvorming"
DEFAULT_BASE_URL = "https://openbesluitvorming.nl"
ENTITY_SCHEMAS = {"Document": "document.schema.json", "MediaObject": "document.schema.json",
                  "Report": "document.schema.json", "Meeting": "meeting.schema.json",
                  "Committee": "committee.schema.json", "Motion": "motion.schema.json"}
IMPORTED_TYPES = {"Document", "MediaObject", "Report", "Meeting", "Motion", "Committee"}
MAX_WAIT = 120.0  # never sleep longer than this for one Retry-After


class TokenBucket:
    """``rate`` units per minute, refilling continuously, at most ``capacity`` banked (API.md: 60/min)."""

    def __init__(self, rate_per_minute: float = 60.0, capacity: float | None = None,
                 clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep):
        self.rate = float(rate_per_minute) / 60.0
        self.capacity = float(capacity if capacity is not None else rate_per_minute)
        self.tokens = self.capacity
        self.clock, self.sleep = clock, sleep
        self.updated = clock()
        self.waited = 0.0
        self._lock = threading.Lock()

    def take(self, cost: float = 1.0) -> None:
        with self._lock:
            while True:
                now = self.clock()
                self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate)
                self.updated = now
                if self.tokens >= cost:
                    self.tokens -= cost
                    return
                wait = (cost - self.tokens) / self.rate
                self.waited += wait
                self.sleep(wait)

    def drain(self) -> None:
        """The server said 429: whatever we thought we had, we have nothing now."""
        with self._lock:
            self.tokens, self.updated = 0.0, self.clock()


@lru_cache(maxsize=1)
def _validators() -> dict:
    from jsonschema import Draft202012Validator, FormatChecker
    from referencing import Registry, Resource

    resources = []
    from woo.domain.tooi import schemas_dir

    for path in (schemas_dir() / "openbesluitvorming").glob("*.schema.json"):
        schema = json.loads(path.read_text(encoding="utf-8"))
        resources.append((schema["$id"], Resource.from_contents(schema)))
    registry = Registry().with_resources(resources)
    by_id = dict(resources)
    # Draft 2020-12 treats "format" as an annotation; we assert only date-time (the dates we map). Asserting
    # "uri" would break the schemas' own entityRef (oneOf id/uri: "meeting:..." is both) for every record.
    checker = FormatChecker(formats=())

    @checker.checks("date-time", raises=ValueError)
    def _date_time(value) -> bool:  # RFC 3339 needs a time and an offset; without rfc3339-validator installed
        if not isinstance(value, str):
            return True
        if "T" not in value.upper() or not (value.endswith(("Z", "z")) or value[-6] in "+-"):
            raise ValueError("geen datum-tijd met tijdzone")
        datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
        return True

    def validator(name: str):
        uri = f"https://openraadsinformatie.nl/schemas/{name}"
        # the same schema with its (non-recursive) $refs resolved once, here: a reference looked up in the
        # registry for every record was two thirds of a sync step's time (issue 16's sync benchmark)
        schema = _inline_refs(by_id[uri].contents, uri, {k: r.contents for k, r in by_id.items()})
        return Draft202012Validator(schema, registry=registry, format_checker=checker)

    out = {t: validator(n) for t, n in ENTITY_SCHEMAS.items()}
    out["_record"] = validator("export-record.schema.json")
    return out


def _inline_refs(node, base: str, documents: dict, depth: int = 0):
    """``node`` with every ``$ref`` replaced by the subschema it points at (kept as ``allOf`` beside sibling
    keywords, which is what 2020-12 means by them). The OpenBesluitvorming schemas have no recursive refs;
    a deeper chain than 32 is left as a ``$ref`` for the registry to resolve."""
    from urllib.parse import urljoin

    if isinstance(node, list):
        return [_inline_refs(n, base, documents, depth) for n in node]
    if not isinstance(node, dict):
        return node
    out = {k: (v if k in ("const", "enum", "default", "examples") else _inline_refs(v, base, documents, depth))
           for k, v in node.items() if k != "$ref"}
    ref = node.get("$ref")
    if not isinstance(ref, str) or depth > 32:
        if isinstance(ref, str):
            out["$ref"] = urljoin(base, ref)
        return out
    target = urljoin(base, ref)
    doc_uri, _, pointer = target.partition("#")
    target_node = documents.get(doc_uri)
    for part in [p for p in pointer.split("/") if p] if target_node is not None else []:
        part = part.replace("~1", "/").replace("~0", "~")
        target_node = target_node.get(part) if isinstance(target_node, dict) else None
        if target_node is None:
            break
    if target_node is None:
        out["$ref"] = target
        return out
    resolved = _inline_refs(target_node, doc_uri, documents, depth + 1)
    resolved = {k: v for k, v in resolved.items() if k not in ("$id", "$schema", "$defs")} \
        if isinstance(resolved, dict) else resolved
    if not out:
        return resolved
    return {**out, "allOf": [*out.get("allOf", []), resolved]}


def validation_error(instance: dict, entity_type: str | None = None) -> str | None:
    """The first schema violation of an export record (or of a bare entity of ``entity_type``), in Dutch."""
    validators = _validators()
    v = validators["_record"] if entity_type is None else validators.get(entity_type)
    if v is None:
        return None
    err = next(iter(sorted(v.iter_errors(instance), key=lambda e: list(e.path))), None)
    if err is None:
        return None
    where = "/".join(str(p) for p in err.absolute_path) or "(record)"
    return f"voldoet niet aan het schema bij '{where}': {err.message[:200]}"


def _dt(value) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def _date(value) -> date | None:
    d = _dt(value)
    return d.date() if d else None


def _first(value) -> str | None:
    if isinstance(value, list):
        return next((str(v) for v in value if v), None)
    return str(value) if value else None


def _flatten_agenda(items, out: list, prefix: str = "") -> None:
    for item in items or []:
        if not isinstance(item, dict):
            continue
        title = item.get("title") or item.get("description") or ""
        docs = tuple(str(d.get("id")) for d in item.get("documents") or [] if isinstance(d, dict) and d.get("id"))
        out.append(RemoteAgendaItem(remote_id=str(item.get("id")), title=(prefix + title).strip(),
                                    position=len(out), document_ids=docs))
        _flatten_agenda(item.get("agenda_items"), out, prefix)


def _motion(entity_id: str, p: dict, modified: datetime | None) -> RemoteMotion:
    """motion.schema.json: the outcome, the tally (or counted from the per-member votes) and the votes per
    fraction (``group_name``, else ``group``; a vote without a fraction counts in the total only)."""
    fractions: dict[str, list[int]] = {}
    voor = tegen = 0
    for vote in p.get("votes") or []:
        side = 0 if vote.get("option") == "voor" else 1
        voor, tegen = voor + (side == 0), tegen + (side == 1)
        group = vote.get("group_name") or vote.get("group")
        if group:
            fractions.setdefault(str(group), [0, 0])[side] += 1
    tally = p.get("tally") or {}
    has_votes = bool(p.get("votes"))
    return RemoteMotion(
        remote_id=entity_id, title=p.get("name") or entity_id, motion_type=p.get("motion_type"),
        result=p.get("result"), status=p.get("status"), date=_date(p.get("date") or p.get("last_discussed_at")),
        meeting_id=str(p["meeting"]) if p.get("meeting") else None,
        agenda_item_id=str(p["agenda_item"]) if p.get("agenda_item") else None,
        attachments=tuple(str(a) for a in p.get("attachment") or [] if a),
        in_favour=tally.get("in_favour", voor if has_votes else None),
        against=tally.get("against", tegen if has_votes else None),
        fractions=tuple((name, v, t) for name, (v, t) in sorted(fractions.items())),
        proposers=tuple(str(x) for x in p.get("proposers") or []), modified=modified)


def to_record(line: dict, organisation_code: str | None = None):
    """One export record -> a RemoteDocument / RemoteMeeting / RemoteDeletion, or None (not imported)."""
    entity_id, etype = str(line["entity_id"]), line.get("entity_type")
    if line.get("op") == "delete":
        return RemoteDeletion(remote_id=entity_id)
    if etype not in IMPORTED_TYPES:
        return None
    p = line["payload"]
    modified = _dt(p.get("date_modified")) or _dt(line.get("time"))
    extra = {"supplier": line.get("supplier"), "content_hash": line.get("content_hash"),
             "commit_id": line.get("commit_id"), "entity_type": etype, "source_key": line.get("source_key")}
    if etype == "Motion":
        return _motion(entity_id, p, modified)
    if etype == "Committee":
        return RemoteCommittee(remote_id=entity_id, name=p.get("name") or entity_id,
                               classification=_first(p.get("classification")))
    if etype == "Meeting":
        agenda: list[RemoteAgendaItem] = []
        _flatten_agenda(p.get("agenda"), agenda)
        committee = _first(p.get("classification")) or (str(p["committee"]) if p.get("committee") else None)
        return RemoteMeeting(remote_id=entity_id, title=p.get("name") or entity_id, start=_dt(p.get("start_date")),
                             committee=committee, agenda=tuple(agenda), modified=modified)
    url = p.get("original_url") or next((m.get("url") for m in p.get("media_urls") or [] if m.get("url")), None)
    file = RemoteFile(url=url, filename=p.get("file_name"), content_type=p.get("content_type"),
                      size=p.get("size_in_bytes")) if url else None
    ref = str(p.get("is_referenced_by") or "")
    identifiers = tuple(dict.fromkeys(x for x in (entity_id, p.get("ori_identifier"),
                                                  (p.get("source_info") or {}).get("canonical_id")) if x))
    return RemoteDocument(remote_id=entity_id, title=p.get("name") or entity_id, file=file, modified=modified,
                          document_date=_date(p.get("last_discussed_at")),
                          creator=str(p["creator"]) if p.get("creator") else None,
                          organisation_code=organisation_code, kind=_first(p.get("classification")),
                          meeting_id=ref if ref.startswith("meeting:") else None,
                          identifiers=identifiers, extra=extra)


def parse_ndjson(lines, organisation_code: str | None = None) -> tuple[list, list[ItemProblem]]:
    """Read NDJSON lines one by one: malformed or schema-invalid ones become problems, the rest records."""
    records, problems = [], []
    for number, raw in enumerate(lines, start=1):
        if isinstance(raw, bytes):
            raw = raw.decode("utf-8", "replace")
        raw = raw.strip()
        if not raw:
            continue
        try:
            line = json.loads(raw)
        except ValueError:
            problems.append(ItemProblem(f"regel {number}", "Onleesbare regel (geen geldige JSON); overgeslagen."))
            continue
        if not isinstance(line, dict):
            problems.append(ItemProblem(f"regel {number}", "Regel is geen JSON-object; overgeslagen."))
            continue
        where = str(line.get("entity_id") or f"regel {number}")
        error = validation_error(line)
        if error is None and line.get("op") == "upsert":
            error = validation_error(line["payload"], line.get("entity_type"))
        if error:
            problems.append(ItemProblem(where, f"Ongeldig record: {error}; overgeslagen."))
            continue
        record = to_record(line, organisation_code)
        if record is not None:
            records.append(record)
    return records, problems


class OpenBesluitvorming:
    kind = KIND

    def __init__(self, source_key: str, base_url: str = DEFAULT_BASE_URL, *, organisation_code: str | None = None,
                 rate_per_minute: float = 60.0, page_size: int = 500, http=None, timeout: float = 30.0,
                 max_retries: int = 5, sleep: Callable[[float], None] = time.sleep,
                 bucket: TokenBucket | None = None):
        import requests

        self.source_key, self.base_url = source_key, base_url.rstrip("/")
        self.organisation_code = organisation_code
        self.page_size, self.timeout, self.max_retries = page_size, timeout, max_retries
        self.http = http or requests.Session()
        self.sleep = sleep
        self.bucket = bucket or TokenBucket(rate_per_minute, sleep=sleep)
        self.retries = 0  # 429/5xx answers waited out (for the status page and tests)

    # ------------------------------------------------------------------ HTTP
    def _get(self, url: str, params: dict | None = None, stream: bool = False, api: bool = True):
        import requests

        attempt = 0
        while True:
            if api:
                self.bucket.take(1.0)
            try:
                resp = self.http.get(url, params=params, timeout=self.timeout, stream=stream)
            except requests.RequestException as exc:
                if attempt >= self.max_retries:
                    raise ConnectorError(f"Bron niet bereikbaar ({urlsplit(url).netloc}): {type(exc).__name__}.") from exc
                attempt += 1
                self.retries += 1
                self.sleep(min(MAX_WAIT, 2.0 ** attempt))
                continue
            if resp.status_code == 429 or resp.status_code >= 500:
                wait = _retry_after(resp.headers.get("Retry-After"))
                resp.close()
                if resp.status_code == 429 and api:
                    self.bucket.drain()
                if attempt >= self.max_retries:
                    if resp.status_code == 429:
                        raise RateLimited("De bron blijft 'te veel verzoeken' (429) antwoorden; later opnieuw.",
                                          retry_after=wait)
                    raise ConnectorError(f"De bron antwoordt met een serverfout ({resp.status_code}).")
                attempt += 1
                self.retries += 1
                self.sleep(min(MAX_WAIT, wait if wait is not None else 2.0 ** attempt))
                continue
            return resp

    def _export(self, endpoint: str, cursor: str | None) -> Batch:
        params = {"source": self.source_key, "limit": self.page_size}
        if cursor:
            params["cursor"] = cursor
        resp = self._get(f"{self.base_url}/api/export/{endpoint}", params)
        if resp.status_code == 400:
            code = _error_code(resp)
            if code == "invalid_export_cursor":
                raise CursorExpired("De bron kent de opgeslagen cursor niet meer; een volledige synchronisatie is gestart.")
            if code in ("unknown_export_source", "missing_export_source"):
                raise ConnectorError(f"De bron kent de bronsleutel '{self.source_key}' niet.")
            raise ConnectorError(f"De bron weigert het verzoek (400, {code or 'onbekende fout'}).")
        if resp.status_code in (401, 403):
            raise AuthFailed(f"De bron weigert de toegang ({resp.status_code}).")
        if resp.status_code != 200:
            raise ConnectorError(f"Onverwacht antwoord van de bron ({resp.status_code}).")
        records, problems = parse_ndjson(resp.iter_lines(), self.organisation_code)
        has_more = (resp.headers.get("X-Has-More") or "").strip().lower() == "true"
        next_cursor = resp.headers.get("X-Next-Cursor") or None
        return Batch(records=records, next_cursor=next_cursor or cursor, has_more=has_more and bool(next_cursor),
                     problems=problems, changes_cursor=resp.headers.get("X-Changes-Cursor") or None)

    # ------------------------------------------------------------------ Connector
    def snapshot(self, cursor: str | None) -> Batch:
        return self._export("snapshot", cursor)

    def changes(self, cursor: str | None) -> Batch:
        return self._export("changes", cursor)

    def download(self, file: RemoteFile, dest: BinaryIO, max_bytes: int) -> str | None:
        import requests

        if urlsplit(file.url).scheme not in ("http", "https"):
            raise FileProblem(f"Geen downloadbare URL: {file.url[:200]}")
        try:
            resp = self._get(file.url, stream=True, api=file.url.startswith(self.base_url + "/api/"))
        except ConnectorError as exc:
            raise FileProblem(f"Bestand niet op te halen: {exc}") from exc
        with resp:
            if resp.status_code == 404 or resp.status_code == 410:
                raise FileProblem(f"Bestand bestaat niet (meer) bij de bron ({resp.status_code}).")
            if resp.status_code != 200:
                raise FileProblem(f"Bestand niet op te halen ({resp.status_code}).")
            written = 0
            try:
                for chunk in resp.iter_content(64 * 1024):
                    written += len(chunk)
                    if written > max_bytes:
                        raise FileProblem(f"Bestand is groter dan de toegestane {max_bytes // (1024 * 1024)} MB.")
                    dest.write(chunk)
            except requests.RequestException as exc:
                raise FileProblem(f"Download afgebroken ({type(exc).__name__}).") from exc
            return (resp.headers.get("Content-Type") or "").split(";")[0].strip() or None

    def freshness(self) -> dict:
        resp = self._get(f"{self.base_url}/api/status")
        if resp.status_code != 200:
            return {}
        try:
            body = resp.json()
        except ValueError:
            return {}
        entry = next((s for s in body.get("sources") or [] if s.get("sourceKey") == self.source_key), None)
        if entry is None:
            return {"state": "onbekend", "generatedAt": body.get("generatedAt")}
        keep = ("state", "lastSuccessAt", "lastRunAt", "lastRunStatus", "lastErrorMessage", "latestContentDate",
                "lastIndexedAt", "supplier", "cbsId", "label", "discontinuedAt")
        return {"generatedAt": body.get("generatedAt"), **{k: entry[k] for k in keep if k in entry}}


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        from email.utils import parsedate_to_datetime

        try:
            when = parsedate_to_datetime(value)
            return max(0.0, when.timestamp() - time.time())
        except (TypeError, ValueError):
            return None


def _error_code(resp) -> str | None:
    try:
        return (resp.json() or {}).get("code")
    except ValueError:
        return None


def from_config(config: dict, secret: str | None = None, http=None) -> OpenBesluitvorming:
    """``config``: {"source_key", "base_url"?, "organisation_code"?, "rate_per_minute"?, "page_size"?}."""
    key = (config or {}).get("source_key")
    if not key:
        raise ValueError("Geef de bronsleutel (source_key) van OpenBesluitvorming op, bijvoorbeeld 'soest'.")
    return OpenBesluitvorming(str(key), config.get("base_url") or DEFAULT_BASE_URL,
                              organisation_code=config.get("organisation_code"),
                              rate_per_minute=float(config.get("rate_per_minute") or 60),
                              page_size=int(config.get("page_size") or 500), http=http,
                              timeout=float(config.get("timeout") or 30))
