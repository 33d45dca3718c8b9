"""The worker's housekeeping round: pending sidecars rewritten, fixity started when due, one worker at a time."""
from __future__ import annotations

import json
from datetime import timedelta

from tests.conftest import drain
from tests.factories import make_pdf
from tests.integration.test_publish import answered
from woo.archive import sidecars
from woo.domain import tooi
from woo.services import accounts, classification, maintenance, privacy, publication
from woo.services.context import SYSTEM
from woo.services.fsck import fsck
from woo.services.ingest import ingest


def test_tick_rewrites_sidecars_after_publication_and_enqueues_fixity(woo_ctx, tmp_path):
    pdf = make_pdf(tmp_path / "jaarverslag.pdf", ["Jaarverslag 2025 van de gemeente."])
    with woo_ctx.unit_of_work() as s:
        org = accounts.default_organisation(s).id
    doc_id = ingest(woo_ctx, SYSTEM, org, "jaarverslag.pdf", path=pdf).document_id
    drain(woo_ctx)
    classification.set_category(woo_ctx, SYSTEM, doc_id, tooi.category_by_label("jaarplannen_en_jaarverslagen").uri)
    with woo_ctx.unit_of_work() as s:
        open_ids = [f.id for f in privacy.findings(s, doc_id) if f.decision == "open"]
    if open_ids:
        privacy.decide(woo_ctx, SYSTEM, doc_id, open_ids, "allow", reason="test")
    # the public title is confirmed with the publication (the file name is never published as title)
    assert publication.publish(woo_ctx, SYSTEM, [doc_id], metadata=answered([doc_id], "Jaarverslag 2025")).published == [doc_id]

    redis = woo_ctx.queue.redis
    redis.delete(maintenance.LOCK_KEY, maintenance.FIXITY_KEY)
    done = maintenance.tick(woo_ctx, now=1_000_000.0)
    assert done["described"] >= 1 and done.get("fixity_enqueued") is True
    state = json.loads(woo_ctx.store.get_bytes(sidecars.state_key(doc_id)))
    assert "published" in json.dumps(state)

    # a second worker in the same minute does nothing; after the lock and the interval, fixity again
    assert maintenance.tick(woo_ctx, now=1_000_010.0) == {"skipped": True}
    redis.delete(maintenance.LOCK_KEY)
    assert "fixity_enqueued" not in maintenance.tick(woo_ctx, now=1_000_020.0)
    redis.delete(maintenance.LOCK_KEY)
    later = 1_000_000.0 + woo_ctx.settings.fixity_interval_hours * 3600
    assert maintenance.tick(woo_ctx, now=later).get("fixity_enqueued") is True
    drain(woo_ctx)  # the fixity pass itself runs as a job

    # sidecars are archive metadata, not orphans (fsck --repair would delete orphans)
    report = fsck(woo_ctx, SYSTEM, orphan_grace=timedelta(0))
    assert woo_ctx.store.stat(sidecars.informatieobject_key(doc_id)) is not None
    assert not any(sidecars.is_archive_metadata(k) for k in report.orphans)
