"""A local ZGW Documenten API (DRC) on 127.0.0.1 for the connector tests.

It serves the published contract (schemas/zgw/documenten-api-1.5.0.yaml, an excerpt of VNG-Realisatie's
OpenAPI document): ``GET /api/v1/enkelvoudiginformatieobjecten`` paged as the API pages it
(count/next/previous/results, 404 for a page past the end), filtered on ``bronorganisatie`` and
``identificatie`` as the spec allows, and ``GET .../{uuid}/download`` (the current file, or the one of
``?versie=N``). Every request and every response
is validated against that document with openapi-core; a violation is recorded in ``contract_errors``
(a request that breaks the contract gets a 400 ValidatieFout). Every request must carry a ZGW JWT
(HS256 with the configured secret, claims iss/iat/client_id/user_id/user_representation, iat recent):
otherwise 403, as Open Zaak answers.

A test can make it answer 429 with Retry-After or 500 (``fail_next``), 404 for one file
(``missing_files``), or be slow on one file (``slow_files``). Fixtures are built by the test with
``add()``, which validates each object against the ``EnkelvoudigInformatieObject`` schema component;
``add_raw()`` puts in an object as given (for the schema-invalid case).
"""
from __future__ import annotations

import copy
import functools
import json
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

import jwt
import yaml
from openapi_core import Config, OpenAPI
from openapi_core.contrib.werkzeug import WerkzeugOpenAPIRequest, WerkzeugOpenAPIResponse
from openapi_core.deserializing.media_types.util import json_loads
from openapi_schema_validator import OAS30Validator
from werkzeug.serving import WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

SPEC_PATH = Path(__file__).resolve().parents[1] / "schemas" / "zgw" / "documenten-api-1.5.0.yaml"
API_VERSION = "1.5.0"
JWT_MAX_AGE = 3600   # seconds an iat may lie in the past (Open Zaak's default JWT expiry)
JWT_LEEWAY = 30      # clock skew tolerated on iat in the future


_SPEC_CHECKED = False


@functools.cache
def _spec_text() -> str:
    return SPEC_PATH.read_text(encoding="utf-8")


@functools.cache
def _parsed_spec() -> dict:
    return yaml.load(_spec_text(), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def load_spec() -> dict:
    """The OpenAPI document as a dict (a fresh copy: callers may change it)."""
    return copy.deepcopy(_parsed_spec())


def _openapi(spec: dict, base_url: str) -> OpenAPI:
    """The document served at ``base_url``. The document itself is checked against the OpenAPI 3.0 schema
    once per process (that check takes about a second); later servers reuse the verdict."""
    global _SPEC_CHECKED
    served = copy.deepcopy(spec)
    served["servers"] = [{"url": base_url}]  # in memory only: the same contract at our address
    # the API answers errors as application/problem+json (RFC 7807): JSON, which openapi-core
    # deserialises only when told so
    options = {"extra_media_type_deserializers": {"application/problem+json": json_loads}}
    if _SPEC_CHECKED:
        options["spec_validator_cls"] = None
    api = OpenAPI.from_dict(served, config=Config(**options))
    _SPEC_CHECKED = True
    return api


def component_validator(spec: dict, name: str) -> OAS30Validator:
    """A validator for one schema component; refs resolve against the document's components."""
    schema = dict(spec["components"]["schemas"][name])
    schema["components"] = spec["components"]
    return OAS30Validator(schema, format_checker=OAS30Validator.FORMAT_CHECKER)


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, *args, **kwargs):  # the server keeps its own log (DrcServer.log)
        pass


@dataclass
class Failure:
    status: int
    retry_after: str | None = None


