"""The benches' CPU accounting (scripts/bench/benchlib.py CpuMeter, issue 18): where the cores went during
the stack's window, per group of processes, with a group's live descendants and the bench's own process
counted without the servers and workers it started."""
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts" / "bench"))

from benchlib import CpuMeter, cpu_line, cpu_seconds  # noqa: E402

# A parent that starts a child which burns ~0.4 s of CPU and then sleeps (still alive, not reaped).
_GRANDCHILD = ("import subprocess, sys, time; "
               "c = subprocess.Popen([sys.executable, '-c', 'import time\\nt=time.process_time()\\n"
               "while time.process_time() - t < 0.4: pass\\ntime.sleep(30)']); time.sleep(30)")


def test_a_group_counts_its_live_descendants_and_own_leaves_them_out():
    parent = subprocess.Popen([sys.executable, "-c", _GRANDCHILD])
    try:
        meter = CpuMeter({"workers": [parent.pid]}, own={"bench": os.getpid()})
        meter.start()
        time.sleep(1.2)  # the grandchild's interpreter start and its burn, inside the window
        spent = meter.stop()
    finally:
        parent.kill()
        parent.wait()
    assert spent["workers"] >= 0.3  # the grandchild's burn, though only its grandparent was named
    assert spent["bench"] < 0.2  # this process slept; its children are not its own CPU
    assert spent["machine idle"] >= 0.0 and spent["machine busy"] >= spent["workers"] - 0.05
    line = cpu_line(spent, 1.2)
    assert "workers " in line and "machine busy" not in line and "rest " in line


def test_a_process_that_is_gone_has_no_cpu_seconds():
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()  # reaped: /proc no longer has it (its pid is not reused this soon)
    assert cpu_seconds(gone.pid) is None
    assert cpu_seconds(os.getpid()) > 0


def test_reads_split_the_window_and_add_up_to_it():
    burner = subprocess.Popen([sys.executable, "-c", "import time\nt=time.process_time()\n"
                               "while time.process_time() - t < 0.5: pass\ntime.sleep(30)"])
    try:
        meter = CpuMeter({"burner": [burner.pid]})
        meter.start()
        time.sleep(1.0)  # the burn falls in the first interval
        mid = meter.read()
        time.sleep(0.3)  # the burner sleeps through the second
        end = meter.read()
        first, second, whole = meter.between(None, mid), meter.between(mid, end), meter.between(None, end)
    finally:
        burner.kill()
        burner.wait()
    assert first["burner"] >= 0.3 and second["burner"] < 0.1
    assert abs(first["burner"] + second["burner"] - whole["burner"]) < 0.02
