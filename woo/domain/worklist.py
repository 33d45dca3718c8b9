"""What a document still needs before it can be published: one decision for every page, filter, badge,
button and for the publication gate itself.

Pure rules over plain facts (``DocumentFacts``, filled by woo.services.worklist from the database); no I/O.
``assess`` answers with the open needs, each with its Dutch reason and the permission (woo.domain.roles)
of whoever can resolve it. The work lists of the "Mijn werk" page are the need keys plus ``ready``.

A dossier (a group of documents published together) is assessed with ``combine``: its needs are those of
its documents (each reason prefixed with the document's title) plus its own.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from woo.domain.lifecycle import LABELS_NL as STATUS_LABELS
from woo.domain.lifecycle import Status

# Need keys, in the order a document usually meets them; also the work list keys (with READY).
PROCESSING, FAILED, REVIEW, PRIVACY, METADATA, BLOCKED = (
    "verwerking", "mislukt", "beoordelen", "privacy", "metadata", "geblokkeerd")
READY = "klaar"
NEED_KEYS = (PROCESSING, FAILED, REVIEW, PRIVACY, METADATA, BLOCKED)
WORKLISTS = (REVIEW, PRIVACY, METADATA, READY, BLOCKED, FAILED, PROCESSING)

LABELS_NL = {
    PROCESSING: "In verwerking",
    FAILED: "Verwerking mislukt",
    REVIEW: "Te beoordelen",
    PRIVACY: "Privacy te beoordelen",
    METADATA: "Metadata onvolledig",
    BLOCKED: "Geblokkeerd",
    READY: "Klaar om te publiceren",
}
# Who works a list off (a permission of woo.domain.roles.PERMISSIONS); None: nobody, it resolves itself.
ACTION_OF = {
    PROCESSING: None,
    FAILED: "job.retry",
    REVIEW: "document.review",
    PRIVACY: "document.review",
    METADATA: "document.edit",
    BLOCKED: "document.edit",
    READY: "document.publish",
}
# Steps that must be finished before publication (a PDF/A rendition is for the archive, not the public).
# the text, then the gate on it; a dossier's inventarislijst being remade (woo.services.dossiers)
PUBLISH_PREREQUISITES = frozenset({"extract", "ocr", "privacy", "inventory"})
# Statuses in which a document still moves towards publication (the work lists cover only these).
WORKING_STATUSES = frozenset({Status.CONCEPT, Status.READY})


@dataclass(frozen=True)
class JobFact:
    kind: str          # extract / classify / privacy / preserve
    status: str        # queued / running / done / failed
    error: str | None = None
    label: str = ""    # Dutch name of the step, for reasons


@dataclass(frozen=True)
class DocumentFacts:
    status: str
    category_confirmed: bool = False
    jobs: tuple[JobFact, ...] = ()
    title_checked: bool = False          # a confirmed title, or one given at intake (not the file name)
    date_known: bool = True              # a document date with its handeling (confirmed or a sure suggestion)
    language_known: bool = True          # the language: detected from the text or confirmed
    scan_overridden: bool = False        # an officer recorded a reason to go on without a privacy scan
    open_findings: int = 0               # in the text and hidden content
    open_metadata_findings: int = 0      # in the title, file name or metadata that will be published
    proposed_officials: int = 0          # names proposed as publiek ambtsdrager, awaiting the one-click allow
    has_public_file: bool = True
    public_mime: str | None = None
    public_format_harvestable: bool = True
    redactions_need_pdf: bool = False    # text findings to redact in a file that has no PDF rendition (images)
    rendition_missing: bool = False      # a PDF (or a file to redact) whose cleaned public version is not made yet
    redaction_incomplete: tuple[str, ...] = ()
    redact_in_rendition: bool = False    # not a PDF: redacted in its PDF/A rendition (the preserve job makes it)


@dataclass(frozen=True)
class Need:
    key: str       # one of NEED_KEYS
    reason: str    # Dutch, specific to this document
    action: str | None  # the permission that can resolve it
    blocks: bool = True    # holds publication back (a failed PDF/A conversion does not)
    privacy: bool = False  # part of the privacy gate (woo.services.privacy.blockers)
    field: str | None = None  # the metadata field publishing asks for (title, date, language)

    @property
    def label(self) -> str:
        return LABELS_NL[self.key]


@dataclass(frozen=True)
class Assessment:
    status: str
    needs: tuple[Need, ...] = field(default_factory=tuple)

    @property
    def keys(self) -> frozenset[str]:
        return frozenset(n.key for n in self.needs)

    @property
    def working(self) -> bool:
        return Status(self.status) in WORKING_STATUSES

    @property
    def ready(self) -> bool:
        """Nothing left but publishing (the title is asked for on publication when it is the only need)."""
        return self.working and all(n.key == METADATA for n in self.needs if n.blocks)

    @property
    def asks(self) -> frozenset[str]:
        """The metadata fields publishing must ask for: 'title', 'date', 'language'."""
        return frozenset(n.field for n in self.needs if n.key == METADATA and n.field)

    @property
    def asks_title(self) -> bool:
        """Publishing must ask for the public title (no one confirmed it yet)."""
        return "title" in self.asks

    @property
    def lists(self) -> frozenset[str]:
        """The work lists this document is on (a document can wait for several people at once)."""
        if not self.working:
            return frozenset()
        return self.keys | ({READY} if self.ready else frozenset())

    @property
    def badge(self) -> tuple[str, str]:
        """(key, Dutch label) of the one state shown for the document in lists."""
        if not self.working:
            return self.status, STATUS_LABELS[Status(self.status)]
        if self.ready:
            return READY, LABELS_NL[READY]
        first = min(self.needs, key=lambda n: NEED_KEYS.index(n.key))
        return first.key, first.label

    @property
    def blockers(self) -> list[str]:
        """Dutch reasons publication is refused now; empty when it may go out."""
        return [n.reason for n in self.needs if n.blocks]

    @property
    def privacy_blockers(self) -> list[str]:
        return [n.reason for n in self.needs if n.blocks and n.privacy]

    def needs_for(self, may) -> list[Need]:
        """The needs ``may(action)`` lets this user resolve."""
        return [n for n in self.needs if n.action and may(n.action)]


TITLE_REASON = ("De openbare titel is nog niet bevestigd (nu is het de bestandsnaam); "
                "bevestig of verbeter de titel.")
# A DiWoo record needs a documenthandeling with its date: never the upload time presented as a vaststelling.
DATE_REASON = ("De datum van het document is niet bekend (geen vaststelling, ondertekening of ontvangst "
               "gevonden); vul de datum en de handeling in.")
LANGUAGE_REASON = "De taal van het document is niet herkend; kies de taal."


def assess(f: DocumentFacts) -> Assessment:
    """What this document still needs before publication, each with its reason."""
    status = Status(f.status)
    if status not in WORKING_STATUSES:
        return Assessment(f.status, (Need(BLOCKED, f"Dit document heeft status '{STATUS_LABELS[status]}' en kan "
                                                   "niet (opnieuw) worden gepubliceerd.", None),))
    needs: list[Need] = []
    running = [j for j in f.jobs if j.status in ("queued", "running")]
    failed = [j for j in f.jobs if j.status == "failed" and j.kind != "privacy"]
    extract = [j for j in f.jobs if j.kind == "extract"]
    if running:
        needs.append(Need(PROCESSING, "Nog bezig: " + ", ".join(j.label or j.kind for j in running) + ".", None,
                          blocks=any(j.kind in PUBLISH_PREREQUISITES for j in running)))
    if not any(j.status in ("done", "failed") for j in extract) and not running:
        needs.append(Need(PROCESSING, "Het uitlezen van de tekst is nog niet afgerond.", None))
    for j in failed:
        needs.append(Need(FAILED, f"{j.label or j.kind} is mislukt" + (f": {j.error}" if j.error else ".")
                          + " Probeer het opnieuw.", ACTION_OF[FAILED], blocks=j.kind in PUBLISH_PREREQUISITES))
    if not f.category_confirmed:
        needs.append(Need(REVIEW, "De informatiecategorie is nog niet vastgesteld.", ACTION_OF[REVIEW]))
    scan = [j for j in f.jobs if j.kind == "privacy"]
    scanned = any(j.status == "done" for j in scan) or f.scan_overridden
    if not scanned:
        if any(j.status == "failed" for j in scan):
            error = next((j.error for j in scan if j.status == "failed"), None)
            needs.append(Need(PRIVACY, f"De controle op persoonsgegevens is mislukt ({error}). Probeer opnieuw of "
                                       "leg een reden vast om zonder controle verder te gaan.", ACTION_OF[PRIVACY],
                              privacy=True))
        else:
            needs.append(Need(PROCESSING, "De controle op persoonsgegevens is nog niet afgerond.", None,
                              privacy=True))
    open_total = (f.open_findings if scanned else 0) + f.open_metadata_findings
    if open_total:
        needs.append(Need(PRIVACY, f"{open_total} mogelijke persoonsgegevens of verborgen inhoud nog niet "
                                   "beoordeeld.", ACTION_OF[PRIVACY], privacy=True))
    proposed = f.proposed_officials if scanned else 0
    if proposed:
        needs.append(Need(PRIVACY, f"{proposed} naam/namen van publieke ambtsdragers voorgesteld om te publiceren: "
                                   "bevestig met 'Ambtsdragers toestaan'.", ACTION_OF[PRIVACY], privacy=True))
    if not f.title_checked:
        needs.append(Need(METADATA, TITLE_REASON, ACTION_OF[METADATA], field="title"))
    if not f.date_known:
        needs.append(Need(METADATA, DATE_REASON, ACTION_OF[METADATA], field="date"))
    if not f.language_known:
        needs.append(Need(METADATA, LANGUAGE_REASON, ACTION_OF[METADATA], field="language"))
    if not f.has_public_file:
        needs.append(Need(BLOCKED, "Er is geen bestand om te publiceren.", None))
    elif not f.public_format_harvestable:
        pending = any(j.kind == "preserve" and j.status in ("queued", "running") for j in f.jobs)
        needs.append(Need(BLOCKED, f"Het bestandsformaat ({f.public_mime}) wordt niet door de Woo-index geoogst en er "
                                   "is " + ("nog geen PDF/A-versie (de omzetting loopt nog); probeer het straks "
                                            "opnieuw." if pending else "geen PDF/A-versie die wel geoogst wordt; "
                                            "lever het document aan als PDF of een ander toegestaan formaat."),
                          ACTION_OF[BLOCKED]))
    if scanned and f.redactions_need_pdf:
        needs.append(Need(BLOCKED, "Lakken kan niet in dit bestandsformaat (een afbeelding); lever het document "
                                   "als PDF aan.",
                          ACTION_OF[BLOCKED], privacy=True))
    preserve_failed = next((j for j in f.jobs if j.kind == "preserve" and j.status == "failed"), None)
    if scanned and not open_total and not proposed and f.rendition_missing and f.redact_in_rendition \
            and preserve_failed is not None and not any(j.kind == "preserve" and j.status != "failed" for j in f.jobs):
        needs.append(Need(BLOCKED, "De PDF-versie om in te lakken kon niet worden gemaakt"
                                   + (f" ({preserve_failed.error})" if preserve_failed.error else "")
                                   + "; probeer 'PDF/A maken' opnieuw of lever het document als PDF aan.",
                          ACTION_OF[BLOCKED], privacy=True))
    elif scanned and not open_total and not proposed and f.rendition_missing:
        needs.append(Need(PROCESSING, "De opgeschoonde publicatieversie (PDF) is nog niet gemaakt.", None,
                          privacy=True))
    if scanned and not open_total and not proposed and f.redaction_incomplete:
        needs.append(Need(BLOCKED, "Niet alle te lakken tekst is in de PDF teruggevonden: "
                                   + "; ".join(f.redaction_incomplete), ACTION_OF[PRIVACY], privacy=True))
    return Assessment(f.status, tuple(needs))


def combine(status: str, parts: list[tuple[str, Assessment]], own: tuple[Need, ...] = ()) -> Assessment:
    """A group's assessment (a dossier): its own needs plus each member's, reasons prefixed with the
    member's name. The group is ready when every member is."""
    needs = list(own)
    for name, a in parts:
        needs.extend(Need(n.key, f"{name}: {n.reason}", n.action, n.blocks, n.privacy) for n in a.needs)
    return Assessment(status, tuple(needs))


def counts(assessments) -> dict[str, int]:
    """Per work list, how many documents are on it."""
    out = dict.fromkeys(WORKLISTS, 0)
    for a in assessments:
        for key in a.lists:
            out[key] += 1
    return out
