"""The embedded SQLite engine's connection settings (woo.adapters.db)."""
from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy import text

from woo.adapters import db


def _pragmas(url: str) -> tuple[str, int, int]:
    with db.engine_for(url).connect() as conn:
        return (conn.execute(text("PRAGMA journal_mode")).scalar(), conn.execute(text("PRAGMA synchronous")).scalar(),
                conn.execute(text("PRAGMA busy_timeout")).scalar())


def _fsyncs(monkeypatch, path) -> list[tuple[str, bool]]:
    """Record each fsync of the database's files: (file, whether another connection could take the write
    lock at that moment). The real fsync still runs."""
    import os

    seen, real = [], os.fsync

    def fsync(fd):
        name = os.readlink(f"/proc/self/fd/{fd}")
        if name.startswith(str(path)):
            probe = sqlite3.connect(str(path), timeout=0)
            try:
                probe.execute("BEGIN IMMEDIATE")  # fails at once while a writer holds the lock
                probe.rollback()
                free = True
            except sqlite3.OperationalError:
                free = False
            finally:
                probe.close()
            seen.append((os.path.basename(name), free))
        return real(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    return seen


def test_sqlite_commits_are_durable_by_default_with_the_fsync_outside_the_write_lock(tmp_path, monkeypatch):
    """FULL durability (an acknowledged commit survives a power loss) without holding the one write lock for
    the fsync: the connection runs with synchronous=NORMAL and each commit fsyncs the WAL after COMMIT has
    released the lock, before it returns."""
    monkeypatch.delenv("WOO_SQLITE_SYNCHRONOUS", raising=False)
    path = tmp_path / "woo.db"
    url = f"sqlite:///{path}"
    try:
        assert _pragmas(url) == ("wal", 1, 30000)
        with db.engine_for(url).begin() as conn:
            conn.execute(text("CREATE TABLE t (v TEXT)"))
        seen = _fsyncs(monkeypatch, path)
        with db.engine_for(url).begin() as conn:
            conn.execute(text("INSERT INTO t VALUES ('x')"))
            assert seen == []  # not before the commit
        assert seen == [("woo.db-wal", True)]  # once, on the WAL, with the write lock already free
    finally:
        db.dispose(url)


def test_sqlite_commits_without_an_fsync_each_when_asked(tmp_path, monkeypatch):
    """WOO_SQLITE_SYNCHRONOUS=normal: a commit does not wait for the disk at all (a power loss may undo the
    last commits); a second connection still sees it at once."""
    monkeypatch.setenv("WOO_SQLITE_SYNCHRONOUS", "normal")
    path = tmp_path / "woo.db"
    url = f"sqlite:///{path}"
    try:
        assert _pragmas(url) == ("wal", 1, 30000)  # NORMAL (FULL is 2)
        seen = _fsyncs(monkeypatch, path)
        with db.engine_for(url).connect() as conn:
            conn.execute(text("CREATE TABLE t (v TEXT)"))
            conn.execute(text("INSERT INTO t VALUES ('x')"))
            conn.commit()
        assert seen == []
        other = db.engine_for(url).raw_connection()  # a connection of its own: the pool hands out a new one
        try:
            assert other.execute("SELECT v FROM t").fetchall() == [("x",)]
        finally:
            other.close()
    finally:
        db.dispose(url)


def test_a_wrong_synchronous_value_is_refused_in_dutch(tmp_path, monkeypatch):
    monkeypatch.setenv("WOO_SQLITE_SYNCHRONOUS", "soms")
    url = f"sqlite:///{tmp_path / 'woo.db'}"
    try:
        with pytest.raises(Exception, match="moet 'full' of 'normal' zijn"):
            _pragmas(url)
    finally:
        db.dispose(url)
