"""OAI-PMH 2.0 repository over the published documents of one site (for archives and aggregators).

Records are every document ever published on the site; once withdrawn (or archived/destroyed) a record
stays as ``deleted`` (deletedRecord = persistent: the row is kept as a tombstone). Datestamps are the
document's ``updated_at`` (UTC, seconds granularity). Lists page by keyset on (updated_at, id); the
resumption token carries that position, so paging is stateless and stable under concurrent changes.
Formats: ``oai_dc``, ``diwoo`` (DiWoo 0.9.8) and ``mdto`` (MDTO 1.0.1 informatieobject: the public variant
of the archive sidecar in woo.archive.sidecars, without audit actors or bucket keys).
"""
from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from urllib.parse import urlparse

from lxml import etree
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import selectinload

from woo.adapters.models import Document
from woo.archive.sidecars import DocumentFacts, informatieobject_record
from woo.domain import tooi
from woo.domain.lifecycle import Status
from woo.domain.text import forbidden_characters, is_xml_safe, xml_text
from woo.metadata import mdto
from woo.metadata.diwoo import DiwooError, build_diwoo_document
from woo.metadata.xsd import DIWOO_NS, MDTO_NS
from woo.publish.records import as_utc, diwoo_record, file_url, page_url, public_file
from woo.publish.sites import Site

OAI_NS = "http://www.openarchives.org/OAI/2.0/"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
OAI_DC_NS = "http://www.openarchives.org/OAI/2.0/oai_dc/"
DC_NS = "http://purl.org/dc/elements/1.1/"
PAGE = 100

FORMATS = {
    "oai_dc": ("http://www.openarchives.org/OAI/2.0/oai_dc.xsd", OAI_DC_NS),
    "diwoo": ("https://standaarden.overheid.nl/diwoo/metadata/0.9.8/xsd/diwoo/diwoo-metadata.xsd", DIWOO_NS),
    "mdto": ("https://www.nationaalarchief.nl/mdto/MDTO-XML1.0.1.xsd", MDTO_NS),
}
ART_3_1_SET = "art3.1"  # the art. 3.1 category has no infocat code

VERB_ARGS = {  # verb -> (required, optional); resumptionToken is exclusive where allowed
    "Identify": (set(), set()),
    "ListMetadataFormats": (set(), {"identifier"}),
    "ListSets": (set(), {"resumptionToken"}),
    "GetRecord": ({"identifier", "metadataPrefix"}, set()),
    "ListIdentifiers": ({"metadataPrefix"}, {"from", "until", "set", "resumptionToken"}),
    "ListRecords": ({"metadataPrefix"}, {"from", "until", "set", "resumptionToken"}),
}


class OaiError(Exception):
    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code, self.message = code, message


def _q(name: str, ns: str = OAI_NS) -> str:
    return f"{{{ns}}}{name}"


def _sub(parent, name: str, text: str | None = None, ns: str = OAI_NS, **attrs):
    el = etree.SubElement(parent, _q(name, ns), **attrs)
    if text is not None:
        el.text = xml_text(text)  # a stored title or an echoed value never makes the answer fail (domain.text)
    return el


def stamp(value: datetime) -> str:
    return as_utc(value).strftime("%Y-%m-%dT%H:%M:%SZ")


def set_spec(category: tooi.Category) -> str:
    return category.sitemapindex_code or ART_3_1_SET


DOSSIER_SET_PREFIX = "dossier:"  # one set per dossier kind (issue 13): dossier:woo-besluit, ...


def dossier_set_spec(kind: str) -> str:
    return DOSSIER_SET_PREFIX + kind


def category_for_set(spec: str) -> tooi.Category | None:
    if spec == ART_3_1_SET:
        return next((c for c in tooi.woo_categories() if not c.sitemapindex_code), None)
    return tooi.category_by_code(spec) if spec.startswith("infocat") else None


def parse_datestamp(value: str, upper: bool) -> datetime:
    """OAI day or seconds granularity; ``until`` is inclusive, so it becomes the first instant after it."""
    try:
        if len(value) == 10:
            day = date.fromisoformat(value)
            start = datetime.combine(day, time.min, timezone.utc)
            return start + timedelta(days=1) if upper else start
        if len(value) == 20 and value.endswith("Z"):
            moment = datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)
            return moment + timedelta(seconds=1) if upper else moment
    except ValueError:
        pass
    raise OaiError("badArgument", f"Ongeldige datum '{value}' (verwacht YYYY-MM-DD of YYYY-MM-DDThh:mm:ssZ).")


def _encode_token(state: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(state, separators=(",", ":")).encode()).decode().rstrip("=")


