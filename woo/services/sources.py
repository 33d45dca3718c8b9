"""Sources: remote systems documents already live in (OpenBesluitvorming, ZGW Documenten API), synced
into the normal journey. The one path for the CLI (`woo source`), the admin page, the API and the worker.

A sync is a chain of rq jobs on the light queue, one batch (one remote page) per job:

1. The job reads the source's phase (``snapshot`` or ``changes``) and cursor and asks the connector for
   that one page.
2. Every record whose file must be fetched (new document, changed file) is downloaded and taken in by
   ``woo.services.ingest`` (identify, S3, the extract job that leads to privacy and classify) with its
   remote-id mapping written *in the ingest transaction* (``within``), so no document exists without it.
3. One transaction then applies everything else of the page (meetings -> ``vergadering`` dossiers,
   metadata changes, deletions, links between documents and meetings) and stores the next cursor and the
   counts, compare-and-set on the step number: two runs of one step never both move on.
4. If the remote has more, the job enqueues the next step.

The files are fetched by jobs of their own (``fetch_items``) on the ``woo-sync`` queue, which a worker takes
only when the light and heavy queues are empty: a big sync never holds back an upload's extraction.

A crash (kill -9) anywhere repeats at most the current page, and the mapping makes a repeat a no-op: what
was done is found unchanged, what was not is done. Nothing is lost, nothing is duplicated.
Incremental syncs are scheduled by the worker's once-a-minute maintenance tick (``tick``), per source
every ``interval_minutes``; a chain whose worker died is resumed by the tick and at worker start.
"""
from __future__ import annotations

import base64
import hashlib
import json
import logging
import tempfile
import uuid
from dataclasses import asdict, dataclass, field, fields, replace
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from woo.adapters.models import Document, Dossier, DossierDocument, Organisation, Source, SourceItem, utcnow
from woo.adapters.queue import SYNC
from woo.domain import sources as rules
from woo.domain import tooi
from woo.domain.dossiers import Kind, Role
from woo.domain.lifecycle import Status
from woo.intake.connectors import base, registry
from woo.publish.records import as_utc
from woo.services import audit, jobs, publication
from woo.services.context import SYSTEM, Actor, Context

log = logging.getLogger(__name__)

DEFAULT_INTERVAL = 240  # minutes: "every few hours"
STALE_AFTER = timedelta(minutes=15)  # a running/queued step older than this without a live rq job is resumed
MAX_PROBLEMS = 50
HEARTBEAT_GRACE = timedelta(seconds=90)  # rq's horse heartbeat comes every few seconds while a job runs
LISTING = "listing"  # state while reconcile compares the full listing: no sync step runs meanwhile
LISTING_MAX = timedelta(hours=6)  # a listing holder on another host whose heartbeat is older is taken as dead
STATE_LABELS_NL = {"idle": "Wacht op de volgende synchronisatie", "queued": "In de wachtrij",
                   "running": "Bezig", "error": "Fout bij de laatste synchronisatie",
                   LISTING: "Bezig met het vergelijken van de volledige documentenlijst"}
PHASE_LABELS_NL = {"snapshot": "Volledige import", "changes": "Wijzigingen bijhouden"}
COUNT_LABELS_NL = {"pages": "pagina's", "records": "records", "documents_created": "nieuwe documenten",
                   "documents_updated": "bijgewerkte documenten", "files_replaced": "nieuwe bestandsversies",
                   "unchanged": "ongewijzigd", "meetings_created": "nieuwe vergaderingen",
                   "meetings_updated": "bijgewerkte vergaderingen", "withdrawn": "ingetrokken",
                   "deleted": "verwijderd bij de bron", "skipped": "overgeslagen", "problems": "problemen",
                   "published": "automatisch gepubliceerd", "files_queued": "bestanden op te halen",
                   "motions_created": "nieuwe moties en amendementen", "motions_updated": "bijgewerkte moties en "
                   "amendementen", "committees": "commissies"}


class SourceError(ValueError):
    """Refused input or action; the message is Dutch."""


# --------------------------------------------------------------------------- secrets

def _fernet(ctx: Context):
    from cryptography.fernet import Fernet

    key = hashlib.sha256(b"woo-source-secret:" + ctx.settings.secret_key.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(key))


def _seal(ctx: Context, secret: str | None) -> str | None:
    return _fernet(ctx).encrypt(secret.encode()).decode() if secret else None


def _unseal(ctx: Context, sealed: str | None) -> str | None:
    if not sealed:
        return None
    from cryptography.fernet import InvalidToken

    try:
        return _fernet(ctx).decrypt(sealed.encode()).decode()
    except InvalidToken:
        raise base.AuthFailed("Het opgeslagen geheim is niet te ontsleutelen (is WOO_SECRET_KEY veranderd?); "
                              "voer het opnieuw in.") from None


# --------------------------------------------------------------------------- registration

def _find(session: Session, ref) -> Source:
    src = None
    if isinstance(ref, int) or (isinstance(ref, str) and ref.isdigit()):
        src = session.get(Source, int(ref))
    if src is None and isinstance(ref, str):
        src = session.execute(select(Source).where(Source.name == ref)).scalar_one_or_none()
    if src is None:
        raise SourceError(f"Bron '{ref}' bestaat niet.")
    return src


def _categories(values) -> list[str]:
    out = []
    for value in values or []:
        value = str(value).strip()
        if not value:
            continue
        cat = tooi.resolve_category(value)
        if cat is None:
            raise SourceError(f"Onbekende informatiecategorie '{value}' (geef bijvoorbeeld 2c of de naam).")
        out.append(cat.uri)
    return list(dict.fromkeys(out))


def add(ctx: Context, actor: Actor, organisation: str | int, kind: str, name: str, config: dict,
        secret: str | None = None, interval_minutes: int = DEFAULT_INTERVAL, auto_publish=(),
        enabled: bool = True) -> int:
    """Register a source; the first sync starts with ``sync``. The secret is stored encrypted."""
    name = (name or "").strip()
    if not name or len(name) > 200:
        raise SourceError("Geef de bron een naam van 1 tot 200 tekens.")
    try:
        registry.module(kind)
    except registry.UnknownKind as exc:
        raise SourceError(str(exc)) from exc
    config = {k: v for k, v in dict(config or {}).items() if v not in (None, "", [])}
    for forbidden in ("secret", "client_secret", "password", "token"):
        if forbidden in config:
            raise SourceError("Een geheim hoort niet in de configuratie; geef het apart op.")
    try:
        registry.build(kind, config, secret)  # the connector checks its own configuration
    except (ValueError, TypeError, KeyError) as exc:
        raise SourceError(str(exc)) from exc
    if int(interval_minutes) < 5:
        raise SourceError("Het interval moet minstens 5 minuten zijn.")
    categories = _categories(auto_publish)
    with ctx.unit_of_work() as session:
        org = _organisation(session, organisation)
        if session.execute(select(Source.id).where(Source.name == name)).first():
            raise SourceError(f"Er is al een bron met de naam '{name}'.")
        if kind == "openbesluitvorming" and not config.get("organisation_code"):
            config["organisation_code"] = org.code
        src = Source(organisation_id=org.id, kind=kind, name=name, config=config, secret=_seal(ctx, secret),
                     enabled=enabled, interval_minutes=int(interval_minutes), auto_publish=categories,
                     phase="snapshot", state="idle", steps=0, counts={}, totals={}, problems=[])
        session.add(src)
        session.flush()
        audit.record(session, actor.label, "source.added", None, source=src.id, name=name, kind=kind,
                     organisation=org.code, auto_publish=categories)
        return src.id


def _organisation(session: Session, ref) -> Organisation:
    org = None
    if isinstance(ref, int) or (isinstance(ref, str) and ref.isdigit()):
        org = session.get(Organisation, int(ref))
    if org is None:
        org = session.execute(select(Organisation).where(Organisation.code == str(ref).lower())).scalar_one_or_none()
    if org is None:
        raise SourceError(f"Onbekende organisatie '{ref}'.")
    return org


def set_enabled(ctx: Context, actor: Actor, ref, enabled: bool) -> None:
    with ctx.unit_of_work() as session:
        src = _find(session, ref)
        src.enabled = bool(enabled)
        if not enabled:
            src.run_token, src.state = None, "idle"  # a running chain stops at its next step
        audit.record(session, actor.label, "source.enabled" if enabled else "source.disabled", None, source=src.id)


def configure(ctx: Context, actor: Actor, ref, *, interval_minutes: int | None = None, auto_publish=None,
              secret: str | None = None) -> None:
    with ctx.unit_of_work() as session:
        src = _find(session, ref)
        changed = []
        if interval_minutes is not None:
            if int(interval_minutes) < 5:
                raise SourceError("Het interval moet minstens 5 minuten zijn.")
            src.interval_minutes = int(interval_minutes)
            changed.append("interval")
        if auto_publish is not None:
            src.auto_publish = _categories(auto_publish)
            changed.append("auto_publish")
        if secret:
            src.secret = _seal(ctx, secret)
            changed.append("secret")
        audit.record(session, actor.label, "source.configured", None, source=src.id, changed=changed,
                     auto_publish=list(src.auto_publish or []))


def list_sources(session: Session, organisation_ids: set[int] | None = None) -> list[dict]:
    stmt = select(Source).order_by(Source.name)
    if organisation_ids is not None:
        stmt = stmt.where(Source.organisation_id.in_(organisation_ids))
    return [_view(session, s, full=False) for s in session.execute(stmt).scalars()]


