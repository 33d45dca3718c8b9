"""A zaaksysteem as a source (issue 16): the ZGW Documenten API connector through woo's own sync service, against
the local DRC that validates every request and response against the published OpenAPI document."""
from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import select

from tests.drc_server import DrcServer
from tests.factories import make_pdf
from woo.adapters.models import Document, SourceItem
from woo.services import sources
from woo.services.context import SYSTEM

SECRET = "drc-test-secret-with-enough-bytes-0123456789"
CLIENT_ID = "woo-gemeente-test"
TYPE_BESLUIT = "https://catalogi.example.nl/api/v1/informatieobjecttypen/00000000-0000-4000-8000-000000000001"
TYPE_INTERN = "https://catalogi.example.nl/api/v1/informatieobjecttypen/00000000-0000-4000-8000-000000000003"


@pytest.fixture
def drc():
    server = DrcServer(secret=SECRET, client_id=CLIENT_ID, page_size=2).start()
    yield server
    server.stop()


def test_a_documenten_api_source_imports_only_openbaar_objects_of_the_configured_types(woo_ctx, drain_jobs, drc,
                                                                                       tmp_path):
    files = {}
    for i, title in enumerate(["Besluit kapvergunning Dorpsstraat", "Besluit evenementenvergunning Markt"]):
        pdf = make_pdf(tmp_path / f"b{i}.pdf", [f"{title}. Het college heeft besloten de vergunning te verlenen "
                                                f"aan de aanvrager, onder de voorwaarden in dit besluit."]).read_bytes()
        obj = drc.add(pdf, informatieobjecttype=TYPE_BESLUIT, titel=title, creatiedatum="2026-10-0" + str(i + 1))
        files[obj["url"]] = pdf
    drc.add(make_pdf(tmp_path / "v.pdf", ["Vertrouwelijk advies"]).read_bytes(), informatieobjecttype=TYPE_BESLUIT,
            titel="Vertrouwelijk advies", vertrouwelijkheidaanduiding="vertrouwelijk")
    drc.add(make_pdf(tmp_path / "i.pdf", ["Interne notitie"]).read_bytes(), informatieobjecttype=TYPE_INTERN,
            titel="Openbaar maar van een ander type")

    source_id = sources.add(woo_ctx, SYSTEM, "gm0363", "zgw-drc", "zaaksysteem",
                            {"base_url": drc.base_url, "client_id": CLIENT_ID, "informatieobjecttypen": [TYPE_BESLUIT]},
                            secret=SECRET)
    sources.sync(woo_ctx, SYSTEM, source_id)
    drain_jobs()
    view = sources.status(woo_ctx, source_id)
    assert view["last_error"] is None and view["counts"]["documents_created"] == 2, view
    assert SECRET not in repr(view)
    with woo_ctx.unit_of_work() as s:
        docs = [s.get(Document, i) for i in s.execute(select(SourceItem.document_id)
                                                      .where(SourceItem.source_id == source_id)).scalars()]
        assert sorted(d.title for d in docs) == ["Besluit evenementenvergunning Markt", "Besluit kapvergunning Dorpsstraat"]
        for d in docs:
            assert d.language == "nl"  # taal "dut" of the remote
            assert d.metadata_["confirmed"]["date.creatie"].startswith("2026-10-0")
            assert d.file("original").sha256 in {hashlib.sha256(b).hexdigest() for b in files.values()}
        titles = {d.title for d in s.execute(select(Document)).scalars()}
    assert "Vertrouwelijk advies" not in titles and "Openbaar maar van een ander type" not in titles
    assert not drc.contract_errors  # every request and answer followed the published contract

    # a second run changes nothing
    sources.sync(woo_ctx, SYSTEM, source_id)
    drain_jobs()
    again = sources.status(woo_ctx, source_id)
    assert again["last_error"] is None and again["counts"].get("documents_created", 0) == 0, again
    with woo_ctx.unit_of_work() as s:
        assert len(s.execute(select(SourceItem).where(SourceItem.source_id == source_id)).scalars().all()) == 2
