"""Which public host serves which organisations' documents.

An organisation registered in the Woo-index under its own (sub)domain sets ``public_base_url``; a request
whose Host matches it sees that organisation's documents with URLs on that host. Any other host is the
installation's default site: ``WOO_BASE_URL``, serving the organisations without a host of their own.
Every document is thus listed under exactly one host.
"""
from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlparse

from sqlalchemy import select
from sqlalchemy.orm import Session

from woo.adapters.models import Organisation


@dataclass(frozen=True)
class Site:
    base_url: str
    organisation_ids: frozenset[int]


def _host(url: str | None) -> str:
    return (urlparse(url).netloc if url else "").lower()


def resolve_site(session: Session, default_base_url: str, request_host: str) -> Site:
    host = request_host.lower()
    orgs = session.execute(select(Organisation.id, Organisation.public_base_url)).all()
    own = [(oid, url) for oid, url in orgs if url and _host(url) == host]
    if own:
        return Site(own[0][1].rstrip("/"), frozenset(oid for oid, _ in own))
    default_host = _host(default_base_url)
    return Site(default_base_url.rstrip("/"),
                frozenset(oid for oid, url in orgs if not url or _host(url) == default_host))


def base_url_for(public_base_url: str | None, default_base_url: str) -> str:
    """The base URL an organisation's documents are listed under (as ``resolve_site`` decides)."""
    if public_base_url and _host(public_base_url) != _host(default_base_url):
        return public_base_url.rstrip("/")
    return default_base_url.rstrip("/")
