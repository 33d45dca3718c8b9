"""The heavy worker yields the cores (woo.worker.yield_cpu): nice 10 and SCHED_IDLE, and the tools it starts
through woo.adapters.bounded (ocrmypdf, tesseract, Ghostscript) run at the same priority. Each check runs in
a child process: a process cannot raise its priority again once lowered."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from woo import worker

_PROBE = """
import json, os, sys
from woo import worker
from woo.adapters import bounded
worker.yield_cpu()
tool = bounded.run([sys.executable, "-c", "import os, json; print(json.dumps([os.nice(0), os.sched_getscheduler(0)]))"],
                   timeout=60, text=True).stdout
print(json.dumps({"self": [os.nice(0), os.sched_getscheduler(0)], "tool": json.loads(tool)}))
"""


@pytest.mark.skipif(not hasattr(os, "SCHED_IDLE"), reason="SCHED_IDLE is Linux-only")
def test_the_heavy_worker_and_the_tools_it_runs_take_only_the_cores_nobody_else_wants():
    start = os.nice(0)
    out = subprocess.run([sys.executable, "-c", _PROBE], capture_output=True, text=True, check=True).stdout
    seen = json.loads(out.strip().splitlines()[-1])
    expected = [min(19, start + worker.HEAVY_NICENESS), os.SCHED_IDLE]
    assert seen["self"] == expected
    assert seen["tool"] == expected
