"""The rq worker and its job functions: thin, each calls a service."""
from __future__ import annotations

import os

from woo.config import Settings

from woo.services.context import jobs_context as _context
from woo.services.context import use_for_jobs as use_context  # noqa: F401  (tests, benchmarks: in-process workers)


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
         maintenance: bool = True, worker_class: str | None = None) -> None:
    """One rq worker on ``queues`` (default: light, then heavy). Several run side by side in `woo up`
    and compose, so a long OCR on the heavy queue never blocks the light jobs of other documents.
    ``worker_class`` (default: settings.light_worker): see worker_class_for."""
    import os

    from redis import Redis
    from rq import Queue

    from woo.adapters.queue import HEAVY, QUEUES
    from woo.services import maintenance as housekeeping
    from woo.services.jobs import recover

    os.environ["WOO_DATA_DIR"] = str(settings.data_dir)  # job functions load the same settings
    conn = Redis.from_url(settings.redis_url)
    # rq forks a work-horse per job while this process (recovery, the maintenance thread) holds pooled
    # database connections: a horse must not use the parent's sockets (both sides corrupt, or hang on a
    # pool lock held by a thread at fork time), so each horse starts with fresh, empty pools.
    os.register_at_fork(after_in_child=_forget_inherited_connections)
    os.register_at_fork(after_in_child=_die_with_parent)  # a horse must not outlive its worker
    recovered = recover(_context())  # jobs a killed worker left behind
    from woo.services import sources

    from woo.services import transfer

    remade = transfer.recover(_context())  # transfer packages a killed worker was making
    if remade["requeued"] or remade["failed"]:
        print(f"woo worker: {remade['requeued']} overbrengingspakket(ten) opnieuw in de wachtrij, "
              f"{remade['failed']} mislukt")
    resumed = sources.recover(_context())  # sync chains a killed worker left behind
    if resumed:
        print(f"woo worker: {resumed} synchronisatie(s) van bronnen hervat")
    if any(recovered.values()):
        print(f"woo worker: {recovered['requeued']} taken opnieuw in de wachtrij, {recovered['failed']} mislukt")
    if not burst and maintenance:
        _start_maintenance(housekeeping.tick)
    names = list(queues or QUEUES)
    if names[0] == HEAVY:
        yield_cpu()
    warm_up(_context())
    cls = worker_class_for(names, worker_class or settings.light_worker)
    from rq.worker import SimpleWorker

    if not issubclass(cls, SimpleWorker):  # a forking worker: a work-horse per job
        from woo.intake import identify

        identify.shared_helper()  # siegfried's Go runtime once, not in every work-horse (PDF/A, OCR)
    _freeze_for_forks()
    cls([Queue(name, connection=conn) for name in names], connection=conn).work(burst=burst, with_scheduler=False)


def worker_class_for(queues: list[str], wanted: str = "simple"):
    """The rq worker class for a worker on ``queues``. A worker without the heavy queue (the light queue,
    and the sync file fetches it takes when that is empty) runs its jobs in its own process ("simple": no
    fork, no copy-on-write of the warmed-up heap, no re-import per job); one that also takes heavy work (OCR, PDF/A: hostile files, long tool runs) keeps a work-horse per job
    ("fork"), so a crash in a job never takes the worker down. A light job that did take its simple worker
    down (kill -9, out of memory) is queued again by recover() on the heavy queue."""
    from rq import Worker

    from woo.adapters.queue import HEAVY, LIGHT

    if wanted == "simple" and HEAVY not in queues:
        return heartbeat_simple_worker()
    if list(queues)[:1] == [HEAVY] and LIGHT in queues:
        return pdfa_yielding_worker()
    return Worker


_HEARTBEAT_CLASS = None


