"""Every light worker as it is deployed (the embedded stack, compose) runs its jobs in its own process; only a
worker that takes the heavy queue forks a work-horse per job. (Adding the sync queue to the light workers'
command line once turned them all into forking workers without any test noticing: 2x slower.)"""
from __future__ import annotations

from pathlib import Path

import yaml
from rq import Worker
from rq.worker import SimpleWorker

from woo.adapters.queue import HEAVY
from woo.embedded.stack import worker_children
from woo.worker import worker_class_for

ROOT = Path(__file__).resolve().parents[2]


def _queues(argv: list[str]) -> list[str]:
    return [argv[i + 1] for i, arg in enumerate(argv) if arg == "--queue"]


def _compose_worker_queues() -> list[list[str]]:
    services = yaml.safe_load((ROOT / "docker" / "compose.yaml").read_text())["services"]
    return [_queues(s["command"]) for s in services.values()
            if isinstance(s.get("command"), list) and s["command"][:2] == ["woo", "worker"]]


def test_the_embedded_stacks_light_workers_do_not_fork_and_its_heavy_worker_does(tmp_path):
    children = worker_children(tmp_path / "data", tmp_path / "logs", {"WOO_WORKERS": "2"})
    classes = {tuple(_queues(c.argv)): worker_class_for(_queues(c.argv)) for c in children}
    light = [q for q in classes if HEAVY not in q]
    heavy = [q for q in classes if HEAVY in q]
    assert light and heavy
    for queues in light:
        assert issubclass(classes[queues], SimpleWorker), queues
    for queues in heavy:
        assert not issubclass(classes[queues], SimpleWorker), queues
        assert issubclass(classes[queues], Worker)


def test_the_compose_light_worker_does_not_fork():
    queues = _compose_worker_queues()
    assert any(HEAVY not in q for q in queues) and any(HEAVY in q for q in queues)
    for q in queues:
        assert issubclass(worker_class_for(q), SimpleWorker) == (HEAVY not in q), q


def test_asking_for_forking_light_workers_still_gives_them():
    assert not issubclass(worker_class_for(["woo", "woo-sync"], "fork"), SimpleWorker)
