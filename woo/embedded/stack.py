"""`woo up`: the whole service on one machine, in the foreground.

Starts S3 (SeaweedFS) and Redis in the data dir, writes ``instance.json`` so every other `woo`
command given the same data dir finds them, bootstraps the instance (schema, bucket, organisation,
first admin), then runs the rq worker and the web server (gunicorn) and supervises all four: a child
that dies is restarted, a child that keeps dying makes the stack give up with a clear message.
Ctrl-C or SIGTERM stops everything in reverse order and exits 0.
"""
from __future__ import annotations

import collections
import fcntl
import json
import os
import secrets
import signal
import socket
import sys
import threading
import time
import traceback
from pathlib import Path
from typing import Callable
from urllib.parse import urlparse

from woo.config import instance_file, load_settings
from woo.embedded.servers import LOCALHOST, ChildServer, RedisServer, S3Server, ServerError, port_is_free


class CommandChild(ChildServer):
    """Any command as a supervised child; ready when ``ready_port`` accepts connections (if given)."""

    start_timeout = 60.0

    def __init__(self, name: str, argv: list[str], log_dir: Path, env: dict[str, str] | None = None,
                 ready_port: int | None = None, stop_timeout: float = 15.0):
        super().__init__(log_dir)
        self.name = name
        self.argv = argv
        self.env = env
        self.ready_port = ready_port
        self.stop_timeout = stop_timeout

    def command(self) -> list[str]:
        return self.argv

    def popen_kwargs(self) -> dict:
        return {"env": self.env} if self.env is not None else {}

    def is_ready(self) -> bool:
        if self.ready_port is None:
            return True
        try:
            with socket.create_connection((LOCALHOST, self.ready_port), timeout=1):
                return True
        except OSError:
            return False


class GaveUp(RuntimeError):
    """A child kept crashing."""


class Supervisor:
    """Starts children in order, restarts one that dies, stops them in reverse order.

    A child that crashes more than ``max_restarts`` times within ``window`` seconds is not restarted
    again: the supervisor stops everything and reports failure (a crash loop helps nobody).
    """

    def __init__(self, children: list[ChildServer], out: Callable[[str], None] = print,
                 max_restarts: int = 5, window: float = 60.0, poll: float = 0.5, describe=None):
        self.children = list(children)
        self.out = out
        self.max_restarts = max_restarts
        self.window = window
        self.poll = poll
        self.describe = describe or (lambda child: "")
        self.crashes: dict[str, collections.deque] = {c.name: collections.deque() for c in self.children}
        self.restarts = collections.Counter()

    def start_child(self, child: ChildServer) -> None:
        child.start()
        extra = self.describe(child)
        self.out(f"  {child.name:<7} gestart / started  pid {child.pid}{'  ' + extra if extra else ''}"
                 f"  (log: {child.log_path})")

    def start_all(self, stop: threading.Event | None = None) -> None:
        for child in self.children:
            if stop is not None and stop.is_set():
                return
            self.start_child(child)

    def add(self, child: ChildServer) -> None:
        self.children.append(child)
        self.crashes[child.name] = collections.deque()

    def check_once(self, stop: threading.Event) -> None:
        """Restart every child that died; raise GaveUp on a crash loop."""
        for child in self.children:
            if stop.is_set() or child.running or child.process is None:
                continue
            code = child.process.returncode
            now = time.monotonic()
            recent = self.crashes[child.name]
            recent.append(now)
            while recent and now - recent[0] > self.window:
                recent.popleft()
            if len(recent) > self.max_restarts:
                raise GaveUp(
                    f"{child.name} is {len(recent)} keer gestopt binnen {self.window:.0f} s; woo stopt. "
                    f"Zie {child.log_path}\n"
                    f"{child.name} crashed {len(recent)} times within {self.window:.0f} s; giving up. "
                    f"See {child.log_path}"
                )
            delay = min(0.5 * 2 ** (len(recent) - 1), 10.0)
            self.out(f"  {child.name} onverwacht gestopt / exited unexpectedly (code {code}); "
                     f"herstart over / restarting in {delay:.1f} s")
            if stop.wait(delay):
                return
            try:
                child.stop()  # reap and clean leftovers of the dead process group
                self.start_child(child)
                self.restarts[child.name] += 1
            except ServerError as exc:
                self.out(f"  {child.name}: herstart mislukt / restart failed: {exc}")

    def run(self, stop: threading.Event) -> int:
        """Supervise until ``stop`` is set (0) or a child keeps crashing (1); always stops all children."""
        try:
            while not stop.wait(self.poll):
                self.check_once(stop)
            return 0
        except GaveUp as exc:
            self.out(str(exc))
            return 1
        finally:
            self.stop_all()

    def stop_all(self) -> None:
        for child in reversed(self.children):
            if child.process is not None:
                was_running = child.running
                child.stop()
                if was_running:
                    self.out(f"  {child.name:<7} gestopt / stopped")


