"""The bucket as a self-describing archive: MDTO sidecars beside every object, and back.

Layout (keys are what ``woo rebuild --from-storage`` reads):
  documents/<id>/<random>                       a stored file (original, text, pdfa, redacted ...)
  documents/<id>/<random>.bestand.mdto.xml      its MDTO <bestand>
  documents/<id>/informatieobject.mdto.xml      the document's MDTO <informatieobject>
  documents/<id>/informatieobject.state.json    what MDTO has no element for (file roles, MIME types,
                                                extraction properties, the classifier's suggestion);
                                                referenced from the MDTO as aanvullendeMetagegevens

Everything MDTO can say is said there: identity, title, archiefvormer, Woo category (classificatie),
status (an event from our documented Woo life-cycle list), openbaarheid (beperkingGebruik), retention
(waardering, bewaartermijn, Selectielijst informatiecategorie), dates, the publication (gerelateerd
informatieobject), the files (heeftRepresentatie) and the audit history (events).
Pure: no I/O here; woo.services.preservation reads the database and writes the bucket.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timezone

from woo.domain import retention, tooi
from woo.domain.lifecycle import Status
from woo.metadata import mdto
from woo.metadata.mdto import (Begrip, BeperkingGebruik, BestandRecord, DekkingInTijd, Event, Gerelateerd,
                               Identificatie, InformatieobjectRecord, Verwijzing)

__all__ = ["BRON_DOCUMENT", "BRON_OBJECT", "BRON_PUBLICATIE", "LIJST_WOO_STATUS", "LIJST_WOO_AUDIT",
           "informatieobject_key", "bestand_key", "state_key", "prefixes_for", "is_archive_metadata", "file_key_of_sidecar",
           "DocumentFacts", "FileFacts", "EventFacts", "informatieobject_record", "document_sidecar", "DossierFacts", "dossier_record", "dossier_sidecar", "parse_dossier", "RebuiltDossier", "dossier_informatieobject_key", "dossier_state_key", "dossier_prefix", "file_sidecar", "parse_document",
           "parse_file", "RebuiltDocument", "RebuiltFile"]

BRON_DOCUMENT = "woo documentregister"
BRON_OBJECT = "woo objectopslag (sleutel)"
BRON_PUBLICATIE = "woo publicaties"
BRON_ACTOR = "woo gebruikers en systemen"
LIJST_WOO_STATUS = "Woo-levenscyclus documentstatus (woo.domain.lifecycle)"
LIJST_WOO_AUDIT = "woo-auditacties (woo.services.audit)"
STATUS_EVENT = "Actuele status"
RELATIE_PUBLICATIE = Begrip("Onderdeel van publicatie", mdto.LIJST_RELATIE, "publicatie")
# Audit actions that have a term in the MDTO EventTypeLijst.
MDTO_EVENT_TYPES = {"document.ingested": "Ontvangst", "document.published": "Publicatie",
                    "document.preserved": "Migratie", "document.destroyed": "Vernietiging"}

IO_SUFFIX = "informatieobject.mdto.xml"
STATE_SUFFIX = "informatieobject.state.json"
BESTAND_SUFFIX = ".bestand.mdto.xml"


def informatieobject_key(document_id: str) -> str:
    return f"documents/{document_id}/{IO_SUFFIX}"


def state_key(document_id: str) -> str:
    return f"documents/{document_id}/{STATE_SUFFIX}"


def bestand_key(object_key: str) -> str:
    return object_key + BESTAND_SUFFIX


def is_archive_metadata(key: str) -> bool:
    """Sidecars and state objects: written by woo itself, never a StoredFile row."""
    return key.endswith((BESTAND_SUFFIX, "/" + IO_SUFFIX, "/" + STATE_SUFFIX, "/" + DOSSIER_STATE_SUFFIX))


# A dossier (woo.domain.dossiers) is the MDTO aggregation over its documents; its sidecars live apart:
#   dossiers/<id>/informatieobject.mdto.xml   aggregatieniveau Dossier, bevatOnderdeel per document
#   dossiers/<id>/dossier.state.json          the dossier's fields and each document's place and judgement
DOSSIER_STATE_SUFFIX = "dossier.state.json"
DOSSIER_KINDS = ("woo-besluit", "vergadering", "publicatie")
LIJST_WOO_DOSSIERSTATUS = "Woo-dossierstatus (woo.domain.dossiers)"
AGGREGATIE_DOSSIER = "Dossier"


def dossier_prefix(dossier_id: str) -> str:
    return f"dossiers/{dossier_id}/"


def dossier_informatieobject_key(dossier_id: str) -> str:
    return f"dossiers/{dossier_id}/{IO_SUFFIX}"


def dossier_state_key(dossier_id: str) -> str:
    return f"dossiers/{dossier_id}/{DOSSIER_STATE_SUFFIX}"


def prefixes_for(document_id: str) -> list[str]:
    """Every place a document's sidecars live (all beside its objects; used by destruction)."""
    return [f"documents/{document_id}/"]


