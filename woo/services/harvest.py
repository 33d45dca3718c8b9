"""Harvest readiness for administrators: the outside-in check (woo.publish.harvest_check) and the
organisation's registration in ROO, the national register the Woo-index reads its collection URLs from.

woo cannot register anything at ROO itself (that is done by the organisation at
organisaties.overheid.nl); an administrator records here what was registered, when and by whom, so the
admin page can say what still has to be registered and warn when the host or the sitemap index URLs
differ from what ROO holds.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timezone
from urllib.parse import urlsplit

from sqlalchemy import select

from woo.adapters.models import HarvestRegistration, Organisation
from woo.domain import tooi
from woo.domain.text import InvalidText, check_text
from woo.publish import harvest_check
from woo.services import audit
from woo.services.context import Actor, Context


class RegistrationError(ValueError):
    """Bad input for a registration; the message is Dutch."""


@dataclass(frozen=True)
class Readiness:
    report: harvest_check.Report
    warnings: list[str]

    @property
    def ok(self) -> bool:
        return self.report.ok and not self.warnings


def registrations(ctx: Context, organisation_id: int) -> list[HarvestRegistration]:
    with ctx.unit_of_work() as s:
        rows = s.execute(select(HarvestRegistration).where(HarvestRegistration.organisation_id == organisation_id)
                         .order_by(HarvestRegistration.category_uri)).scalars().all()
        s.expunge_all()
        return list(rows)


def register(ctx: Context, actor: Actor, organisation_id: int, category_uri: str, url: str,
             registered_on: date | str, registered_by: str) -> None:
    """Record (or replace) the ROO registration of one category's collection URL."""
    category = tooi.category_by_uri(category_uri)
    if category is None or not category.sitemapindex_code:
        raise RegistrationError("Kies een informatiecategorie van de Woo (artikel 3.3).")
    url = (url or "").strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise RegistrationError("Geef de volledige aangemelde URL, beginnend met https://.")
    if isinstance(registered_on, str):
        try:
            registered_on = date.fromisoformat(registered_on.strip())
        except ValueError:
            raise RegistrationError("Geef de datum van aanmelden als JJJJ-MM-DD.") from None
    registered_by = (registered_by or "").strip()
    if not registered_by:
        raise RegistrationError("Vul in wie de aanmelding bij ROO heeft gedaan.")
    try:
        check_text(url, "De URL")
        check_text(registered_by, "Aangemeld door")
    except InvalidText as exc:
        raise RegistrationError(str(exc)) from None
    if len(url) > 500 or len(registered_by) > 200:
        raise RegistrationError("De URL mag hoogstens 500 en de naam hoogstens 200 tekens lang zijn.")
    when = datetime.combine(registered_on, time(), tzinfo=timezone.utc)
    with ctx.unit_of_work() as s:
        if s.get(Organisation, organisation_id) is None:
            raise RegistrationError("Onbekende organisatie.")
        row = s.execute(select(HarvestRegistration).where(
            HarvestRegistration.organisation_id == organisation_id,
            HarvestRegistration.category_uri == category.uri)).scalar_one_or_none()
        if row is None:
            row = HarvestRegistration(organisation_id=organisation_id, category_uri=category.uri)
            s.add(row)
        row.url, row.registered_on, row.registered_by, row.recorded_by = url, when, registered_by, actor.label
        audit.record(s, actor.label, "harvest.registered", None, organisation_id=organisation_id,
                     category=category.uri, url=url, registered_on=registered_on.isoformat(),
                     registered_by=registered_by)


def unregister(ctx: Context, actor: Actor, organisation_id: int, registration_id: int) -> None:
    with ctx.unit_of_work() as s:
        row = s.get(HarvestRegistration, registration_id)
        if row is None or row.organisation_id != organisation_id:
            raise RegistrationError("Deze aanmelding bestaat niet (meer).")
        audit.record(s, actor.label, "harvest.unregistered", None, organisation_id=organisation_id,
                     category=row.category_uri, url=row.url)
        s.delete(row)


def check(ctx: Context, organisation_id: int, base_url: str | None = None,
          fetch: harvest_check.Fetch | None = None) -> Readiness:
    """Crawl the public host (default WOO_BASE_URL) as the Woo-index does and compare what it serves with
    what is registered in ROO."""
    base = (base_url or ctx.settings.base_url).rstrip("/")
    report = harvest_check.check(base, fetch=fetch)
    registered = [harvest_check.Registered(r.category_uri, r.url) for r in registrations(ctx, organisation_id)]
    return Readiness(report, harvest_check.registration_warnings(base, registered, report.index_urls))