def status(ctx: Context, ref) -> dict:
    with ctx.unit_of_work() as session:
        return _view(session, _find(session, ref), full=True)


def _view(session: Session, s: Source, full: bool) -> dict:
    """What anyone may see of a source: everything but the secret (only whether there is one)."""
    view = {"id": s.id, "name": s.name, "kind": s.kind, "kind_label": registry.LABELS_NL.get(s.kind, s.kind),
            "organisation": s.organisation.code if s.organisation else None, "enabled": s.enabled,
            "state": s.state, "state_label": STATE_LABELS_NL.get(s.state, s.state), "phase": s.phase,
            "phase_label": PHASE_LABELS_NL.get(s.phase, s.phase), "cursor": s.cursor,
            "changes_cursor": s.changes_cursor, "interval_minutes": s.interval_minutes,
            "auto_publish": [{"uri": u, "label": (tooi.category_by_uri(u).label if tooi.category_by_uri(u) else u)}
                             for u in s.auto_publish or []],
            "last_started_at": s.last_started_at, "last_finished_at": s.last_finished_at,
            "next_run_at": s.next_run_at, "counts": dict(s.counts or {}), "totals": dict(s.totals or {}),
            "last_error": s.last_error, "note": s.note, "freshness": s.freshness, "freshness_at": s.freshness_at,
            "steps": s.steps, "has_secret": bool(s.secret), "reconciled_at": s.reconciled_at,
            "reconcile_refused": bool(s.reconcile_refused), "reconcile_refusal": s.reconcile_refused,
            "config": {k: v for k, v in (s.config or {}).items()}}
    if full:
        view["problems"] = list(s.problems or [])
        rows = session.execute(select(SourceItem.kind, func.count()).where(SourceItem.source_id == s.id,
                                                                           SourceItem.deleted.is_(False),
                                                                           (SourceItem.document_id.is_not(None))
                                                                           | (SourceItem.dossier_id.is_not(None)))
                               .group_by(SourceItem.kind)).all()
        view["items"] = {k: n for k, n in rows}
        view["items"]["deleted"] = session.execute(select(func.count()).select_from(SourceItem).where(
            SourceItem.source_id == s.id, SourceItem.deleted.is_(True))).scalar_one()
        fetching = dict(session.execute(select(SourceItem.fetch_state, func.count()).where(
            SourceItem.source_id == s.id, SourceItem.fetch_state.is_not(None)).group_by(SourceItem.fetch_state)).all())
        view["items"]["fetch_pending"] = fetching.get(PENDING, 0)
        view["items"]["fetch_failed"] = fetching.get(FAILED, 0)
        view["fetch_label"] = (f"{fetching.get(PENDING, 0)} {FETCH_LABELS_NL[PENDING]}, "
                               f"{fetching.get(FAILED, 0)} {FETCH_LABELS_NL[FAILED]}")
    return view


# --------------------------------------------------------------------------- starting a sync

def sync(ctx: Context, actor: Actor, ref, full: bool = False) -> str:
    """Start a sync chain now (``full``: forget the cursors, import everything again). Returns its token."""
    with ctx.unit_of_work() as session:
        src = _lock_source(session, _find(session, ref).id, beat=False)
        if not src.enabled:
            raise SourceError(f"Bron '{src.name}' staat uit; zet haar eerst aan.")
        busy = _busy(ctx, src)
        if busy:
            raise SourceError(busy)
        if full:
            src.phase, src.cursor, src.changes_cursor = "snapshot", None, None
            src.note = "Volledige synchronisatie gevraagd."
        token = _start(src)
        audit.record(session, actor.label, "source.sync_requested", None, source=src.id, full=full)
        source_id = src.id
    _enqueue(ctx, source_id, token)
    return token


def _busy(ctx: Context, src: Source) -> str | None:
    """Why ``src`` cannot start a sync or a listing now (Dutch), or None. One sync per source at a time: a
    chain whose rq job still lives, or a listing whose process still lives. A holder that died (kill -9) does not
    hold the source: its chain is taken over, its listing expires."""
    if src.state in ("queued", "running") and src.run_token and _chain_alive(ctx, src):
        return (f"Bron '{src.name}' wordt al gesynchroniseerd; een tweede synchronisatie start niet. Wacht tot de "
                "lopende klaar is.")
    if src.state == LISTING and _listing_alive(src):
        return (f"Bron '{src.name}' vergelijkt nu de volledige documentenlijst; er start niets anders tot dat "
                "klaar is. Probeer het straks opnieuw.")
    return None


def _chain_alive(ctx: Context, src: Source) -> bool:
    if getattr(ctx.queue, "redis", None) is None:  # jobs run inline: the chain lives while it beats
        return src.heartbeat_at is not None and _aware(src.heartbeat_at) > utcnow() - STALE_AFTER
    return _rq_alive(ctx, src.rq_id)


def _listing_holder() -> str:
    import os
    import socket

    return f"{LISTING}:{socket.gethostname()}:{os.getpid()}"


def _listing_alive(src: Source) -> bool:
    """The listing's process (``listing:host:pid`` in rq_id) still runs; on another host, its start is recent."""
    import os
    import socket

    parts = (src.rq_id or "").split(":")
    host, pid = (parts[1], parts[2]) if len(parts) == 3 else ("", "")
    if host != socket.gethostname():  # no way to ask that host: its start is recent enough
        return src.heartbeat_at is not None and _aware(src.heartbeat_at) > utcnow() - LISTING_MAX
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except (PermissionError, ValueError, OSError):
        return True
    return True


def _start(src: Source) -> str:
    token = uuid.uuid4().hex
    src.run_token, src.state, src.counts = token, "queued", {}
    src.last_started_at = src.heartbeat_at = utcnow()
    src.last_error = None
    src.next_run_at = utcnow() + timedelta(minutes=src.interval_minutes or DEFAULT_INTERVAL)
    return token


def _enqueue(ctx: Context, source_id: int, token: str) -> None:
    with ctx.unit_of_work() as session:
        src = session.get(Source, source_id)
        if src is None or src.run_token != token:
            return
        rq_id = f"woo-source-{source_id}-{token[:12]}-{src.steps}-{uuid.uuid4().hex[:6]}"
        src.rq_id = rq_id
    try:
        # at the front: a sync's steps and its files go ahead of the extraction jobs it leaves behind
        ctx.queue.enqueue("woo.worker.sync_source", source_id, token, job_id=rq_id, queue="woo", at_front=True)
    except Exception as exc:  # Redis down: visible, resumed by the tick
        log.warning("could not enqueue sync of source %s: %s", source_id, exc)
        with ctx.unit_of_work() as session:
            src = session.get(Source, source_id)
            if src is not None and src.run_token == token:
                src.state, src.last_error = "error", "Wachtrij niet bereikbaar (Redis); de synchronisatie wordt later hervat."


def run_until_done(ctx: Context, ref, max_steps: int = 100_000, fetch: bool = True) -> dict:
    """Run the queued chain of ``ref`` in this process (the CLI's ``--wait`` and scripts): step by step, then
    (``fetch``) the files it left pending, here too (their queued jobs then find nothing to do)."""
    with ctx.unit_of_work() as session:
        src = _find(session, ref)
        source_id, token = src.id, src.run_token
    for _ in range(max_steps):
        if not token or step(ctx, source_id, token, chain=False) != "more":
            break
    if fetch:
        fetch_pending(ctx, source_id)
    return status(ctx, source_id)


def fetch_pending(ctx: Context, ref) -> dict:
    """Run every pending fetch of ``ref`` in this process, in item order; returns how each ended."""
    with ctx.unit_of_work() as session:
        source_id = _find(session, ref).id
    out: dict = {}
    last = 0
    while True:
        with ctx.unit_of_work() as session:
            rows = session.execute(select(SourceItem.id, SourceItem.fetch_token).where(
                SourceItem.source_id == source_id, SourceItem.fetch_state == PENDING, SourceItem.id > last)
                .order_by(SourceItem.id).limit(500)).all()
        if not rows:
            return out
        for item_id, token in rows:
            result = fetch_item(ctx, item_id, token)
            out[result] = out.get(result, 0) + 1
            last = item_id


# --------------------------------------------------------------------------- one step

@dataclass
class _Work:
    source_id: int
    organisation_id: int
    org_uri: str | None
    kind: str
    name: str
    steps: int
    auto: bool
    created: set = field(default_factory=set)  # remote ids taken in during this step
    keep: set = field(default_factory=set)  # remote ids of the page's own records: never trimmed from the cache
    held: int = 0  # agenda items held in the page's cache since it was last trimmed