def file_key_of_sidecar(key: str) -> str | None:
    return key[: -len(BESTAND_SUFFIX)] if key.endswith(BESTAND_SUFFIX) else None


# --------------------------------------------------------------------------- database facts (plain data)


@dataclass
class FileFacts:
    object_key: str
    role: str
    filename: str
    size: int
    sha256: str
    mime_type: str
    puid: str | None
    format_name: str | None
    version_id: str | None
    created_at: datetime
    checked_at: datetime | None = None  # last fixity check (else created_at)


@dataclass
class EventFacts:
    at: datetime
    actor: str
    action: str
    detail: dict


@dataclass
class DocumentFacts:
    id: str
    title: str
    organisation_code: str
    status: str
    source: str
    category: str | None
    suggestion: dict | None
    metadata: dict
    format_kind: str | None
    document_date: datetime | None
    language: str | None
    created_at: datetime
    updated_at: datetime
    published_at: datetime | None
    withdrawn_at: datetime | None
    withdraw_reason: str | None
    publication: dict | None  # {"id", "title", "kind", "reference"}
    files: list[FileFacts]
    events: list[EventFacts] = field(default_factory=list)
    redaction_grounds: list[str] = field(default_factory=list)
    public_role: str | None = None  # the role the public gets (woo.services.publication.public_file)
    # The retention decisions as the database holds them (RETENTION_FIELDS; dates as ISO strings):
    # Selectielijst class and its source, the archivist's reason, brondatum, archiefactiedatum, legal hold,
    # transfer. None: not classified yet (waardering N).
    retention: dict | None = None
    # Hook for relations between records (dossiers, woo.services.preservation.document_relations): each
    # {"id", "title", "relation" (label), "code" (TOOI scw_documentrelatie code or our own)} becomes an MDTO
    # gerelateerdInformatieobject and comes back from the bucket in RebuiltDocument.relations.
    relations: list[dict] = field(default_factory=list)


# Retention columns of a document (woo.adapters.models) carried in the state object, field by field.
RETENTION_FIELDS = ("retention_resultaat", "retention_source", "retention_reason", "retention_waardering",
                    "retention_bewaartermijn", "retention_brondatum", "retention_brondatum_bron", "archiefactiedatum",
                    "legal_hold", "legal_hold_reason", "transferred_to", "transferred_at")
BRONDATUM_TRIGGERS = {"document_date": "Datum van het document", "published_at": "Datum van publicatie",
                      "created_at": "Datum van opname", "decision_date": "Datum van het besluit",
                      "dossier": "Brondatum van het dossier"}


def _utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


def _iso(value: datetime | None) -> str | None:
    value = _utc(value)
    return value.isoformat() if value else None


