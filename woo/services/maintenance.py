"""Housekeeping the worker does on its own: rewrite pending MDTO sidecars, recover jobs (and transfer packages)
a killed worker left running, catch up on sitemap pages, start due source syncs, plan the daily and weekly digest runs,
and start the periodic fixity pass when it is due.

``tick`` is called about once a minute by every `woo worker`; a Redis lock lets only one of them do the
work per round, so running several workers never doubles it.
"""
from __future__ import annotations

import logging
import time
from datetime import datetime, timezone

from woo.services.context import Context

log = logging.getLogger(__name__)
LOCK_KEY = "woo:maintenance:lock"
FIXITY_KEY = "woo:fixity:last-enqueued"


def tick(ctx: Context, now: float | None = None) -> dict:
    """One round; returns what it did (for logs and tests)."""
    from woo.services import feeds, jobs, preservation

    redis = ctx.queue.redis
    now = time.time() if now is None else now
    if not redis.set(LOCK_KEY, "1", nx=True, ex=50):
        return {"skipped": True}
    done: dict = {"skipped": False}
    done["recovered"] = jobs.recover(ctx)
    try:  # transfer packages whose worker died while making them
        from woo.services import transfer

        done["transfers"] = transfer.recover(ctx)
    except Exception as exc:  # noqa: BLE001 - retried next round
        log.warning("transfer job recovery failed: %s", exc)
    described, problems = preservation.describe_pending(ctx, limit=500)
    done["described"] = described
    for problem in problems:
        log.warning("sidecar rewrite failed: %s", problem)
    try:  # sitemaps: a host changed by configuration, or a refresh job lost with Redis
        feeds.mark_foreign_hosts_stale(ctx)
        refreshed = feeds.refresh_pending(ctx)
        done["feeds"] = {"placed": refreshed.placed, "pages": refreshed.pages}
    except Exception as exc:  # noqa: BLE001 - the other housekeeping still runs; retried next round
        log.warning("sitemap refresh failed: %s", exc)
    try:  # sources: due incremental syncs, chains whose worker died, auto-publication after the scans
        from woo.services import sources

        done["sources"] = sources.tick(ctx)
    except Exception as exc:  # noqa: BLE001 - retried next round
        log.warning("source scheduling failed: %s", exc)
    try:  # subscriptions: the daily and weekly digest runs, once per period (WOO_DIGEST_HOUR)
        from woo.services import subscriptions

        done["digests"] = subscriptions.scheduled_runs(ctx, datetime.fromtimestamp(now, timezone.utc))
    except Exception as exc:  # noqa: BLE001 - retried next round
        log.warning("digest scheduling failed: %s", exc)
    hours = ctx.settings.fixity_interval_hours
    if hours:
        last = float(redis.get(FIXITY_KEY) or 0)
        if now - last >= hours * 3600:
            ctx.queue.enqueue("woo.services.fixity.periodic_fixity", job_id=f"woo-fixity-{int(now)}")
            redis.set(FIXITY_KEY, str(now))
            done["fixity_enqueued"] = True
    return done
