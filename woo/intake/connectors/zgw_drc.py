"""Connector for the ZGW Documenten API (DRC), as Open Zaak and other zaaksystemen serve it.

Contract: the VNG-Realisatie Documenten API 1.x (an excerpt of the published OpenAPI document is in
``schemas/zgw/``). The connector reads ``GET /enkelvoudiginformatieobjecten`` page by page
(``count``/``next``/``previous``/``results``) and downloads ``inhoud``. Every request carries a ZGW JWT:
HS256 with the client secret, claims ``iss``, ``iat``, ``client_id``, ``user_id``, ``user_representation``
(a fresh token per request, so a long sync never runs into a server's token lifetime).

What is imported: only objects whose ``vertrouwelijkheidaanduiding`` is ``openbaar`` and whose
``informatieobjecttype`` is one of the configured URLs (and, when configured, whose ``bronorganisatie``
matches). The list operation of the published API filters on ``bronorganisatie`` (sent when configured)
but not on type or confidentiality, so those are checked here on every object, whatever the server
returns; the ``bronorganisatie`` filter is checked here too.

Incremental syncs: the Documenten API has no change feed and its list operation has no filter or
ordering on a modification date. ``changes()`` is therefore an honest full re-list: a changes pass walks
all pages again and returns every visible object with ``modified`` (``beginRegistratie``, the moment
the current ``versie`` was registered), ``extra["versie"]`` and the file's size and ``integriteit``; the
file URL names the version (``inhoud?versie=N``). The sync service, which stores the remote id, sees
what changed by comparing those (a new version means a new file URL) and changes nothing for the rest. An object of a configured type that is no longer ``openbaar`` comes back as a
``RemoteDeletion`` in a changes pass, so the service withdraws it if it had published it. Not detected:
an object deleted outright at the remote (it simply stops being listed; seeing that needs the set of
ids of a whole pass, which a page-by-page connector without state cannot give). Pages can shift while
a pass runs (objects added or removed between two page requests): an object may then come twice
(harmless, the service is idempotent) or be missed until the next pass.

Cursors are ``page:N``. A page the server no longer has (404: the list got shorter) or a cursor that is
not ours raises ``CursorExpired``; the service then starts again from the beginning.
"""
from __future__ import annotations

import email.utils
import logging
import time
import uuid as uuid_mod
from datetime import date, datetime, timezone
from typing import BinaryIO
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import jwt
import requests

from woo.intake.connectors.base import (
    AuthFailed,
    Batch,
    ConnectorError,
    CursorExpired,
    FileProblem,
    ItemProblem,
    RateLimited,
    RemoteDeletion,
    RemoteDocument,
    RemoteFile,
)

KIND = "zgw-drc"
log = logging.getLogger(__name__)

LIST_PATH = "enkelvoudiginformatieobjecten"
OPENBAAR = "openbaar"

# ISO 639-2/B (what the Documenten API's `taal` holds) -> ISO 639-1 (what woo keeps, as extraction guesses it)
LANGUAGES = {"dut": "nl", "eng": "en", "fry": "fy", "ger": "de", "fre": "fr", "spa": "es", "ita": "it",
             "por": "pt", "tur": "tr", "ara": "ar", "pol": "pl", "dan": "da", "swe": "sv", "nor": "no"}


def language_code(taal: str | None) -> str | None:
    """``dut`` -> ``nl``; an unknown or missing code gives None (the raw value stays in ``extra``)."""
    if not taal:
        return None
    return LANGUAGES.get(taal.strip().lower())


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    port = parts.port or {"http": 80, "https": 443}.get(parts.scheme)
    return parts.scheme, (parts.hostname or "").lower(), port


def _page_cursor(page: int) -> str:
    return f"page:{page}"


def _parse_cursor(cursor: str | None) -> int:
    if cursor is None:
        return 1
    prefix, _, number = str(cursor).partition(":")
    if prefix != "page" or not number.isdigit() or int(number) < 1:
        raise CursorExpired(f"Onbekende cursor {cursor!r} voor de Documenten API; de bron wordt opnieuw "
                            "volledig gesynchroniseerd.")
    return int(number)


def _retry_after(response: requests.Response) -> float | None:
    """Retry-After as seconds (delta-seconds or an HTTP date); None when absent or unreadable."""
    value = response.headers.get("Retry-After")
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())