def _openbaarheid(doc: DocumentFacts) -> BeperkingGebruik:
    if doc.status == Status.PUBLISHED:
        if doc.redaction_grounds:  # a "redacted" rendition alone may only have lost its metadata
            grounds = [f"art. {g} Woo" for g in dict.fromkeys(doc.redaction_grounds)]
            return mdto.beperking_woo("deels_openbaar", grounds or None)
        return mdto.beperking_woo("openbaar")
    if doc.status == Status.WITHDRAWN:
        reason = tooi.reden_verwijdering(doc.withdraw_reason) if doc.withdraw_reason else None
        return mdto.beperking_woo("niet_openbaar", None,
                                  f"Publicatie ingetrokken: {reason.label if reason else doc.withdraw_reason}")
    return BeperkingGebruik(Begrip("Openbaarheid nog niet beoordeeld", mdto.LIJST_WOO_OPENBAARHEID,
                                   "nog_niet_beoordeeld"), "Nog niet openbaar gemaakt onder de Woo.")


def _event_text(detail: dict) -> str | None:
    if not detail:
        return None
    text = "; ".join(f"{k}={v}" for k, v in sorted(detail.items()) if v not in (None, "", [], {}))
    return text[:1000] or None


def _events(doc: DocumentFacts) -> list[Event]:
    out = []
    for e in doc.events:
        if e.action == "document.rebuilt":  # history carried over from the sidecar before a rebuild
            for h in e.detail.get("history", []):
                out.append(Event(h["type"], mdto._r_date(h.get("tijd")) if h.get("tijd") else None,
                                 Verwijzing(h["actor"]) if h.get("actor") else None, h.get("resultaat"),
                                 h.get("lijst") or LIJST_WOO_AUDIT))
            continue
        label = MDTO_EVENT_TYPES.get(e.action)
        out.append(Event(label or e.action, _utc(e.at), Verwijzing(e.actor, Identificatie(e.actor, BRON_ACTOR)),
                         _event_text(e.detail), mdto.LIJST_EVENTTYPE if label else LIJST_WOO_AUDIT))
    out.append(Event(STATUS_EVENT, _utc(doc.updated_at), None, doc.status, LIJST_WOO_STATUS))
    return out


def _retention(io: InformatieobjectRecord, doc: DocumentFacts) -> None:
    """The Selectielijst class the database holds (default or the archivist's override), with its dates:
    waardering, informatiecategorie and, for V, the bewaartermijn ending on the archiefactiedatum. A B
    record has no bewaartermijn in MDTO (its overbrengingstermijn is no bewaartermijn; the transfer date is
    in the state object). N while no class is stored (``woo retention classify``)."""
    _retention_from(io, doc.retention or {})


def _retention_from(io: InformatieobjectRecord, r: dict) -> None:
    code = r.get("retention_resultaat")
    if not code:
        io.waardering = r.get("retention_waardering") or "N"
        return
    try:
        res = retention.resultaat(code)
    except retention.RetentionError:
        io.waardering = r.get("retention_waardering") or "N"
        return
    io.waardering = r.get("retention_waardering") or res.waardering or "N"
    io.selectielijst = mdto.selectielijst_begrip(res)
    io.bewaartermijn = None
    if io.waardering == "V" and r.get("retention_brondatum"):
        from datetime import date

        start = date.fromisoformat(r["retention_brondatum"])
        end = date.fromisoformat(r["archiefactiedatum"]) if r.get("archiefactiedatum") else None
        trigger = BRONDATUM_TRIGGERS.get(r.get("retention_brondatum_bron") or "")
        io.bewaartermijn = mdto.Termijn(mdto.Begrip(trigger, mdto.TRIGGER_LIJST) if trigger else None, start,
                                        r.get("retention_bewaartermijn") or res.bewaartermijn, end)


def _public_events(doc: DocumentFacts) -> list[Event]:
    """The history as the public may see it: MDTO event types and times only (no actors, no details)."""
    out = [Event(MDTO_EVENT_TYPES[e.action], _utc(e.at)) for e in doc.events if e.action in MDTO_EVENT_TYPES]
    out.append(Event(STATUS_EVENT, _utc(doc.updated_at), None, doc.status, LIJST_WOO_STATUS))
    return out


