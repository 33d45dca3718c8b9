"""A local OpenBesluitvorming server for tests and benchmarks: the published export contract over real HTTP.

Serves, from records the caller builds (``Feed``), what API.md documents:
``GET /api/sources``, ``GET /api/status``, ``GET /api/export/snapshot`` and ``GET /api/export/changes``
(NDJSON, ``X-Next-Cursor`` / ``X-Has-More`` / ``X-Changes-Cursor``, ``400 invalid_export_cursor`` for a
cursor it does not know or no longer keeps), ``GET /api/entities/{id}``, the files under ``/files/``, and
the rate limit: a token bucket over ``/api/*`` answering ``429`` with ``Retry-After`` when spent, plus
``fail_next`` to force 429s or 5xxs. Records are validated against the copied JSON Schemas when added.
"""
from __future__ import annotations

import hashlib
import json
import threading
import time
from dataclasses import dataclass, field

from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response


def validate(record: dict) -> None:
    """Raise if ``record`` (an export line) does not follow the published schemas."""
    from woo.intake.connectors.openbesluitvorming import validation_error

    error = validation_error(record)
    if error is None and record.get("op") == "upsert":
        error = validation_error(record["payload"], record["entity_type"])
    if error:
        raise AssertionError(f"fixture {record.get('entity_id')} {error}")


@dataclass
class Feed:
    source_key: str = "testgemeente"
    supplier: str = "notubiz"
    snapshot: list = field(default_factory=list)   # raw NDJSON lines (str): fixtures may be malformed
    changes: list = field(default_factory=list)    # (seq, raw line)
    files: dict = field(default_factory=dict)      # path -> (bytes, content type)
    base: str = ""                                 # the server's URL, set by ObvServer
    forgotten_below: int = 0                       # change cursors below this seq answer 400 (compacted log)
    seq: int = 0

    def _line(self, op: str, entity_type: str, entity_id: str, payload: dict | None) -> dict:
        self.seq += 1
        rec = {"seq": self.seq, "op": op, "time": "2026-11-30T12:00:00.000Z", "entity_id": entity_id,
               "entity_type": entity_type, "source_key": self.source_key, "supplier": self.supplier,
               "commit_id": f"commit:{entity_id}:{self.seq}", "content_hash": f"sha256:{self.seq:064x}",
               "schema_version": "v1alpha1"}
        if payload is not None:
            rec["payload"] = payload
        validate(rec)
        return rec

    def add(self, entity_type: str, payload: dict, to: str = "snapshot") -> dict:
        rec = self._line("upsert", entity_type, payload["id"], payload)
        self._store(rec, to)
        return rec

    def delete(self, entity_id: str, entity_type: str = "Document") -> dict:
        rec = self._line("delete", entity_type, entity_id, None)
        self._store(rec, "changes")
        return rec

    def raw(self, line: str, to: str = "snapshot") -> None:
        self.seq += 1
        (self.snapshot.append(line) if to == "snapshot" else self.changes.append((self.seq, line)))

    def _store(self, rec: dict, to: str) -> None:
        line = json.dumps(rec)
        if to == "snapshot":
            self.snapshot.append(line)
        else:
            self.changes.append((rec["seq"], line))

    def document(self, doc_id: str, name: str, content: bytes, *, content_type: str = "application/pdf",
                 served_type: str | None = None, file_name: str | None = None,
                 classification: str | None = None, meeting: str | None = None, to: str = "snapshot",
                 modified: str = "2026-11-01T10:00:00Z", serve: bool = True, **extra) -> dict:
        path = f"/files/{hashlib.sha1(doc_id.encode()).hexdigest()[:12]}/{len(self.files)}"
        if serve:
            self.files[path] = (content, served_type or content_type)
        payload = {"id": doc_id, "type": "Document", "name": name, "original_url": self.base + path,
                   "file_name": file_name or f"{name[:40]}.pdf", "content_type": content_type,
                   "size_in_bytes": len(content), "date_modified": modified,
                   "source_info": {"supplier": self.supplier, "source": self.source_key}, **extra}
        if classification:
            payload["classification"] = classification
        if meeting:
            payload["is_referenced_by"] = meeting
        return self.add("Document", payload, to)

    def meeting(self, meeting_id: str, name: str, start: str, agenda: list[tuple[str, list[tuple[str, str]]]],
                classification: str = "Gemeenteraad", to: str = "snapshot") -> dict:
        items = [{"id": f"{meeting_id}:item:{i}", "title": title, "number": str(i + 1), "order": i,
                  "documents": [{"id": d, "name": n} for d, n in docs]}
                 for i, (title, docs) in enumerate(agenda)]
        return self.add("Meeting", {"id": meeting_id, "type": "Meeting", "name": name, "start_date": start,
                                    "classification": classification, "agenda": items,
                                    "source_info": {"supplier": self.supplier, "source": self.source_key}}, to)

    def motion(self, motion_id: str, name: str, meeting: str, *, motion_type: str = "Motie",
               result: str = "aangenomen", votes: list[tuple[str, str]] = (), attachments: list[str] = (),
               to: str = "snapshot", **extra) -> dict:
        """A motion.schema.json entity; ``votes``: (option, fraction) per member, counted into the tally."""
        payload = {"id": motion_id, "type": "Motion", "name": name, "motion_type": motion_type, "result": result,
                   "status": f"{motion_type} {result}", "date": "2026-11-12", "meeting": meeting,
                   "votes": [{"option": o, "voter": f"person:{i}", "group_name": g} for i, (o, g) in enumerate(votes)],
                   "tally": {"in_favour": sum(1 for o, _ in votes if o == "voor"),
                             "against": sum(1 for o, _ in votes if o == "tegen")},
                   "attachment": list(attachments),
                   "source_info": {"supplier": self.supplier, "source": self.source_key}, **extra}
        return self.add("Motion", payload, to)

    def committee(self, committee_id: str, name: str, classification: str = "committee") -> dict:
        return self.add("Committee", {"id": committee_id, "type": "Committee", "name": name,
                                      "classification": classification,
                                      "source_info": {"supplier": self.supplier, "source": self.source_key}})


