"""Readiness of this process's dependencies, for load balancers and Kubernetes probes (woo/web/health.py)."""
from __future__ import annotations

from sqlalchemy import text

from woo.services.context import Context


def problems(ctx: Context) -> list[str]:
    """What this process cannot reach now (empty: ready). Dutch, one line each; no details of the cause."""
    found = []
    try:
        with ctx.sessions() as s:
            s.execute(text("SELECT 1"))
    except Exception:  # noqa: BLE001 - any failure means not ready
        found.append("database niet bereikbaar")
    redis = getattr(ctx.queue, "redis", None)
    if redis is not None:
        try:
            redis.ping()
        except Exception:  # noqa: BLE001
            found.append("Redis niet bereikbaar")
    return found