def informatieobject_record(doc: DocumentFacts, base_url: str, public: bool = False) -> InformatieobjectRecord:
    """The MDTO informatieobject of one document, as the archive sidecar writes it.

    ``public=True`` is the variant for the open OAI-PMH feed: no audit actors or event details, no bucket
    keys or internal file names; the representation is the public file URL only."""
    from woo.publish.records import file_url, page_url

    io = InformatieobjectRecord(id=doc.id, bron=BRON_DOCUMENT, naam=doc.title or doc.id,
                                archiefvormer=doc.organisation_code, beperkingen=[_openbaarheid(doc)])
    io.woo_categorie = doc.category if doc.category and tooi.category_by_uri(doc.category) else None
    if doc.status == Status.PUBLISHED:
        io.raadpleeglocaties_online = [page_url(base_url, doc.id)]
    when = _utc(doc.document_date) or _utc(doc.created_at)
    io.dekking_in_tijd = [DekkingInTijd(when.date())]
    if doc.language:
        io.talen = [doc.language]
    io.events = _public_events(doc) if public else _events(doc)
    _retention(io, doc)
    if not public:
        io.heeft_representatie = [Verwijzing(f"{f.role}: {f.filename}", Identificatie(f.object_key, BRON_OBJECT))
                                  for f in doc.files]
        io.aanvullende_metagegevens = [Verwijzing(STATE_SUFFIX, Identificatie(state_key(doc.id), BRON_OBJECT))]
    elif doc.status == Status.PUBLISHED and doc.public_role:
        url = file_url(base_url, doc.id)
        io.heeft_representatie = [Verwijzing(doc.public_role, Identificatie(url, BRON_PUBLICATIE))]
    if doc.publication and doc.publication.get("kind") in DOSSIER_KINDS:
        # MDTO aggregation: the record is an Archiefstuk inside its dossier (aggregatieniveau Dossier)
        io.is_onderdeel_van = [Verwijzing(doc.publication["title"] or doc.publication["id"],
                                          Identificatie(doc.publication["id"], BRON_PUBLICATIE))]
    if doc.publication:
        io.gerelateerd = [Gerelateerd(Verwijzing(doc.publication["title"],
                                                 Identificatie(doc.publication["id"], BRON_PUBLICATIE)),
                                      RELATIE_PUBLICATIE)]
    for rel in doc.relations:
        io.gerelateerd.append(Gerelateerd(Verwijzing(rel.get("title") or rel["id"],
                                                     Identificatie(rel["id"], BRON_DOCUMENT)),
                                          Begrip(rel.get("relation") or "Gerelateerd", mdto.LIJST_RELATIE,
                                                 rel.get("code"))))
    return io


def document_sidecar(doc: DocumentFacts, base_url: str) -> tuple[bytes, bytes]:
    """(MDTO informatieobject XML, state JSON) of one document; the XML is validated against MDTO 1.0.1."""
    xml = mdto.to_bytes(mdto.build_informatieobject(informatieobject_record(doc, base_url)))
    state = {
        "format": "woo-document-state/1",
        "id": doc.id, "source": doc.source, "format_kind": doc.format_kind, "metadata": doc.metadata,
        "suggestion": doc.suggestion, "created_at": _iso(doc.created_at), "published_at": _iso(doc.published_at),
        "withdrawn_at": _iso(doc.withdrawn_at), "withdraw_reason": doc.withdraw_reason,
        "document_date": _iso(doc.document_date), "publication": doc.publication,
        "retention": doc.retention, "relations": doc.relations,
        "files": {f.object_key: {"role": f.role, "mime_type": f.mime_type, "version_id": f.version_id,
                                 "created_at": _iso(f.created_at)} for f in doc.files},
    }
    return xml, json.dumps(state, ensure_ascii=False, indent=1, default=str).encode("utf-8")