# -- the stack --------------------------------------------------------------------------------------


def worker_count(env: dict | None = None) -> int:
    """Light workers: WOO_WORKERS, default one per core (the heavy worker comes on top)."""
    value = (env if env is not None else os.environ).get("WOO_WORKERS", "")
    try:
        count = int(value) if value else (os.cpu_count() or 1)
    except ValueError:
        count = os.cpu_count() or 1
    return max(1, min(count, 64))


def worker_children(data_dir: Path, logs: Path, env: dict) -> list[CommandChild]:
    """WOO_WORKERS workers on the light queue (text layers, privacy, classification) plus one on the
    heavy queue (OCR, PDF/A; it helps with light work when idle), so a slow scan never holds back the
    others. Only the first runs the housekeeping loop."""
    base = [sys.executable, "-m", "woo", "worker", "--data-dir", str(data_dir)]
    children = []
    for i in range(worker_count(env)):
        name = "worker" if i == 0 else f"worker{i + 1}"
        extra = ["--queue", "woo", "--queue", "woo-sync"] + ([] if i == 0 else ["--no-maintenance"])
        children.append(CommandChild(name, base + extra, logs, env=env, stop_timeout=20.0))
    children.append(CommandChild("heavy", base + ["--queue", "woo-heavy", "--queue", "woo", "--queue", "woo-sync",
                                                "--no-maintenance"],
                                 logs, env=env, stop_timeout=20.0))
    return children



def _read_instance(data_dir: Path) -> dict:
    path = instance_file(data_dir)
    if path.exists():
        try:
            return json.loads(path.read_text())
        except ValueError:
            return {}
    return {}


