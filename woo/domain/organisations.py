"""Rules for organisations and their units (afdelingen), without I/O.

An organisation is a TOOI organisation (its URI, code and official name come from the TOOI lists in
``schemas/tooi``, never typed by hand); woo keeps a display name, the public host its site answers on, an
NL Design System theme (a same-origin token CSS and logo: the Content-Security-Policy allows only 'self')
and the contact details it publishes as bereikbaarheidsgegevens. Every check raises ``OrganisationError``
with a Dutch message naming the field.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from woo.domain import text, tooi

NAME_MAX = 300
UNIT_NAME_MAX = 200
URL_MAX = 500
CONTACT_FIELDS = ("email", "phone", "address", "url")
CONTACT_LABELS_NL = {"email": "e-mailadres", "phone": "telefoonnummer", "address": "bezoekadres",
                     "url": "contactpagina"}
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_PHONE = re.compile(r"\+?[0-9][0-9 ()-]{5,24}")
_PATH = re.compile(r"/[A-Za-z0-9._~/%+-]*")


class OrganisationError(ValueError):
    """Refused input; the message is Dutch."""


@dataclass(frozen=True)
class Changes:
    """The checked fields of an add or a change; None: leave the field as it is; "" clears it."""
    name: str | None = None
    public_base_url: str | None = None
    theme_css_url: str | None = None
    logo_url: str | None = None
    contact: dict | None = None


def tooi_organisation(code_or_uri: str) -> tooi.Organisation:
    """The TOOI organisation by code ("gm0363"), CBS code ("0363") or URI; refused when not in the lists."""
    ref = tooi.organisation((code_or_uri or "").strip())
    if ref is None:
        raise OrganisationError(f"‘{(code_or_uri or '').strip()[:60]}’ staat niet in de TOOI-lijsten van "
                                "organisaties. Geef een code als gm0363 of ws0636, of de TOOI-URI.")
    return ref


def _text(value: str, label: str, maximum: int, required: bool = False) -> str:
    value = (value or "").strip()
    if required and not value:
        raise OrganisationError(f"{label} is verplicht.")
    if len(value) > maximum:
        raise OrganisationError(f"{label} is te lang (hoogstens {maximum} tekens).")
    try:
        return text.check_text(value, label)
    except text.InvalidText as exc:
        raise OrganisationError(str(exc)) from exc


def check_name(value: str) -> str:
    return _text(value, "De naam", NAME_MAX, required=True)


def check_unit_name(value: str) -> str:
    return _text(value, "De naam van de afdeling", UNIT_NAME_MAX, required=True)


def check_public_url(value: str) -> str:
    """The public site's address: https (http only for localhost), a host, no path beyond '/'."""
    value = (value or "").strip().rstrip("/")
    if not value:
        return ""
    parts = urlsplit(value)
    local = (parts.hostname or "") in ("localhost", "127.0.0.1")
    if parts.scheme not in ("https",) + (("http",) if local else ()) or not parts.hostname:
        raise OrganisationError("Het openbare adres moet een https-adres zijn, zoals https://open.example.nl.")
    if parts.path or parts.query or parts.fragment or parts.username or len(value) > URL_MAX:
        raise OrganisationError("Het openbare adres is alleen schema en host, zonder pad, zoals "
                                "https://open.example.nl.")
    return value


def check_asset_path(value: str, label: str) -> str:
    """A theme file (token CSS, logo) on the same site: the pages' Content-Security-Policy allows only that."""
    value = (value or "").strip()
    if not value:
        return ""
    if len(value) > URL_MAX or value.startswith("//") or not _PATH.fullmatch(value):
        raise OrganisationError(f"{label} moet een pad op deze site zijn, zoals /thema/gemeente.css "
                                "(de beveiliging van de pagina's staat andere adressen niet toe).")
    return value


def check_contact(values: dict) -> dict:
    """E-mail, phone, address and contact page; empty fields are left out."""
    out: dict[str, str] = {}
    for key in CONTACT_FIELDS:
        value = _text(str(values.get(key) or ""), f"Het {CONTACT_LABELS_NL[key]}", 300)
        if not value:
            continue
        if key == "email" and not _EMAIL.fullmatch(value):
            raise OrganisationError(f"‘{value[:60]}’ is geen e-mailadres.")
        if key == "phone" and not _PHONE.fullmatch(value):
            raise OrganisationError(f"‘{value[:60]}’ is geen telefoonnummer.")
        if key == "url" and urlsplit(value).scheme not in ("https", "http"):
            raise OrganisationError("De contactpagina moet een webadres zijn (https://...).")
        out[key] = value
    unknown = set(values) - set(CONTACT_FIELDS)
    if unknown:
        raise OrganisationError(f"Onbekend contactveld: {sorted(unknown)[0][:40]}.")
    return out


def contact_line(contact: dict | None) -> str | None:
    """The footer's one line: address · phone · e-mail (None when nothing is known)."""
    contact = contact or {}
    parts = [contact[k] for k in ("address", "phone", "email") if contact.get(k)]
    return " · ".join(parts) or None


def check_changes(*, name=None, public_base_url=None, theme_css_url=None, logo_url=None,
                  contact=None) -> Changes:
    return Changes(
        name=check_name(name) if name is not None else None,
        public_base_url=check_public_url(public_base_url) if public_base_url is not None else None,
        theme_css_url=check_asset_path(theme_css_url, "Het thema (CSS)") if theme_css_url is not None else None,
        logo_url=check_asset_path(logo_url, "Het logo") if logo_url is not None else None,
        contact=check_contact(contact) if contact is not None else None)


def visible_unit_ids(member_of: set[int], all_work: bool) -> set[int] | None:
    """The unit filter of an officer's lists: their units (and work that belongs to no unit) unless they
    ask for everything, or have no unit at all. None: no unit filter."""
    if all_work or not member_of:
        return None
    return set(member_of)


# Actions on an existing document or dossier that its unit bounds: describe, review privacy, publish, withdraw,
# correct, hand over, add to a dossier. Reading is not bounded (the lists' "Hele organisatie" filter shows
# everything), nor is archival work (retention.*), which spans units and organisations.
UNIT_BOUND_ACTIONS = frozenset({"document.ingest", "document.edit", "document.review", "document.publish"})


def unit_allows(action: str, is_admin: bool, member_of: set[int], unit_id: int | None) -> bool:
    """Whether a user's units let them do ``action`` to work of unit ``unit_id`` (roles are checked apart).

    ``member_of``: the user's units in the object's organisation. Allowed: work of no unit; work of one of
    their units; everything for an admin, and for a user in no unit of that organisation (they work
    organisation-wide, as before units)."""
    if action not in UNIT_BOUND_ACTIONS or is_admin or unit_id is None or not member_of:
        return True
    return unit_id in member_of


def unit_not_empty_nl(unit_name: str, documents: int, dossiers: int) -> str:
    held = [f"{n} {one if n == 1 else many}" for n, one, many in
            ((documents, "document", "documenten"), (dossiers, "dossier", "dossiers")) if n]
    return (f"De afdeling ‘{unit_name}’ heeft nog {' en '.join(held)}. Draag die eerst over aan een andere "
            "afdeling; daarna kan de afdeling worden verwijderd.")


def unit_refusal_nl(unit_name: str | None) -> str:
    name = f" ({unit_name})" if unit_name else ""
    return (f"Dit hoort bij een andere afdeling{name}. Alleen die afdeling of een beheerder mag het "
            f"bewerken, beoordelen of publiceren; vraag die afdeling het aan u over te dragen.")