def step(ctx: Context, source_id: int, token: str, chain: bool = True) -> str:
    """One batch of a sync chain (the rq job ``woo.worker.sync_source``). Returns ``more``, ``done``,
    ``error`` or ``stale`` (another chain or a disabled source: nothing done)."""
    with ctx.unit_of_work() as session:
        src = session.get(Source, source_id)
        if src is None or not src.enabled or src.run_token != token:
            return "stale"
        src.state, src.heartbeat_at = "running", utcnow()
        phase, cursor = src.phase, src.cursor
        work = _Work(src.id, src.organisation_id, src.organisation.tooi_uri if src.organisation else None,
                     src.kind, src.name, src.steps, bool(src.auto_publish))
        kind, config, sealed = src.kind, dict(src.config or {}), src.secret
    try:
        connector = registry.build(kind, config, _unseal(ctx, sealed))
        batch = connector.snapshot(cursor) if phase == "snapshot" else connector.changes(cursor)
    except base.CursorExpired as exc:
        with ctx.unit_of_work() as session:
            src = session.get(Source, source_id)
            if src.run_token != token or src.steps != work.steps:
                return "stale"
            src.phase, src.cursor, src.changes_cursor = "snapshot", None, None
            src.note = f"{exc} ({_now_label()})"
            src.counts = _add(src.counts, {"resyncs": 1})
            audit.record(session, SYSTEM.label, "source.cursor_expired", None, source=source_id)
        return _next(ctx, source_id, token, chain)
    except base.ConnectorError as exc:
        return _fail(ctx, source_id, token, str(exc), retry_after=getattr(exc, "retry_after", None))
    except Exception as exc:  # noqa: BLE001 - a bug or an unexpected answer: shown, logged with traceback
        log.exception("sync step of source %s failed", source_id)
        return _fail(ctx, source_id, token, f"Synchronisatie mislukt door een onverwachte fout ({type(exc).__name__}); "
                                            "de details staan in het logboek van de worker.")
    counts: dict = {"pages": 1, "records": len(batch.records)}
    problems = [{"where": p.where, "message": p.message} for p in batch.problems]
    # 2. the whole page -- what the remote says -- and the cursor in one transaction; the files come after it
    withdrawn_dossiers: list[str] = []
    refresh: list[tuple[str, str | None]] = []
    fetches: list[SourceItem] = []
    with ctx.unit_of_work() as session:
        _preload(session, source_id, batch.records, agendas=False)
        work.keep = {r.remote_id for r in batch.records} | {r.meeting_id for r in batch.records
                                                            if isinstance(r, base.RemoteDocument) and r.meeting_id}
        for record in batch.records:
            if isinstance(record, base.RemoteMeeting):
                _apply_meeting(session, work, record, counts, problems)
            elif isinstance(record, base.RemoteDocument):
                _plan_fetch(session, work, record, counts, problems, fetches)
                _apply_document(session, ctx, work, record, counts, problems)
            elif isinstance(record, base.RemoteDeletion):
                _apply_deletion(session, work, record, counts, withdrawn_dossiers, refresh)
            elif isinstance(record, base.RemoteMotion):
                _apply_motion(session, work, record, counts, problems)
            elif isinstance(record, base.RemoteCommittee):
                _apply_committee(session, work, record, counts)
        counts["problems"] = len(problems)
        session.flush()
        planned = _batches([item for item in dict.fromkeys(fetches) if item.fetch_state == PENDING and not item.deleted])
        values = {"steps": work.steps + 1, "heartbeat_at": utcnow(),
                  "cursor": batch.next_cursor if batch.next_cursor is not None else cursor}
        src = _lock_source(session, source_id)
        if phase == "snapshot" and batch.changes_cursor and not src.changes_cursor:
            values["changes_cursor"] = batch.changes_cursor
        done = not batch.has_more
        if done and phase == "snapshot":
            values["phase"] = "changes"
            # no X-Changes-Cursor: the change feed from its beginning (API.md: "omit to start from the beginning")
            values["cursor"] = values.get("changes_cursor") or src.changes_cursor or None
        values["counts"] = _add(src.counts, counts)
        values["totals"] = _add(src.totals, counts)
        values["problems"] = ([dict(p, at=_now_label()) for p in problems] + list(src.problems or []))[:MAX_PROBLEMS]
        # compare-and-set: a second run of this very step (a recovered duplicate) changes nothing
        moved = session.execute(update(Source).where(Source.id == source_id, Source.steps == work.steps,
                                                     Source.run_token == token).values(**values)
                                .execution_options(synchronize_session=False)).rowcount
        if not moved:
            session.rollback()
            return "stale"
    # 3. the files: one background job per item (download into woo's S3, the ingest service, its jobs)
    _enqueue_fetches(ctx, planned)
    publication.refresh_front_files(ctx, refresh, method="GET")  # the withdrawals are committed: their 410s
    for dossier_id in withdrawn_dossiers:
        _withdraw_dossier(ctx, dossier_id)
    if counts.get("withdrawn"):
        from woo.services import feeds

        feeds.refresh_pending(ctx)  # withdrawn documents leave the stored sitemaps now, as on a manual withdrawal
    if batch.has_more:
        return _next(ctx, source_id, token, chain)
    _finish(ctx, source_id, token, connector)
    return "done"


def _next(ctx: Context, source_id: int, token: str, chain: bool) -> str:
    if chain:
        _enqueue(ctx, source_id, token)
    return "more"


def _finish(ctx: Context, source_id: int, token: str, connector) -> None:
    try:
        fresh = connector.freshness() or None
    except base.ConnectorError as exc:
        fresh = {"fout": str(exc)}
    except Exception:  # noqa: BLE001 - freshness is informative; never fail a sync on it
        log.exception("freshness of source %s", source_id)
        fresh = None
    with ctx.unit_of_work() as session:
        src = session.get(Source, source_id)
        if src is None or src.run_token != token:
            return
        src.state, src.run_token, src.rq_id = "idle", None, None
        src.last_finished_at = src.heartbeat_at = utcnow()
        src.next_run_at = utcnow() + timedelta(minutes=src.interval_minutes or DEFAULT_INTERVAL)
        if fresh is not None:
            src.freshness, src.freshness_at = fresh, utcnow()
        audit.record(session, SYSTEM.label, "source.synced", None, source=source_id, counts=dict(src.counts or {}))
    auto_publish(ctx, source_id)
    publish_late_attachments(ctx, source_id)


def publish_late_attachments(ctx: Context, source_id: int) -> int:
    """Documents this source put in a meeting that is already public (a stuk that arrived after the meeting
    was published) go out with it once they pass the gate, as a late document added by hand does
    (woo.services.dossiers.publish_late; the job runner tries again when their jobs finish)."""
    from woo.services import dossiers

    with ctx.unit_of_work() as session:
        dossier_ids = set(session.execute(select(Dossier.id).join(Document, Document.publication_id == Dossier.id)
                                          .join(SourceItem, SourceItem.document_id == Document.id).where(
            SourceItem.source_id == source_id, SourceItem.deleted.is_(False), Dossier.status == "openbaar",
            Document.status.in_((Status.CONCEPT.value, Status.READY.value)))).scalars())
    return sum(len(dossiers.publish_late(ctx, SYSTEM, d).published) for d in sorted(dossier_ids))


def _fail(ctx: Context, source_id: int, token: str, message: str, retry_after: float | None = None) -> str:
    with ctx.unit_of_work() as session:
        src = session.get(Source, source_id)
        if src is None or src.run_token != token:
            return "stale"
        src.state, src.last_error, src.run_token, src.rq_id = "error", f"{message} ({_now_label()})", None, None
        src.heartbeat_at = src.last_finished_at = utcnow()
        wait = timedelta(seconds=retry_after) if retry_after else timedelta(minutes=min(30, src.interval_minutes))
        src.next_run_at = utcnow() + max(wait, timedelta(minutes=1))
        audit.record(session, SYSTEM.label, "source.sync_failed", None, source=source_id, reason=message[:500])
    return "error"


def _add(a: dict | None, b: dict) -> dict:
    out = dict(a or {})
    for k, v in b.items():
        out[k] = out.get(k, 0) + v
    return out


def _now_label() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


# --------------------------------------------------------------------------- documents

def _fingerprint(record: base.RemoteDocument) -> str:
    data = asdict(record)
    data["extra"] = {k: v for k, v in (record.extra or {}).items() if k not in ("commit_id",)}
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()


def _file_key(record: base.RemoteDocument) -> str | None:
    f = record.file
    return None if f is None else f"{f.url}|{f.size}|{f.content_type}"


_CACHE = "woo_source_items"  # session.info: (source id, remote id) -> SourceItem or None, for one transaction


def _item(session: Session, source_id: int, remote_id: str) -> SourceItem | None:
    cache = session.info.setdefault(_CACHE, {})
    key = (source_id, remote_id)
    if key not in cache:
        cache[key] = session.execute(select(SourceItem).where(SourceItem.source_id == source_id,
                                                              SourceItem.remote_id == remote_id)).scalar_one_or_none()
    return cache[key]


def _new_item(session: Session, source_id: int, remote_id: str, kind: str = "document") -> SourceItem:
    item = SourceItem(source_id=source_id, remote_id=remote_id, kind=kind, deleted=False)
    session.add(item)
    session.info.setdefault(_CACHE, {})[(source_id, remote_id)] = item
    return item


AGENDA_CHUNK = 1000  # agenda references per part of a page: a page's memory does not grow with its agendas


def _trim(session: Session, source_id: int, keep: set[str]) -> None:
    """Write what the page did so far to the database (same transaction) and forget the items of the
    agendas handled: a meeting page referencing 10,000 documents holds a chunk of them at a time, not all.
    What is asked again later is read back from the database (the flush put it there)."""
    session.flush()
    cache = session.info.setdefault(_CACHE, {})
    for key in [k for k in cache if k[0] == source_id and k[1] not in keep]:
        item = cache.pop(key)
        if item is not None and item in session and not session.is_modified(item):
            session.expunge(item)