def heartbeat_simple_worker():  # a class made on first use: rq.worker is imported in workers only
    """rq's SimpleWorker with the liveness of a forking worker: while a job runs, a thread renews the
    worker's and the job's heartbeat every ``job_monitoring_interval`` seconds with a short TTL (the forking
    worker's monitor loop does the same). SimpleWorker itself sets one heartbeat of the job's whole timeout
    (an hour) and then none, so a worker killed mid-job left its job 'started' for that hour. Now:
    - on this host, recover() (run by the restarted worker) sees the worker's pid is gone at once;
    - elsewhere, the job's started-registry entry expires a minute after the last beat, rq's registry
      cleanup marks it failed and recover() queues it again."""
    global _HEARTBEAT_CLASS
    if _HEARTBEAT_CLASS is not None:
        return _HEARTBEAT_CLASS
    import threading

    from rq.worker import SimpleWorker

    class _Worker(SimpleWorker):
        def get_heartbeat_ttl(self, job, working_time: float = 0.0) -> int:
            return super(SimpleWorker, self).get_heartbeat_ttl(job, working_time)  # the forking worker's

        def execute_job(self, job, queue):
            execution = self.prepare_execution(job)
            done = threading.Event()

            def beat():
                while not done.wait(self.job_monitoring_interval):
                    try:
                        self.maintain_heartbeats(job, execution)
                    except Exception:  # noqa: BLE001 - Redis briefly away: the next beat tries again
                        import logging

                        logging.getLogger(__name__).warning("heartbeat of job %s failed", job.id, exc_info=True)

            thread = threading.Thread(target=beat, name="woo-heartbeat", daemon=True)
            thread.start()
            try:
                self.perform_job(job, queue, execution)
            finally:
                done.set()
                thread.join()
            from rq.worker import WorkerStatus

            self.set_state(WorkerStatus.IDLE)

    _Worker.__name__ = _Worker.__qualname__ = "HeartbeatSimpleWorker"  # as rq's log lines show it
    _HEARTBEAT_CLASS = _Worker
    return _Worker


_YIELDING_CLASS = None


def pdfa_yielding_worker():  # a class made on first use, as heartbeat_simple_worker
    """rq's forking worker for the heavy queue, whose PDF/A renditions wait while light jobs wait.

    The heavy worker listens on the heavy queue first, so it rendered PDF/A (nobody waits for it on the way
    to "ready for review") for the whole of a backlog while the light queue was full. Even at nice 10 that
    cost the light work: 100 generated PDFs, SQLite, quiet machine, the stack until ready for review took
    5.3-6.1 s with the heavy worker and 4.3-4.7 s without it (Ghostscript and the renditions' S3 writes took
    2.5-3.3 CPU seconds of the 12 in that window; its transactions, niced, waited and held the one write
    lock longer). Now, before each dequeue: when the job at the head of the heavy queue is a PDF/A rendition
    and light jobs are waiting, the light queue comes first (the worker helps with them, still niced, as it
    did when the heavy queue was empty). OCR and long text layers (queued at the front of the heavy queue:
    a document's review waits for them) keep their place ahead of everything."""
    global _YIELDING_CLASS
    if _YIELDING_CLASS is not None:
        return _YIELDING_CLASS
    from rq import Worker

    class _Worker(Worker):
        def dequeue_job_and_maintain_ttl(self, timeout, max_idle_time=None):
            self._ordered_queues = heavy_queue_order(self.queues, self.connection)
            return super().dequeue_job_and_maintain_ttl(timeout, max_idle_time)

    _Worker.__name__ = _Worker.__qualname__ = "PdfaYieldingWorker"
    _YIELDING_CLASS = _Worker
    return _Worker


def heavy_queue_order(queues: list, redis) -> list:
    """The heavy worker's queues for its next dequeue (see pdfa_yielding_worker): as given, or the light
    queue first while a PDF/A rendition heads the heavy queue and light jobs wait."""
    import logging

    from woo.adapters.queue import HEAVY, LIGHT
    from woo.services import jobs

    names = [q.name for q in queues]
    if names[:1] != [HEAVY] or LIGHT not in names:
        return list(queues)
    heavy, light = queues[0], queues[names.index(LIGHT)]
    try:
        if not redis.llen(light.key):
            return list(queues)
        head = redis.lindex(heavy.key, 0)
        if head is None or not jobs.yields_to_light(_context(), head.decode()):
            return list(queues)
    except Exception:  # noqa: BLE001 - the order is an optimisation; the default order is always right
        logging.getLogger(__name__).warning("heavy queue order not determined", exc_info=True)
        return list(queues)
    return [light, heavy] + [q for q in queues if q is not light and q is not heavy]


