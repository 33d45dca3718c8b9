"""Refresh on change: ask the front servers (docker/nginx/woo.conf.template) to fetch changed URLs now.

The front server caches robots.txt, the sitemaps and the public files until the end of the current second.
A request with ``X-Woo-Refresh: <secret>`` skips that cache: nginx fetches woo's current answer (a 410 for
a withdrawn file, the rebuilt sitemap) and stores it in place of the old entry, so the next harvester gets
the new answer at once instead of up to a second (plus revalidation) later.

Configured by ``WOO_FRONT_REFRESH_URLS`` (the front servers' own base URLs, comma-separated, e.g.
``https://front:8443``) and ``WOO_FRONT_REFRESH_SECRET`` (nginx's ``NGINX_REFRESH_SECRET``); nothing
happens when either is empty. Best-effort: a short timeout, failures are logged and never raised, since
the cache expires within a second anyway. A front URL whose host name resolves to several addresses is
asked at each of them (a Kubernetes headless Service names every front pod: docker/kubernetes). Each URL is asked once per cache-key variant (gzip or not), with
the public host in ``Host`` (the cache key has it), over TLS without checking the front's certificate:
it is issued for the public host, not for the internal address asked here, and the only thing at stake is
which answer the cache holds (the secret lets a caller skip the cache, nothing else).
"""
from __future__ import annotations

import logging
import socket
from concurrent.futures import ThreadPoolExecutor
from typing import Iterable
from urllib.parse import urlsplit

log = logging.getLogger(__name__)

HEADER = "X-Woo-Refresh"
TIMEOUT = (0.5, 2.0)  # connect, read (seconds)
MAX_URLS = 200  # a bulk withdrawal: the rest expires from the cache within a second anyway
VARIANTS = ("gzip", "identity")  # the template's cache key: "gzip" or "" (anything else)


def file_path(document_id: str) -> str:
    """A document's public file URL (woo.web.public), as the front server caches it."""
    return f"/publicaties/{document_id}/bestand"


def _each_address(front: str) -> list[str]:
    """``front`` once per address its host resolves to (scheme://address:port), or as given when it does
    not resolve (the request then logs why)."""
    parts = urlsplit(front)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        found = socket.getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM)
    except OSError as exc:
        log.warning("front refresh: %s does not resolve: %s", front, exc)
        return [front]
    addresses = dict.fromkeys(info[4][0] for info in found)
    return [f"{parts.scheme}://{f'[{a}]' if ':' in a else a}:{port}" for a in addresses] or [front]


def configured(settings) -> bool:
    return bool(getattr(settings, "front_refresh_urls", ()) and getattr(settings, "front_refresh_secret", ""))


def refresh(settings, urls: Iterable[str], method: str = "GET") -> int:
    """Ask every configured front server for each absolute public URL in ``urls`` (cache skipped, answer
    stored). Returns how many requests were answered; never raises. GET returns once nginx has the whole
    answer (so it is stored when this returns); HEAD spares reading a large file here (nginx asks woo with
    GET and stores the answer all the same, a moment after this returns)."""
    if not configured(settings):
        return 0
    try:
        wanted = list(dict.fromkeys(urls))
        if len(wanted) > MAX_URLS:
            log.info("front refresh: %d URLs changed, refreshing the first %d", len(wanted), MAX_URLS)
            wanted = wanted[:MAX_URLS]
        fronts = dict.fromkeys(a for front in settings.front_refresh_urls for a in _each_address(front.rstrip("/")))
        jobs = [(front, url, coding) for front in fronts for url in wanted for coding in VARIANTS]
        if not jobs:
            return 0
        import requests
        import urllib3

        urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)  # see the module docstring
        with requests.Session() as session:
            def ask(job) -> bool:
                front, url, coding = job
                parts = urlsplit(url)
                target = front + (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
                try:
                    with session.request(method, target, headers={"Host": parts.netloc, HEADER: settings.front_refresh_secret,
                                                      "Accept-Encoding": coding},
                                     timeout=TIMEOUT, verify=False, allow_redirects=False, stream=True) as answer:
                        answer.raw.read(decode_content=False)  # nginx stores the entry once the body is sent
                        return True
                except Exception as exc:  # noqa: BLE001 - best-effort: the cache expires within a second
                    log.warning("front refresh of %s via %s failed: %s", url, front, exc)
                    return False

            with ThreadPoolExecutor(min(8, len(jobs))) as pool:
                answered = sum(pool.map(ask, jobs))
        log.debug("front refresh: %d of %d requests answered", answered, len(jobs))
        return answered
    except Exception:  # noqa: BLE001 - never fail the change that asked for it
        log.exception("front refresh failed")
        return 0
