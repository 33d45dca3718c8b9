"""The NL Design System theme of a page: token class, the organisation's own token CSS, logo and name.

Officer and public pages render with the vendored Utrecht component CSS and the NL Design System example
theme (class ``voorbeeld-theme``); an organisation's own design tokens (a CSS file of ``--basis-*`` and
``--utrecht-*`` custom properties: uploaded through woo and served at /thema/<code>/<name>
(woo.web.organisations.theme_file), or any same-origin path the front server serves) come after them.
The organisation is the one whose public host the request came to, else the default organisation.
"""
from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from flask import current_app, g, request
from sqlalchemy import select

from woo.adapters.models import Organisation

BASE_CLASS = "voorbeeld-theme"


@dataclass(frozen=True)
class Theme:
    css_class: str = BASE_CLASS
    css_url: str | None = None
    logo_url: str | None = None
    organisation_name: str | None = None
    contact: str | None = None


def _organisation(session) -> Organisation | None:
    from woo.domain import tooi

    host = (request.host or "").lower()
    orgs = list(session.execute(select(Organisation).order_by(Organisation.id).limit(500)).scalars())
    for o in orgs:
        if o.public_base_url and urlsplit(o.public_base_url).netloc.lower() == host:
            return o
    ref = tooi.organisation(current_app.config["WOO_SETTINGS"].organisation)
    for o in orgs:
        if ref is not None and o.tooi_uri == ref.uri:
            return o
    return orgs[0] if orgs else None


def current_theme() -> Theme:
    if "woo_theme" in g:
        return g.woo_theme
    from woo.app import context
    from woo.domain.organisations import contact_line

    theme = Theme()
    try:
        with context().unit_of_work() as s:
            org = _organisation(s)
            if org is not None:
                theme = Theme(css_url=org.theme_css_url or None,
                              logo_url=org.logo_url or None,
                              organisation_name=org.name,
                              contact=contact_line(org.contact))
    except Exception:  # a page (the error page of a broken database) still renders in the base theme
        current_app.logger.exception("thema van de organisatie niet gelezen")
    g.woo_theme = theme
    return theme


def init_app(app) -> None:
    @app.context_processor
    def _theme() -> dict:
        return {"theme": current_theme()}