class ZgwDrcConnector:
    """One Documenten API source. ``http`` is a ``requests.Session`` (or anything with its ``get``)."""

    kind = KIND

    def __init__(self, base_url: str, client_id: str, secret: str, informatieobjecttypen, *,
                 bronorganisatie: str | None = None, http=None, timeout: float = 30.0,
                 download_timeout: float = 300.0, max_attempts: int = 4, max_wait: float = 60.0,
                 user_id: str = "woo", user_representation: str = "woo (Woo-publicatie)", sleep=time.sleep):
        self.base_url = base_url.rstrip("/") + "/"
        self.client_id = client_id
        self._secret = secret
        self.types = frozenset(str(t).strip() for t in informatieobjecttypen)
        self.bronorganisatie = bronorganisatie or None
        self.http = http if http is not None else requests.Session()
        self.timeout = timeout
        self.download_timeout = download_timeout
        self.max_attempts = max(1, max_attempts)
        self.max_wait = max_wait
        self.user_id = user_id
        self.user_representation = user_representation
        self._sleep = sleep
        self._origin = _origin(self.base_url)

    # --- authorisation ------------------------------------------------------------------------------
    def token(self) -> str:
        now = int(time.time())
        claims = {"iss": self.client_id, "iat": now, "client_id": self.client_id,
                  "user_id": self.user_id, "user_representation": self.user_representation}
        return jwt.encode(claims, self._secret, algorithm="HS256")

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token()}", "Accept": "application/json"}

    # --- HTTP with back-off -------------------------------------------------------------------------
    def _request(self, url: str, *, params=None, stream: bool = False, timeout=None, what: str) -> requests.Response:
        """GET with the JWT; 429/5xx are retried after Retry-After (or 1, 2, 4 ... s), then RateLimited."""
        last_wait: float | None = None
        for attempt in range(1, self.max_attempts + 1):
            headers = self._headers()
            if stream:
                headers["Accept"] = "*/*"
            response = self.http.get(url, params=params, headers=headers, stream=stream,
                                     timeout=timeout or self.timeout)
            status = response.status_code
            if status in (401, 403):
                response.close()
                raise AuthFailed(f"De Documenten API weigert toegang (HTTP {status}) bij {what}: controleer "
                                 "client-id en secret en of deze applicatie 'documenten.lezen' mag voor de "
                                 "ingestelde informatieobjecttypen.")
            if status == 429 or status >= 500:
                wait = _retry_after(response)
                response.close()
                last_wait = wait if wait is not None else float(2 ** (attempt - 1))
                if attempt == self.max_attempts or last_wait > self.max_wait:
                    reason = "te veel verzoeken (HTTP 429)" if status == 429 else f"een serverfout (HTTP {status})"
                    raise RateLimited(f"De Documenten API antwoordt met {reason} bij {what}; later opnieuw "
                                      "proberen.", retry_after=last_wait)
                log.info("zgw-drc: HTTP %s on %s, retrying in %.1f s", status, url, last_wait)
                self._sleep(last_wait)
                continue
            return response
        raise RateLimited("De Documenten API blijft overbelast; later opnieuw proberen.", retry_after=last_wait)

    # --- listing ------------------------------------------------------------------------------------
    def snapshot(self, cursor: str | None) -> Batch:
        page = _parse_cursor(cursor)
        batch = self._page(page, deletions=False)
        if not batch.has_more:
            batch.next_cursor = None
            batch.changes_cursor = _page_cursor(1)
        return batch

    def changes(self, cursor: str) -> Batch:
        page = _parse_cursor(cursor)
        batch = self._page(page, deletions=True)
        if not batch.has_more:
            batch.next_cursor = _page_cursor(1)  # a pass is done; the next one starts at the top again
            batch.changes_cursor = _page_cursor(1)
        return batch

    def _page(self, page: int, *, deletions: bool) -> Batch:
        params: dict[str, str | int] = {"page": page}
        if self.bronorganisatie:
            params["bronorganisatie"] = self.bronorganisatie
        url = self.base_url + LIST_PATH
        try:
            response = self._request(url, params=params, what=f"pagina {page} van de documentenlijst")
        except requests.RequestException as exc:
            raise ConnectorError(f"De Documenten API is niet bereikbaar ({type(exc).__name__}).") from exc
        if response.status_code == 404 and page > 1:
            raise CursorExpired(f"De Documenten API kent pagina {page} niet (meer): de lijst is korter "
                                "geworden. De bron wordt opnieuw volledig gesynchroniseerd.")
        if response.status_code != 200:
            hint = " Controleer de basis-URL van de bron." if response.status_code == 404 else ""
            raise ConnectorError(f"De Documenten API gaf HTTP {response.status_code} op pagina {page} van de "
                                 f"documentenlijst.{hint}")
        try:
            body = response.json()
        except ValueError as exc:
            raise ConnectorError(f"Pagina {page} van de documentenlijst is geen geldige JSON.") from exc
        if not isinstance(body, dict) or not isinstance(body.get("results"), list):
            raise ConnectorError(f"Pagina {page} van de documentenlijst heeft niet de vorm van de Documenten "
                                 "API (count/next/previous/results).")

        records, problems = [], []
        skipped = 0
        for position, item in enumerate(body["results"], start=1):
            where = f"pagina {page}, object {position}"
            if not isinstance(item, dict):
                problems.append(ItemProblem(where, "Geen object maar een ander JSON-type; overgeslagen."))
                continue
            if isinstance(item.get("url"), str):
                where = item["url"]
            if not self._wanted_type(item):
                skipped += 1
                continue
            if item.get("vertrouwelijkheidaanduiding") != OPENBAAR:
                skipped += 1
                remote_id = _uuid_of(item.get("url"))
                if deletions and remote_id:
                    records.append(RemoteDeletion(remote_id))  # was it published? then it must come down
                continue
            try:
                records.append(self._document(item))
            except _Invalid as exc:
                problems.append(ItemProblem(where, f"Ongeldig informatieobject: {exc}"))
        if skipped:
            log.debug("zgw-drc: page %s: %s objects not imported (type or vertrouwelijkheid)", page, skipped)

        next_page = self._next_page(body.get("next"), page)
        return Batch(records=records, next_cursor=_page_cursor(next_page) if next_page else None,
                     has_more=next_page is not None, problems=problems)

    def remote_ids(self, max_pages: int = 100_000) -> set[str]:
        """Every object uuid the API lists now (the API has no change feed for hard deletions: a full listing
        is compared with what woo holds). Whole or not at all: an error, a page that is not the API's shape or
        a count that does not match what the pages gave raise ConnectorError, so a listing that failed half-way
        never reads as "these were deleted"."""
        ids: set[str] = set()
        page, expected, seen = 1, None, 0
        for _ in range(max_pages):
            params: dict[str, str | int] = {"page": page}
            if self.bronorganisatie:
                params["bronorganisatie"] = self.bronorganisatie
            try:
                response = self._request(self.base_url + LIST_PATH, params=params,
                                         what=f"pagina {page} van de volledige documentenlijst")
            except requests.RequestException as exc:
                raise ConnectorError(f"De Documenten API is niet bereikbaar ({type(exc).__name__}).") from exc
            if response.status_code != 200:
                raise ConnectorError(f"De Documenten API gaf HTTP {response.status_code} op pagina {page} van de "
                                     "volledige documentenlijst; niets ingetrokken.")
            try:
                body = response.json()
            except ValueError as exc:
                raise ConnectorError(f"Pagina {page} van de volledige documentenlijst is geen geldige JSON.") from exc
            if (not isinstance(body, dict) or not isinstance(body.get("results"), list)
                    or not isinstance(body.get("count"), int)):
                raise ConnectorError(f"Pagina {page} van de volledige documentenlijst heeft niet de vorm van de "
                                     "Documenten API (count/next/previous/results); niets ingetrokken.")
            if expected is None:
                expected = body["count"]
            elif body["count"] != expected:
                raise ConnectorError("De documentenlijst veranderde tijdens het lezen; niets ingetrokken, de "
                                     "volgende ronde probeert het opnieuw.")
            for item in body["results"]:
                seen += 1
                remote_id = _uuid_of(item.get("url")) if isinstance(item, dict) else None
                if remote_id is None:
                    raise ConnectorError(f"Een object op pagina {page} van de volledige documentenlijst heeft "
                                         "geen bruikbare url; niets ingetrokken.")
                ids.add(remote_id)
            next_page = self._next_page(body.get("next"), page)
            if next_page is None:
                break
            page = next_page
        else:
            raise ConnectorError("De volledige documentenlijst is langer dan verwacht; niets ingetrokken.")
        if seen != expected or len(ids) != expected:
            raise ConnectorError(f"De documentenlijst noemde {expected} objecten maar gaf er {seen}; niets "
                                 "ingetrokken.")
        return ids

    def _wanted_type(self, item: dict) -> bool:
        if item.get("informatieobjecttype") not in self.types:
            return False
        return not self.bronorganisatie or item.get("bronorganisatie") == self.bronorganisatie

    def _next_page(self, next_url, page: int) -> int | None:
        """The page number in ``next``; only a URL on the API's own host is followed."""
        if not next_url:
            return None
        if not isinstance(next_url, str) or _origin(next_url) != self._origin:
            raise ConnectorError("De Documenten API verwijst voor de volgende pagina naar een andere server; "
                                 "gestopt.")
        values = parse_qs(urlsplit(next_url).query).get("page")
        if not values or not values[0].isdigit() or int(values[0]) <= page:
            raise ConnectorError(f"De Documenten API gaf na pagina {page} een onbruikbare volgende pagina.")
        return int(values[0])

    def _document(self, item: dict) -> RemoteDocument:
        url = _required_str(item, "url")
        remote_id = _uuid_of(url)
        if remote_id is None:
            raise _Invalid("'url' eindigt niet op een UUID")
        title = _required_str(item, "titel").strip()
        if not title:
            raise _Invalid("'titel' is leeg")
        bronorganisatie = _required_str(item, "bronorganisatie")
        identificatie = item.get("identificatie") if isinstance(item.get("identificatie"), str) else ""
        created = _date(item, "creatiedatum", required=True)
        modified = _datetime(item, "beginRegistratie")
        versie = item.get("versie")
        if not isinstance(versie, int) or isinstance(versie, bool):
            raise _Invalid("'versie' is geen geheel getal")
        auteur = item.get("auteur")
        if auteur is not None and not isinstance(auteur, str):
            raise _Invalid("'auteur' is geen tekst")
        taal = item.get("taal")
        if taal is not None and not isinstance(taal, str):
            raise _Invalid("'taal' is geen tekst")

        file = None
        inhoud = item.get("inhoud")
        if inhoud is not None and inhoud != "":
            if not isinstance(inhoud, str) or not inhoud.startswith(("http://", "https://")):
                raise _Invalid("'inhoud' is geen download-URL")
            size = item.get("bestandsomvang")
            if size is not None and (not isinstance(size, int) or isinstance(size, bool) or size < 0):
                raise _Invalid("'bestandsomvang' is geen niet-negatief geheel getal")
            file = RemoteFile(url=_pinned(inhoud, versie), filename=_optional_str(item, "bestandsnaam"),
                              content_type=_optional_str(item, "formaat"), size=size)

        identifiers = tuple(x for x in (f"{bronorganisatie}:{identificatie}" if identificatie else None, url) if x)
        extra = {"versie": versie, "informatieobjecttype": item["informatieobjecttype"],
                 "bronorganisatie": bronorganisatie, "identificatie": identificatie or None,
                 "taal": taal, "status": item.get("status") or None,
                 "integriteit": item.get("integriteit") or None,
                 "ontvangstdatum": item.get("ontvangstdatum") or None,
                 "beschrijving": item.get("beschrijving") or None}
        return RemoteDocument(
            remote_id=remote_id, title=title, file=file, modified=modified, document_date=created,
            received=_date(item, "ontvangstdatum", required=False), creator=(auteur or "").strip() or None,
            organisation_code=bronorganisatie or None, language=language_code(taal), kind=None,
            identifiers=identifiers, extra={k: v for k, v in extra.items() if v is not None})

    # --- files --------------------------------------------------------------------------------------
    def download(self, file: RemoteFile, dest: BinaryIO, max_bytes: int) -> str | None:
        if _origin(file.url) != self._origin:
            raise FileProblem(f"De download-URL {file.url} ligt niet op de Documenten API zelf; niet opgehaald "
                              "(de inloggegevens gaan alleen naar de ingestelde server).")
        if file.size is not None and file.size > max_bytes:
            raise FileProblem(f"Het bestand is {file.size} bytes, meer dan de grens van {max_bytes} bytes.")
        deadline = time.monotonic() + self.download_timeout
        try:
            response = self._request(file.url, stream=True, timeout=(self.timeout, self.timeout),
                                     what=f"het downloaden van {file.url}")
            with response:
                if response.status_code in (404, 410):
                    raise FileProblem(f"Het bestand bestaat niet (meer) op de Documenten API "
                                      f"(HTTP {response.status_code}): {file.url}")
                if response.status_code != 200:
                    raise FileProblem(f"De Documenten API gaf HTTP {response.status_code} bij het downloaden "
                                      f"van {file.url}.")
                length = response.headers.get("Content-Length")
                if length and length.isdigit() and int(length) > max_bytes:
                    raise FileProblem(f"Het bestand is {length} bytes, meer dan de grens van {max_bytes} bytes.")
                written = 0
                for chunk in response.iter_content(chunk_size=64 * 1024):
                    written += len(chunk)
                    if written > max_bytes:
                        raise FileProblem(f"Het bestand is groter dan de grens van {max_bytes} bytes; "
                                          "afgebroken.")
                    if time.monotonic() > deadline:
                        raise FileProblem(f"Het downloaden duurde langer dan {self.download_timeout:.0f} s; "
                                          "afgebroken.")
                    dest.write(chunk)
                content_type = response.headers.get("Content-Type")
        except requests.Timeout as exc:
            raise FileProblem(f"Time-out bij het downloaden van {file.url}.") from exc
        except requests.RequestException as exc:
            raise FileProblem(f"Het downloaden van {file.url} mislukte ({type(exc).__name__}).") from exc
        if content_type:
            content_type = content_type.split(";")[0].strip().lower() or None
        return content_type

    def freshness(self) -> dict:
        return {}  # the Documenten API says nothing of its own freshness