def _hold(session: Session, work: _Work, remote_ids) -> None:
    """Before handling ``remote_ids`` (a part of an agenda): trim the cache if it would grow past a chunk,
    then read their items in a few queries."""
    remote_ids = list(remote_ids)
    if work.held and work.held + len(remote_ids) > AGENDA_CHUNK:
        _trim(session, work.source_id, work.keep)
        work.held = 0
    _preload(session, work.source_id, (), extra=set(remote_ids))
    work.held += len(remote_ids)


def _preload(session: Session, source_id: int, records, agendas: bool = True, extra: set | None = None) -> None:
    """Every item a page mentions in a few queries (not one per record); ``agendas=False`` leaves the
    documents on the meetings' agendas to ``_preload_agenda``, meeting by meeting."""
    ids: set[str] = set(extra or ())
    for record in records:
        ids.add(record.remote_id)
        if isinstance(record, base.RemoteMeeting):
            if agendas:
                ids.update(d for a in record.agenda for d in a.document_ids)
        elif isinstance(record, base.RemoteDocument) and record.meeting_id:
            ids.add(record.meeting_id)
    cache = session.info.setdefault(_CACHE, {})
    wanted = sorted(i for i in ids if (source_id, i) not in cache)
    docs = []
    for start in range(0, len(wanted), 500):
        chunk = wanted[start:start + 500]
        found = {i.remote_id: i for i in session.execute(select(SourceItem).where(
            SourceItem.source_id == source_id, SourceItem.remote_id.in_(chunk))).scalars()}
        for remote_id in chunk:
            cache[(source_id, remote_id)] = found.get(remote_id)
        docs += [i.document_id for i in found.values() if i.document_id]
    for start in range(0, len(docs), 500):  # into the identity map: session.get() below asks no more
        list(session.execute(select(Document).where(Document.id.in_(docs[start:start + 500]))).scalars())


def _lock_source(session: Session, source_id: int, beat: bool = True) -> Source:
    """The source row, locked until commit (written first: on SQLite that takes the write lock, so what is
    read is what the concurrent fetch jobs committed) and read fresh. ``beat``: the write is the heartbeat
    (off where the heartbeat is what is being judged)."""
    session.execute(update(Source).where(Source.id == source_id)
                    .values(heartbeat_at=utcnow() if beat else Source.heartbeat_at)
                    .execution_options(synchronize_session=False))
    return session.execute(select(Source).where(Source.id == source_id).with_for_update()
                           .execution_options(populate_existing=True)).scalar_one()


PENDING, FAILED = "pending", "failed"
FETCH_LABELS_NL = {PENDING: "bestand wordt opgehaald", FAILED: "bestand niet opgehaald (zie de problemen)"}
FETCH_STALE_AFTER = timedelta(minutes=15)  # a pending fetch without a live rq job after this is queued again


def _record_json(record: base.RemoteDocument) -> dict:
    """The record as JSON values (what ``_record_from`` reads back); field by field, as asdict() and a JSON
    round trip cost a millisecond a record."""
    out = {}
    for f in fields(record):
        value = getattr(record, f.name)
        if isinstance(value, (date, datetime)):
            value = value.isoformat()
        elif isinstance(value, tuple):
            value = list(value)
        elif isinstance(value, base.RemoteFile):
            value = {"url": value.url, "filename": value.filename, "content_type": value.content_type,
                     "size": value.size}
        elif isinstance(value, dict):
            value = json.loads(json.dumps(value, default=str)) if value else {}
        out[f.name] = value
    return out


def _record_from(data: dict) -> base.RemoteDocument:
    """The stored record back as the connector gave it (dates parsed again)."""
    data = dict(data)
    f = data.pop("file", None)
    for key in ("modified",):
        data[key] = datetime.fromisoformat(data[key]) if data.get(key) else None
    for key in ("document_date", "received"):
        data[key] = date.fromisoformat(data[key]) if data.get(key) else None
    data["identifiers"] = tuple(data.get("identifiers") or ())
    return base.RemoteDocument(file=base.RemoteFile(**f) if f else None, **data)


def _plan_fetch(session: Session, work: _Work, record: base.RemoteDocument, counts: dict, problems: list,
                fetches: list) -> None:
    """In the page's transaction: does this record's file have to come in (a new document, a changed file)?
    Then its item keeps the record and is marked pending; the job per item does the download afterwards."""
    item = _item(session, work.source_id, record.remote_id)
    document_id = item.document_id if item else None
    if record.file is None:
        if document_id is None:
            problems.append({"where": record.remote_id, "message": "Document zonder bestand bij de bron; niet opgenomen."})
            counts["skipped"] = counts.get("skipped", 0) + 1
        return
    if document_id is not None and not item.deleted and item.file_url == _file_key(record):
        return  # the file is as before; metadata is _apply_document's
    if document_id is not None:
        doc = session.get(Document, document_id)
        if doc is not None and doc.status in (Status.ARCHIVED, Status.DESTROYED):
            return
    if item is None:
        item = _new_item(session, work.source_id, record.remote_id)
    if record.meeting_id and item.meeting_remote_id is None:
        item.meeting_remote_id = record.meeting_id
    item.record = _record_json(record)
    item.fetch_state = PENDING  # its token (the job's id) is given per batch when the page is done
    fetches.append(item)
    counts["files_queued"] = counts.get("files_queued", 0) + 1


FETCH_BATCH = 50  # items per rq job: rq forks a work-horse per job, which costs more than a small file


def _batches(items: list, now: datetime | None = None) -> list[tuple[str, list[int]]]:
    """Give pending items their job's token, FETCH_BATCH to a job (the token is that rq job's id)."""
    out = []
    for start in range(0, len(items), FETCH_BATCH):
        token = f"woo-fetch-{uuid.uuid4().hex}"
        for item in items[start:start + FETCH_BATCH]:
            item.fetch_token, item.fetch_queued_at = token, now or utcnow()
        out.append((token, [item.id for item in items[start:start + FETCH_BATCH]]))
    return out


def _enqueue_fetches(ctx: Context, planned: list[tuple[str, list[int]]]) -> None:
    for token, item_ids in planned:
        try:
            # their own queue, after light and heavy: a big sync's fetches never go ahead of an upload's
            # extraction (nor of the extraction of the files fetched before them)
            ctx.queue.enqueue("woo.worker.fetch_source_items", item_ids, token, job_id=token, queue=SYNC)
        except Exception as exc:  # noqa: BLE001 - Redis down: the items stay pending; the tick queues them again
            log.warning("could not enqueue the fetch of source items %s..: %s", item_ids[:3], exc)
            return


def fetch_items(ctx: Context, item_ids: list[int], token: str) -> dict:
    """One background job for a few items (``woo.worker.fetch_source_items``): each on its own, as fetch_item."""
    out: dict = {}
    for item_id in item_ids:
        result = fetch_item(ctx, item_id, token)
        out[result] = out.get(result, 0) + 1
    return out


def fetch_item(ctx: Context, item_id: int, token: str) -> str:
    """The background job per item (``woo.worker.fetch_source_item``): download the remote file into woo's S3
    through the ingest service (a new document with its mapping in one transaction, or a new version).
    Idempotent and crash-safe: a repeat finds the mapping and does nothing; only the job holding the item's
    current token acts. Returns ``done``, ``failed`` or ``stale``."""
    with ctx.unit_of_work() as session:
        item = session.get(SourceItem, item_id)
        if item is None or item.fetch_state != PENDING or item.fetch_token != token:
            return "stale"
        src = session.get(Source, item.source_id)
        if src is None or not src.enabled:
            return "stale"  # stays pending: resumed when the source is switched on again
        if item.deleted or not item.record:
            item.fetch_state, item.fetch_token = None, None
            return "done"
        work = _Work(src.id, src.organisation_id, src.organisation.tooi_uri if src.organisation else None,
                     src.kind, src.name, src.steps, bool(src.auto_publish))
        record = _record_from(item.record)
        kind, config, sealed = src.kind, dict(src.config or {}), src.secret
    counts: dict = {}
    problems: list = []
    try:
        connector = registry.build(kind, config, _unseal(ctx, sealed))
        with tempfile.TemporaryDirectory(prefix="woo-source-") as tmpdir:
            _fetch_if_needed(ctx, connector, work, record, counts, problems, tmpdir)
    except base.ConnectorError as exc:
        problems.append({"where": record.remote_id, "message": str(exc)})
    except Exception as exc:  # noqa: BLE001 - one document's trouble never stops the others
        log.exception("source %s: document %s failed", work.source_id, record.remote_id)
        problems.append({"where": record.remote_id,
                         "message": f"Document niet verwerkt door een onverwachte fout ({type(exc).__name__})."})
    with ctx.unit_of_work() as session:
        item = session.get(SourceItem, item_id)
        if item is None or item.fetch_token != token:
            return "stale"
        arrived = item.document_id is not None and item.file_url == _file_key(record)
        item.fetch_state, item.fetch_token = (None if arrived else FAILED), None
        if not arrived and not item.problem:
            item.problem = (problems[-1]["message"] if problems else "Bestand niet opgehaald.")[:2000]
        if arrived:
            item.record = None
        if counts or problems:
            counts["problems"] = len(problems)
            src = _lock_source(session, work.source_id)
            src.counts = _add(src.counts, counts)
            src.totals = _add(src.totals, counts)
            src.problems = ([dict(p, at=_now_label()) for p in problems] + list(src.problems or []))[:MAX_PROBLEMS]
    return "done" if arrived else "failed"


