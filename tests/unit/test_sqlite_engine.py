"""The embedded SQLite engine's connection settings (woo.adapters.db)."""
from __future__ import annotations

from sqlalchemy import text

from woo.adapters import db


def test_sqlite_commits_without_an_fsync_each_in_wal(tmp_path):
    """WAL with synchronous=NORMAL: a commit does not wait for the disk while holding the write lock the
    other workers queue for; a second connection still sees it at once."""
    url = f"sqlite:///{tmp_path / 'woo.db'}"
    try:
        with db.engine_for(url).connect() as conn:
            assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            assert conn.execute(text("PRAGMA synchronous")).scalar() == 1  # NORMAL (FULL is 2)
            assert conn.execute(text("PRAGMA busy_timeout")).scalar() == 30000
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