class _Invalid(ValueError):
    """An object that does not follow the Documenten API schema (message in Dutch)."""


def _uuid_of(url) -> str | None:
    if not isinstance(url, str):
        return None
    last = urlsplit(url).path.rstrip("/").rsplit("/", 1)[-1]
    try:
        return str(uuid_mod.UUID(last))
    except ValueError:
        return None


def _pinned(inhoud: str, versie: int) -> str:
    """The download URL of exactly this version (the download operation's ``versie`` parameter): the bytes
    match the metadata read with them, and a new version has a new file URL, so the sync service fetches
    it even when its size did not change. A URL that already names a version is left as it is."""
    parts = urlsplit(inhoud)
    query = parse_qs(parts.query)
    if "versie" in query:
        return inhoud
    extra = urlencode({"versie": versie})
    return urlunsplit(parts._replace(query=f"{parts.query}&{extra}" if parts.query else extra))


def _required_str(item: dict, key: str) -> str:
    value = item.get(key)
    if not isinstance(value, str):
        raise _Invalid(f"'{key}' ontbreekt of is geen tekst")
    return value


def _optional_str(item: dict, key: str) -> str | None:
    value = item.get(key)
    return value.strip() or None if isinstance(value, str) else None


def _date(item: dict, key: str, *, required: bool) -> date | None:
    value = item.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, str):
        raise _Invalid(f"'{key}' ontbreekt of is geen datum")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise _Invalid(f"'{key}' is geen datum (JJJJ-MM-DD): {value[:40]!r}") from None