def _write_instance(data_dir: Path, values: dict) -> None:
    path = instance_file(data_dir)
    tmp = path.with_suffix(".json.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)  # holds the S3 secret
    with os.fdopen(fd, "w") as f:
        json.dump(values, f, indent=2, sort_keys=True)
    os.replace(tmp, path)


def _previous_port(url: str | None) -> int | None:
    try:
        port = urlparse(url).port if url else None
    except ValueError:
        return None
    return port if port and port_is_free(port) else None


def _lock_data_dir(data_dir: Path):
    """One `woo up` per data dir: a second one would fight over the same files and ports."""
    lock = open(data_dir / ".woo-up.lock", "w")
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        lock.close()
        raise ServerError(f"woo up draait al voor {data_dir} / woo up is already running for {data_dir}") from None
    return lock


def _print_login(out, base_url: str, result) -> None:
    out("")
    out(f"woo draait / woo is running:  {base_url}/login")
    if result is not None and result.admin_password:
        out(f"  gebruiker / user:          {result.admin_username}")
        out(f"  wachtwoord / password:     {result.admin_password}")
        out("  Bewaar dit wachtwoord; het wordt alleen nu getoond. / Keep this password; it is shown only now.")
    elif result is not None:
        out("  Log in met een bestaand account. / Log in with an existing account.")
    out("Stoppen / stop: Ctrl-C")
    out("")


def run_stack(data_dir: Path, port: int = 8000, out: Callable[[str], None] | None = None,
              stop: threading.Event | None = None) -> int:
    """Run the embedded stack in the foreground until Ctrl-C / SIGTERM; returns the exit code.

    ``stop`` lets a caller (a test) end the stack without a signal; signal handlers are installed
    only when called from the main thread.
    """
    out = out or (lambda line: print(line, flush=True))
    data_dir = Path(data_dir).resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    logs = data_dir / "logs"
    stop = stop or threading.Event()

    if not port_is_free(port):
        out(f"Poort {port} is al in gebruik; kies een andere met --port. / Port {port} is in use; pick another with --port.")
        return 2
    try:
        lock = _lock_data_dir(data_dir)
    except ServerError as exc:
        out(str(exc))
        return 2

    previous_handlers = {}
    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGINT, signal.SIGTERM):
            previous_handlers[sig] = signal.signal(sig, lambda *_: stop.set())

    previous = _read_instance(data_dir)
    s3 = S3Server(data_dir / "s3",
                  access_key=previous.get("WOO_S3_ACCESS_KEY") or "woo",
                  secret_key=previous.get("WOO_S3_SECRET_KEY") or secrets.token_urlsafe(24),
                  log_dir=logs)
    redis = RedisServer(data_dir / "redis", port=_previous_port(previous.get("WOO_REDIS_URL")),
                        appendonly=True, log_dir=logs)
    base_url = os.environ.get("WOO_BASE_URL") or f"http://{LOCALHOST}:{port}"
    supervisor = Supervisor([s3, redis], out=out, describe=lambda c: {
        "s3": f"http://{s3.endpoint}", "redis": redis.url, "web": base_url}.get(c.name, ""))

    out(f"woo up: {data_dir}")
    try:
        supervisor.start_all(stop)
        if stop.is_set():
            return 0
        instance = {**previous,
                    "WOO_S3_ENDPOINT": s3.endpoint,
                    "WOO_S3_ACCESS_KEY": s3.access_key,
                    "WOO_S3_SECRET_KEY": s3.secret_key,
                    "WOO_REDIS_URL": redis.url,
                    # compacted after destruction, so destroyed data leaves the volume files too
                    "WOO_SEAWEEDFS_MASTER": f"http://{LOCALHOST}:{s3.ports['master']}",
                    "WOO_BASE_URL": base_url}
        _write_instance(data_dir, instance)

        settings = load_settings(data_dir)
        try:
            from woo.services.bootstrap import bootstrap_instance  # noqa: PLC0415 (heavy: app, models)

            result = bootstrap_instance(settings)
        except Exception as exc:  # noqa: BLE001 (report, stop the servers, exit non-zero)
            (logs / "bootstrap.log").write_text(traceback.format_exc())
            out(f"Inrichten mislukt / bootstrap failed: {exc!r} (details: {logs / 'bootstrap.log'})")
            return 1

        env = {**os.environ, "WOO_DATA_DIR": str(data_dir)}
        workers = worker_children(data_dir, logs, env)
        web = CommandChild("web", [
            sys.executable, "-m", "gunicorn", "--bind", f"{LOCALHOST}:{port}",
            "--workers", "2", "--threads", "4", "--graceful-timeout", "10",
            "--access-logfile", "-", "woo.wsgi:app",
        ], logs, env=env, ready_port=port)
        for child in (*workers, web):
            supervisor.add(child)
            if stop.is_set():
                return 0
            supervisor.start_child(child)
        _print_login(out, base_url, result)
        code = supervisor.run(stop)
        out("woo gestopt / woo stopped")
        return code
    except ServerError as exc:
        out(f"woo up mislukt / failed: {exc}")
        return 1
    finally:
        supervisor.stop_all()
        for sig, handler in previous_handlers.items():
            signal.signal(sig, handler)
        lock.close()
