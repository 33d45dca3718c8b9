"""The audit chain under concurrency: several real processes (web reads, worker events) append at once.

Each process has its own engine and connection pool, on the test's real SQLite file or PostgreSQL
database, exactly like gunicorn workers and rq workers do. Afterwards the chain must verify and hold
every event: no two events may share a previous hash (a fork), none may be lost.
"""
from __future__ import annotations

import multiprocessing

from sqlalchemy import func, select

from woo.adapters.models import Document, Event, Job
from woo.services import audit

PER_PROCESS = 40
# web: a read of unpublished content (record_access is the transaction's first write);
# worker: a job row is changed first, then the event (the lock is taken by another statement);
# ingest: two events in one transaction.
KINDS = ["web", "web", "worker", "ingest"]


def _append(url: str, kind: str, document_id: str, job_id: int, barrier, errors) -> None:
    """Runs in a fresh (spawned) process: its own engine, like another gunicorn or rq worker."""
    try:
        from woo.adapters.db import session_factory

        sessions = session_factory(url)
        barrier.wait(timeout=120)
        for i in range(PER_PROCESS):
            with sessions() as s, s.begin():
                if kind == "web":
                    doc = s.get(Document, document_id)
                    audit.record_access(s, "token:api/lezer", doc, "viewed", via="api", i=i)
                elif kind == "worker":
                    job = s.get(Job, job_id)
                    job.attempts = (job.attempts or 0) + 1
                    s.flush()
                    audit.record(s, "system:woo", "job.recovered", document_id, job="extract", i=i)
                else:
                    audit.record(s, "user:officer", "document.ingested", document_id, i=i)
                    audit.record(s, "user:officer", "document.identified", document_id, i=i)
    except BaseException as exc:  # noqa: BLE001 - reported to the parent, which fails the test
        errors.put(f"{kind}: {exc!r}")
        raise


def _events_per(kind: str) -> int:
    return PER_PROCESS * (2 if kind == "ingest" else 1)


def test_concurrent_processes_never_fork_the_chain(woo_ctx):
    url = woo_ctx.settings.database_url
    with woo_ctx.unit_of_work() as s:
        from woo.services import accounts

        org = accounts.default_organisation(s)
        doc = Document(organisation_id=org.id, title="Concept", status="concept")
        s.add(doc)
        s.flush()
        job = Job(document_id=doc.id, kind="extract", status="running")
        s.add(job)
        s.flush()
        document_id, job_id = doc.id, job.id
        before = s.execute(select(func.count()).select_from(Event)).scalar_one()

    mp = multiprocessing.get_context("spawn")
    barrier, errors = mp.Barrier(len(KINDS)), mp.Queue()
    procs = [mp.Process(target=_append, args=(url, kind, document_id, job_id, barrier, errors))
             for kind in KINDS]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=300)
    failures = []
    while not errors.empty():
        failures.append(errors.get())
    assert not failures, failures
    assert all(p.exitcode == 0 for p in procs), [p.exitcode for p in procs]

    expected = before + sum(_events_per(k) for k in KINDS)
    with woo_ctx.unit_of_work() as s:
        total = s.execute(select(func.count()).select_from(Event)).scalar_one()
        forks = s.execute(select(Event.prev_hash, func.count()).group_by(Event.prev_hash)
                          .having(func.count() > 1)).all()
        report = audit.verify(s)
    assert total == expected
    assert not forks, f"{len(forks)} previous hashes used more than once"
    assert report.ok, report.reason
    assert report.checked == expected