def _datetime(item: dict, key: str) -> datetime:
    value = item.get(key)
    if not isinstance(value, str):
        raise _Invalid(f"'{key}' ontbreekt of is geen datum-tijd")
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise _Invalid(f"'{key}' is geen datum-tijd (ISO 8601): {value[:40]!r}") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def from_config(config: dict, secret: str | None, http=None) -> ZgwDrcConnector:
    """Build the connector from a source's configuration; ValueError (Dutch) when something is missing.

    config: ``base_url`` (the API root, e.g. ``https://openzaak.example.nl/documenten/api/v1``),
    ``client_id``, ``informatieobjecttypen`` (list of Catalogi API URLs), optional ``bronorganisatie``
    (RSIN), optional ``timeout`` / ``download_timeout`` (seconds); ``secret`` is the client secret.
    """
    config = dict(config or {})
    base_url = str(config.get("base_url") or "").strip()
    if not base_url.startswith(("http://", "https://")) or not urlsplit(base_url).hostname:
        raise ValueError("Geef de basis-URL van de Documenten API op (http:// of https://), bijvoorbeeld "
                         "https://openzaak.example.nl/documenten/api/v1.")
    client_id = str(config.get("client_id") or "").strip()
    if not client_id:
        raise ValueError("Geef de client-id op waarmee woo zich bij de Documenten API meldt.")
    if not secret:
        raise ValueError("Geef het client-secret op dat bij de client-id hoort.")
    types = config.get("informatieobjecttypen")
    if isinstance(types, str):
        types = [t for t in types.replace(",", " ").split() if t]
    if not types or not all(isinstance(t, str) and t.startswith(("http://", "https://")) for t in types):
        raise ValueError("Geef ten minste één informatieobjecttype op (de URL uit de Catalogi API); zonder "
                         "filter wordt niets geïmporteerd.")
    bron = config.get("bronorganisatie")
    if bron is not None and bron != "" and not (isinstance(bron, str) and bron.isdigit() and len(bron) == 9):
        raise ValueError("De bronorganisatie is een RSIN van 9 cijfers.")
    kwargs = {}
    for key in ("timeout", "download_timeout"):
        if config.get(key) is not None:
            kwargs[key] = float(config[key])
    return ZgwDrcConnector(base_url, client_id, secret, types, bronorganisatie=bron or None, http=http, **kwargs)
