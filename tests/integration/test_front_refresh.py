"""woo.publish.front_refresh from the service path: best-effort, a front server that does not answer never
fails the withdrawal (it is logged), and nothing is asked when it is not configured."""
from __future__ import annotations

import dataclasses
import logging
import socket

from tests.conftest import drain
from tests.integration.test_publish import PRIVACY
from tests.integration.test_publish_scale import _add_published
from woo.adapters.models import Document
from woo.config import load_settings
from woo.domain.lifecycle import Status
from woo.publish import front_refresh
from woo.services import publication
from woo.services.context import SYSTEM


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_an_unreachable_front_server_never_fails_the_withdrawal(woo_ctx, caplog):
    (gone,) = _add_published(woo_ctx, 1)
    drain(woo_ctx)
    woo_ctx.settings = dataclasses.replace(woo_ctx.settings, front_refresh_urls=(f"https://127.0.0.1:{_closed_port()}",),
                                           front_refresh_secret="s")
    with caplog.at_level(logging.WARNING, logger="woo.publish.front_refresh"):
        assert publication.withdraw(woo_ctx, SYSTEM, [gone], PRIVACY) == [gone]
    with woo_ctx.unit_of_work() as s:
        assert s.get(Document, gone).status == Status.WITHDRAWN
    failed = [r.getMessage() for r in caplog.records if "front refresh" in r.getMessage()]
    assert any(f"/publicaties/{gone}/bestand" in m for m in failed), failed
    assert any("/sitemaps/" in m for m in failed) and any("/robots.txt" in m for m in failed), failed


def test_not_configured_means_no_requests(tmp_path):
    settings = load_settings(tmp_path, env={"WOO_SECRET_KEY": "x"})
    assert settings.front_refresh_urls == () and not front_refresh.configured(settings)
    assert front_refresh.refresh(settings, ["http://127.0.0.1/robots.txt"]) == 0
    # a list without its secret is not configured either
    half = load_settings(tmp_path, env={"WOO_SECRET_KEY": "x", "WOO_FRONT_REFRESH_URLS": "https://a:8443"})
    assert not front_refresh.configured(half)
    both = load_settings(tmp_path, env={"WOO_SECRET_KEY": "x", "WOO_FRONT_REFRESH_SECRET": "geheim",
                                        "WOO_FRONT_REFRESH_URLS": " https://a:8443/, https://b:8443 ,"})
    assert both.front_refresh_urls == ("https://a:8443", "https://b:8443") and front_refresh.configured(both)


def test_a_front_name_is_asked_at_every_address_it_resolves_to():
    """A Kubernetes headless Service resolves to every front pod: each address gets the refresh."""
    assert "https://127.0.0.1:8443" in front_refresh._each_address("https://localhost:8443")
    assert front_refresh._each_address("https://127.0.0.1:9") == ["https://127.0.0.1:9"]
    assert front_refresh._each_address("https://does-not-resolve.invalid:1") == ["https://does-not-resolve.invalid:1"]


def test_withdrawing_a_dossier_asks_the_front_servers_for_every_file_it_took_down(woo_ctx, tmp_path, caplog):
    """The dossier's withdrawal goes through the same refresh as a single one (woo.services.dossiers.withdraw)."""
    from tests.integration.test_dossier_late import _published_woo_besluit
    from woo.services import dossiers

    did = _published_woo_besluit(woo_ctx, tmp_path)
    woo_ctx.settings = dataclasses.replace(woo_ctx.settings, front_refresh_urls=(f"https://127.0.0.1:{_closed_port()}",),
                                           front_refresh_secret="s")
    with caplog.at_level(logging.WARNING, logger="woo.publish.front_refresh"):
        done = dossiers.withdraw(woo_ctx, SYSTEM, did, PRIVACY)
    assert len(done) >= 2
    failed = " ".join(r.getMessage() for r in caplog.records if "front refresh" in r.getMessage())
    for doc_id in done:
        assert f"/publicaties/{doc_id}/bestand" in failed, (doc_id, failed[:500])


def test_publishing_a_dossier_asks_the_front_servers_for_every_file_it_published(woo_ctx, tmp_path, caplog):
    """The dossier's publish goes through the same refresh as a single publish (woo.services.dossiers.publish):
    a 404 a front server cached for a file URL before the publish is fetched anew."""
    from tests.integration.test_dossiers import allow_open_findings, import_woo_besluit
    from woo.services import dossiers

    did = import_woo_besluit(woo_ctx, tmp_path).dossier_id
    drain(woo_ctx)
    dossiers.set_status(woo_ctx, SYSTEM, did, "gereed")
    allow_open_findings(woo_ctx, did)
    woo_ctx.settings = dataclasses.replace(woo_ctx.settings, front_refresh_urls=(f"https://127.0.0.1:{_closed_port()}",),
                                           front_refresh_secret="s")
    with caplog.at_level(logging.WARNING, logger="woo.publish.front_refresh"):
        result = dossiers.publish(woo_ctx, SYSTEM, did)
    assert result.ok, result.blockers.as_dict()
    assert len(result.published) >= 2
    failed = " ".join(r.getMessage() for r in caplog.records if "front refresh" in r.getMessage())
    for doc_id in result.published:
        assert f"/publicaties/{doc_id}/bestand" in failed, (doc_id, failed[:500])
