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


def _digits(value: str) -> str:
    digits = re.sub(r"\D", "", value or "")
    for prefix in ("0031", "31"):  # +31 20 ... and 020 ... are one number
        if digits.startswith(prefix) and len(digits) > 9:
            return "0" + digits[len(prefix):]
    return digits


def is_own_contact(contact: dict | None, kind: str, value: str) -> bool:
    """Is this privacy finding (type ``kind``: email, phone, address) one of the organisation's own contact
    details? Those are the bereikbaarheidsgegevens it publishes (Woo art. 3.3 lid 1 sub e), no one's
    personal data. An address matches when it is part of the organisation's address (a scan may find the
    street and number only); anything else must be the same value."""
    contact = contact or {}
    own = contact.get({"email": "email", "phone": "phone", "address": "address"}.get(kind, ""), "")
    if not own or not (value or "").strip():
        return False
    if kind == "email":
        return value.strip().lower() == own.strip().lower()
    if kind == "phone":
        return len(_digits(value)) >= 5 and _digits(value) == _digits(own)
    fold = lambda s: " ".join(re.sub(r"[,;]", " ", s).lower().split())  # noqa: E731
    return len(fold(value)) >= 5 and re.search(r"\d", value) is not None and fold(value) in fold(own)


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


# --------------------------------------------------------------------------- theme: logo and design tokens
# Uploaded through woo (woo.services.organisations.set_logo / set_tokens), kept in the object store and served
# from this site (/thema/<code>/<name>), so the pages' Content-Security-Policy ('self') allows them.

LOGO_MAX_BYTES = 512 * 1024
LOGO_TYPES = {"image/png": "png", "image/svg+xml": "svg"}
TOKENS_MAX = 300
TOKEN_SELECTOR = ".voorbeeld-theme"  # the class every page carries (woo.web.theme.BASE_CLASS)
_TOKEN_NAME = re.compile(r"--[a-z][a-z0-9-]{0,99}")
_TOKEN_VALUE = re.compile(r"[#%(),./0-9A-Za-z \t'\"+-]{1,200}")
_TOKEN_LINE = re.compile(r"\s*(--[^:\s]+)\s*:\s*(.*?)\s*;?\s*")
THEME_FILE = re.compile(r"(logo|tokens)-[0-9a-f]{16}\.(png|svg|css)")
_SVG = "{http://www.w3.org/2000/svg}"
_XLINK_HREF = "{http://www.w3.org/1999/xlink}href"


def check_logo(data: bytes, mime: str) -> str:
    """The logo's extension (png / svg) for a file of the type python-magic found, or a Dutch refusal."""
    if not data:
        raise OrganisationError("Het logo is leeg.")
    if len(data) > LOGO_MAX_BYTES:
        raise OrganisationError(f"Het logo is te groot (hoogstens {LOGO_MAX_BYTES // 1024} kB).")
    if mime in ("text/xml", "application/xml", "text/plain") and b"<svg" in data[:4096]:
        mime = "image/svg+xml"  # an SVG without XML declaration or doctype
    ext = LOGO_TYPES.get(mime)
    if ext is None:
        raise OrganisationError(f"Het logo moet een PNG- of SVG-bestand zijn (dit is {mime or 'onbekend'}).")
    if ext == "svg":
        refusal = svg_refusal(data)
        if refusal:
            raise OrganisationError(refusal)
    return ext


def svg_refusal(data: bytes) -> str | None:
    """Why an SVG logo is refused (None: it is only drawing). Refused rather than cleaned, so that what is
    shown is what the admin uploaded: scripts, event handlers, embedded HTML, links or references outside the
    file (``href`` other than ``#id``, ``url()`` other than ``#id``, ``@import``), entities, and anything that is
    not an ``<svg>`` document."""
    from lxml import etree

    if b"<!ENTITY" in data or b"<!entity" in data:
        return "Het SVG-logo bevat entiteiten (<!ENTITY>); die zijn niet toegestaan."
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError:
        return "Het SVG-logo is geen geldig XML-bestand."
    if root.tag != f"{_SVG}svg":
        return "Het logo is geen SVG-afbeelding (het hoofdelement is geen <svg>)."
    for el in root.iter():
        if not isinstance(el.tag, str):
            if isinstance(el, etree._ProcessingInstruction):
                return "Het SVG-logo bevat een verwerkingsinstructie; die is niet toegestaan."
            continue
        local = etree.QName(el).localname.lower()
        if local in ("script", "foreignobject", "iframe", "embed", "object", "handler", "listener"):
            return f"Het SVG-logo bevat <{etree.QName(el).localname}>: scripts en ingebedde inhoud zijn niet toegestaan."
        if local == "style" and _css_refusal(el.text or ""):
            return _css_refusal(el.text or "")
        for name, value in el.attrib.items():
            attr = etree.QName(name).localname.lower()
            if attr.startswith("on"):
                return f"Het SVG-logo bevat een scriptattribuut ({attr}); dat is niet toegestaan."
            if (attr == "href" or name == _XLINK_HREF) and not value.strip().startswith("#"):
                return "Het SVG-logo verwijst naar iets buiten het bestand (href); dat is niet toegestaan."
            if _css_refusal(value):
                return _css_refusal(value)
    return None


def _css_refusal(css: str) -> str | None:
    low = css.lower()
    if "@import" in low or "expression(" in low or "javascript:" in low:
        return "Het SVG-logo bevat stijlregels die iets laden of uitvoeren; die zijn niet toegestaan."
    for ref in re.findall(r"url\(\s*['\"]?([^'\")]*)", low):
        if not ref.strip().startswith("#"):
            return "Het SVG-logo verwijst in een stijl naar iets buiten het bestand (url()); dat is niet toegestaan."
    return None


def check_tokens(text_: str) -> dict[str, str]:
    """Design tokens, one ``--naam: waarde`` a line (a ``.voorbeeld-theme { ... }`` block as woo writes it is
    read too), e.g. ``--utrecht-button-primary-action-background-color: #01689b``. Values are colours, sizes,
    font names and the like: no ``url()``, braces, semicolons inside, ``<``, ``@`` or backslashes."""
    tokens: dict[str, str] = {}
    for n, line in enumerate((text_ or "").replace(";", "\n").splitlines(), 1):
        line = line.strip()
        if not line or line in ("}", "{") or line.endswith("{") or line.startswith("/*"):
            continue
        m = _TOKEN_LINE.fullmatch(line)
        if not m:
            raise OrganisationError(f"Regel {n} is geen ontwerptoken (schrijf --naam: waarde).")
        name, value = m.group(1).lower(), m.group(2)
        if not _TOKEN_NAME.fullmatch(name):
            raise OrganisationError(f"‘{name[:60]}’ is geen geldige tokennaam (kleine letters, cijfers en -).")
        if not _TOKEN_VALUE.fullmatch(value) or "url(" in value.lower() or "expression(" in value.lower():
            raise OrganisationError(f"De waarde van {name} is niet toegestaan: alleen kleuren, maten, lettertypen "
                                    "en dergelijke (geen url(), accolades, <, @ of \\).")
        tokens[name] = value
    if len(tokens) > TOKENS_MAX:
        raise OrganisationError(f"Te veel ontwerptokens (hoogstens {TOKENS_MAX}).")
    return tokens


def tokens_css(tokens: dict[str, str]) -> str:
    """The organisation's token CSS: after the example theme on the same selector, so its values win."""
    body = "".join(f"  {name}: {value};\n" for name, value in sorted(tokens.items()))
    return f"/* Ontwerptokens van de organisatie (woo) */\n{TOKEN_SELECTOR} {{\n{body}}}\n"