@dataclass
class DrcServer:
    secret: str
    client_id: str
    page_size: int = 3
    objects: list[dict] = field(default_factory=list)
    files: dict[str, bytes] = field(default_factory=dict)                  # uuid -> current content
    versions: dict[tuple[str, int], bytes] = field(default_factory=dict)  # (uuid, versie) -> content
    fail_next: list[Failure] = field(default_factory=list)     # forced answers for the next list/download requests
    missing_files: set[str] = field(default_factory=set)        # uuids whose download answers 404
    slow_files: dict[str, float] = field(default_factory=dict)  # uuid -> seconds before the body starts
    contract_errors: list[str] = field(default_factory=list)
    log: list[tuple[str, str, int]] = field(default_factory=list)  # (path, query string, status)
    seen_tokens: list[dict] = field(default_factory=list)       # decoded JWT claims of accepted requests
    list_gate: threading.Event | None = None  # when set up: a list request waits for it (a listing held open)
    list_entered: threading.Event = field(default_factory=threading.Event)  # a list request reached the gate
    validate_responses: bool = True  # the benchmark switches it off to time the connector, not openapi-core

    def __post_init__(self):
        self._server = make_server("127.0.0.1", 0, self._wsgi, threaded=True, request_handler=_QuietHandler)
        self.port = self._server.server_port
        self.base_url = f"http://127.0.0.1:{self.port}/api/v1"
        spec = load_spec()
        self.spec = spec
        self.openapi = _openapi(spec, self.base_url)
        self._eio = component_validator(spec, "EnkelvoudigInformatieObject")
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    # --- lifecycle ----------------------------------------------------------------------------------
    def start(self) -> "DrcServer":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    # --- fixtures -----------------------------------------------------------------------------------
    def object_url(self, object_uuid: str) -> str:
        return f"{self.base_url}/enkelvoudiginformatieobjecten/{object_uuid}"

    def add(self, content: bytes = b"%PDF-1.7 test\n", **fields) -> dict:
        """An enkelvoudiginformatieobject as the API returns it, validated against the schema component."""
        object_uuid = fields.pop("uuid", None) or str(uuid.uuid4())
        obj = {
            "url": self.object_url(object_uuid),
            "identificatie": f"DOC-{len(self.objects) + 1:05d}",
            "bronorganisatie": "002220647",
            "creatiedatum": "2026-11-02",
            "titel": f"Document {len(self.objects) + 1}",
            "vertrouwelijkheidaanduiding": "openbaar",
            "auteur": "Afdeling Ruimte",
            "status": "definitief",
            "formaat": "application/pdf",
            "taal": "dut",
            "versie": 1,
            "beginRegistratie": "2026-11-02T09:30:00Z",
            "bestandsnaam": f"document-{len(self.objects) + 1}.pdf",
            "inhoud": f"{self.object_url(object_uuid)}/download",
            "bestandsomvang": len(content),
            "link": "",
            "beschrijving": "",
            "ontvangstdatum": None,
            "verzenddatum": None,
            "indicatieGebruiksrecht": False,
            "verschijningsvorm": "",
            "ondertekening": None,
            "integriteit": None,
            "informatieobjecttype": "https://catalogi.example.nl/api/v1/informatieobjecttypen/"
                                    "00000000-0000-4000-8000-000000000001",
            "locked": False,
            "bestandsdelen": [],
            "trefwoorden": [],
            "archiefstatus": "nog_te_archiveren",
            "bevatPersoonsgegevens": "nee",
            "ontvangen": False,
            "vervallen": False,
        }
        obj.update(fields)
        errors = sorted(e.message for e in self._eio.iter_errors(obj))
        if errors:
            raise ValueError(f"fixture does not follow EnkelvoudigInformatieObject: {errors}")
        with self._lock:
            self.objects.append(obj)
            self.files[object_uuid] = content
            self.versions[(object_uuid, obj["versie"])] = content
        return obj

    def add_raw(self, obj: dict, content: bytes = b"") -> dict:
        with self._lock:
            self.objects.append(obj)
            self.files[obj["url"].rstrip("/").rsplit("/", 1)[-1]] = content
        return obj

    def update(self, obj: dict, content: bytes | None = None, **fields) -> dict:
        """A new version of an object, as PUT/PATCH would make it (versie + 1, new beginRegistratie)."""
        with self._lock:
            obj.update(fields)
            obj["versie"] = obj["versie"] + 1
            obj["beginRegistratie"] = fields.get("beginRegistratie") or time.strftime(
                "%Y-%m-%dT%H:%M:%SZ", time.gmtime())
            object_uuid = obj["url"].rsplit("/", 1)[-1]
            if content is not None:
                self.files[object_uuid] = content
                obj["bestandsomvang"] = len(content)
            self.versions[(object_uuid, obj["versie"])] = self.files[object_uuid]
        errors = sorted(e.message for e in self._eio.iter_errors(obj))
        if errors:
            raise ValueError(f"fixture does not follow EnkelvoudigInformatieObject: {errors}")
        return obj

    def delete(self, obj: dict) -> None:
        """A hard deletion, as DELETE /enkelvoudiginformatieobjecten/{uuid} makes it: gone from the listing
        and its download answers 404 (the API keeps no trace a client could page through)."""
        object_uuid = obj["url"].rstrip("/").rsplit("/", 1)[-1]
        with self._lock:
            self.objects.remove(obj)
            self.files.pop(object_uuid, None)
            for key in [k for k in self.versions if k[0] == object_uuid]:
                del self.versions[key]

    # --- HTTP ---------------------------------------------------------------------------------------
    def _wsgi(self, environ, start_response):
        request = Request(environ)
        response = self._handle(request)
        self.log.append((request.path, request.query_string.decode(), response.status_code))
        if self.validate_responses and not response.direct_passthrough:  # a slow stream is not read twice
            self._validate_response(request, response)
        return response(environ, start_response)

    def _problem(self, status: int, code: str, title: str, request: Request, **extra) -> Response:
        body = {"type": f"https://ref.tst.vng.cloud/ztc/api/v1/probleem/{code}", "code": code, "title": title,
                "status": status, "detail": title, "instance": f"urn:uuid:{uuid.uuid4()}", **extra}
        response = Response(json.dumps(body), status=status, content_type="application/problem+json")
        response.headers["API-version"] = API_VERSION
        return response

    def _check_jwt(self, request: Request) -> str | None:
        """None when the JWT is good, else the reason (the answer is a 403 Fout)."""
        header = request.headers.get("Authorization", "")
        if not header.startswith("Bearer "):
            return "Authenticatiegegevens zijn niet opgegeven."
        try:
            claims = jwt.decode(header[len("Bearer "):], self.secret, algorithms=["HS256"],
                                options={"require": ["iat"], "verify_iat": False})
        except jwt.InvalidTokenError as exc:
            return f"JWT ongeldig: {exc}"
        now = time.time()
        if not isinstance(claims.get("iat"), (int, float)) or claims["iat"] > now + JWT_LEEWAY \
                or claims["iat"] < now - JWT_MAX_AGE:
            return "JWT verlopen of iat ongeldig."
        for claim in ("iss", "client_id", "user_id", "user_representation"):
            if not isinstance(claims.get(claim), str):
                return f"JWT mist claim {claim}."
        if claims["client_id"] != self.client_id:
            return "Onbekende client_id."
        self.seen_tokens.append(claims)
        return None

    PREFIX = "/api/v1/enkelvoudiginformatieobjecten"

    def _route(self, path: str) -> tuple[str, str | None] | None:
        """("list", None) or ("download", uuid) for the operations served; None for any other path."""
        if path == self.PREFIX:
            return "list", None
        if path.startswith(self.PREFIX + "/") and path.endswith("/download"):
            object_uuid = path[len(self.PREFIX) + 1:-len("/download")]
            if "/" not in object_uuid:
                return "download", object_uuid
        return None

    def _handle(self, request: Request) -> Response:
        reason = self._check_jwt(request)
        if reason:
            return self._problem(403, "permission_denied", reason, request)
        route = self._route(request.path)
        if route is None:  # not an operation of the document: a plain 404, as any web server gives
            return self._problem(404, "not_found", "Niet gevonden.", request)
        try:
            self.openapi.validate_request(WerkzeugOpenAPIRequest(request))
        except Exception as exc:  # noqa: BLE001 - any contract violation is reported as such
            self.contract_errors.append(f"request {request.full_path}: {exc!r}")
            return self._problem(400, "invalid", "Ongeldig verzoek.", request,
                                 invalidParams=[{"name": "nonFieldErrors", "code": "invalid", "reason": str(exc)}])
        with self._lock:
            failure = self.fail_next.pop(0) if self.fail_next else None
        if failure:
            response = self._problem(failure.status, "throttled" if failure.status == 429 else "error",
                                     "Te veel verzoeken." if failure.status == 429 else "Serverfout.", request)
            if failure.retry_after is not None:
                response.headers["Retry-After"] = failure.retry_after
            return response
        operation, object_uuid = route
        return self._list(request) if operation == "list" else self._download(request, object_uuid)

    def _list(self, request: Request) -> Response:
        if self.list_gate is not None:
            self.list_entered.set()
            self.list_gate.wait(120)
        with self._lock:
            found = [o for o in self.objects
                     if all(request.args.get(key) in (None, o.get(key)) for key in ("bronorganisatie", "identificatie"))]
        try:
            page = int(request.args.get("page", "1"))
        except ValueError:
            page = 0
        pages = max(1, -(-len(found) // self.page_size))
        if page < 1 or page > pages:
            return self._problem(404, "not_found", "Ongeldige pagina.", request)
        chunk = found[(page - 1) * self.page_size: page * self.page_size]

        def link(number):
            query = {k: v for k, v in request.args.items() if k != "page"}
            query["page"] = number
            return f"{self.base_url}/enkelvoudiginformatieobjecten?{urlencode(query)}"

        body = {"count": len(found), "next": link(page + 1) if page < pages else None,
                "previous": link(page - 1) if page > 1 else None, "results": chunk}
        response = Response(json.dumps(body), status=200, content_type="application/json")
        response.headers["API-version"] = API_VERSION
        return response

    def _download(self, request: Request, object_uuid: str) -> Response:
        versie = request.args.get("versie")
        with self._lock:
            if versie is None:
                content = self.files.get(object_uuid)
            else:
                content = self.versions.get((object_uuid, int(versie)))
        if content is None or object_uuid in self.missing_files:
            return self._problem(404, "not_found", "Niet gevonden.", request)
        delay = self.slow_files.get(object_uuid)
        if delay:
            def slow():
                time.sleep(delay)
                yield content
            response = Response(slow(), status=200, content_type="application/octet-stream",
                                direct_passthrough=True)
        else:
            response = Response(content, status=200, content_type="application/octet-stream")
        response.headers["API-version"] = API_VERSION
        return response

    def _validate_response(self, request: Request, response: Response) -> None:
        if self._route(request.path) is None:
            return  # a path outside the document (answered 404): nothing to check it against
        if request.path.endswith("/enkelvoudiginformatieobjecten") and response.status_code == 404:
            # A page past the end: Django REST framework, which Open Zaak and the reference DRC are built on,
            # answers 404 "Ongeldige pagina."; the published document lists no 404 for this operation.
            return
        try:
            self.openapi.validate_response(WerkzeugOpenAPIRequest(request), WerkzeugOpenAPIResponse(response))
        except Exception as exc:  # noqa: BLE001
            self.contract_errors.append(f"response {request.full_path} {response.status_code}: {exc!r}")
