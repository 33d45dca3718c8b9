"""Dossiers: a Woo-besluit, a meeting or a generic publication of several documents, published as one.

Pure rules (no I/O): the kinds, the life cycle and its allowed moves, the Woo decision term ("op tijd /
te laat"), the per-document judgement and what it means for publication. woo.services.dossiers asks here
before it changes anything, so these rules hold for the web UI, the API and the CLI alike.

Every TOOI URI comes from the TOOI lists (woo.domain.tooi), looked up by article or label, never typed.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum

from woo.domain import tooi
from woo.domain.grounds import WOO_GROUNDS, ground_label, split_grounds


class DossierError(ValueError):
    """A refused dossier action or invalid dossier data; the message is Dutch, for the officer."""


# --------------------------------------------------------------------------- kinds

class Kind(StrEnum):
    WOO_BESLUIT = "woo-besluit"
    VERGADERING = "vergadering"
    PUBLICATIE = "publicatie"


KIND_LABELS_NL = {Kind.WOO_BESLUIT: "Woo-besluit", Kind.VERGADERING: "Vergadering",
                  Kind.PUBLICATIE: "Publicatie"}


def parse_kind(value: str | None) -> Kind:
    key = (value or "").strip().lower().replace("_", "-").replace(" ", "-")
    key = {"woo-verzoek": "woo-besluit", "woobesluit": "woo-besluit", "meeting": "vergadering"}.get(key, key)
    try:
        return Kind(key)
    except ValueError:
        raise DossierError(f"Onbekend soort dossier '{value}'. Kies uit: "
                           + ", ".join(k.value for k in Kind) + ".") from None


# --------------------------------------------------------------------------- roles of documents in a dossier

class Role(StrEnum):
    DOCUMENT = "document"                # an inventoried document of a Woo-besluit / a stuk of a publication
    BESLUIT = "besluit"                  # the decision letter
    INVENTARISLIJST = "inventarislijst"  # generated from the judgements, never typed
    AGENDA = "agenda"
    VERGADERSTUK = "vergaderstuk"
    BESLUITENLIJST = "besluitenlijst"
    VERSLAG = "verslag"
    INGEKOMEN_STUK = "ingekomen-stuk"


ROLE_LABELS_NL = {Role.DOCUMENT: "Document", Role.BESLUIT: "Besluit", Role.INVENTARISLIJST: "Inventarislijst",
                  Role.AGENDA: "Agenda", Role.VERGADERSTUK: "Vergaderstuk", Role.BESLUITENLIJST: "Besluitenlijst",
                  Role.VERSLAG: "Verslag", Role.INGEKOMEN_STUK: "Ingekomen stuk"}

# Role -> TOOI documentsoort label (the URI comes from documentsoorten.csv). The inventarislijst has no
# documentsoort of its own in the TOOI list; it is published as a "publicatie" of the dossier.
_ROLE_DOCUMENTSOORT = {Role.BESLUIT: "beslissing op Wob-/Woo-verzoek", Role.INVENTARISLIJST: "publicatie",
                       Role.AGENDA: "agenda", Role.VERGADERSTUK: "vergaderstuk",
                       Role.BESLUITENLIJST: "besluitenlijst", Role.VERSLAG: "vergaderverslag",
                       Role.INGEKOMEN_STUK: "ingekomen stuk"}
MEETING_ROLES = (Role.AGENDA, Role.VERGADERSTUK, Role.BESLUITENLIJST, Role.VERSLAG, Role.INGEKOMEN_STUK)


def parse_role(value: str | None) -> Role:
    key = (value or "document").strip().lower().replace("_", "-").replace(" ", "-")
    try:
        return Role(key)
    except ValueError:
        raise DossierError(f"Onbekende rol '{value}'. Kies uit: " + ", ".join(r.value for r in Role) + ".") from None


def documentsoort_for(role: Role) -> str | None:
    """TOOI documentsoort URI for a document's role in a dossier, None for plain documents."""
    label = _ROLE_DOCUMENTSOORT.get(role)
    concept = tooi.documentsoort(label) if label else None
    return concept.uri if concept else None


# --------------------------------------------------------------------------- categories

def _category(article: str) -> str:
    cat = tooi.category_by_code(article)
    assert cat is not None, article  # the TOOI list always has the art. 3.3 categories
    return cat.uri


def woo_besluit_category() -> str:
    """Woo-verzoeken en -besluiten (art. 3.3 lid 2 sub i)."""
    return _category("2i")


