"""Every MDTO sidecar produced for the shared corpus validates against MDTO 1.0.1 (document and file level)."""
from __future__ import annotations

import csv

from sqlalchemy import select

from tests.corpus import CORPUS, MANIFEST, requires_corpus
from woo.adapters.models import Document
from woo.archive import sidecars
from woo.metadata.xsd import validate_mdto
from woo.services import accounts, preservation
from woo.services.context import Actor
from woo.services.ingest import ingest

OFFICER = Actor("user", None, "corpus-test")


@requires_corpus
def test_every_corpus_sidecar_validates(woo_ctx, backend):
    import pytest

    if backend != "sqlite":
        pytest.skip("corpus run once (SQLite); the MDTO does not depend on the database")
    rows = list(csv.DictReader(MANIFEST.open()))
    with woo_ctx.unit_of_work() as s:
        org = accounts.default_organisation(s).id
    ids = [r.document_id for r in (ingest(woo_ctx, OFFICER, org, (CORPUS / row["path"]).name, path=CORPUS / row["path"])
                                   for row in rows) if r.document_id]
    # No drain: extraction/OCR of 83 files takes minutes; the sidecars of the originals are what varies here
    # (PDF/A renditions are measured by scripts/bench/pdfa.py and their sidecars covered in test_rebuild).
    described, problems = preservation.describe_pending(woo_ctx, limit=10_000)
    assert not problems
    with woo_ctx.unit_of_work() as s:
        keys = [f.object_key for d in s.execute(select(Document).where(Document.id.in_(ids))).scalars() for f in d.files]
    checked = 0
    for doc_id in set(ids):
        validate_mdto(woo_ctx.store.get_bytes(sidecars.informatieobject_key(doc_id)))
        checked += 1
    for key in keys:
        validate_mdto(woo_ctx.store.get_bytes(sidecars.bestand_key(key)))
        checked += 1
    assert checked == len(set(ids)) + len(keys) and len(set(ids)) >= 80
