"""A work-horse dies with its worker: rq puts the horse in a process group of its own, so stopping the
worker's group (`woo up` stopping, kill -9) used to leave the horse running its job with parent 1."""
from __future__ import annotations

import os
import signal
import time

from tests.conftest import process_alive
from woo.worker import _die_with_parent


def test_a_horse_gets_killed_when_its_worker_dies():
    read, write = os.pipe()
    worker = os.fork()
    if worker == 0:  # the "worker": forks a horse like rq does, then dies abruptly
        horse = os.fork()
        if horse == 0:
            os.setpgid(0, 0)  # its own group, as rq's horse
            _die_with_parent()
            time.sleep(60)
            os._exit(0)
        os.write(write, str(horse).encode())
        time.sleep(0.5)
        os.kill(os.getpid(), signal.SIGKILL)
    os.close(write)
    horse = int(os.read(read, 32))
    os.waitpid(worker, 0)
    deadline = time.time() + 10
    while process_alive(horse) and time.time() < deadline:
        time.sleep(0.1)
    try:
        assert not process_alive(horse), "the horse outlived its worker"
    finally:
        if process_alive(horse):
            os.kill(horse, signal.SIGKILL)


def _private_dirty_kb() -> int:
    with open("/proc/self/smaps_rollup") as f:
        return sum(int(line.split()[1]) for line in f if line.startswith("Private_Dirty:"))


def _horse_copies_kb() -> int:
    """What a forked horse's first full garbage collection makes it copy of its worker's memory (kB)."""
    import gc

    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            before = _private_dirty_kb()
            gc.collect()
            os.write(write, str(_private_dirty_kb() - before).encode())
        finally:
            os._exit(0)
    os.close(write)
    copied = int(os.read(read, 32) or b"-1")
    os.close(read)
    os.waitpid(pid, 0)
    return copied


def test_a_horse_does_not_copy_the_workers_warmed_up_heap():
    """rq forks a horse per job; the collector writes to every object it visits, so a horse copied the
    worker's whole warmed-up heap (model, name lists: ~190 MB, ~0.35 s per job). The worker freezes what it
    loaded before the first fork (woo.worker._freeze_for_forks): a horse's collection leaves it shared."""
    import gc

    from woo.worker import _freeze_for_forks

    if not os.path.exists("/proc/self/smaps_rollup"):
        import pytest

        pytest.skip("needs Linux /proc/self/smaps_rollup")
    heap = [[i, f"naam-{i}", []] for i in range(400_000)]  # tracked objects, as the warmed-up tools (~100 MB)
    unfrozen = _horse_copies_kb()
    try:
        _freeze_for_forks()
        frozen = _horse_copies_kb()
    finally:
        gc.unfreeze()
    del heap
    assert unfrozen > 40_000, f"the check itself did not see the copy ({unfrozen} kB)"
    assert frozen < unfrozen / 5, f"a horse still copies {frozen} kB of its worker's heap (unfrozen: {unfrozen} kB)"