def dossier_category(kind: Kind, requested: str | None) -> str | None:
    """The dossier's category: fixed 2i for a Woo-besluit, 2c by default for a meeting, as given otherwise."""
    if kind == Kind.WOO_BESLUIT:
        if requested and tooi.resolve_category(requested) and tooi.resolve_category(requested).uri != \
                woo_besluit_category():
            raise DossierError("Een Woo-besluit valt altijd onder 'Woo-verzoeken en -besluiten' (2i).")
        return woo_besluit_category()
    if requested:
        cat = tooi.resolve_category(requested)
        if cat is None:
            raise DossierError(f"Onbekende informatiecategorie '{requested}'.")
        return cat.uri
    return _category("2c") if kind == Kind.VERGADERING else None


def document_category(kind: Kind, dossier_category_uri: str | None, role: Role) -> str | None:
    """The category a document gets in its dossier: a meeting's incoming stukken are 2a (bij
    vertegenwoordigende organen ingekomen stukken), its other stukken the meeting's category (2c);
    everything else takes the dossier's category."""
    if kind == Kind.VERGADERING and role == Role.INGEKOMEN_STUK:
        return _category("2a")
    return dossier_category_uri


# --------------------------------------------------------------------------- life cycle

class Status(StrEnum):
    CONCEPT = "concept"
    GEREED = "gereed"
    ONLINE_VOOR_VERZOEKER = "online-voor-verzoeker"  # only the requester sees it, through a secret link
    OPENBAAR = "openbaar"
    INGETROKKEN = "ingetrokken"


STATUS_LABELS_NL = {Status.CONCEPT: "Concept", Status.GEREED: "Gereed",
                    Status.ONLINE_VOOR_VERZOEKER: "Online voor verzoeker", Status.OPENBAAR: "Openbaar",
                    Status.INGETROKKEN: "Ingetrokken"}

TRANSITIONS: dict[Status, frozenset[Status]] = {
    Status.CONCEPT: frozenset({Status.GEREED}),
    Status.GEREED: frozenset({Status.CONCEPT, Status.ONLINE_VOOR_VERZOEKER, Status.OPENBAAR}),
    Status.ONLINE_VOOR_VERZOEKER: frozenset({Status.GEREED, Status.OPENBAAR}),
    Status.OPENBAAR: frozenset({Status.INGETROKKEN}),
    Status.INGETROKKEN: frozenset({Status.CONCEPT}),
}
EDITABLE = frozenset({Status.CONCEPT})  # gereed freezes the judgements; back to concept to change them


def check_transition(kind: str, current: str, target: str) -> Status:
    cur, tgt = Status(current), Status(target)
    if tgt == Status.ONLINE_VOOR_VERZOEKER and Kind(kind) != Kind.WOO_BESLUIT:
        raise DossierError("Alleen een Woo-besluit kan eerst online voor de verzoeker worden gezet.")
    if tgt not in TRANSITIONS[cur]:
        raise DossierError(f"Een dossier met status '{STATUS_LABELS_NL[cur]}' kan niet naar "
                           f"'{STATUS_LABELS_NL[tgt]}'.")
    return tgt


def is_editable(status: str) -> bool:
    """Documents and judgements change only before the dossier goes out."""
    return Status(status) in EDITABLE


# A published dossier still takes documents (a late attachment: a stuk that arrives after the meeting, a
# document found after the decision); each goes through the gate and is published with the dossier once it
# passes. Judgements of what is already public stay frozen.
ACCEPTS_DOCUMENTS = EDITABLE | {Status.OPENBAAR}


def accepts_documents(status: str) -> bool:
    return Status(status) in ACCEPTS_DOCUMENTS


# --------------------------------------------------------------------------- judgements

class Judgement(StrEnum):
    OPENBAAR = "openbaar"
    DEELS_OPENBAAR = "deels-openbaar"
    NIET_OPENBAAR = "niet-openbaar"
    REEDS_OPENBAAR = "reeds-openbaar"


JUDGEMENT_LABELS_NL = {Judgement.OPENBAAR: "Openbaar", Judgement.DEELS_OPENBAAR: "Deels openbaar",
                       Judgement.NIET_OPENBAAR: "Niet openbaar", Judgement.REEDS_OPENBAAR: "Reeds openbaar"}
# Published as a file: the document itself (openbaar) or its redacted version (deels openbaar).
PUBLISHED_AS_FILE = frozenset({Judgement.OPENBAAR, Judgement.DEELS_OPENBAAR})


def parse_judgement(value: str | None) -> Judgement | None:
    """'Openbaar', 'Deels Openbaar', 'niet_openbaar', 'reeds openbaar' ...; None when not recognised."""
    key = re.sub(r"[\s_]+", "-", (value or "").strip().lower())
    key = {"deels": "deels-openbaar", "niet": "niet-openbaar", "reeds": "reeds-openbaar",
           "geweigerd": "niet-openbaar", "openbaar-gemaakt": "openbaar"}.get(key, key)
    try:
        return Judgement(key)
    except ValueError:
        return None