def _recover_fetches(ctx: Context, now: datetime | None = None, min_age: timedelta | None = None) -> int:
    """Pending fetches whose job is gone or dead (a killed worker, Redis lost its data) are queued again under
    a new token; the old job, should it still run, then finds itself superseded and changes nothing."""
    now = now or utcnow()
    with ctx.unit_of_work() as session:
        stmt = select(SourceItem.id, SourceItem.fetch_token, SourceItem.fetch_queued_at).join(
            Source, Source.id == SourceItem.source_id).where(SourceItem.fetch_state == PENDING,
                                                             Source.enabled.is_(True))
        rows = session.execute(stmt).all()
    alive: dict = {}  # per token: a batch's items share their job

    def dead_job(token):
        if token not in alive:
            alive[token] = _rq_alive(ctx, token)
        return not alive[token]

    dead = sorted({r.id for r in rows if (min_age is None or r.fetch_queued_at is None
                                          or _aware(r.fetch_queued_at) < now - min_age) and dead_job(r.fetch_token)})
    planned = []
    for start in range(0, len(dead), 500):
        with ctx.unit_of_work() as session:
            items = list(session.execute(select(SourceItem).where(SourceItem.id.in_(dead[start:start + 500]),
                                                                  SourceItem.fetch_state == PENDING)
                                         .order_by(SourceItem.id)).scalars())
            planned += _batches(items, now)
    _enqueue_fetches(ctx, planned)
    return sum(len(ids) for _, ids in planned)


def _fetch_if_needed(ctx: Context, connector, work: _Work, record: base.RemoteDocument, counts: dict,
                     problems: list, tmpdir: str) -> None:
    """Download and take in the file of a new document, or of a document whose file changed."""
    with ctx.unit_of_work() as session:
        item = _item(session, work.source_id, record.remote_id)
        document_id = item.document_id if item else None
        known_file, known_sha = (item.file_url, item.file_sha256) if item else (None, None)
        deleted = bool(item and item.deleted)
        doc_status = session.get(Document, document_id).status if document_id else None
    if record.file is None:
        if document_id is None:
            problems.append({"where": record.remote_id, "message": "Document zonder bestand bij de bron; niet opgenomen."})
            counts["skipped"] = counts.get("skipped", 0) + 1
        return
    if document_id is not None and not deleted and known_file == _file_key(record):
        return  # the file is as before; metadata is step 3's
    if document_id is not None and doc_status in (Status.ARCHIVED, Status.DESTROYED):
        return
    path = Path(tmpdir) / "download"
    try:
        try:
            with path.open("wb") as out:
                remote_type = connector.download(record.file, out, ctx.settings.max_upload_bytes)
        except base.FileProblem as exc:
            problems.append({"where": record.remote_id, "message": str(exc)})
            _note_file_problem(ctx, work, record, str(exc))
            return
        filename = _filename(record)
        if document_id is None:
            _ingest_new(ctx, work, record, path, filename, remote_type, counts, problems)
        else:
            sha = _sha256(path)
            if sha == known_sha:
                with ctx.unit_of_work() as session:
                    item = _item(session, work.source_id, record.remote_id)
                    item.file_url = _file_key(record)
                return
            _replace_file(ctx, work, record, document_id, doc_status, path, filename, sha, counts, problems)
    finally:
        path.unlink(missing_ok=True)


def _filename(record: base.RemoteDocument) -> str:
    name = (record.file.filename or "").strip() if record.file else ""
    if not name:
        tail = record.file.url.rsplit("/", 1)[-1].split("?")[0] if record.file else ""
        name = tail if "." in tail else f"{tail or 'document'}.pdf"
    return name[:250]


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _note_file_problem(ctx: Context, work: _Work, record: base.RemoteDocument, message: str) -> None:
    with ctx.unit_of_work() as session:
        item = _item(session, work.source_id, record.remote_id)
        if item is None:
            item = _new_item(session, work.source_id, record.remote_id)
        item.problem = message[:2000]
        item.file_url = None  # try again on the next sync


class _AlreadyTaken(Exception):
    pass


def _ingest_new(ctx: Context, work: _Work, record: base.RemoteDocument, path: Path, filename: str,
                remote_type: str | None, counts: dict, problems: list) -> None:
    from woo.services.ingest import ingest

    def within(session: Session, doc: Document) -> None:
        item = session.execute(select(SourceItem).where(SourceItem.source_id == work.source_id,
                                                        SourceItem.remote_id == record.remote_id)
                               .with_for_update()).scalar_one_or_none()
        if item is not None and item.document_id is not None:
            raise _AlreadyTaken()  # a duplicate run of this step got here first: roll this document back
        if item is None:
            item = _new_item(session, work.source_id, record.remote_id)
        item.document_id, item.problem, item.deleted = doc.id, None, False
        item.file_url, item.file_sha256 = _file_key(record), doc.files[0].sha256 if doc.files else None
        item.fingerprint, item.remote_modified = _fingerprint(record), record.modified  # mapped here, once
        if record.meeting_id and item.meeting_remote_id is None:
            item.meeting_remote_id = record.meeting_id
        _check_type(doc, remote_type, record, problems)
        _map_metadata(session, work, doc, record, item)
        if doc.publication_id is None and not item.meeting_remote_id:
            hint = rules.loose_hint(record.title, record.kind, bool(record.received))
            if hint:
                _suggest(doc, hint[0], hint[1])
        session.flush()
        _link(session, work, item)

    from sqlalchemy.exc import IntegrityError

    try:
        result = ingest(ctx, SYSTEM, work.organisation_id, filename, path=path, source=work.kind[:20],
                        title=_title(record), within=within)
    except (_AlreadyTaken, IntegrityError):  # the mapping's unique key: never two documents for one remote id
        counts["unchanged"] = counts.get("unchanged", 0) + 1
        return
    if result.status == "accepted":
        counts["documents_created"] = counts.get("documents_created", 0) + 1
        work.created.add(record.remote_id)
    elif result.status == "duplicate":
        problems.append({"where": record.remote_id,
                         "message": f"Hetzelfde bestand is al opgenomen (document {result.document_id}); gekoppeld."})
        with ctx.unit_of_work() as session:
            item = _item(session, work.source_id, record.remote_id)
            if item is None:
                item = _new_item(session, work.source_id, record.remote_id)
            taken = session.execute(select(SourceItem.id).where(SourceItem.document_id == result.document_id,
                                                                SourceItem.remote_id != record.remote_id)).first()
            if taken:  # another remote id owns that document: keep this one visible, never merge silently
                item.problem = f"Zelfde bestand als document {result.document_id} van een ander record."
                item.file_url = _file_key(record)
            else:
                item.document_id, item.file_url, item.problem = result.document_id, _file_key(record), None
                session.flush()
                _link(session, work, item)
    else:
        message = f"Bestand geweigerd: {result.reason}"
        problems.append({"where": record.remote_id, "message": message})
        _note_file_problem(ctx, work, record, message)
        with ctx.unit_of_work() as session:  # a rejected file is not fetched again until it changes
            _item(session, work.source_id, record.remote_id).file_url = _file_key(record)


def _check_type(doc: Document, remote_type: str | None, record: base.RemoteDocument, problems: list) -> None:
    declared = (record.file.content_type if record.file else None) or remote_type
    original = doc.file("original") if doc.files else None
    actual = original.mime_type if original else None
    if declared and actual and declared.split(";")[0].strip().lower() != actual.lower():
        problems.append({"where": record.remote_id,
                         "message": f"Het bestand is {actual}, niet {declared} zoals de bron zegt; opgenomen als {actual}."})


def _title(record: base.RemoteDocument) -> str:
    from woo.domain import text

    title = " ".join((record.title or "").split())[:1000]
    try:
        return text.check_text(title, "De titel") or record.remote_id
    except text.InvalidText:
        return "".join(ch for ch in title if ch.isprintable()) or record.remote_id


def _replace_file(ctx: Context, work: _Work, record: base.RemoteDocument, document_id: str, doc_status: str,
                  path: Path, filename: str, sha: str, counts: dict, problems: list) -> None:
    """A changed file: a new version. Published: a correction through the gate (the old file stays public
    until the new one passes). Otherwise: the new original replaces the old, and the jobs run again."""
    from woo.services import correction

    if doc_status == Status.PUBLISHED:
        reason = tooi.reden_verwijdering("correctie procedurele fout")
        try:
            correction.submit(ctx, SYSTEM, document_id, path, filename, reason, error=SourceError)
        except SourceError as exc:
            problems.append({"where": record.remote_id, "message": f"Nieuwe versie niet aangeboden: {exc}"})
            return
    elif doc_status == Status.WITHDRAWN:
        problems.append({"where": record.remote_id, "message": "Nieuwe versie van een ingetrokken document; niet opnieuw opgenomen."})
        return
    else:
        from woo.services.ingest import ReplaceRefused, replace_original

        try:
            replace_original(ctx, document_id, path, filename, sha)
        except ReplaceRefused as exc:
            raise SourceError(str(exc)) from exc
    with ctx.unit_of_work() as session:
        item = _item(session, work.source_id, record.remote_id)
        item.file_url, item.file_sha256, item.problem = _file_key(record), sha, None
        audit.record(session, SYSTEM.label, "source.file_changed", document_id, source=work.source_id, sha256=sha)
    counts["files_replaced"] = counts.get("files_replaced", 0) + 1


