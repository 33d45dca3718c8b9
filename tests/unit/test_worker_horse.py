"""A work-horse dies with its worker: rq puts the horse in a process group of its own, so stopping the
worker's group (`woo up` stopping, kill -9) used to leave the horse running its job with parent 1."""
from __future__ import annotations

import os
import signal
import time

from woo.worker import _die_with_parent


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


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
    while _alive(horse) and time.time() < deadline:
        time.sleep(0.1)
    try:
        assert not _alive(horse), "the horse outlived its worker"
    finally:
        if _alive(horse):
            os.kill(horse, signal.SIGKILL)
