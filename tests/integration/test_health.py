"""Probes (woo/web/health.py): /healthz answers while the process runs, /readyz only while the database and
Redis answer too; neither says more than a Dutch line per missing dependency, neither is cached."""
from __future__ import annotations

import dataclasses

from woo.app import create_app
from woo.services.context import build_context


def test_live_and_ready(woo_ctx):
    client = create_app(ctx=woo_ctx).test_client()
    live, ready = client.get("/healthz"), client.get("/readyz")
    assert (live.status_code, live.text) == (200, "ok\n")
    assert (ready.status_code, ready.text) == (200, "ok\n")
    assert ready.headers["Cache-Control"] == "no-store" and ready.headers["X-Content-Type-Options"] == "nosniff"


def test_not_ready_without_its_database(woo_ctx):
    from woo.embedded.servers import free_port

    nothing_there = f"postgresql+psycopg://woo@127.0.0.1:{free_port()}/woo?connect_timeout=2"
    gone = dataclasses.replace(woo_ctx.settings, database_url=nothing_there)
    client = create_app(ctx=build_context(gone)).test_client()
    ready = client.get("/readyz")
    assert ready.status_code == 503 and ready.text == "database niet bereikbaar\n"
    assert client.get("/healthz").status_code == 200  # alive: restarting would not bring the database back
