"""Run an external tool with bounded work: one place for every subprocess woo starts on a document.

Each tool (tesseract/ocrmypdf, LibreOffice, Ghostscript, antiword/catdoc, ...) runs

- in its own process group (in the caller's session), killed whole (``os.killpg``) on timeout *and* after it
  ends, so no helper it forked (soffice.bin, gs under ocrmypdf) outlives the call; the group is led
  by a tiny guard (_toolguard.py) that kills it too when the calling process dies (rq killed the
  work-horse, `woo up` stopped), since a group of its own escapes the caller's group cleanup;
- with an address-space limit (RLIMIT_AS) and a CPU-time limit (RLIMIT_CPU) inherited by every
  process it starts, so one hostile file cannot take the host's memory;
- optionally without network (``network=False``): in a fresh, empty network namespace via
  ``unshare -n`` where the kernel allows it (root, or user namespaces); where it does not, the
  caller's own remote-loading switches are the only guard, and :func:`network_isolated` says so.

Limits come from the caller, with defaults from the environment (``WOO_TOOL_MEMORY_MB``,
``WOO_TOOL_CPU_SECONDS``). Errors are :class:`ToolError` with a Dutch ``reason``.
"""
from __future__ import annotations

import collections
import os
import resource
import shutil
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from functools import lru_cache

DEFAULT_MEMORY_MB = 2048
GUARD = os.path.join(os.path.dirname(os.path.abspath(__file__)), "_toolguard.py")
MiB = 1024 * 1024
# Process groups this process started (most recent last): lets tests and diagnostics prove none is left.
STARTED_GROUPS: collections.deque[int] = collections.deque(maxlen=1000)


class ToolError(Exception):
    """A tool could not be started, ran out of time, or was stopped by a limit. ``reason`` is Dutch."""

    def __init__(self, code: str, reason: str):
        super().__init__(reason)
        self.code = code
        self.reason = reason


@dataclass
class Result:
    returncode: int
    stdout: bytes | str
    stderr: bytes | str
    seconds: float

    @property
    def killed_by_limit(self) -> bool:
        """Ended by SIGKILL/SIGXCPU/SIGSEGV/SIGABRT: typically a memory or CPU limit (or a crash)."""
        return self.returncode in (-signal.SIGKILL, -signal.SIGXCPU, -signal.SIGSEGV, -signal.SIGABRT)


def _env_int(name: str, default: int) -> int:
    try:
        value = int(os.environ.get(name, "") or default)
    except ValueError:
        return default
    return value if value > 0 else default


def memory_limit_mb() -> int:
    return _env_int("WOO_TOOL_MEMORY_MB", DEFAULT_MEMORY_MB)


@lru_cache(maxsize=1)
def _unshare() -> str | None:
    """``unshare -n`` when it works here (needs CAP_SYS_ADMIN or unprivileged user namespaces)."""
    exe = shutil.which("unshare")
    if exe is None:
        return None
    for argv in ([exe, "-n", "true"], [exe, "-r", "-n", "true"]):
        try:
            if subprocess.run(argv, capture_output=True, timeout=10).returncode == 0:
                return " ".join(argv[:-1])
        except (OSError, subprocess.SubprocessError):
            continue
    return None


def network_isolated() -> bool:
    """True when ``network=False`` really runs a tool without any network (loopback included)."""
    return _unshare() is not None


def _limits(memory_mb: int | None, cpu_seconds: int | None):
    def apply() -> None:  # runs in the child between fork and exec: async-signal-safe calls only
        if memory_mb:
            limit = int(memory_mb) * MiB
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        if cpu_seconds:
            resource.setrlimit(resource.RLIMIT_CPU, (int(cpu_seconds), int(cpu_seconds) + 5))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))  # no multi-GB core dumps of a killed tool
    return apply


def _pump(stream, sink: list) -> None:
    try:
        for chunk in iter(lambda: stream.read(65536), b""):
            sink.append(chunk)
    except (OSError, ValueError):
        pass
    finally:
        stream.close()


def _feed(stream, data: bytes) -> None:
    try:
        stream.write(data)
    except (OSError, ValueError):
        pass
    finally:
        try:
            stream.close()
        except OSError:
            pass