def _map_metadata(session: Session, work: _Work, doc: Document, record: base.RemoteDocument,
                  item: SourceItem) -> bool:
    """The remote's metadata onto the document (confirmed by the source); True if anything changed."""
    from woo.services import privacy

    meta = dict(doc.metadata_ or {})
    confirmed = dict(meta.get("confirmed") or {})
    before = (doc.title, dict(confirmed))
    title = _title(record)
    if doc.status != Status.PUBLISHED:  # a published title changes only through the officer (privacy gate)
        doc.title = title
        confirmed["title"] = title
    identifiers = [i[:200] for i in record.identifiers or (record.remote_id,)][:20]
    confirmed["identifiers"] = list(dict.fromkeys([*(confirmed.get("identifiers") or []), *identifiers]))[:20]
    if work.org_uri:
        confirmed["organisation"] = work.org_uri
    if record.document_date:
        confirmed["date.vaststelling" if item.meeting_remote_id else "date.creatie"] = record.document_date.isoformat()
        if not item.meeting_remote_id:
            doc.document_date = datetime.combine(record.document_date, time.min, timezone.utc)
    if record.received:
        confirmed["date.ontvangst"] = record.received.isoformat()
    language = tooi.language_code(record.language) if record.language else None
    if language:  # the remote's own statement (ZGW taal); detection at extraction does not overrule it
        confirmed["language"] = doc.language = language
    meta["confirmed"] = confirmed
    meta["intake"] = {"source_id": work.source_id, "source": work.name, "kind": work.kind,
                      "remote_id": record.remote_id, "remote_kind": record.kind, "creator": record.creator,
                      "modified": record.modified.isoformat() if record.modified else None,
                      "supplier": (record.extra or {}).get("supplier"),
                      **({"pending_title": title} if doc.status == Status.PUBLISHED and title != doc.title else {})}
    doc.metadata_ = meta
    if record.modified and (doc.remote_modified is None or as_utc(record.modified) > as_utc(doc.remote_modified)):
        doc.remote_modified = record.modified  # lastmod (woo.publish.records.lastmod); an older date leaves it
    changed = (doc.title, confirmed) != before
    if changed:
        privacy.scan_metadata(session, doc)  # what will be public is checked like the text
    return changed


def _apply_document(session: Session, ctx: Context, work: _Work, record: base.RemoteDocument, counts: dict,
                    problems: list) -> None:
    item = _item(session, work.source_id, record.remote_id)
    if item is None or item.document_id is None:
        return  # its file could not be taken in (a problem is noted); tried again next time
    fingerprint = _fingerprint(record)
    if record.meeting_id and item.meeting_remote_id is None:
        item.meeting_remote_id = record.meeting_id
    if item.fingerprint == fingerprint and not item.deleted:
        _link(session, work, item)
        if record.remote_id not in work.created:
            counts["unchanged"] = counts.get("unchanged", 0) + 1
        return
    doc = session.get(Document, item.document_id)
    created = item.fingerprint is None
    if doc is not None and doc.status not in (Status.ARCHIVED, Status.DESTROYED, Status.WITHDRAWN):
        changed = _map_metadata(session, work, doc, record, item)
        if changed and not created:
            audit.record(session, SYSTEM.label, "source.metadata_updated", doc.id, source=work.source_id,
                         remote_id=record.remote_id)
        if not created:
            counts["documents_updated"] = counts.get("documents_updated", 0) + 1
        if doc.publication_id is None and doc.category is None:
            hint = rules.loose_hint(record.title, record.kind, bool(record.received))
            if hint and not item.meeting_remote_id:
                _suggest(doc, hint[0], hint[1])
    item.fingerprint, item.remote_modified, item.deleted = fingerprint, record.modified, False
    _link(session, work, item)


def _suggest(doc: Document, code: str, reason: str) -> None:
    cat = tooi.category_by_code(code)
    if cat is None or (doc.suggestion and doc.suggestion.get("category") == cat.uri):
        return
    doc.suggestion = {"category": cat.uri, "label": cat.label, "confidence": 0.9, "alternatives": [],
                      "reasons": ["Context: " + reason], "uncertain": False, "context": True}


def _apply_deletion(session: Session, work: _Work, record: base.RemoteDeletion, counts: dict,
                    withdrawn_dossiers: list, refresh: list) -> None:
    """Removed at the source: a published document is withdrawn (TOOI reason), the record stays in woo's
    archive; an unpublished one is marked and never published by the connector. A withdrawn document's
    (id, public_base_url) goes to ``refresh``: after the commit the front servers fetch its file URL anew
    (publication.refresh_front_files), as on a manual withdrawal."""
    item = _item(session, work.source_id, record.remote_id)
    if item is None or item.deleted:
        return
    item.deleted = True
    if item.fetch_state:
        item.fetch_state, item.fetch_token = None, None
    counts["deleted"] = counts.get("deleted", 0) + 1
    reason = tooi.reden_verwijdering("correctie procedurele fout")
    if item.document_id:
        doc = session.get(Document, item.document_id)
        if doc is not None:
            meta = dict(doc.metadata_ or {})
            meta["intake"] = {**(meta.get("intake") or {}), "deleted_at_source": _now_label()}
            doc.metadata_ = meta
            if doc.status == Status.PUBLISHED:
                publication.mark_withdrawn(session, SYSTEM, doc, reason, source=work.source_id,
                                           remote_id=record.remote_id)
                counts["withdrawn"] = counts.get("withdrawn", 0) + 1
                refresh.append((doc.id, doc.organisation.public_base_url if doc.organisation else None))
            else:
                # not public yet: out of its meeting dossier, so publishing the dossier never publishes it
                placed = session.get(DossierDocument, doc.id)
                if placed is not None and doc.status in (Status.CONCEPT, Status.READY):
                    session.delete(placed)
                    doc.publication_id, doc.category = None, None
                    doc.status = Status.CONCEPT.value
                audit.record(session, SYSTEM.label, "source.deleted_at_source", doc.id, source=work.source_id)
    if item.dossier_id:
        d = session.get(Dossier, item.dossier_id)
        if d is not None and d.status == "openbaar":
            withdrawn_dossiers.append(d.id)


def _withdraw_dossier(ctx: Context, dossier_id: str) -> None:
    from woo.services import dossiers

    try:
        dossiers.withdraw(ctx, SYSTEM, dossier_id, "correctie procedurele fout")
    except Exception as exc:  # noqa: BLE001 - shown on the dossier; the sync goes on
        log.warning("withdrawing dossier %s deleted at source failed: %s", dossier_id, exc)


# --------------------------------------------------------------------------- meetings

def _apply_meeting(session: Session, work: _Work, record: base.RemoteMeeting, counts: dict, problems: list) -> None:
    from woo.services import dossiers

    item = _item(session, work.source_id, record.remote_id)
    fingerprint = hashlib.sha256(json.dumps(asdict(record), sort_keys=True, default=str).encode()).hexdigest()
    if item is not None and item.fingerprint == fingerprint and item.dossier_id and not item.deleted:
        counts["unchanged"] = counts.get("unchanged", 0) + 1
        return
    title = " ".join((record.title or record.remote_id).split())[:480]
    if record.committee and record.committee.startswith("committee:"):  # a reference: its name, when known
        named = _item(session, work.source_id, record.committee)
        if named is not None and named.kind == "committee" and named.record:
            record = replace(record, committee=named.record.get("name") or record.committee)
    category = tooi.category_by_code(rules.meeting_category_code(record.committee, record.title))
    d = session.get(Dossier, item.dossier_id) if item and item.dossier_id else None
    if d is None:
        d = dossiers.create_in(session, SYSTEM, work.organisation_id,
                               {"title": title, "kind": Kind.VERGADERING.value, "category": category.uri,
                                "reference": record.remote_id[:200],
                                "decision_date": record.start.date().isoformat() if record.start else None,
                                "summary": rules.meeting_reason(record.committee, record.title)})
        if item is None:
            item = _new_item(session, work.source_id, record.remote_id, "meeting")
        item.dossier_id = d.id
        counts["meetings_created"] = counts.get("meetings_created", 0) + 1
    else:
        if d.title != title and d.status in ("concept", "gereed"):
            d.title = title
        counts["meetings_updated"] = counts.get("meetings_updated", 0) + 1
    item.fingerprint, item.remote_modified, item.deleted = fingerprint, record.modified, False
    session.flush()
    work.keep.add(record.remote_id)
    # the agenda: every document on it points at this meeting (placeholders for those not yet here), a chunk
    # at a time: the page's memory does not grow with the number of references (one transaction all the same)
    on_agenda = list({d: a.title for a in record.agenda for d in a.document_ids}.items())
    for start in range(0, len(on_agenda), AGENDA_CHUNK):
        part = on_agenda[start:start + AGENDA_CHUNK]
        _hold(session, work, (d for d, _ in part))
        for doc_remote, agenda_title in part:
            doc_item = _item(session, work.source_id, doc_remote)
            if doc_item is None:
                doc_item = _new_item(session, work.source_id, doc_remote)
            doc_item.meeting_remote_id, doc_item.agenda_item = record.remote_id, (agenda_title or "")[:1000]
    session.flush()
    linked = session.execute(select(SourceItem.remote_id).where(SourceItem.source_id == work.source_id,
                                                                SourceItem.meeting_remote_id == record.remote_id,
                                                                SourceItem.document_id.is_not(None))
                             .order_by(SourceItem.id)).scalars().all()
    for start in range(0, len(linked), AGENDA_CHUNK):
        part = linked[start:start + AGENDA_CHUNK]
        _hold(session, work, part)
        for remote_id in part:
            _link(session, work, _item(session, work.source_id, remote_id), problems)


