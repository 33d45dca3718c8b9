"""The shipped front server (docker/nginx/woo.conf.template, Debian's nginx) in front of the real app: the
harvest paths are cached (a second request is a HIT) yet a publish and a withdrawal show through the cache
within a second (with woo's refresh on change: on the very next request, and only with the secret); TLS,
gzip, the redirect from http, and woo's security headers reach the client."""
from __future__ import annotations

import dataclasses
import gzip
import re
import shutil
import threading
import time

import pytest
import requests

from tests import front_server
from tests.conftest import drain
from tests.integration.test_publish import PRIVACY, WOO_VERZOEK
from tests.integration.test_publish_scale import _add_published
from woo.adapters.models import Document
from woo.domain import tooi
from woo.publish import sitemaps
from woo.services import accounts, publication
from woo.services.context import SYSTEM

pytestmark = pytest.mark.skipif(not (shutil.which("nginx") or front_server.Path("/usr/sbin/nginx").exists()),
                                reason="nginx is not installed (Debian: apt-get install nginx-light; "
                                       "scripts/setup --test installs it)")

# Within a second of the change, plus a little for a busy 2-core machine to schedule the poll.
WITHIN = 1.0 + 0.3
SECURITY_HEADERS = ("Content-Security-Policy", "X-Content-Type-Options", "Referrer-Policy", "X-Frame-Options",
                    "Strict-Transport-Security")


@pytest.fixture
def front(woo_ctx, tmp_path):
    """woo (as gunicorn would run it: WOO_PROXY_HOPS=1) on 127.0.0.1 behind the shipped nginx config."""
    from werkzeug.serving import make_server

    from woo.app import create_app

    settings = dataclasses.replace(woo_ctx.settings, proxy_hops=1)
    app = make_server("127.0.0.1", 0, create_app(settings=settings, ctx=woo_ctx), threaded=True)
    thread = threading.Thread(target=app.serve_forever, daemon=True)
    thread.start()
    server = front_server.start(tmp_path / "nginx", f"127.0.0.1:{app.server_port}", workers="2")
    session = requests.Session()
    session.verify = str(server.cert)
    server.get = lambda path, **kw: session.get(server.url + path, timeout=10, verify=str(server.cert), **kw)
    yield server
    server.stop()
    app.shutdown()


def _org_id(ctx) -> int:
    with ctx.unit_of_work() as s:
        return accounts.default_organisation(s).id


def _sitemap_path(ctx, page: int = 0) -> str:
    return f"/sitemaps/{sitemaps.sitemap_name(tooi.category_by_uri(WOO_VERZOEK), _org_id(ctx), page)}"


def _file(ctx, doc_id: str, text: bytes) -> tuple[str, bytes]:
    """The document's public file in the bucket (as many bytes as its row says); its URL and bytes."""
    with ctx.unit_of_work() as s:
        stored = s.get(Document, doc_id).file("original")
        key, size = stored.object_key, stored.size
    data = text.ljust(size, b" ")
    ctx.store.put_bytes(key, data, "application/pdf")
    return f"/publicaties/{doc_id}/bestand", data


def _until(check, within: float = WITHIN) -> float:
    """Seconds until ``check()`` holds (polled every 20 ms); fails after ``within``."""
    t0 = time.monotonic()
    while not check():
        assert time.monotonic() - t0 <= within, f"not through the front server within {within} s"
        time.sleep(0.02)
    return time.monotonic() - t0