@dataclass(frozen=True)
class DocumentJudgement:
    judgement: Judgement | None
    grounds: tuple[str, ...] = ()
    remark: str | None = None
    number: str | None = None        # the document number of the inventory
    public_link: str | None = None   # where a 'reeds openbaar' document already is


def judgement_problems(j: DocumentJudgement) -> list[str]:
    """Dutch problems with one judgement; empty when it may stand."""
    out = []
    if j.judgement is None:
        return ["Het document is nog niet beoordeeld (openbaar, deels openbaar, niet openbaar of reeds openbaar)."]
    unknown = [g for g in j.grounds if g not in WOO_GROUNDS]
    if unknown:
        out.append("Onbekende weigeringsgrond(en): " + ", ".join(unknown) + ".")
    if j.judgement in (Judgement.DEELS_OPENBAAR, Judgement.NIET_OPENBAAR) and not j.grounds:
        out.append(f"Bij '{JUDGEMENT_LABELS_NL[j.judgement]}' hoort minstens één weigeringsgrond uit de Woo "
                   "(bijvoorbeeld 5.1.2e).")
    if j.judgement == Judgement.OPENBAAR and j.grounds:
        out.append("Een openbaar document heeft geen weigeringsgronden; kies 'deels openbaar' als er gelakt is.")
    if j.judgement == Judgement.REEDS_OPENBAAR:
        if not j.public_link:
            out.append("Bij 'reeds openbaar' hoort de openbare vindplaats (publieke link).")
        elif not re.match(r"^https?://\S+$", j.public_link):
            out.append(f"De publieke link '{j.public_link}' is geen geldig webadres.")
    return out


def make_judgement(judgement: str | None, grounds: str | list[str] | None = None, remark: str | None = None,
                   number: str | None = None, public_link: str | None = None) -> DocumentJudgement:
    """Parse loose input (a form, a CLI flag, an inventory row) into a judgement; raises DossierError."""
    parsed = parse_judgement(judgement) if judgement else None
    if judgement and parsed is None:
        raise DossierError(f"Onbekende beoordeling '{judgement}'. Kies uit: "
                           + ", ".join(JUDGEMENT_LABELS_NL.values()) + ".")
    if isinstance(grounds, str) or grounds is None:
        keys, unknown = split_grounds(grounds)
    else:
        keys, unknown = split_grounds(";".join(grounds))
    if unknown:
        raise DossierError("Onbekende weigeringsgrond(en): " + ", ".join(unknown) + ". Kies uit: "
                           + ", ".join(WOO_GROUNDS) + ".")
    j = DocumentJudgement(parsed, tuple(keys), (remark or "").strip() or None, (number or "").strip() or None,
                          (public_link or "").strip() or None)
    problems = judgement_problems(j)
    if problems:
        raise DossierError(" ".join(problems))
    return j


def grounds_text(grounds) -> str:
    return "; ".join(ground_label(g) for g in grounds or ())


def decision_from(judgements: list[Judgement]) -> Judgement | None:
    """The dossier's decision as the judgements of its documents add up: all the same -> that one;
    anything withheld next to something released -> deels openbaar."""
    js = {j for j in judgements if j is not None}
    if not js:
        return None
    if len(js) == 1:
        return next(iter(js))
    if js <= {Judgement.OPENBAAR, Judgement.REEDS_OPENBAAR}:
        return Judgement.OPENBAAR
    if js <= {Judgement.NIET_OPENBAAR, Judgement.REEDS_OPENBAAR}:
        return Judgement.NIET_OPENBAAR
    return Judgement.DEELS_OPENBAAR


# --------------------------------------------------------------------------- Woo decision term

DECISION_WEEKS = 4   # art. 4.4 lid 1 Woo: within four weeks after receipt
EXTENSION_WEEKS = 2  # art. 4.4 lid 2 Woo: at most two weeks more


@dataclass(frozen=True)
class Term:
    received: date
    deadline: date
    decided: date | None
    on_time: bool | None   # None while undecided and the deadline has not passed
    label: str             # "op tijd" / "te laat" / "nog open (n dagen)"


def decision_term(received: date | None, decided: date | None, extended: bool = False,
                  suspension_days: int = 0, today: date | None = None) -> Term | None:
    """The deadline of a Woo-verzoek: 4 weeks, plus 2 weeks when extended, plus the days the term was
    suspended (art. 4.4 lid 3/4: zienswijzen of third parties). None without a received date."""
    if received is None:
        return None
    if suspension_days < 0:
        raise DossierError("Het aantal opschortingsdagen kan niet negatief zijn.")
    deadline = received + timedelta(weeks=DECISION_WEEKS + (EXTENSION_WEEKS if extended else 0),
                                    days=suspension_days)
    if decided is not None:
        if decided < received:
            raise DossierError("De besluitdatum ligt voor de datum van ontvangst.")
        ok = decided <= deadline
        return Term(received, deadline, decided, ok, "op tijd" if ok else "te laat")
    today = today or date.today()
    if today > deadline:
        return Term(received, deadline, None, False, "te laat")
    return Term(received, deadline, None, None, f"nog open ({(deadline - today).days} dagen)")