class ObvServer:
    def __init__(self, feed: Feed, rate_per_minute: float = 6000.0, page_size_max: int = 1000):
        self.feed = feed
        self.rate = rate_per_minute / 60.0
        self.capacity = rate_per_minute
        self.tokens = self.capacity
        self.updated = time.monotonic()
        self.page_size_max = page_size_max
        self.fail_next: list[tuple[int, str | None]] = []   # (status, Retry-After) answered before anything else
        self.requests: list[str] = []
        self.status = {"state": "ok", "lastSuccessAt": "2026-11-30T03:00:00.000Z",
                       "latestContentDate": "2026-12-10T19:30:00.000Z"}
        self._lock = threading.Lock()
        self._server = make_server("127.0.0.1", 0, self._app, threaded=True)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        feed.base = self.url
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._server.shutdown()

    # ------------------------------------------------------------------ the contract
    def _app(self, environ, start_response):
        req = Request(environ)
        self.requests.append(req.full_path)
        resp = self._route(req)
        return resp(environ, start_response)

    def _error(self, status: int, code: str, message: str, **headers) -> Response:
        return Response(json.dumps({"code": code, "error": message}), status=status, headers=headers,
                        mimetype="application/json")

    def _route(self, req: Request) -> Response:
        path = req.path
        with self._lock:
            if self.fail_next:
                status, retry = self.fail_next.pop(0)
                headers = {"Retry-After": retry} if retry is not None else {}
                return self._error(status, "rate_limited" if status == 429 else "export_failed", "Tijdelijk niet.",
                                   **headers)
            if path.startswith("/api/"):
                now = time.monotonic()
                self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate)
                self.updated = now
                if self.tokens < 1:
                    wait = max(1, int((1 - self.tokens) / self.rate + 0.999))
                    return self._error(429, "rate_limited", f"Te veel verzoeken. Probeer het over {wait} seconde(n) "
                                                            "opnieuw.", **{"Retry-After": str(wait)})
                self.tokens -= 1
        if path.startswith("/files/"):
            entry = self.feed.files.get(path)
            if entry is None:
                return Response("niet gevonden", status=404)
            return Response(entry[0], mimetype=entry[1])
        if path == "/api/sources":
            return Response(json.dumps({"sources": [{"key": self.feed.source_key, "label": "Testgemeente",
                                                     "supplier": self.feed.supplier, "organizationType": "gemeente",
                                                     "implemented": True, "isAggregate": False}]}),
                            mimetype="application/json")
        if path == "/api/status":
            return Response(json.dumps({"generatedAt": "2026-12-01T09:00:00.000Z", "windowHours": 36,
                                        "sources": [{"sourceKey": self.feed.source_key, "label": "Testgemeente",
                                                     "supplier": self.feed.supplier, **self.status}]}),
                            mimetype="application/json")
        if path in ("/api/export/snapshot", "/api/export/changes"):
            source = req.args.get("source")
            if not source:
                return self._error(400, "missing_export_source", "Parameter source ontbreekt.")
            if source != self.feed.source_key:
                return self._error(400, "unknown_export_source", "Onbekende bron.")
            limit = min(int(req.args.get("limit") or 500), self.page_size_max)
            cursor = req.args.get("cursor")
            if path.endswith("snapshot"):
                return self._snapshot(cursor, limit)
            return self._changes(cursor, limit)
        if path.startswith("/api/entities/"):
            return self._error(404, "entity_not_found", "Niet gevonden.")
        return Response("niet gevonden", status=404)

    def _snapshot(self, cursor: str | None, limit: int) -> Response:
        lines = self.feed.snapshot
        if cursor is None:
            start = 0
        elif cursor.startswith("s:") and cursor[2:].isdigit():
            start = int(cursor[2:])
        else:
            return self._error(400, "invalid_export_cursor", "Onbekende cursor.")
        page = lines[start:start + limit]
        end = start + len(page)
        headers = {"X-Next-Cursor": f"s:{end}", "X-Has-More": "true" if end < len(lines) else "false"}
        # where the change feed starts: everything in the change log so far is in the snapshot
        headers["X-Changes-Cursor"] = f"c:{self._head_at_snapshot}"
        body = "".join(line + "\n" for line in page)
        return Response(body, mimetype="application/x-ndjson", headers=headers)

    _head_at_snapshot = 0

    def mark_snapshot(self) -> None:
        """The change log starts after everything served by the snapshot so far."""
        self._head_at_snapshot = self.feed.seq

    def _changes(self, cursor: str | None, limit: int) -> Response:
        seq = 0
        if cursor is not None:
            if not (cursor.startswith("c:") and cursor[2:].isdigit()):
                return self._error(400, "invalid_export_cursor", "Onbekende cursor.")
            seq = int(cursor[2:])
        if seq < self.feed.forgotten_below:
            return self._error(400, "invalid_export_cursor", "Deze cursor is niet meer bekend.")
        after = [(s, line) for s, line in self.feed.changes if s > seq]
        page = after[:limit]
        end = page[-1][0] if page else seq
        headers = {"X-Next-Cursor": f"c:{end}", "X-Has-More": "true" if len(after) > len(page) else "false"}
        body = "".join(line + "\n" for _, line in page)
        return Response(body, mimetype="application/x-ndjson", headers=headers)
