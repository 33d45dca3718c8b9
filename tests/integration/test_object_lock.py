"""Legal hold on archived records: with object lock on, a held version cannot be deleted, by anyone."""
from __future__ import annotations

import pytest
from minio.error import S3Error

from tests.factories import make_pdf
from woo.adapters.models import Document
from woo.adapters.objectstore import ObjectStoreError
from woo.services import accounts
from woo.services.bootstrap import bootstrap_instance
from woo.services.context import SYSTEM, build_context
from woo.services.ingest import ingest


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_legal_hold_blocks_deletion_until_lifted(make_settings, backend, tmp_path):
    settings = make_settings(backend, WOO_S3_BUCKET="woo-locked", WOO_S3_OBJECT_LOCK="1")
    ctx = build_context(settings)
    bootstrap_instance(settings, ctx)
    with ctx.unit_of_work() as s:
        org = accounts.default_organisation(s).id
    doc_id = ingest(ctx, SYSTEM, org, "akte.pdf", path=make_pdf(tmp_path / "akte.pdf", ["Akte."])).document_id
    with ctx.unit_of_work() as s:
        f = s.get(Document, doc_id).file("original")
        key, version = f.object_key, f.version_id

    ctx.store.set_legal_hold(key, version)
    assert ctx.store.has_legal_hold(key, version)
    with pytest.raises(S3Error):
        ctx.store.delete_all_versions(key)
    assert ctx.store.get_bytes(key, version) == (tmp_path / "akte.pdf").read_bytes()

    ctx.store.set_legal_hold(key, version, on=False)
    ctx.store.delete_all_versions(key)
    assert not [v for v in ctx.store.list_versions(key) if v.key == key]


def test_legal_hold_without_object_lock_says_so(woo_ctx, tmp_path):
    with woo_ctx.unit_of_work() as s:
        org = accounts.default_organisation(s).id
    doc_id = ingest(woo_ctx, SYSTEM, org, "b.pdf", path=make_pdf(tmp_path / "b.pdf", ["Brief."])).document_id
    with woo_ctx.unit_of_work() as s:
        f = s.get(Document, doc_id).file("original")
    # SeaweedFS would accept the hold here and still let a delete through: woo refuses to claim it
    with pytest.raises(ObjectStoreError, match="object lock"):
        woo_ctx.store.set_legal_hold(f.object_key, f.version_id)
