"""A transfer package made by a worker that dies (kill -9) mid-way: the job is not left 'bezig' until rq's
timeout (an hour) with the make button hidden; the worker's recovery (at start and every housekeeping round)
removes the half-written package folder and queues the job again, or, after repeated crashes, marks it failed
with a Dutch reason."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta

import bagit
from sqlalchemy import select

from tests.conftest import cli_env, drain, process_alive
from tests.integration.retention_helpers import logged_in_client, users
from tests.integration.test_dossier_retention_ui import _b_dossier, _nothing_made
from woo.adapters.models import Event, TransferJob, TransferPackage, utcnow
from woo.app import create_app
from woo.services import jobs
from woo.services import transfer as tr

# A real `woo worker` on the heavy queue (rq forks a work-horse for the job) whose work-horse, once it has
# fetched the first file of the package into its folder, says so and stalls: the test then kills the worker.
_STALLING_WORKER = """
import os, sys, time
from pathlib import Path

from woo.adapters import objectstore

marker, real = Path(sys.argv[1]), objectstore.S3ObjectStore.download


def download(self, key, path, version_id=None):
    real(self, key, path, version_id)
    marker.write_text(str(os.getpid()))
    time.sleep(600)


objectstore.S3ObjectStore.download = download
from woo import worker
from woo.adapters.queue import HEAVY
from woo.config import load_settings