def _decode_token(token: str, verb: str) -> dict:
    """The list state a token carries; it is bound to the verb (``v``) that issued it and its arguments
    (prefix, set, from, until travel inside it), so a ListIdentifiers token is refused by ListRecords."""
    try:
        state = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        if not isinstance(state, dict) or state.get("v") != verb or state.get("p") not in FORMATS:
            raise ValueError
        if not isinstance(state.get("c"), int) or isinstance(state["c"], bool) or state["c"] < 0:
            raise ValueError
        for k in ("s", "f", "u"):
            if state.get(k) is not None and not (isinstance(state[k], str) and is_xml_safe(state[k])):
                raise ValueError
        after = state.get("a")
        if after is not None:
            if not (isinstance(after, list) and len(after) == 2 and all(isinstance(x, str) for x in after)):
                raise ValueError
            datetime.fromisoformat(after[0])
        return state
    except (ValueError, TypeError, UnicodeDecodeError):
        raise OaiError("badResumptionToken", "Het resumptionToken is ongeldig of verlopen.") from None


@dataclass
class Repository:
    sessions: object  # sessionmaker
    site: Site
    admin_email: str | None = None
    # (session, document) -> DocumentFacts for the MDTO format; given by the caller (the web layer passes
    # woo.services.preservation.document_facts), so this module does not reach up into the services.
    document_facts: object = None

    @property
    def host(self) -> str:
        return urlparse(self.site.base_url).hostname or "localhost"

    @property
    def base_url(self) -> str:
        return f"{self.site.base_url}/oai"

    def identifier(self, doc_id: str) -> str:
        return f"oai:{self.host}:{doc_id}"

    def _doc_id(self, identifier: str) -> str:
        prefix = f"oai:{self.host}:"
        if not identifier.startswith(prefix):
            raise OaiError("idDoesNotExist", f"Onbekende identifier: {identifier}")
        return identifier[len(prefix):]

    def _scope(self):
        return [Document.organisation_id.in_(self.site.organisation_ids), Document.published_at.is_not(None)]

    # ------------------------------------------------------------------ entry point

    def handle(self, args: dict[str, list[str]], now: datetime) -> bytes:
        root = etree.Element(_q("OAI-PMH"), nsmap={None: OAI_NS, "xsi": XSI_NS})
        root.set(_q("schemaLocation", XSI_NS),
                 f"{OAI_NS} http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd")
        _sub(root, "responseDate", stamp(now))
        req = _sub(root, "request", self.base_url)
        verb = (args.get("verb") or [None])[0]
        try:
            if verb not in VERB_ARGS or len(args.get("verb", [])) != 1:
                raise OaiError("badVerb", "Onbekend of ontbrekend verb.")
            params = self._check_args(verb, args)
            for k, v in params.items():
                req.set(k, v)  # XML-safe: _check_args refused anything else
            req.set("verb", verb)
            getattr(self, f"_{verb}")(root, params)
        except OaiError as exc:
            if exc.code in ("badVerb", "badArgument"):
                req.attrib.clear()  # the spec: echo no attributes for these
            _sub(root, "error", exc.message, code=exc.code)
        return etree.tostring(root, xml_declaration=True, encoding="UTF-8")

    def _check_args(self, verb: str, args: dict[str, list[str]]) -> dict[str, str]:
        required, optional = VERB_ARGS[verb]
        given = {k: v for k, v in args.items() if k != "verb"}
        for k, values in given.items():
            if k not in required | optional:
                raise OaiError("badArgument", f"Argument '{k}' hoort niet bij {verb}.")
            if len(values) != 1:
                raise OaiError("badArgument", f"Argument '{k}' staat er meer dan eens.")
            if forbidden_characters(values[0]):  # the door rule of woo.domain.text; never echoed into XML
                raise OaiError("badArgument", f"Argument '{k}' bevat stuurtekens of andere ongeldige tekens.")
        params = {k: v[0] for k, v in given.items()}
        if "resumptionToken" in params:
            if len(params) != 1:
                raise OaiError("badArgument", "resumptionToken mag niet met andere argumenten samen.")
            return params
        missing = required - params.keys()
        if missing:
            raise OaiError("badArgument", f"Argument(en) ontbreken: {', '.join(sorted(missing))}.")
        return params

    # ------------------------------------------------------------------ verbs

    def _Identify(self, root, params) -> None:
        with self.sessions() as s:
            earliest = s.execute(select(func.min(Document.updated_at)).where(*self._scope())).scalar()
        box = _sub(root, "Identify")
        _sub(box, "repositoryName", f"Woo-publicaties {self.host}")
        _sub(box, "baseURL", self.base_url)
        _sub(box, "protocolVersion", "2.0")
        _sub(box, "adminEmail", self.admin_email or f"webmaster@{self.host}")
        _sub(box, "earliestDatestamp", stamp(earliest or datetime(2000, 1, 1, tzinfo=timezone.utc)))
        _sub(box, "deletedRecord", "persistent")
        _sub(box, "granularity", "YYYY-MM-DDThh:mm:ssZ")

    def _ListMetadataFormats(self, root, params) -> None:
        if "identifier" in params:
            self._load(self._doc_id(params["identifier"]))  # idDoesNotExist for an unknown one
        box = _sub(root, "ListMetadataFormats")
        for prefix, (schema, ns) in FORMATS.items():
            fmt = _sub(box, "metadataFormat")
            _sub(fmt, "metadataPrefix", prefix)
            _sub(fmt, "schema", schema)
            _sub(fmt, "metadataNamespace", ns)

    def _ListSets(self, root, params) -> None:
        if "resumptionToken" in params:
            raise OaiError("badResumptionToken", "ListSets past op één pagina; er is geen vervolg.")
        box = _sub(root, "ListSets")
        for c in tooi.woo_categories():
            st = _sub(box, "set")
            _sub(st, "setSpec", set_spec(c))
            _sub(st, "setName", c.label)
        from woo.domain.dossiers import KIND_LABELS_NL

        for kind, label in KIND_LABELS_NL.items():
            st = _sub(box, "set")
            _sub(st, "setSpec", dossier_set_spec(kind.value))
            _sub(st, "setName", f"Dossiers: {label}")

    def _GetRecord(self, root, params) -> None:
        prefix = self._prefix(params["metadataPrefix"])
        doc, facts = self._load(self._doc_id(params["identifier"]), with_facts=prefix == "mdto")
        self._record(_sub(root, "GetRecord"), doc, prefix, with_metadata=True, facts=facts)

    def _ListIdentifiers(self, root, params) -> None:
        self._list(root, params, "ListIdentifiers", with_metadata=False)

    def _ListRecords(self, root, params) -> None:
        self._list(root, params, "ListRecords", with_metadata=True)

    # ------------------------------------------------------------------ helpers

    def _prefix(self, prefix: str) -> str:
        if prefix not in FORMATS:
            raise OaiError("cannotDisseminateFormat", f"Metadataformaat '{prefix}' wordt niet geleverd.")
        return prefix

    def _load(self, doc_id: str, with_facts: bool = False) -> tuple[Document, dict[str, DocumentFacts]]:
        with self.sessions() as s:
            doc = s.execute(select(Document).options(selectinload(Document.files),
                                                     selectinload(Document.organisation),
                                                     selectinload(Document.dossier))
                            .where(Document.id == doc_id, *self._scope())).scalar_one_or_none()
            if doc is None:
                raise OaiError("idDoesNotExist", f"Onbekende identifier: {self.identifier(doc_id)}")
            facts = self._facts(s, [doc]) if with_facts else {}
            s.expunge_all()
            return doc, facts

    def _facts(self, session, docs: list[Document]) -> dict[str, DocumentFacts]:
        """What the MDTO record needs beyond the row (events, privacy grounds, publication); live ones only."""
        if self.document_facts is None:
            raise OaiError("cannotDisseminateFormat", "Het MDTO-formaat is hier niet beschikbaar.")
        return {d.id: self.document_facts(session, d) for d in docs if d.status == Status.PUBLISHED}

    def _list(self, root, params, element: str, with_metadata: bool) -> None:
        if "resumptionToken" in params:
            state = _decode_token(params["resumptionToken"], element)
        else:
            state = {"v": element, "p": self._prefix(params["metadataPrefix"]), "s": params.get("set"),
                     "f": params.get("from"), "u": params.get("until"), "c": 0}
        conds = list(self._scope())
        if (state.get("s") or "").startswith(DOSSIER_SET_PREFIX):
            from woo.adapters.models import Publication
            from woo.domain.dossiers import Kind

            kind = state["s"][len(DOSSIER_SET_PREFIX):]
            if kind not in {k.value for k in Kind}:
                raise OaiError("badArgument", f"Onbekende set '{state['s']}'.")
            conds.append(Document.publication_id.in_(select(Publication.id).where(Publication.kind == kind)))
        elif state.get("s"):
            cat = category_for_set(state["s"])
            if cat is None:
                raise OaiError("badArgument", f"Onbekende set '{state['s']}'.")
            conds.append(Document.category == cat.uri)
        lower = parse_datestamp(state["f"], upper=False) if state.get("f") else None
        upper = parse_datestamp(state["u"], upper=True) if state.get("u") else None
        if state.get("f") and state.get("u") and len(state["f"]) != len(state["u"]):
            raise OaiError("badArgument", "from en until moeten dezelfde granulariteit hebben.")
        if lower:
            conds.append(Document.updated_at >= lower)
        if upper:
            conds.append(Document.updated_at < upper)
        position = list(conds)
        if state.get("a"):  # after (updated_at, id) of the last record sent
            after_t = datetime.fromisoformat(state["a"][0])
            position.append(or_(Document.updated_at > after_t,
                                and_(Document.updated_at == after_t, Document.id > state["a"][1])))
        with self.sessions() as s:
            docs = s.execute(select(Document).options(selectinload(Document.files),
                                                      selectinload(Document.organisation),
                                                     selectinload(Document.dossier))
                             .where(*position).order_by(Document.updated_at, Document.id)
                             .limit(PAGE + 1)).scalars().all()
            total = s.execute(select(func.count()).select_from(Document).where(*conds)).scalar_one() \
                if (len(docs) > PAGE or state["c"]) else len(docs)
            facts = self._facts(s, docs[:PAGE]) if with_metadata and state["p"] == "mdto" else {}
            s.expunge_all()
        if not docs:
            raise OaiError("noRecordsMatch", "Geen records voor deze selectie.")
        more, docs = len(docs) > PAGE, docs[:PAGE]
        box = _sub(root, element)
        for doc in docs:
            if not with_metadata:
                self._header(box, doc)
                continue
            try:
                self._record(box, doc, state["p"], with_metadata=True, facts=facts)
            except OaiError:  # no valid metadata for this one: leave it out, not the whole page
                box.remove(box[-1])
        if more or state["c"]:
            token = _sub(box, "resumptionToken", completeListSize=str(total), cursor=str(state["c"]))
            if more:
                last = docs[-1]
                token.text = _encode_token({**state, "c": state["c"] + len(docs),
                                            "a": [as_utc(last.updated_at).isoformat(), last.id]})

    def _header(self, parent, doc: Document):
        header = _sub(parent, "header")
        if doc.status != Status.PUBLISHED:
            header.set("status", "deleted")
        _sub(header, "identifier", self.identifier(doc.id))
        _sub(header, "datestamp", stamp(doc.updated_at))
        cat = tooi.category_by_uri(doc.category)
        if cat:
            _sub(header, "setSpec", set_spec(cat))
        if doc.dossier is not None:
            _sub(header, "setSpec", dossier_set_spec(doc.dossier.kind))
        return header

    def _record(self, parent, doc: Document, prefix: str, with_metadata: bool,
                facts: dict[str, DocumentFacts] | None = None) -> None:
        record = _sub(parent, "record")
        self._header(record, doc)
        if doc.status != Status.PUBLISHED or not with_metadata:
            return
        stored = public_file(doc)
        metadata = _sub(record, "metadata")
        if prefix == "diwoo":
            try:
                metadata.append(build_diwoo_document(diwoo_record(doc, doc.organisation, stored,
                                                                  self.site.base_url)))
            except DiwooError as exc:  # the record stays visible; its metadata says why it is empty
                raise OaiError("cannotDisseminateFormat", f"{self.identifier(doc.id)}: {exc}") from exc
        elif prefix == "mdto":
            metadata.append(self._mdto(facts[doc.id]))
        else:
            metadata.append(self._oai_dc(doc, stored))

    def _mdto(self, facts: DocumentFacts) -> etree._Element:
        """The document's MDTO 1.0.1 informatieobject (public variant of the archive sidecar), validated."""
        try:
            root = mdto.build_informatieobject(informatieobject_record(facts, self.site.base_url, public=True))
        except ValueError as exc:  # MdtoError or SchemaValidationError: leave this record's metadata out
            raise OaiError("cannotDisseminateFormat", f"{self.identifier(facts.id)}: {exc}") from exc
        root.set(_q("schemaLocation", XSI_NS), f"{MDTO_NS} {FORMATS['mdto'][0]}")
        return root

    def _oai_dc(self, doc: Document, stored) -> etree._Element:
        dc = etree.Element(_q("dc", OAI_DC_NS), nsmap={"oai_dc": OAI_DC_NS, "dc": DC_NS, "xsi": XSI_NS})
        dc.set(_q("schemaLocation", XSI_NS), f"{OAI_DC_NS} http://www.openarchives.org/OAI/2.0/oai_dc.xsd")
        _sub(dc, "title", doc.title, ns=DC_NS)
        _sub(dc, "publisher", doc.organisation.name, ns=DC_NS)
        cat = tooi.category_by_uri(doc.category)
        if cat:
            _sub(dc, "type", cat.label, ns=DC_NS)
        when = doc.document_date or doc.published_at
        _sub(dc, "date", as_utc(when).date().isoformat(), ns=DC_NS)
        if stored is not None:
            _sub(dc, "format", stored.mime_type, ns=DC_NS)
        _sub(dc, "identifier", file_url(self.site.base_url, doc.id), ns=DC_NS)
        _sub(dc, "identifier", page_url(self.site.base_url, doc.id), ns=DC_NS)
        if doc.language:
            _sub(dc, "language", doc.language, ns=DC_NS)
        return dc
