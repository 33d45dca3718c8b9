"""Alembic is the only way the schema changes: one head, and the models match the migrations."""
from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from woo.adapters import db
from woo.adapters.models import Base
from woo.publish import search


def test_single_head():
    heads = ScriptDirectory.from_config(db.alembic_config("sqlite://")).get_heads()
    assert len(heads) == 1, f"several Alembic heads {heads}: chain new migrations after the current head"


def test_models_match_migrations(tmp_path):
    url = f"sqlite:///{tmp_path / 'm.sqlite'}"
    db.upgrade(url)
    with db.engine_for(url).connect() as conn:
        # the public search index (FTS5 / tsvector) lives outside the ORM on purpose: woo/publish/search.py
        opts = {"include_name": lambda name, type_, parents: not search.outside_orm(name)}
        diff = compare_metadata(MigrationContext.configure(conn, opts=opts), Base.metadata)
    assert diff == [], f"models and migrations differ; add a migration: {diff}"