def _apply_committee(session: Session, work: _Work, record: base.RemoteCommittee, counts: dict) -> None:
    """Kept so that a meeting naming its committee by id gets the committee's name (category and reason)."""
    item = _item(session, work.source_id, record.remote_id) or _new_item(session, work.source_id, record.remote_id,
                                                                         "committee")
    item.kind, item.record, item.deleted = "committee", {"name": record.name, "classification": record.classification}, False
    counts["committees"] = counts.get("committees", 0) + 1


def _apply_motion(session: Session, work: _Work, record: base.RemoteMotion, counts: dict, problems: list) -> None:
    """A motie or amendement: its outcome and votes (per fraction) kept with its meeting (``motions_of``), its
    documents placed in the meeting's dossier as documents on that motion (category context 2c)."""
    data = {"title": " ".join(record.title.split())[:1000], "motion_type": record.motion_type,
            "result": record.result, "status": record.status,
            "date": record.date.isoformat() if record.date else None, "in_favour": record.in_favour,
            "against": record.against, "fractions": [list(f) for f in record.fractions],
            "proposers": list(record.proposers), "agenda_item_id": record.agenda_item_id,
            "attachments": list(record.attachments)}
    fingerprint = hashlib.sha256(json.dumps([data, record.meeting_id], sort_keys=True).encode()).hexdigest()
    item = _item(session, work.source_id, record.remote_id)
    if item is not None and item.fingerprint == fingerprint and not item.deleted:
        counts["unchanged"] = counts.get("unchanged", 0) + 1
        return
    key = "motions_updated" if item is not None and item.fingerprint else "motions_created"
    item = item or _new_item(session, work.source_id, record.remote_id, "motion")
    item.kind, item.record, item.fingerprint = "motion", data, fingerprint
    item.meeting_remote_id, item.remote_modified, item.deleted = record.meeting_id, record.modified, False
    counts[key] = counts.get(key, 0) + 1
    if not record.meeting_id:
        return
    _hold(session, work, record.attachments)
    label = f"{record.motion_type or 'Motie'}: {data['title']}"[:1000]
    for doc_remote in record.attachments:
        doc_item = _item(session, work.source_id, doc_remote) or _new_item(session, work.source_id, doc_remote)
        if not doc_item.meeting_remote_id:
            doc_item.meeting_remote_id = record.meeting_id
        if not doc_item.agenda_item:
            doc_item.agenda_item = label
        if doc_item.document_id:
            session.flush()
            _link(session, work, doc_item, problems)


def motions_of(session: Session, dossier_id: str) -> list[dict]:
    """The moties and amendementen of the meeting that is ``dossier_id``, with outcome and votes per fraction."""
    meetings = session.execute(select(SourceItem.source_id, SourceItem.remote_id).where(
        SourceItem.dossier_id == dossier_id, SourceItem.kind == "meeting")).all()
    out = []
    for source_id, remote_id in meetings:
        for item in session.execute(select(SourceItem).where(
                SourceItem.source_id == source_id, SourceItem.meeting_remote_id == remote_id,
                SourceItem.kind == "motion", SourceItem.deleted.is_(False)).order_by(SourceItem.id)).scalars():
            out.append({"remote_id": item.remote_id, **(item.record or {})})
    return out


def _link(session: Session, work: _Work, item: SourceItem, problems: list | None = None) -> None:
    """Put a mapped document in its meeting's dossier once both are in woo (either may come first)."""
    from woo.domain.dossiers import DossierError
    from woo.services import dossiers

    if not item.document_id or not item.meeting_remote_id or item.deleted:
        return
    meeting = _item(session, work.source_id, item.meeting_remote_id)
    if meeting is None or not meeting.dossier_id:
        return
    d = session.get(Dossier, meeting.dossier_id)
    doc = session.get(Document, item.document_id)
    if d is None or doc is None:
        return
    placement = rules.place(item.agenda_item, doc.title, (doc.metadata_ or {}).get("intake", {}).get("remote_kind"),
                            d.title)
    existing = session.get(DossierDocument, item.document_id)
    if existing is not None:
        # the agenda arrived after the document (a late attachment): its item may change the role (2a/2c)
        if (existing.dossier_id == d.id and existing.role != placement.role.value
                and doc.status in (Status.CONCEPT, Status.READY)):
            existing.role = placement.role.value
            dossiers._categorise(d, existing)
            dossiers._inherit_dates(d, [existing])
            _context_suggestion(doc, d, placement)
        return
    position = session.execute(select(func.count()).select_from(DossierDocument)
                               .where(DossierDocument.dossier_id == d.id)).scalar_one()
    try:
        dossiers.attach(session, SYSTEM, d, doc, placement.role, position)
    except DossierError as exc:
        if problems is not None:
            problems.append({"where": item.remote_id, "message": f"Niet in de vergadering gezet: {exc}"})
        return
    _context_suggestion(doc, d, placement)
    audit.record(session, SYSTEM.label, "source.placed", doc.id, source=work.source_id, dossier=d.id,
                 role=placement.role.value, reason=placement.reason)


def _context_suggestion(doc: Document, d: Dossier, placement: rules.Placement) -> None:
    cat = tooi.category_by_uri(doc.category)
    reasons = [f"Context: {placement.reason}"]
    if placement.role != Role.INGEKOMEN_STUK:
        college = d.category == tooi.category_by_code("2d").uri
        reasons.append("Context: " + rules.meeting_reason("college" if college else None, None))
    doc.suggestion = {"category": doc.category, "label": cat.label if cat else None, "confidence": 1.0,
                      "alternatives": [], "reasons": reasons, "uncertain": False, "context": True}


# --------------------------------------------------------------------------- auto-publication

def auto_publish(ctx: Context, ref) -> int:
    """Publish what the organisation switched on for this source (per category), only what passes every
    check (the privacy gate, metadata): loose documents one by one, a meeting dossier as a whole once all its
    documents are in switched-on categories. Returns how many documents became public."""
    from woo.services import dossiers, publication

    with ctx.unit_of_work() as session:
        src = _find(session, ref)
        allowed = set(src.auto_publish or [])
        if not allowed or not src.enabled:
            return 0
        source_id = src.id
        rows = session.execute(select(Document.id, Document.publication_id, Document.category).join(
            SourceItem, SourceItem.document_id == Document.id).where(
            SourceItem.source_id == source_id, SourceItem.deleted.is_(False), Document.status == Status.READY)).all()
        loose = [r.id for r in rows if r.publication_id is None and r.category in allowed]
        dossier_ids = {r.publication_id for r in rows if r.publication_id}
        eligible = []
        for dossier_id in dossier_ids:
            cats = set(session.execute(select(Document.category).where(Document.publication_id == dossier_id)).scalars())
            d = session.get(Dossier, dossier_id)
            if d is not None and d.status in ("concept", "gereed") and cats <= allowed:
                eligible.append(dossier_id)
    published = 0
    if loose:
        published += len(publication.publish(ctx, SYSTEM, loose).published)
    for dossier_id in eligible:
        try:
            with ctx.unit_of_work() as session:
                was = session.get(Dossier, dossier_id).status
            if was == "concept":
                dossiers.set_status(ctx, SYSTEM, dossier_id, "gereed")
            result = dossiers.publish(ctx, SYSTEM, dossier_id)
            if not result.ok and was == "concept":
                dossiers.set_status(ctx, SYSTEM, dossier_id, "concept")  # back as it was: the officer decides
        except Exception as exc:  # noqa: BLE001 - refused: stays for the officer
            log.info("auto-publication of dossier %s refused: %s", dossier_id, exc)
            continue
        published += len(result.published)
    if published:
        with ctx.unit_of_work() as session:
            src = session.get(Source, source_id)
            src.counts = _add(src.counts, {"published": published})
            src.totals = _add(src.totals, {"published": published})
    return published


# --------------------------------------------------------------------------- schedule and recovery

def tick(ctx: Context, now: datetime | None = None) -> dict:
    """The maintenance round's part: start due incremental syncs, resume chains whose worker died, retry
    auto-publication (privacy scans finish after the sync)."""
    now = now or utcnow()
    started, resumed = [], []
    with ctx.unit_of_work() as session:
        for src in session.execute(select(Source).where(Source.enabled.is_(True))).scalars():
            due = src.next_run_at is None or _aware(src.next_run_at) <= now
            if src.state in ("idle", "error") and due:
                started.append((src.id, _start(src)))
            elif src.state in ("queued", "running") and src.run_token and (
                    src.heartbeat_at is None or _aware(src.heartbeat_at) < now - STALE_AFTER):
                if not _rq_alive(ctx, src.rq_id):
                    src.heartbeat_at = now
                    resumed.append((src.id, src.run_token))
            elif src.state == LISTING and not _listing_alive(src):  # its process died (kill -9): expired
                src.state, src.run_token, src.rq_id = ("error" if src.last_error else "idle"), None, None
        auto = [s.id for s in session.execute(select(Source).where(Source.enabled.is_(True))).scalars()
                if s.auto_publish]
        # only between syncs, and only once the first import is done (a listing during it proves nothing)
        due_listing = [s.id for s in session.execute(select(Source).where(
            Source.enabled.is_(True), Source.kind == "zgw-drc", Source.state == "idle",
            Source.phase == "changes")).scalars()
            if s.reconciled_at is None or _aware(s.reconciled_at) <= now - RECONCILE_EVERY]
    for source_id, token in started + resumed:
        _enqueue(ctx, source_id, token)
    fetches = _recover_fetches(ctx, now, FETCH_STALE_AFTER)
    reconciled = 0
    due_listing = [i for i in due_listing if not _refused_recently(ctx, i)]
    for source_id in due_listing:  # hard deletions where the remote has no change feed for them (zgw-drc)
        try:
            if "refused" not in reconcile(ctx, source_id):
                reconciled += 1
        except Exception:  # noqa: BLE001 - next round
            log.exception("full listing of source %s", source_id)
    published = 0
    for source_id in auto:
        try:
            published += auto_publish(ctx, source_id)
        except Exception:  # noqa: BLE001 - next round
            log.exception("auto-publication of source %s", source_id)
    return {"started": len(started), "resumed": len(resumed), "fetches": fetches, "published": published,
            "reconciled": reconciled}