HEAVY_NICENESS = 10  # CPU priority of a worker whose first queue is the heavy one (0: as the light ones)
HEAVY_IDLE_POLICY = True  # and the kernel's SCHED_IDLE policy on top (see yield_cpu)


def yield_cpu() -> None:
    """OCR and PDF/A yield the cores to the light workers, so a PDF/A rendition never delays the documents
    waiting to be ready for review; idle cores still go to the heavy work. The tools this process starts
    (ocrmypdf, tesseract, Ghostscript) inherit both settings.

    Nice alone lets a woken light worker wait for the heavy one's time slice: it woke from a commit's fsync or
    an S3 reply, some twenty times a document, and found tesseract on its core. A SCHED_IDLE task is
    preempted at once by any normal one that wakes (and still gets the cores nobody else wants): 100 corpus
    documents were ready after 9.8-10.1 s against 10.2-11.5 s with nice 10 alone (scripts/bench/ingest.py,
    2 cores). Lowering one's own policy needs no privilege; where the kernel refuses, nice still applies."""
    if HEAVY_NICENESS:
        os.nice(HEAVY_NICENESS)
    if HEAVY_IDLE_POLICY and hasattr(os, "SCHED_IDLE"):
        try:
            os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))
        except OSError as exc:
            import logging

            logging.getLogger(__name__).warning("SCHED_IDLE not available (%s); the heavy worker runs at nice %s",
                                                exc, HEAVY_NICENESS)


_WARM_SAMPLE = ("Besluit van het college van burgemeester en wethouders van de gemeente Utrecht van 3 maart 2025 "
                "op het verzoek van Jan de Vries, Oudegracht 12, 3511 AB Utrecht, telefoon 06-12345678.")


_CHAIN_MODULES = ("woo.services.dossiers", "woo.services.publication", "woo.services.describe",
                  "woo.services.retention", "woo.adapters.readcache", "woo.publish.search")


def warm_up(ctx) -> None:
    """Load in the worker what each job would otherwise load again: rq forks a fresh work-horse per job,
    and a horse inherits only what its parent has already loaded. So before the first fork: the job
    handlers' modules (numpy/scikit-learn, PDFium, pikepdf, PyMuPDF), the classifier model (the active one
    from the bucket), and the per-process caches of the privacy scan and the metadata suggestions (name
    lists, TOOI indexes, compiled patterns), by running each once on a short sample."""
    import logging

    try:
        import pikepdf  # noqa: F401
        import pypdfium2  # noqa: F401

        from woo.metadata.suggest import suggest_metadata
        from woo.privacy import hidden, redact  # noqa: F401
        from woo.privacy.document import scan_extracted
        from woo.services import jobs

        kinds = jobs.handlers()
        # What the chain imports lazily on its way (the late publication of a dossier document after every
        # chain, the metadata suggestions' store, the read cache): a horse importing them paid 0.2-0.3 s a job.
        import importlib

        for name in _CHAIN_MODULES:
            importlib.import_module(name)
        scan_extracted("pdf", _WARM_SAMPLE, [_WARM_SAMPLE])
        if "classify" in kinds:
            import dataclasses

            from woo.adapters.objectstore import S3ObjectStore
            from woo.services.classifier_models import active_classifier

            # A store of its own, closed again: a horse must never inherit an open S3 connection.
            store = S3ObjectStore.from_settings(ctx.settings)
            try:
                model = active_classifier(dataclasses.replace(ctx, store=store))
            finally:
                pool = getattr(store.client, "_http", None)
                if pool is not None:
                    pool.clear()
            model.classify(_WARM_SAMPLE, title="Besluit", filename="besluit.pdf", properties={})
            suggest_metadata(_WARM_SAMPLE, title="Besluit", filename="besluit.pdf", properties={})
    except Exception:  # noqa: BLE001 - only a head start: each job still loads what it needs itself
        logging.getLogger(__name__).warning("worker warm-up failed; jobs load their tools themselves", exc_info=True)
    try:
        _warm_pdfa()
    except Exception:  # noqa: BLE001 - as above
        logging.getLogger(__name__).warning("PDF/A warm-up failed", exc_info=True)