def file_sidecar(doc: DocumentFacts, f: FileFacts, base_url: str) -> bytes:
    """MDTO bestand of one stored file: size, PRONOM format, SHA-256 with its date, the document it shows."""
    from woo.publish.records import file_url

    public = doc.status == Status.PUBLISHED and f.role == doc.public_role
    rec = BestandRecord(id=f.object_key, bron=BRON_OBJECT, naam=f.filename, omvang=f.size,
                        pronom_puid=f.puid or "UNKNOWN", pronom_naam=f.format_name or f.mime_type,
                        checksum=f.sha256, checksum_datum=_utc(f.checked_at or f.created_at),
                        representatie_van=Verwijzing(doc.title or doc.id, Identificatie(doc.id, BRON_DOCUMENT)),
                        url=file_url(base_url, doc.id) if public else None)
    return mdto.to_bytes(mdto.build_bestand(rec))


# --------------------------------------------------------------------------- back from the bucket


@dataclass
class RebuiltFile:
    object_key: str
    role: str
    filename: str
    size: int
    sha256: str
    mime_type: str
    puid: str | None
    format_name: str | None
    version_id: str | None
    created_at: datetime | None


@dataclass
class RebuiltDocument:
    id: str
    title: str
    organisation_code: str
    status: str
    category: str | None
    source: str
    format_kind: str | None
    metadata: dict
    suggestion: dict | None
    language: str | None
    document_date: datetime | None
    created_at: datetime | None
    published_at: datetime | None
    withdrawn_at: datetime | None
    withdraw_reason: str | None
    publication: dict | None
    file_keys: list[tuple[str, str]]  # (object key, role) from heeftRepresentatie
    history: list[dict]  # the MDTO events, to carry the history into the new audit log
    retention: dict = field(default_factory=dict)  # RETENTION_FIELDS -> value (dates as ISO strings)
    relations: list[dict] = field(default_factory=list)  # see DocumentFacts.relations