def test_harvest_paths_are_cached_with_security_headers_and_gzip(woo_ctx, front):
    (doc_id,) = _add_published(woo_ctx, 1)
    drain(woo_ctx)
    file_path, data = _file(woo_ctx, doc_id, b"%PDF-1.4 openbaar")
    index_path = f"/sitemaps/{sitemaps.index_name(tooi.category_by_uri(WOO_VERZOEK))}"

    for path, headers in (("/robots.txt", {}), (index_path, {}), (_sitemap_path(woo_ctx), {"Accept-Encoding": "gzip"}),
                          (_sitemap_path(woo_ctx), {"Accept-Encoding": "identity"}), (file_path, {})):
        first = front.get(path, headers=headers)
        second = front.get(path, headers=headers)
        assert first.status_code == second.status_code == 200, (path, first.status_code, front.error_log())
        assert first.headers["X-Cache-Status"] in {"MISS", "EXPIRED", "REVALIDATED"}, path
        assert second.headers["X-Cache-Status"] == "HIT", path
        assert first.content == second.content
        for response in (first, second):  # woo's headers survive the proxy and the cache
            for name in SECURITY_HEADERS:
                assert response.headers.get(name), (path, name, response.headers.get("X-Cache-Status"))
            assert response.headers["X-Content-Type-Options"] == "nosniff"
            assert "default-src 'self'" in response.headers["Content-Security-Policy"]
            assert "Server" not in response.headers or "/" not in response.headers["Server"]  # no version
    robots = front.get("/robots.txt").text
    assert f"{woo_ctx.settings.base_url}{index_path}" in robots  # what woo says, not nginx's host
    assert front.get(file_path).content == data

    # gzip: the stored sitemap as woo keeps it, for gzip clients only; plain for the rest
    gz = front.get(_sitemap_path(woo_ctx), headers={"Accept-Encoding": "gzip"}, stream=True)
    assert gz.headers["Content-Encoding"] == "gzip"
    assert doc_id.encode() in gzip.decompress(gz.raw.read(decode_content=False))
    plain = front.get(_sitemap_path(woo_ctx), headers={"Accept-Encoding": "identity"})
    assert "Content-Encoding" not in plain.headers and doc_id.encode() in plain.content
    # ... and nginx gzips the public pages, but not pages behind a login (BREACH)
    page = front.get(f"/publicaties/{doc_id}", headers={"Accept-Encoding": "gzip"})
    assert page.status_code == 200 and page.headers.get("Content-Encoding") == "gzip"
    assert page.headers.get("Content-Security-Policy")
    login = front.get("/login", headers={"Accept-Encoding": "gzip"})
    assert login.status_code == 200 and "Content-Encoding" not in login.headers
    assert login.headers.get("Strict-Transport-Security")

    # a harvester's revalidation is answered by nginx from the cache
    etag = front.get(file_path).headers["ETag"]
    again = front.get(file_path, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.headers["X-Cache-Status"] == "HIT"

    # plain http only redirects to https
    redirect = requests.get(f"http://127.0.0.1:{front.http_port}/robots.txt", allow_redirects=False, timeout=5)
    assert redirect.status_code == 301 and redirect.headers["Location"] == "https://127.0.0.1/robots.txt"
    # woo sees the client's scheme and host through the proxy (WOO_PROXY_HOPS=1)
    assert front.get("/healthz").text == "ok\n"


def test_withdrawal_gives_410_through_the_cache_within_a_second(woo_ctx, front):
    kept, gone = _add_published(woo_ctx, 2)
    drain(woo_ctx)
    path, _ = _file(woo_ctx, gone, b"%PDF-1.4 wordt ingetrokken")
    sitemap = _sitemap_path(woo_ctx)
    assert front.get(path).status_code == 200
    assert front.get(path).headers["X-Cache-Status"] == "HIT"
    assert gone.encode() in front.get(sitemap).content
    assert front.get(sitemap).headers["X-Cache-Status"] == "HIT"

    publication.withdraw(woo_ctx, SYSTEM, [gone], PRIVACY)  # rewrites the page before it returns
    _until(lambda: front.get(path).status_code == 410)
    gone_answer = front.get(path)
    assert gone_answer.status_code == 410 and gone_answer.headers.get("X-Content-Type-Options") == "nosniff"
    _until(lambda: gone.encode() not in front.get(sitemap).content)
    assert kept.encode() in front.get(sitemap).content
    # and never the file again from the cache, however often it is asked for
    assert all(front.get(path).status_code == 410 for _ in range(20))


def _refreshing(woo_ctx, front) -> None:
    """woo configured to refresh this front server after a change (WOO_FRONT_REFRESH_URLS / _SECRET)."""
    woo_ctx.settings = dataclasses.replace(woo_ctx.settings, front_refresh_urls=(front.url,),
                                           front_refresh_secret=front_server.REFRESH_SECRET)


def test_with_refresh_the_first_request_after_a_withdrawal_is_410(woo_ctx, front):
    """Refresh on change: withdraw() asks the front server for the file URL (both cache variants) and the
    rebuilt sitemap with the secret, so the very next harvester request gets the 410 and the new sitemap
    from the cache, not the cached 200 of this second. (Without WOO_FRONT_REFRESH_URLS the first request
    usually still gets the cached 200: this test fails then.)"""
    _refreshing(woo_ctx, front)
    kept, gone = _add_published(woo_ctx, 2)
    drain(woo_ctx)
    path, _ = _file(woo_ctx, gone, b"%PDF-1.4 wordt ingetrokken")
    sitemap = _sitemap_path(woo_ctx)
    for headers in ({"Accept-Encoding": "gzip"}, {"Accept-Encoding": "identity"}):
        front.get(path, headers=headers)
        assert front.get(path, headers=headers).headers["X-Cache-Status"] == "HIT"
    front.get(sitemap)
    assert front.get(sitemap).headers["X-Cache-Status"] == "HIT" and gone.encode() in front.get(sitemap).content

    publication.withdraw(woo_ctx, SYSTEM, [gone], PRIVACY)
    first = front.get(path, headers={"Accept-Encoding": "gzip"})
    assert first.status_code == 410, (first.status_code, first.headers.get("X-Cache-Status"))
    assert front.get(path, headers={"Accept-Encoding": "identity"}).status_code == 410
    listed = front.get(sitemap).content
    assert gone.encode() not in listed and kept.encode() in listed
    # the 410 is what the cache holds now (stamped like any answer): never the file again
    assert all(front.get(path).status_code == 410 for _ in range(10))
    assert "X-Woo-Refresh" not in front.get(path).request.headers


def test_publish_shows_through_the_cache_within_a_second(woo_ctx, front):
    (first,) = _add_published(woo_ctx, 1)
    drain(woo_ctx)
    index_path = f"/sitemaps/{sitemaps.index_name(tooi.category_by_uri(WOO_VERZOEK))}"
    other = tooi.category_by_code("infocat001")
    other_index = f"/sitemaps/{sitemaps.index_name(other)}"
    for path in ("/robots.txt", index_path, _sitemap_path(woo_ctx)):
        front.get(path)
        assert front.get(path).headers["X-Cache-Status"] == "HIT", path
    assert other_index not in front.get("/robots.txt").text
    assert front.get(other_index).status_code == 404

    (second,) = _add_published(woo_ctx, 1)  # committed as publish() commits: the feeds version moves
    (third,) = _add_published(woo_ctx, 1, category=other.uri)
    drain(woo_ctx)  # the worker's job that writes the sitemap pages
    _until(lambda: second.encode() in front.get(_sitemap_path(woo_ctx)).content)
    _until(lambda: other_index in front.get("/robots.txt").text)
    _until(lambda: front.get(other_index).status_code == 200)
    assert first.encode() in front.get(_sitemap_path(woo_ctx)).content
    assert third.encode() not in front.get(_sitemap_path(woo_ctx)).content


def test_access_log_names_what_the_cache_did_and_is_flushed_within_seconds(woo_ctx, front):
    """The template's own access log (to stdout, the container's log): one line per request with the
    cache status and the time taken, written in blocks but within its one-second flush."""
    for _ in range(3):
        assert front.get("/robots.txt").status_code == 200

    def lines():
        return [line for line in front.access_log().splitlines() if '"GET /robots.txt HTTP/1.1" 200' in line]
    _until(lambda: len(lines()) >= 3, within=WITHIN + 1.5)  # flush=1s, checked by nginx's timer
    logged = lines()
    assert any("cache=HIT" in line for line in logged), logged
    assert all(line.startswith("127.0.0.1 [") and re.search(r" 200 \d+ \d+\.\d{3} cache=", line) for line in logged)


def test_a_cold_url_asked_by_many_at_once_reaches_woo_about_once(woo_ctx, tmp_path):
    """The cache lock: 30 clients at once on a URL not yet cached, behind an origin that takes 0.6 s; nginx
    passes a few of them on (one, plus one per proxy_cache_lock_age while the first is still busy), not 30,
    and every client gets the answer."""
    import http.server
    import socketserver
    from concurrent.futures import ThreadPoolExecutor

    seen = []

    class Slow(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self):
            seen.append(self.path)
            time.sleep(0.6)
            body = b"User-agent: *\n"
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    class Threaded(socketserver.ThreadingMixIn, http.server.HTTPServer):
        daemon_threads = True

    origin = Threaded(("127.0.0.1", 0), Slow)
    threading.Thread(target=origin.serve_forever, daemon=True).start()
    server = front_server.start(tmp_path / "nginx", f"127.0.0.1:{origin.server_port}", workers="2")
    try:
        def ask(_):
            with requests.get(server.url + "/robots.txt", verify=str(server.cert), timeout=10) as answer:
                return answer.status_code, answer.content
        with ThreadPoolExecutor(30) as pool:
            answers = list(pool.map(ask, range(30)))
        assert answers == [(200, b"User-agent: *\n")] * 30
        # one, and one more per 0.2 s (proxy_cache_lock_age) while the first is busy: a few, not one per client
        assert 1 <= len(seen) <= 10, seen
    finally:
        server.stop()
        origin.shutdown()


def test_only_the_refresh_secret_skips_the_cache_and_it_never_reaches_woo(tmp_path):
    """A request with the right X-Woo-Refresh secret is fetched from the origin (BYPASS) and stored for the
    next one (a HEAD too: nginx fetches with GET and stores the answer); without the header, or with a wrong secret, it is an ordinary request (a HIT). The origin never
    sees the header."""
    import http.server
    import socketserver

    seen = []

    class Origin(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self):
            seen.append({**dict(self.headers), "method": self.command})
            body = f"User-agent: *\n# {len(seen)}\n".encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    class Threaded(socketserver.ThreadingMixIn, http.server.HTTPServer):
        daemon_threads = True

    origin = Threaded(("127.0.0.1", 0), Origin)
    threading.Thread(target=origin.serve_forever, daemon=True).start()
    server = front_server.start(tmp_path / "nginx", f"127.0.0.1:{origin.server_port}", workers="1")
    try:
        def ask(**headers):
            answer = requests.get(server.url + "/robots.txt", headers=headers, verify=str(server.cert), timeout=10)
            return answer.headers["X-Cache-Status"], answer.text

        assert ask()[0] in {"MISS", "EXPIRED"}
        for wrong in ("", "wrong", front_server.REFRESH_SECRET + "x", front_server.REFRESH_SECRET[:-1]):
            # HIT, or EXPIRED once this second's entry ran out: never skipped
            assert ask(**{"X-Woo-Refresh": wrong})[0] in {"HIT", "EXPIRED"}, wrong
        status, fresh = ask(**{"X-Woo-Refresh": front_server.REFRESH_SECRET})
        assert status == "BYPASS" and fresh == f"User-agent: *\n# {len(seen)}\n"
        status, text = ask()  # stored in place of the old entry (or, a second later, fetched anew)
        assert (status, text) == ("HIT", fresh) or status == "EXPIRED"
        # HEAD (woo's refresh of a new or corrected file, not read by woo): nginx asks with GET and stores it.
        # At the start of a second, so the old entry has run out and the stored one lasts ~0.9 s: a GET that
        # found nothing stored would go to the origin again (EXPIRED, one more request seen).
        time.sleep(1.05 - time.time() % 1)
        before = len(seen)
        head = requests.head(server.url + "/robots.txt", headers={"X-Woo-Refresh": front_server.REFRESH_SECRET},
                             verify=str(server.cert), timeout=10)
        assert head.headers["X-Cache-Status"] == "BYPASS" and len(seen) == before + 1
        assert seen[-1]["method"] == "GET"
        assert ask() == ("HIT", f"User-agent: *\n# {before + 1}\n") and len(seen) == before + 1
        assert not any(k.lower() == "x-woo-refresh" for headers in seen for k in headers), seen
    finally:
        server.stop()
        origin.shutdown()