RECONCILE_EVERY = timedelta(hours=24)  # a full listing (no change feed for hard deletions) once a day


CHUNK = 500  # stored ids read per transaction by the full listing: memory does not grow with the source


def _live_document_chunks(ctx: Context, source_id: int, chunk: int | None = None):
    """The source's live stored documents as lists of (item id, remote id), ``chunk`` at a time, each read in a
    short transaction of its own. The one reader of the guard's count and of the withdraw loop."""
    last = 0
    while True:
        with ctx.unit_of_work() as session:
            rows = session.execute(select(SourceItem.id, SourceItem.remote_id).where(
                SourceItem.source_id == source_id, SourceItem.kind == "document", SourceItem.deleted.is_(False),
                SourceItem.id > last).order_by(SourceItem.id).limit(chunk or CHUNK)).all()
        if not rows:
            return
        last = rows[-1].id
        yield rows


def _missing_count(ctx: Context, source_id: int, remote: set) -> tuple[int, int]:
    """(live stored documents, those of them missing from ``remote``), read in chunks."""
    live = missing = 0
    for rows in _live_document_chunks(ctx, source_id):
        live += len(rows)
        missing += sum(1 for _, remote_id in rows if remote_id not in remote)
    return live, missing


def reconcile(ctx: Context, ref, *, force: bool = False, actor: Actor | None = None) -> dict:
    """Hard deletions at a source without a change feed for them (the ZGW Documenten API): the connector's full
    listing of remote ids is compared with the stored ones; a stored document whose remote object is gone is
    withdrawn as a deletion in the change feed is (TOOI reason, kept in the archive). Never on a listing that
    failed or came back partial (the connector raises) or empty: then nothing is withdrawn and the status says
    why. Nor when more than half of the source's live documents would go at once (a remote that lost its data or
    a filter that changed is likelier than a mass deletion): the status says so, ``force=True`` (an admin, ``woo
    source reconcile --force``) withdraws them anyway. Returns the counts (``checked``, ``deleted``,
    ``withdrawn``) or ``{"refused": reason}``."""
    holder = _listing_holder()
    with ctx.unit_of_work() as session:
        src = _lock_source(session, _find(session, ref).id, beat=False)
        busy = _busy(ctx, src)
        if busy:  # skipped, not refused: nothing is recorded, the schedule tries again
            return {"refused": busy}
        source_id = src.id
        work = _Work(src.id, src.organisation_id, src.organisation.tooi_uri if src.organisation else None,
                     src.kind, src.name, src.steps, bool(src.auto_publish))
        kind, config, sealed = src.kind, dict(src.config or {}), src.secret
        # the source is held while its listing runs: no sync starts or takes a step (a dead chain's place is kept)
        held = (src.state, src.run_token, src.rq_id, src.heartbeat_at)
        src.state, src.run_token, src.rq_id, src.heartbeat_at = LISTING, None, holder, utcnow()
    try:
        return _reconcile(ctx, source_id, work, kind, config, sealed, force, actor)
    finally:
        with ctx.unit_of_work() as session:
            src = _lock_source(session, source_id)
            if src.state == LISTING and src.rq_id == holder:
                src.state, src.run_token, src.rq_id, src.heartbeat_at = held


def _reconcile(ctx: Context, source_id: int, work: _Work, kind: str, config: dict, sealed: str | None, force: bool,
               actor: Actor | None) -> dict:
    try:  # a secret that no longer decrypts is a refusal shown on the status, like a failed listing
        connector = registry.build(kind, config, _unseal(ctx, sealed))
        if not hasattr(connector, "remote_ids"):
            return {"refused": "no listing"}
        remote = connector.remote_ids()
        refused = None if remote else "De volledige documentenlijst was leeg; niets ingetrokken."
    except base.ConnectorError as exc:
        remote, refused = set(), str(exc)
    guarded = False
    if not refused and not force:
        live, missing = _missing_count(ctx, source_id, remote)
        if missing * 2 > live:
            guarded = True
            refused = (f"{GUARD_REFUSED} {missing} van {live} documenten zouden worden ingetrokken; controleer "
                       f"de bron of forceer met `woo source reconcile --force`.")
    with ctx.unit_of_work() as session:
        src = session.get(Source, source_id)
        if guarded:  # not reconciled: the daily schedule still finds it due (retried after REFUSED_RETRY)
            src.note = refused
            src.reconcile_refused = refused  # the admin page's "Forceer afstemming" is shown while this stands
        else:
            src.reconciled_at, src.reconcile_refused = utcnow(), None
            if src.note and src.note.startswith(GUARD_REFUSED):
                src.note = None
        if refused:
            src.problems = ([{"where": "volledige lijst", "message": refused, "at": _now_label()}]
                            + list(src.problems or []))[:MAX_PROBLEMS]
    if guarded:
        _mark_refused(ctx, source_id)
    if refused:
        return {"refused": refused}
    out = {"checked": 0, "deleted": 0, "withdrawn": 0}
    withdrawn_dossiers: list[str] = []
    for rows in _live_document_chunks(ctx, source_id):  # in chunks: memory stays flat
        out["checked"] += len(rows)
        gone = [remote_id for _, remote_id in rows if remote_id not in remote]
        if not gone:
            continue
        counts: dict = {}
        refresh: list[tuple[str, str | None]] = []
        with ctx.unit_of_work() as session:
            _preload(session, source_id, [base.RemoteDeletion(r) for r in gone], agendas=False)
            for remote_id in gone:
                _apply_deletion(session, work, base.RemoteDeletion(remote_id), counts, withdrawn_dossiers, refresh)
            if counts:
                src = _lock_source(session, source_id)
                src.totals = _add(src.totals, counts)
                src.counts = _add(src.counts, counts)
                for key in ("deleted", "withdrawn"):
                    out[key] += counts.get(key, 0)
        publication.refresh_front_files(ctx, refresh, method="GET")  # this chunk is committed: its 410s now
    for dossier_id in withdrawn_dossiers:
        _withdraw_dossier(ctx, dossier_id)
    if out["withdrawn"]:
        from woo.services import feeds

        feeds.refresh_pending(ctx)
    if out["deleted"] or force:  # a forced one always: who forced it
        with ctx.unit_of_work() as session:
            audit.record(session, (actor or SYSTEM).label, "source.reconciled", None, source=source_id, forced=force,
                         **out)
    return out


GUARD_REFUSED = "Afstemming gestopt:"  # the more-than-half guard's message starts so (also the source's note)
REFUSED_RETRY = timedelta(hours=1)  # a guard-refused listing is tried again by the tick after this, not each minute


def _refused_key(source_id: int) -> str:
    return f"woo:source:{source_id}:reconcile-refused"


def _mark_refused(ctx: Context, source_id: int) -> None:
    redis = getattr(ctx.queue, "redis", None)
    if redis is None:  # jobs inline: no throttle store; the tick lists again each round
        return
    try:
        redis.set(_refused_key(source_id), "1", ex=int(REFUSED_RETRY.total_seconds()))
    except Exception as exc:  # noqa: BLE001 - Redis down: the tick lists again sooner, nothing else
        log.warning("could not note the refused listing of source %s: %s", source_id, exc)


def _refused_recently(ctx: Context, source_id: int) -> bool:
    redis = getattr(ctx.queue, "redis", None)
    try:
        return bool(redis is not None and redis.exists(_refused_key(source_id)))
    except Exception:  # noqa: BLE001 - unknown: list (the guard holds anyway)
        return False


def recover(ctx: Context) -> int:
    """At worker start: chains left queued/running whose rq job is gone or dead are enqueued again."""
    resumed = []
    with ctx.unit_of_work() as session:
        for src in session.execute(select(Source).where(Source.enabled.is_(True),
                                                        Source.state.in_(["queued", "running"]))).scalars():
            if src.run_token and not _rq_alive(ctx, src.rq_id):
                resumed.append((src.id, src.run_token))
    for source_id, token in resumed:
        _enqueue(ctx, source_id, token)
    return len(resumed) + _recover_fetches(ctx)


def _rq_alive(ctx: Context, rq_id: str | None) -> bool:
    """A sync chain's rq job lives: jobs.rq_alive, and a started one only while its work-horse beats."""
    redis = getattr(ctx.queue, "redis", None)
    return redis is not None and jobs.rq_alive(redis, rq_id, heartbeat_grace=HEARTBEAT_GRACE)


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


__all__ = ["SourceError", "add", "set_enabled", "configure", "list_sources", "status", "sync", "step",
           "fetch_item", "fetch_items", "fetch_pending", "run_until_done", "auto_publish", "tick", "recover",
           "reconcile"]
_ = date  # re-exported types used in annotations elsewhere