# --------------------------------------------------------------------------- topics (onderwerpen)

def normalise_topic(value: str) -> str:
    return re.sub(r"\s+", " ", (value or "").strip())


def check_topics(requested: list[str], managed: list[str]) -> list[str]:
    """The requested onderwerpen as written in the organisation's managed list; unknown ones are refused."""
    by_key = {normalise_topic(m).lower(): m for m in managed}
    out, unknown = [], []
    for t in requested:
        t = normalise_topic(t)
        if not t:
            continue
        hit = by_key.get(t.lower())
        if hit is None:
            unknown.append(t)
        elif hit not in out:
            out.append(hit)
    if unknown:
        raise DossierError("Onbekend onderwerp: " + ", ".join(unknown) + ". Voeg het eerst toe aan de "
                           "onderwerpenlijst van de organisatie.")
    return out


# --------------------------------------------------------------------------- dossier fields

@dataclass
class DossierFields:
    title: str
    kind: Kind
    category: str | None = None
    reference: str | None = None
    summary: str | None = None
    topics: list[str] = field(default_factory=list)
    received_date: date | None = None
    decision_date: date | None = None
    extended: bool = False
    suspension_days: int = 0
    decision: Judgement | None = None


def fields_problems(f: DossierFields) -> list[str]:
    out = []
    if not (f.title or "").strip():
        out.append("Een dossier heeft een titel nodig.")
    elif len(f.title) > 500:
        out.append("De titel is langer dan 500 tekens.")
    if f.kind == Kind.WOO_BESLUIT and f.category != woo_besluit_category():
        out.append("Een Woo-besluit valt altijd onder 'Woo-verzoeken en -besluiten' (2i).")
    if f.kind == Kind.PUBLICATIE and not f.category:
        out.append("Kies een informatiecategorie voor de publicatie.")
    if f.category and tooi.category_by_uri(f.category) is None:
        out.append("De informatiecategorie staat niet in de TOOI-lijst.")
    if f.kind != Kind.WOO_BESLUIT and (f.received_date or f.extended or f.suspension_days):
        out.append("Een ontvangstdatum, verdaging of opschorting hoort alleen bij een Woo-besluit.")
    if f.suspension_days < 0:
        out.append("Het aantal opschortingsdagen kan niet negatief zijn.")
    if f.received_date and f.decision_date and f.decision_date < f.received_date:
        out.append("De besluitdatum ligt voor de datum van ontvangst.")
    return out


def publication_problems(kind: Kind, status: str, has_besluit: bool, documents: int,
                         decision: Judgement | None) -> list[str]:
    """Dossier-level reasons it may not be published (the per-document ones come from the services)."""
    out = []
    if Status(status) not in (Status.GEREED, Status.ONLINE_VOOR_VERZOEKER):
        out.append(f"Alleen een dossier met status 'Gereed' kan openbaar worden; dit dossier is "
                   f"'{STATUS_LABELS_NL[Status(status)]}'.")
    if kind == Kind.WOO_BESLUIT and not has_besluit:
        out.append("Het besluit (de besluitbrief) ontbreekt.")
    if kind == Kind.WOO_BESLUIT and decision is None:
        out.append("Het besluit (openbaar, deels openbaar, niet openbaar of reeds openbaar) is niet vastgelegd.")
    if documents == 0:
        out.append("Het dossier bevat geen documenten.")
    return out


__all__ = [name for name in dir() if not name.startswith("_") and name not in ("annotations", "re", "date",
                                                                               "timedelta", "dataclass",
                                                                               "field", "StrEnum", "tooi")]


# The decision letter and the inventarislijst of a Woo-besluit are vastgesteld on the decision date, a meeting's
# agenda, stukken, besluitenlijst and verslag belong to the meeting's date (its decision_date): their own date is
# the dossier's, so publication need not ask for it (woo.services.worklist.date_known). An ingekomen stuk was
# received before the meeting, on a date of its own.
ROLES_DATED_BY_DECISION = (Role.BESLUIT, Role.INVENTARISLIJST)
ROLES_DATED_BY_MEETING = (Role.AGENDA, Role.VERGADERSTUK, Role.BESLUITENLIJST, Role.VERSLAG)


def own_date(kind: str, role: str, decision_date: date | None) -> date | None:
    """The date a dossier gives one of its documents, or None when the document must say it itself."""
    if Kind(kind) == Kind.WOO_BESLUIT and Role(role) in ROLES_DATED_BY_DECISION:
        return decision_date
    if Kind(kind) == Kind.VERGADERING and Role(role) in ROLES_DATED_BY_MEETING:
        return decision_date
    return None

