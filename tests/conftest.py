"""Session-wide real servers (S3, Redis, PostgreSQL) and a fresh woo instance per test.

Each integration test gets its own database (SQLite file or a new PostgreSQL database, migrated with
Alembic) and runs once per backend; storage is one real bucket per session (keys are random, so
tests do not collide), the queue is real Redis drained by an in-process rq worker.
"""
from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from tests.servers import start_test_servers

BACKENDS = ["sqlite", "postgresql"]


@pytest.fixture(scope="session")
def servers(tmp_path_factory):
    srv = start_test_servers(tmp_path_factory.mktemp("servers"))
    yield srv
    # Close pooled connections while the servers still answer (a connection collected after
    # PostgreSQL stopped crashes CPython 3.11.7 at exit).
    import gc

    from woo.adapters.db import dispose_all

    dispose_all()
    gc.collect()  # run finalizers of anything else still holding a connection while the servers answer
    srv.stop()


def _database_url(backend: str, servers, tmp_path: Path) -> str:
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'woo.sqlite'}"
    import sqlalchemy as sa

    name = "t_" + uuid.uuid4().hex[:12]
    admin = sa.create_engine(servers.postgres.url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return servers.postgres.url.rsplit("/", 1)[0] + "/" + name


@pytest.fixture
def make_settings(servers, tmp_path):
    """Settings for a fresh instance on the real servers; keyword overrides for special cases."""
    from woo.config import load_settings

    def make(backend: str = "sqlite", **overrides):
        env = {**servers.env(), "WOO_DATABASE_URL": _database_url(backend, servers, tmp_path),
               "WOO_SECRET_KEY": "test-secret", "WOO_BASE_URL": "http://127.0.0.1"}
        env.update({k: str(v) for k, v in overrides.items()})
        return load_settings(tmp_path / "data", env=env)
    return make


@pytest.fixture(params=BACKENDS)
def backend(request):
    return request.param


@pytest.fixture
def woo_ctx(make_settings, backend, servers):
    """A bootstrapped instance: schema, bucket, default organisation (gm0363), admin user."""
    from redis import Redis

    from woo import worker
    from woo.services.bootstrap import bootstrap_instance
    from woo.services.context import build_context

    Redis.from_url(servers.redis.url).flushdb()
    settings = make_settings(backend)
    ctx = build_context(settings)
    result = bootstrap_instance(settings, ctx)
    ctx.admin_password = result.admin_password
    worker.use_context(ctx)
    yield ctx
    worker.use_context(None)
    # Close this test database's pool now: hundreds of idle pools would exhaust PostgreSQL's
    # connections, and a pool collected later, at exit, trips a CPython 3.11 AST-depth bug.
    from woo.adapters.db import dispose

    dispose(settings.database_url)


def cli_env(settings) -> dict:
    """The environment that points a `woo` CLI invocation at this test's instance."""
    return {"WOO_DATABASE_URL": settings.database_url, "WOO_S3_ENDPOINT": settings.s3_endpoint,
            "WOO_S3_ACCESS_KEY": settings.s3_access_key, "WOO_S3_SECRET_KEY": settings.s3_secret_key,
            "WOO_S3_BUCKET": settings.s3_bucket, "WOO_REDIS_URL": settings.redis_url, "WOO_SECRET_KEY": "x"}


def process_alive(pid: int) -> bool:
    """The process exists and is not a zombie (a killed child not reaped yet still answers kill(pid, 0))."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def drain(ctx) -> None:
    """Run every queued job, light and heavy queue, with a real rq worker in this process (SimpleWorker:
    no fork); until both queues are empty (a light job may queue heavy work and the other way round)."""
    from rq import Queue, SimpleWorker

    from woo import worker
    from woo.adapters.queue import QUEUES

    worker.use_context(ctx)
    conn = ctx.queue.redis
    queues = [Queue(name, connection=conn) for name in QUEUES]
    while True:
        SimpleWorker(queues, connection=conn).work(burst=True)
        if not any(q.count for q in queues):
            break


@pytest.fixture
def drain_jobs(woo_ctx):
    return lambda: drain(woo_ctx)


@pytest.fixture
def live_server(woo_ctx):
    """The real app on a free port in a thread, for browsers and HTTP clients (harvesters, sickle)."""
    import threading

    from werkzeug.serving import make_server

    from woo.app import create_app

    server = make_server("127.0.0.1", 0, create_app(ctx=woo_ctx), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