def _kill_group(pgid: int) -> None:
    try:
        os.killpg(pgid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def run(cmd: list[str], *, timeout: float, memory_mb: int | None = -1, cpu_seconds: int | None = -1,
        network: bool = True, env: dict | None = None, cwd: str | None = None, input: bytes | None = None,
        text: bool = False, name: str | None = None) -> Result:
    """Run ``cmd`` bounded; returns its :class:`Result` whatever the exit code.

    ``memory_mb``/``cpu_seconds``: -1 means the default (WOO_TOOL_MEMORY_MB; CPU = 2 x timeout),
    None means no limit. Raises ToolError('tool_missing') when it cannot start, ToolError('tool_timeout')
    after ``timeout`` seconds (the whole process group is killed first).
    """
    label = name or os.path.basename(cmd[0])
    if memory_mb == -1:
        memory_mb = memory_limit_mb()
    if cpu_seconds == -1:
        cpu_seconds = _env_int("WOO_TOOL_CPU_SECONDS", int(timeout * 2) + 10)
    argv = list(cmd)
    if not network and _unshare():
        argv = _unshare().split() + argv
    if shutil.which(argv[0]) is None and not os.path.exists(argv[0]):
        raise ToolError("tool_missing", f"{label} is niet geïnstalleerd.")
    argv = [sys.executable, "-I", "-S", GUARD, str(os.getpid()), *argv]
    started = time.monotonic()
    try:
        proc = subprocess.Popen(argv, stdin=subprocess.PIPE if input is not None else subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=cwd,
                                process_group=0, preexec_fn=_limits(memory_mb, cpu_seconds))
    except OSError as exc:
        raise ToolError("tool_missing", f"{label} kon niet worden gestart.") from exc
    # A group of its own (the guard leads it), not a session of its own: with the kernel's autogroups each
    # session gets an equal share of the CPU whatever its nice value, so a Ghostscript started by the niced
    # heavy worker in a new session took a core from the light workers (PDF/A delaying "ready for review").
    pgid = proc.pid
    STARTED_GROUPS.append(pgid)
    # Read both pipes in threads and wait for the guard itself, not for EOF: a helper the tool left
    # running in the background (holding stdout) must not keep this call waiting until the timeout.
    out_chunks: list[bytes] = []
    err_chunks: list[bytes] = []
    pumps = [threading.Thread(target=_pump, args=(proc.stdout, out_chunks), daemon=True),
             threading.Thread(target=_pump, args=(proc.stderr, err_chunks), daemon=True)]
    if input is not None:
        pumps.append(threading.Thread(target=_feed, args=(proc.stdin, input), daemon=True))
    for t in pumps:
        t.start()
    timed_out = False
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        timed_out = True
    finally:
        _kill_group(pgid)  # on timeout, and helpers the tool left behind (daemonised converters)
        if proc.poll() is None:
            proc.kill()
        proc.wait()
        for t in pumps:
            t.join(timeout=5)
    if timed_out:
        raise ToolError("tool_timeout", f"{label} gaf na {int(timeout)} seconden geen resultaat en is "
                                        "gestopt (bestand te groot of beschadigd).")
    out, err = b"".join(out_chunks), b"".join(err_chunks)
    if text:
        out, err = out.decode("utf-8", "replace"), err.decode("utf-8", "replace")
    return Result(proc.returncode, out, err, time.monotonic() - started)


def limit_reason(label: str, result: Result) -> str:
    """Dutch explanation for a tool that was stopped by a limit."""
    if result.returncode == -signal.SIGXCPU:
        return f"{label} gebruikte te veel rekentijd en is gestopt."
    return f"{label} had meer geheugen nodig dan toegestaan ({memory_limit_mb()} MB) of liep vast, en is gestopt."


def live_members(groups) -> list[int]:
    """Pids of live (not zombie) processes whose process group or session is one of ``groups``."""
    wanted, found = set(groups), []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as fh:
                fields = fh.read().rsplit(b")", 1)[1].split()
        except OSError:
            continue
        state, pgrp, session = fields[0], int(fields[2]), int(fields[3])
        if state != b"Z" and (pgrp in wanted or session in wanted):
            found.append(int(entry))
    return found
