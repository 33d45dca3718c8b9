"""Database engine, sessions and migrations (Alembic from the first table on)."""
from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS = Path(__file__).resolve().parents[1] / "migrations"


_ENGINES: dict[str, Engine] = {}


def engine_for(url: str) -> Engine:
    """One engine (connection pool) per URL per process."""
    if url not in _ENGINES:
        _ENGINES[url] = _create(url)
    return _ENGINES[url]


def dispose(url: str) -> None:
    """Close one database's pooled connections (a test's throwaway database, a finished bench)."""
    engine = _ENGINES.pop(url, None)
    if engine is not None:
        engine.dispose()


def dispose_all() -> None:
    for engine in _ENGINES.values():
        engine.dispose()
    _ENGINES.clear()


def sqlite_synchronous() -> str:
    """FULL (default: every commit on disk before it returns) or NORMAL, from WOO_SQLITE_SYNCHRONOUS."""
    value = os.environ.get("WOO_SQLITE_SYNCHRONOUS", "full").strip().upper()
    if value not in ("FULL", "NORMAL"):
        raise ValueError(f"WOO_SQLITE_SYNCHRONOUS moet 'full' of 'normal' zijn, niet {value.lower()!r}.")
    return value


def sync_wal(db_path: str) -> None:
    """Make every commit written to ``db_path``'s write-ahead log so far durable: fsync the WAL file.

    What PRAGMA synchronous=FULL does inside COMMIT, done after it: a commit in WAL mode is durable once its
    frames (and all before them) are on disk, and any descriptor's fsync flushes the file's pages. A WAL
    that is gone was checkpointed into the database and synced by the connection that removed it."""
    try:
        fd = os.open(db_path + "-wal", os.O_RDONLY)
    except FileNotFoundError:
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _durable_after_commit(engine: Engine, db_path: str) -> None:
    """Durable commits without holding the write lock for the fsync.

    Under FULL, SQLite fsyncs the WAL inside COMMIT, while it holds the database's only write lock: 2.1 ms a
    commit on this VM, ~9 write transactions a document, and every other worker and the web waited for it
    (the lock was held ~60 % of the time by two workers and an ingest; waiters sleep 1, 2, 5, 10 ms in
    SQLite's busy handler, so a held lock costs them more than its length). So connections run with
    synchronous=NORMAL (COMMIT writes the frames and releases the lock) and the commit returns only after
    sync_wal: to the caller a commit is exactly as durable as under FULL (an acknowledged upload survives a
    power loss), the lock is just free during the fsync. The one difference: another connection may read a
    commit during its fsync (~2 ms) before its caller returns; whatever that reader commits in turn is synced
    with it (one WAL, synced in order). WOO_SQLITE_SYNCHRONOUS=normal (opt-in) skips the fsync too: a power
    loss may then undo the last commits."""
    dialect = engine.dialect
    commit = dialect.do_commit
    skip = sqlite_synchronous() == "NORMAL"

    def do_commit(dbapi_connection) -> None:
        commit(dbapi_connection)
        if not skip:
            sync_wal(db_path)

    dialect.do_commit = do_commit  # this engine's dialect instance only


def _create(url: str) -> Engine:
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(conn, _record):
            # WAL lets the web and the worker read while the other writes; FKs are off by default.
            cur = conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            # NORMAL: COMMIT no longer fsyncs while it holds the write lock; the commit is made durable
            # right after, outside the lock (_durable_after_commit), unless WOO_SQLITE_SYNCHRONOUS=normal.
            cur.execute("PRAGMA synchronous=NORMAL")
            # Deleted content is overwritten with zeros, not left in free pages: destruction must be
            # physical (woo.services.compaction also truncates the WAL after a destruction list).
            cur.execute("PRAGMA secure_delete=ON")
            cur.close()

        if path and path != ":memory:":
            _durable_after_commit(engine, path)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=10)


def session_factory(url: str) -> sessionmaker[Session]:
    return sessionmaker(engine_for(url), expire_on_commit=False)


def alembic_config(url: str):
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(url: str, revision: str = "head") -> None:
    from alembic import command

    command.upgrade(alembic_config(url), revision)


def current_revision(url: str) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine_for(url).connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()
