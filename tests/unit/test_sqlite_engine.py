"""The embedded SQLite engine's connection settings (woo.adapters.db)."""
from __future__ import annotations

import pytest
from sqlalchemy import text

from woo.adapters import db


def _pragmas(url: str) -> tuple[str, int, int]:
    with db.engine_for(url).connect() as conn:
        return (conn.execute(text("PRAGMA journal_mode")).scalar(), conn.execute(text("PRAGMA synchronous")).scalar(),
                conn.execute(text("PRAGMA busy_timeout")).scalar())


def test_sqlite_is_wal_and_durable_by_default(tmp_path, monkeypatch):
    monkeypatch.delenv("WOO_SQLITE_SYNCHRONOUS", raising=False)
    url = f"sqlite:///{tmp_path / 'woo.db'}"
    try:
        assert _pragmas(url) == ("wal", 2, 30000)  # FULL: an acknowledged commit survives a power loss
    finally:
        db.dispose(url)


def test_sqlite_commits_without_an_fsync_each_when_asked(tmp_path, monkeypatch):
    """WOO_SQLITE_SYNCHRONOUS=normal: a commit does not wait for the disk while holding the write lock the
    other workers queue for; a second connection still sees it at once."""
    monkeypatch.setenv("WOO_SQLITE_SYNCHRONOUS", "normal")
    url = f"sqlite:///{tmp_path / 'woo.db'}"
    try:
        assert _pragmas(url) == ("wal", 1, 30000)  # NORMAL (FULL is 2)
        with db.engine_for(url).connect() as conn:
            conn.execute(text("CREATE TABLE t (v TEXT)"))
            conn.execute(text("INSERT INTO t VALUES ('x')"))
            conn.commit()
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