def _dt(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def parse_document(io_xml: bytes, state_json: bytes | None) -> RebuiltDocument:
    """What the database needs from an informatieobject sidecar (+ its state object when present)."""
    io = mdto.parse_informatieobject(io_xml)
    state = json.loads(state_json) if state_json else {}
    status = next((e.resultaat for e in reversed(io.events) if e.lijst == LIJST_WOO_STATUS), None)
    if status not in {s.value for s in Status}:
        raise mdto.MdtoError(f"Document {io.id}: geen geldige status in de MDTO-metadata.")
    files = []
    for v in io.heeft_representatie:
        role = v.naam.split(":", 1)[0].strip()
        files.append((v.identificatie.kenmerk, role))
    history = []
    for e in io.events:
        if e.lijst == LIJST_WOO_STATUS:
            continue
        history.append({"type": e.type, "lijst": e.lijst, "tijd": e.tijd.isoformat() if hasattr(e.tijd, "isoformat")
                        else e.tijd, "actor": e.actor.naam if e.actor else None, "resultaat": e.resultaat})
    pub = state.get("publication")
    if pub is None and io.gerelateerd:
        g = io.gerelateerd[0].verwijzing
        pub = {"id": g.identificatie.kenmerk, "title": g.naam, "kind": "dossier", "reference": None}
    doc_date = _dt(state.get("document_date"))
    ret = state.get("retention")
    if ret is None:  # no state object: what MDTO itself says
        ret = {"retention_waardering": io.waardering if io.waardering != "N" else None}
        if io.selectielijst is not None:
            ret["retention_resultaat"] = io.selectielijst.code
        if io.bewaartermijn is not None:
            b = io.bewaartermijn
            ret.update({"retention_bewaartermijn": b.looptijd,
                        "retention_brondatum": b.startdatum.isoformat() if b.startdatum else None,
                        "archiefactiedatum": b.einddatum.isoformat() if hasattr(b.einddatum, "isoformat")
                        else b.einddatum})
    relations = state.get("relations")
    if relations is None:
        relations = [{"id": g.verwijzing.identificatie.kenmerk, "title": g.verwijzing.naam,
                      "relation": g.type_relatie.label, "code": g.type_relatie.code}
                     for g in io.gerelateerd if g.type_relatie != RELATIE_PUBLICATIE and g.verwijzing.identificatie]
    return RebuiltDocument(
        id=io.id, title=io.naam, organisation_code=io.archiefvormer, status=status, category=io.woo_categorie,
        source=state.get("source") or "ui", format_kind=state.get("format_kind"),
        metadata=state.get("metadata") or {}, suggestion=state.get("suggestion"),
        language=io.talen[0] if io.talen else None, document_date=doc_date,
        created_at=_dt(state.get("created_at")), published_at=_dt(state.get("published_at")),
        withdrawn_at=_dt(state.get("withdrawn_at")), withdraw_reason=state.get("withdraw_reason"),
        publication=pub, file_keys=files, history=history, retention=dict(ret or {}), relations=list(relations))


def parse_file(bestand_xml: bytes, state_entry: dict | None) -> RebuiltFile:
    b = mdto.parse_bestand(bestand_xml)
    entry = state_entry or {}
    return RebuiltFile(object_key=b.id, role=entry.get("role") or "original", filename=b.naam, size=b.omvang,
                       sha256=b.checksum, mime_type=entry.get("mime_type") or "application/octet-stream",
                       puid=None if b.pronom_puid == "UNKNOWN" else b.pronom_puid,
                       format_name=b.pronom_naam, version_id=entry.get("version_id"),
                       created_at=_dt(entry.get("created_at")))


# --------------------------------------------------------------------------- dossiers (MDTO aggregation)

# The dossier's own retention columns (woo.adapters.models.Publication), carried in its state object.
DOSSIER_RETENTION_FIELDS = ("retention_resultaat", "retention_source", "retention_reason", "retention_brondatum",
                            "retention_brondatum_bron")
DOSSIER_FIELDS = ("title", "kind", "status", "category", "reference", "summary", "topics", "received_date",
                  "decision_date", "extended", "suspension_days", "decision", "created_by", "created_at",
                  "published_at", "withdrawn_at", "withdraw_reason")
MEMBER_FIELDS = ("document_id", "role", "position", "judgement", "grounds", "remark", "number", "public_link",
                 "supplied_redacted", "inventory", "judged_by", "judged_at")


@dataclass
class DossierFacts:
    """A dossier as the database holds it (plain data; dates as ISO strings)."""
    id: str
    organisation_code: str
    fields: dict  # DOSSIER_FIELDS -> value
    retention: dict  # DOSSIER_RETENTION_FIELDS plus the derived retention_waardering, retention_bewaartermijn,
    #                  archiefactiedatum (as a document's state object holds them)
    members: list[dict]  # MEMBER_FIELDS plus "title", in inventory order
    updated_at: datetime | None = None


def _dossier_openbaarheid(status: str, reason: str | None) -> BeperkingGebruik:
    if status == "openbaar":
        return mdto.beperking_woo("openbaar")
    if status == "ingetrokken":
        return mdto.beperking_woo("niet_openbaar", None, f"Publicatie ingetrokken: {reason or 'onbekende reden'}")
    return BeperkingGebruik(Begrip("Openbaarheid nog niet beoordeeld", mdto.LIJST_WOO_OPENBAARHEID,
                                   "nog_niet_beoordeeld"), "Dossier nog niet openbaar gemaakt onder de Woo.")


def dossier_record(d: DossierFacts, base_url: str) -> InformatieobjectRecord:
    """The MDTO informatieobject of a dossier: aggregatieniveau Dossier, one bevatOnderdeel per document."""
    from datetime import date

    f = d.fields
    io = InformatieobjectRecord(id=d.id, bron=BRON_PUBLICATIE, naam=f.get("title") or d.id,
                                archiefvormer=d.organisation_code, aggregatieniveau=AGGREGATIE_DOSSIER,
                                beperkingen=[_dossier_openbaarheid(f.get("status") or "concept",
                                                                   f.get("withdraw_reason"))])
    if f.get("reference"):
        io.extra_identificaties = [Identificatie(f["reference"], "dossiernummer / zaaknummer van de organisatie")]
    io.woo_categorie = f["category"] if f.get("category") and tooi.category_by_uri(f["category"]) else None
    io.trefwoorden = list(f.get("topics") or [])
    if f.get("summary"):
        io.omschrijvingen = [f["summary"]]
    if f.get("status") == "openbaar":
        io.raadpleeglocaties_online = [f"{base_url.rstrip('/')}/dossiers/{d.id}"]
    begin = f.get("received_date") or (f.get("created_at") or "")[:10] or None
    end = f.get("decision_date")
    if begin:
        io.dekking_in_tijd = [DekkingInTijd(date.fromisoformat(begin), date.fromisoformat(end) if end else None,
                                            Begrip("Looptijd van het dossier", "Begrippenlijst dekkingInTijd Woo"))]
    io.events = []
    if f.get("published_at"):
        io.events.append(Event("Publicatie", _dt(f["published_at"])))
    io.events.append(Event(STATUS_EVENT, _utc(d.updated_at), None, f.get("status") or "concept",
                           LIJST_WOO_DOSSIERSTATUS))
    _retention_from(io, d.retention)
    io.bevat_onderdeel = [Verwijzing(m.get("title") or m["document_id"], Identificatie(m["document_id"], BRON_DOCUMENT))
                          for m in d.members]
    io.aanvullende_metagegevens = [Verwijzing(DOSSIER_STATE_SUFFIX, Identificatie(dossier_state_key(d.id), BRON_OBJECT))]
    return io


def dossier_sidecar(d: DossierFacts, base_url: str) -> tuple[bytes, bytes]:
    """(MDTO informatieobject XML of the dossier, its state JSON); the XML is validated against MDTO 1.0.1."""
    xml = mdto.to_bytes(mdto.build_informatieobject(dossier_record(d, base_url)))
    state = {"format": "woo-dossier-state/1", "id": d.id, "organisation": d.organisation_code, **d.fields,
             "retention": {k: d.retention.get(k) for k in DOSSIER_RETENTION_FIELDS},
             "members": [{k: m.get(k) for k in MEMBER_FIELDS} for m in d.members]}
    return xml, json.dumps(state, ensure_ascii=False, indent=1, default=str).encode("utf-8")


@dataclass
class RebuiltDossier:
    id: str
    organisation_code: str
    fields: dict
    retention: dict
    members: list[dict]


def parse_dossier(io_xml: bytes, state_json: bytes | None) -> RebuiltDossier:
    """What the database needs of a dossier: its state object, or (without it) what the MDTO says."""
    io = mdto.parse_informatieobject(io_xml)
    if io.aggregatieniveau != AGGREGATIE_DOSSIER:
        raise mdto.MdtoError(f"Dossier {io.id}: aggregatieniveau is '{io.aggregatieniveau}', geen Dossier.")
    if state_json:
        state = json.loads(state_json)
        fields_ = {k: state.get(k) for k in DOSSIER_FIELDS}
        return RebuiltDossier(io.id, state.get("organisation") or io.archiefvormer, fields_,
                              dict(state.get("retention") or {}), list(state.get("members") or []))
    status = next((e.resultaat for e in reversed(io.events) if e.lijst == LIJST_WOO_DOSSIERSTATUS), None)
    fields_ = {"title": io.naam, "kind": "publicatie", "status": status or "concept", "category": io.woo_categorie,
               "topics": list(io.trefwoorden), "summary": io.omschrijvingen[0] if io.omschrijvingen else None,
               "reference": io.extra_identificaties[0].kenmerk if io.extra_identificaties else None}
    members = [{"document_id": v.identificatie.kenmerk, "role": "document", "position": n}
               for n, v in enumerate(io.bevat_onderdeel) if v.identificatie]
    ret = {"retention_resultaat": io.selectielijst.code} if io.selectielijst is not None else {}
    return RebuiltDossier(io.id, io.archiefvormer, fields_, ret, members)