worker.work(load_settings(), burst=True, queues=[HEAVY], maintenance=False)
"""


def _wait_for(check, what: str, seconds: float = 180) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, f"gave up waiting for {what}"
        time.sleep(0.1)


def test_a_transfer_whose_worker_was_killed_is_made_again_and_leaves_no_half_package(woo_ctx, tmp_path):
    u = users(woo_ctx)
    out = tmp_path / "e-depot"
    woo_ctx.settings = woo_ctx.settings.replace(transfer_dir=str(out))
    did, recs = _b_dossier(woo_ctx, u["archivaris-a"])
    job_id = tr.start(woo_ctx, u["archivaris-a"], did)
    marker = tmp_path / "horse.pid"
    env = {**os.environ, **cli_env(woo_ctx.settings), "WOO_TRANSFER_DIR": str(out),
           "WOO_DATA_DIR": str(tmp_path / "d")}
    worker = subprocess.Popen([sys.executable, "-c", _STALLING_WORKER, str(marker)], env=env)
    try:
        _wait_for(lambda: marker.exists() and marker.read_text(), "the worker to start writing the package")
        horse = int(marker.read_text())
        os.kill(worker.pid, signal.SIGKILL)
    finally:
        if worker.poll() is None:
            worker.kill()
        worker.wait()
    _wait_for(lambda: not process_alive(horse), "the work-horse to die with its worker")
    with woo_ctx.unit_of_work() as s:
        job = s.get(TransferJob, job_id)
        half = out / job.request["package_id"]
        assert job.status == tr.RUNNING and s.query(TransferPackage).count() == 0
    assert any(p.is_file() for p in half.rglob("*"))  # the killed worker left part of a package behind

    # the dossier page now says it is being made (and hides the button); the worker's recovery finds the dead
    # worker at once, removes the half package and queues the job again
    assert tr.recover(woo_ctx) == {"requeued": 1, "failed": 0, "done": 0}
    assert not half.exists()
    with woo_ctx.unit_of_work() as s:
        assert s.get(TransferJob, job_id).status == tr.WAITING
        assert s.execute(select(Event).where(Event.action == "transfer.recovered")).scalar_one().detail["taak"] \
            == job_id
    assert tr.recover(woo_ctx) == {"requeued": 0, "failed": 0, "done": 0}  # queued and alive: left alone
    drain(woo_ctx)
    with woo_ctx.unit_of_work() as s:
        job, package = s.get(TransferJob, job_id), s.query(TransferPackage).one()
        assert (job.status, job.package_id, job.done) == (tr.DONE, package.id, 3)
        assert package.records == 3 and package.status == tr.MADE
    assert [p.name for p in out.iterdir()] == [package.id] and bagit.Bag(package.path).is_valid()


def _killed_attempt(ctx, tmp_path, recoveries: int):
    """A transfer job as a worker left it when it was killed while writing: 'bezig', its rq job gone (the
    worker's registration went with a Redis restart), a package folder half written."""
    u = users(ctx)
    out = tmp_path / "e-depot"
    ctx.settings = ctx.settings.replace(transfer_dir=str(out))
    did, recs = _b_dossier(ctx, u["archivaris-a"])
    job_id = tr.start(ctx, u["archivaris-a"], did)
    ctx.queue.redis.flushdb()
    half = out / ("0" * 32)
    (half / "data").mkdir(parents=True)
    (half / "data" / "half.pdf").write_bytes(b"%PDF-1.7 half")
    with ctx.unit_of_work() as s:
        job = s.get(TransferJob, job_id)
        job.request = {**job.request, "package_id": half.name, "folder": str(half), "recoveries": recoveries,
                       "rq_id": f"woo-transfer-{job_id}-{recoveries}" if recoveries else job.request["rq_id"]}
        job.status = tr.RUNNING
    return u, did, recs, job_id, half


def test_a_transfer_that_keeps_killing_its_worker_is_marked_failed_in_dutch(woo_ctx, tmp_path):
    u, did, recs, job_id, half = _killed_attempt(woo_ctx, tmp_path, recoveries=jobs.MAX_RECOVERIES)
    a = logged_in_client(create_app(ctx=woo_ctx), woo_ctx, u["archivaris-a"], "csrf-a")
    assert "Overbrengingspakket maken" not in a.get(f"/archief/dossiers/{did}").get_data(as_text=True)
    assert tr.recover(woo_ctx) == {"requeued": 0, "failed": 1, "done": 0}
    _nothing_made(woo_ctx, recs, half)
    with woo_ctx.unit_of_work() as s:
        job = s.get(TransferJob, job_id)
        assert job.status == tr.FAILED and "steeds afgebroken (de worker stopte 3 keer)" in job.error
        assert s.execute(select(Event).where(Event.action == "transfer.failed")).scalar_one().detail["taak"] == job_id
    html = a.get(f"/archief/dossiers/{did}").get_data(as_text=True)
    assert "steeds afgebroken" in html.split('id="transfer-failed"')[1].split("</p>")[0]
    assert "Overbrengingspakket maken" in html  # one may try again


def test_recovery_leaves_a_transfer_job_that_just_reached_the_queue_alone(woo_ctx, tmp_path):
    u = users(woo_ctx)
    woo_ctx.settings = woo_ctx.settings.replace(transfer_dir=str(tmp_path / "e-depot"))
    did, _ = _b_dossier(woo_ctx, u["archivaris-a"])
    job_id = tr.start(woo_ctx, u["archivaris-a"], did)
    with woo_ctx.unit_of_work() as s:  # long enough in the queue to be looked at
        s.get(TransferJob, job_id).updated_at = utcnow() - timedelta(seconds=tr.RECENT_WAITING_S + 60)
    assert tr.recover(woo_ctx) == {"requeued": 0, "failed": 0, "done": 0}
    woo_ctx.queue.redis.flushdb()  # its rq job lost (Redis restarted empty): queued again
    assert tr.recover(woo_ctx) == {"requeued": 1, "failed": 0, "done": 0}
    drain(woo_ctx)
    with woo_ctx.unit_of_work() as s:
        assert s.get(TransferJob, job_id).status == tr.DONE


def test_a_transfer_killed_after_its_package_was_stored_is_marked_done_not_made_twice(woo_ctx, tmp_path):
    u, did, recs, job_id, half = _killed_attempt(woo_ctx, tmp_path, recoveries=0)
    import shutil

    shutil.rmtree(half)  # the attempt wrote its package in full and committed it, then the worker died
    package = tr.prepare(woo_ctx, u["archivaris-a"], half.parent, None, dossier_ids=[did], package_id=half.name)
    assert tr.recover(woo_ctx) == {"requeued": 0, "failed": 0, "done": 1}
    with woo_ctx.unit_of_work() as s:
        job = s.get(TransferJob, job_id)
        assert (job.status, job.package_id) == (tr.DONE, package.id) and s.query(TransferPackage).count() == 1
    assert bagit.Bag(package.path).is_valid()