def _warm_pdfa() -> None:
    """One PDF/A rendition of a blank page: what pikepdf.pdfa loads on its first use (colour profile,
    XMP, validator) was 0.2-0.4 s in every work-horse of the heavy worker, 0.02-0.06 s once loaded."""
    import tempfile
    from pathlib import Path

    import pikepdf

    from woo.archive import pdfa

    with tempfile.TemporaryDirectory(prefix="woo-warm-") as tmp:
        src = Path(tmp) / "blank.pdf"
        pdf = pikepdf.new()
        pdf.add_blank_page()
        pdf.save(src)
        pdfa.to_pdfa(src, "pdf", Path(tmp))


def _freeze_for_forks() -> None:
    """Move everything loaded so far (warm-up: numpy/scikit-learn, the model, name lists) out of the
    garbage collector's reach before rq forks its work-horses. A horse shares the worker's memory
    copy-on-write, but the collector writes to the header of every object it visits: the first collection
    in a horse copied the whole ~190 MB heap, page by page (about 0.35 s per job on this 2-core machine,
    more than the job itself). Frozen objects are never visited, so their pages stay shared.
    Only the worker's long-lived objects are frozen; what a horse allocates is collected as usual."""
    import gc

    gc.collect()  # free what warm-up left as garbage first, so it is not kept for the worker's lifetime
    gc.freeze()


def _die_with_parent() -> None:
    """rq's work-horse runs in a process group of its own, so stopping or killing the worker's group
    (`woo up` stopping, a crash) left the horse running its job, with its memory, parent 1. Linux sends
    the horse SIGKILL when the worker that forked it dies (its tools follow: woo.adapters.bounded)."""
    import ctypes
    import signal

    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        return
    if os.getppid() == 1:  # the worker died between the fork and the prctl
        os._exit(1)


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


def run_dossier_import(import_id: str) -> str:
    """rq entry point for a dossier import started from the officer's page (services.dossier_import)."""
    from woo.services import dossier_import

    return dossier_import.run_import(_context(), import_id)


def sync_source(source_id: int, token: str) -> str:
    """rq entry point for one step of a source's sync chain (woo.services.sources); it enqueues the next."""
    from woo.services import sources

    return sources.step(_context(), source_id, token)


def fetch_source_item(item_id: int, token: str) -> str:
    """rq entry point for one remote file of a source (woo.services.sources.fetch_item): download + ingest."""
    from woo.services import sources

    return sources.fetch_item(_context(), item_id, token)


def fetch_source_items(item_ids: list[int], token: str) -> dict:
    """rq entry point for a few remote files of a source, each on its own (woo.services.sources.fetch_items)."""
    from woo.services import sources

    return sources.fetch_items(_context(), item_ids, token)


def run_destruction(list_id: int) -> str:
    """rq entry point for executing an approved destruction list (resumable; see services.destruction)."""
    from woo.services import destruction

    return destruction.run(_context(), list_id)


def run_transfer(job_id: str) -> str:
    """rq entry point (heavy queue) for making a dossier's transfer package (services.transfer.run_job)."""
    from woo.services import transfer

    return transfer.run_job(_context(), job_id)


def send_subscription_confirmation(subscription_id: int) -> str:
    """Mail a subscription's confirmation link (double opt-in); raises on a temporary failure (rq retries)."""
    from woo.services import subscriptions

    return subscriptions.send_confirmation(_context(), subscription_id)


def send_digest_batch(frequency: str, first_id: int, last_id: int, run_started: str) -> dict:
    """One batch of a digest run (woo.services.subscriptions.send_digests); retried with back-off."""
    from dataclasses import asdict
    from datetime import datetime

    from woo.services import subscriptions

    return asdict(subscriptions.send_digest_batch(_context(), frequency, first_id, last_id,
                                                  datetime.fromisoformat(run_started)))
