"""The rq worker and its job functions: thin, each calls a service."""
from __future__ import annotations

import os

from woo.config import Settings, load_settings

_CONTEXT = None


def use_context(ctx) -> None:
    """Run jobs in this process with this context (in-process workers: tests, inline mode)."""
    global _CONTEXT
    _CONTEXT = ctx


def _context():
    global _CONTEXT
    if _CONTEXT is None:
        from woo.services.context import build_context

        _CONTEXT = build_context(load_settings())
    return _CONTEXT


def run_job(job_id: int) -> str:
    """Entry point rq calls (by dotted path); configuration comes from the worker's environment."""
    from woo.services import jobs

    return jobs.run(_context(), job_id)


def refresh_feeds() -> dict:
    """Entry point for the sitemap refresh queued after a published document changed."""
    from woo.services import feeds

    result = feeds.refresh_pending(_context())
    return {"placed": result.placed, "pages": result.pages, "skipped": len(result.skipped)}


def work(settings: Settings, burst: bool = False, queues: list[str] | tuple[str, ...] | None = None,
         maintenance: bool = True) -> None:
    """One rq worker on ``queues`` (default: light, then heavy). Several run side by side in `woo up`
    and compose, so a long OCR on the heavy queue never blocks the light jobs of other documents."""
    import os

    from redis import Redis
    from rq import Queue, Worker

    from woo.adapters.queue import QUEUES
    from woo.services import maintenance as housekeeping
    from woo.services.jobs import recover

    os.environ["WOO_DATA_DIR"] = str(settings.data_dir)  # job functions load the same settings
    conn = Redis.from_url(settings.redis_url)
    # rq forks a work-horse per job while this process (recovery, the maintenance thread) holds pooled
    # database connections: a horse must not use the parent's sockets (both sides corrupt, or hang on a
    # pool lock held by a thread at fork time), so each horse starts with fresh, empty pools.
    os.register_at_fork(after_in_child=_forget_inherited_connections)
    recovered = recover(_context())  # jobs a killed worker left behind
    from woo.services import sources

    resumed = sources.recover(_context())  # sync chains a killed worker left behind
    if resumed:
        print(f"woo worker: {resumed} synchronisatie(s) van bronnen hervat")
    if any(recovered.values()):
        print(f"woo worker: {recovered['requeued']} taken opnieuw in de wachtrij, {recovered['failed']} mislukt")
    if not burst and maintenance:
        _start_maintenance(housekeeping.tick)
    names = list(queues or QUEUES)
    Worker([Queue(name, connection=conn) for name in names], connection=conn).work(burst=burst, with_scheduler=False)


def _forget_inherited_connections() -> None:
    from woo.adapters import db

    for engine in list(db._ENGINES.values()):
        engine.dispose(close=False)  # SQLAlchemy's recipe for a forked child: new pool, parent's sockets untouched


def _start_maintenance(tick, interval: float = 60.0) -> None:
    """Call ``tick`` every minute while the worker runs, in a *spawned* process: a thread in this
    process would be running (holding logging/pool/import locks) whenever rq forks a work-horse, and a
    horse forked at such a moment hangs forever on that lock. The process ends when the worker ends."""
    import multiprocessing

    multiprocessing.get_context("spawn").Process(target=_maintenance_loop, args=(tick, interval, os.getpid()),
                                                 name="woo-maintenance", daemon=True).start()


def _maintenance_loop(tick, interval: float, parent: int) -> None:
    import logging
    import time

    while os.getppid() == parent:  # the worker died (even by SIGKILL): stop too
        try:
            tick(_context())
        except Exception:  # housekeeping must never take the worker down; it retries next round
            logging.getLogger(__name__).exception("maintenance round failed")
        time.sleep(interval)


def sync_source(source_id: int, token: str) -> str:
    """rq entry point for one step of a source's sync chain (woo.services.sources); it enqueues the next."""
    from woo.services import sources

    return sources.step(_context(), source_id, token)


def run_destruction(list_id: int) -> str:
    """rq entry point for executing an approved destruction list (resumable; see services.destruction)."""
    from woo.services import destruction

    return destruction.run(_context(), list_id)
