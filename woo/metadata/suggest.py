"""Metadata suggested from a document's text: official title, dates, document type, organisation, kenmerken.

Pure and deterministic (no I/O besides the TOOI lists, loaded once): ``suggest_metadata`` reads a bounded
part of the text (the start, where titles, letterheads and kenmerken are, and the end, where signatures
and "Aldus vastgesteld" are) and returns ``Suggestion``s, each with a confidence in 0..1, a Dutch reason
for the records officer and the snippet it was found in. The officer confirms or corrects them
(``woo.services.describe``); only confirmed values, or suggestions of at least ``HIGH_CONFIDENCE``, go
into the DiWoo record.

Every URI a suggestion carries comes from the TOOI CSVs through ``woo.domain.tooi``.
"""
from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from datetime import date
from functools import lru_cache

from woo.domain import tooi

__all__ = ["Suggestion", "suggest_metadata", "parse_date", "find_dates", "FIELDS", "FIELD_LABELS",
           "DATE_FIELDS", "HIGH_CONFIDENCE", "best", "effective", "organisation_by_label"]

HEAD_CHARS = 20_000  # titles, letterheads, kenmerken
TAIL_CHARS = 5_000  # signatures, "Aldus vastgesteld"
HIGH_CONFIDENCE = 0.8  # a suggestion this sure may stand in for a confirmed value in the DiWoo record
MAX_IDENTIFIERS = 8

# field -> Dutch label, in the order the document page shows them
FIELD_LABELS = {
    "title": "Officiële titel",
    "date.creatie": "Datum opgesteld",
    "date.vaststelling": "Datum vaststelling",
    "date.ondertekening": "Datum ondertekening",
    "date.ontvangst": "Datum ontvangst",
    "documentsoort": "Documentsoort",
    "organisation": "Opsteller (organisatie)",
    "identifiers": "Kenmerken",
    "language": "Taal",
}
FIELDS = tuple(FIELD_LABELS)
# date field -> TOOI documenthandeling label (documenthandelingen.csv); creatie is DiWoo's creatiedatum
DATE_FIELDS = {"date.creatie": None, "date.vaststelling": "vaststelling",
               "date.ondertekening": "ondertekening", "date.ontvangst": "ontvangst"}


@dataclass(frozen=True)
class Suggestion:
    field: str  # one of FIELDS
    value: str  # ISO date for dates, TOOI URI for documentsoort/organisation, text otherwise
    confidence: float  # 0..1
    reason: str  # Dutch, for the officer
    evidence: str = ""  # the text it was found in
    label: str | None = None  # TOOI label of a URI value

    def as_dict(self) -> dict:
        out = asdict(self)
        out["confidence"] = round(self.confidence, 3)
        return out


# --------------------------------------------------------------------------- dates

MONTHS = {"januari": 1, "jan": 1, "februari": 2, "feb": 2, "febr": 2, "maart": 3, "mrt": 3, "mar": 3,
          "april": 4, "apr": 4, "mei": 5, "juni": 6, "jun": 6, "juli": 7, "jul": 7, "augustus": 8, "aug": 8,
          "september": 9, "sep": 9, "sept": 9, "oktober": 10, "okt": 10, "oct": 10, "november": 11, "nov": 11,
          "december": 12, "dec": 12}
_MONTH_ALT = "|".join(sorted(MONTHS, key=len, reverse=True))
_WEEKDAY = r"(?:(?:maandag|dinsdag|woensdag|donderdag|vrijdag|zaterdag|zondag)\s+)?"
DATE_RE = re.compile(
    rf"\b{_WEEKDAY}(?:(?P<d>\d{{1,2}})(?:e|ste|de)?\s+(?P<m>{_MONTH_ALT})\.?\s+(?P<y>\d{{4}})"
    r"|(?P<d2>\d{1,2})[-./](?P<m2>\d{1,2})[-./](?P<y2>\d{4})"
    r"|(?P<y3>\d{4})-(?P<m3>\d{2})-(?P<d3>\d{2}))\b",
    re.IGNORECASE)


def _to_date(y: str, m: int, d: str) -> date | None:
    try:
        value = date(int(y), m, int(d))
    except ValueError:
        return None
    return value if 1800 <= value.year <= 2100 else None


def _match_date(m: re.Match) -> date | None:
    if m.group("y"):
        return _to_date(m.group("y"), MONTHS[m.group("m").lower()], m.group("d"))
    if m.group("y2"):
        return _to_date(m.group("y2"), int(m.group("m2")), m.group("d2"))
    return _to_date(m.group("y3"), int(m.group("m3")), m.group("d3"))


def find_dates(text: str):
    """(date, start, end) of every Dutch or ISO date in ``text``."""
    for m in DATE_RE.finditer(text):
        value = _match_date(m)
        if value is not None:
            yield value, m.start(), m.end()


def parse_date(value: str | None) -> date | None:
    """"3 maart 2025", "03-03-2025", "3.3.2025" or "2025-03-03" -> date; None when it is not one date."""
    if not value:
        return None
    m = DATE_RE.fullmatch(value.strip())
    return _match_date(m) if m else None


# --------------------------------------------------------------------------- text window


@dataclass(frozen=True)
class _Segment:
    offset: int  # position in the full text
    text: str
    tail: bool


def _segments(text: str) -> list[_Segment]:
    text = text.replace("\u00a0", " ").replace("\r\n", "\n")
    if len(text) <= HEAD_CHARS + TAIL_CHARS:
        return [_Segment(0, text, False)]
    return [_Segment(0, text[:HEAD_CHARS], False),
            _Segment(len(text) - TAIL_CHARS, text[-TAIL_CHARS:], True)]


def _snippet(text: str, start: int, end: int, pad: int = 50) -> str:
    s = text[max(0, start - pad):min(len(text), end + pad)]
    return re.sub(r"\s+", " ", s).strip()


def _clean(value: str) -> str:
    value = re.sub(r"[*_#`>|]+", " ", value)
    value = re.sub(r"\s+", " ", value).strip(" .,;:-–")
    return value


# --------------------------------------------------------------------------- date rules
# (field, confidence, regex on the text just before the date, Dutch reason). The context is at most
# 160 characters back; anchors on "\s*$" make the cue sit right before the date.
_CTX = 160
_DATE_RULES: list[tuple[str, float, re.Pattern, str]] = [
    ("date.vaststelling", 0.9, re.compile(
        r"(?:vastgesteld|aldus\s+(?:besloten|vastgesteld|gewijzigd))\b[^.\n]{0,80}?"
        r"(?:vergadering\s+)?(?:van|op|d\.?\s?d\.?)\s*:?\s*$", re.I),
     "‘vastgesteld’/‘aldus besloten’ gevolgd door een datum"),
    ("date.vaststelling", 0.85, re.compile(
        r"(?:^|\n)[#\s]*(?:besluit|beleidsregels?|regeling|verordening|beschikking|wet)\s+(?:van|d\.\s?d\.)\s+"
        r"(?:(?:de|het)\s+[^\n]{0,140}?\s+van\s*)?$", re.I),
     "kop ‘Besluit/Regeling van … [datum]’"),
    ("date.vaststelling", 0.7, re.compile(
        r"(?:besloten|besluit|vastgesteld)\s+(?:in\s+)?(?:zijn|haar|de|hun)\s+(?:openbare\s+)?vergadering\s+"
        r"(?:van|op)\s*$", re.I), "besluit in een vergadering op een datum"),
    ("date.vaststelling", 0.6, re.compile(r"(?:GS|B\s?&\s?W|college)[- ]?datum\s*:?\s*$", re.I),
     "datum van het collegebesluit"),
    ("date.ondertekening", 0.9, re.compile(
        r"(?:ondertekend|getekend|gegeven\s+te\s+[^\n,]{2,40})[^\n]{0,20}?(?:op|d\.?\s?d\.?|,)\s*$|"
        r"datum\s+(?:van\s+)?ondertekening\s*:?\s*$", re.I), "datum bij de ondertekening"),
    ("date.ondertekening", 0.75, re.compile(
        r"(?:^|\n)\s*(?:'s-|’s-)?[A-Z][A-Za-zÀ-ÿ'’\-]+(?:\s+[A-Za-zÀ-ÿ'’\-()]+){0,3},\s*(?:de\s+)?$"),
     "plaats en datum (‘Den Haag, 3 april 2024’), zoals boven een ondertekening"),
    ("date.ontvangst", 0.85, re.compile(
        r"(?:datum\s+(?:van\s+)?ontvangst|ontvangstdatum|datum\s+binnenkomst|ingekomen\s*(?:op|d\.?\s?d\.?)?|"
        r"(?:^|\n)\s*ontvangen\s*(?:op)?\s*:)\s*:?\s*$", re.I), "ontvangststempel of ‘datum ontvangst’"),
    ("date.ontvangst", 0.75, re.compile(r"\(\s*ontvangen\s+(?:op\s+)?$", re.I),
     "‘(ontvangen [datum])’ bij een antwoord"),
    ("date.ontvangst", 0.45, re.compile(r"(?:^|[.\n])(?:(?!\buw\b)[^.\n])*\bontvangen\s+op\s*$", re.I),
     "‘ontvangen op’ in de tekst"),
    ("date.creatie", 0.75, re.compile(r"(?:^|\n)[\s|]*(?:datum|date|dagtekening)\s*:?\s*\n?\s*$", re.I),
     "datum in de briefhoofd (‘Datum …’)"),
    ("date.creatie", 0.6, re.compile(r"(?:^|\n)\s*(?:verzonden|sent|datum)\s*:\s*$", re.I),
     "verzenddatum van het e-mailbericht"),
    ("date.creatie", 0.5, re.compile(r"\bd\.\s?d\.\s*$", re.I), "‘d.d.’ met een datum in de kop"),
]


def _date_candidates(segments: list[_Segment]) -> list[Suggestion]:
    found: dict[str, list[tuple[float, int, date, str, str]]] = {}
    for seg in segments:
        for value, start, end in find_dates(seg.text):
            before = seg.text[max(0, start - _CTX):start]
            for field, conf, rule, reason in _DATE_RULES:
                if not rule.search(before):
                    continue
                if field == "date.creatie" and seg.offset + start > 4000:
                    continue  # a letterhead date is near the top
                if field == "date.ondertekening" and conf < 0.9 and not seg.tail and \
                        seg.offset + start < min(len(seg.text) * 0.5, 3000):
                    conf -= 0.15  # "Place, date" high on the page is more often a letter date
                near_end = seg.tail or (len(segments) == 1 and start > len(seg.text) - 3000)
                if field in ("date.vaststelling", "date.ondertekening") and seg.offset + start > 3000 \
                        and not near_end and not re.search(r"\baldus\b", before[-120:], re.I):
                    conf -= 0.3  # deep in the body "vastgesteld op …" mostly concerns another document
                found.setdefault(field, []).append((conf, seg.offset + start, value, reason,
                                                   _snippet(seg.text, start, end)))
                break  # one reading per date occurrence, the first (strongest) rule wins
    out = []
    for field, cands in found.items():
        # the strongest cue wins; among equals the first for creatie/vaststelling, the last for signatures
        last = field == "date.ondertekening"
        cands.sort(key=lambda c: (-c[0], -c[1] if last else c[1]))
        conf, _, value, reason, snippet = cands[0]
        agree = sum(1 for c in cands[1:] if c[2] == value)
        conf = min(0.95, conf + 0.05 * agree)
        out.append(Suggestion(field, value.isoformat(), conf, reason, snippet))
    return out


def _first_date(segments: list[_Segment], properties: dict) -> Suggestion | None:
    """Fallback for creatie: the first date on the first page, else the file's own creation date."""
    head = segments[0].text[:800]
    for value, start, end in find_dates(head):
        return Suggestion("date.creatie", value.isoformat(), 0.4, "eerste datum bovenaan het document",
                          _snippet(head, start, end))
    created = (properties or {}).get("created")
    if isinstance(created, str):
        value = parse_date(created[:10])
        if value:
            return Suggestion("date.creatie", value.isoformat(), 0.35,
                              "aanmaakdatum in de bestandseigenschappen", f"created: {created}")
    return None


# --------------------------------------------------------------------------- a letter's own date
# A letter (a salutation or letterhead at the top, a signature at the end) carries its date in the letterhead
# ("Datum: 12 maart 2024") or as "Utrecht, 12 maart 2024" above the salutation: the date the letter was signed
# and sent. That is the document's date with the handeling "ondertekening", sure enough not to ask.
_LETTER_HEAD = 4000  # salutation and letterhead sit on the first page
_LETTER_TAIL = 3000  # the signature block at the end
_SALUTATION = re.compile(r"(?:^|\n)[ \t]*(?:geachte|beste|hooggeachte|dear)\b[^\n]{0,80}", re.I)
_LETTERHEAD = re.compile(r"(?:^|\n)[ \t|]*(?:ons\s+kenmerk|uw\s+kenmerk|kenmerk|onderwerp|betreft|zaaknummer)\b", re.I)
_SIGNATURE = re.compile(
    r"\bmet\s+(?:vriendelijke|hartelijke|collegiale)\s+groet(?:en)?\b|\bhoogachtend\b|"
    r"\bnamens\s+(?:deze|het\s+college|de\s+minister|de\s+staatssecretaris|gedeputeerde\s+staten|"
    r"burgemeester\s+en\s+wethouders|het\s+dagelijks\s+bestuur)\b|"
    r"\b(?:gedeputeerde\s+staten|burgemeester\s+en\s+wethouders|het\s+dagelijks\s+bestuur)\s+van\s+[^\n,;]{2,40},?"
    r"\s*(?:de\s+|het\s+)?(?:voorzitter|secretaris|burgemeester|griffier)\b|"
    r"(?:^|\n)[ \t]*de\s+(?:minister|staatssecretaris)\s+(?:voor|van)\s+[^\n]{3,80},[ \t]*(?:\n|$)", re.I)
# the date itself: after "Datum" in the letterhead, or "Place, [date]" on a line of its own
_LETTER_DATE_BEFORE = (
    re.compile(r"(?:^|\n)[\s|]*(?:datum|dagtekening)(?:\s+verzending)?\s*:?\s*\n?\s*$", re.I),
    re.compile(r"(?:^|\n)\s*(?:'s-|’s-)?[A-Z][A-Za-zÀ-ÿ'’\-]+(?:\s+[A-Za-zÀ-ÿ'’\-()]+){0,3},\s*(?:de\s+)?$"))


# an e-mail's "Datum:" is when that message (often a forward) was sent, not when a letter was signed
_EMAIL_HEADER = re.compile(r"(?:^|\n)[ \t]*(?:van|from|verzonden|sent)[ \t]*:", re.I)


def _letter_date(text: str) -> Suggestion | None:
    """A signed letter's header date as its ondertekening, or None when this is no letter or has no such date."""
    head = text[:_LETTER_HEAD]
    if _EMAIL_HEADER.search(head[:600]):
        return None
    salutation = _SALUTATION.search(head)
    if salutation is None and not _LETTERHEAD.search(head):
        return None
    if not _SIGNATURE.search(text[-_LETTER_TAIL:] if len(text) > _LETTER_TAIL else text):
        return None
    # the letter's date stands above the salutation (the letterhead), or on the first page when there is none
    zone = head[:salutation.start()] if salutation is not None else head
    for value, start, end in find_dates(zone):
        before = zone[max(0, start - _CTX):start]
        if any(rule.search(before) for rule in _LETTER_DATE_BEFORE):
            return Suggestion("date.ondertekening", value.isoformat(), 0.85,
                              "datum in het briefhoofd van een ondertekende brief (aanhef of briefhoofd, en "
                              "ondertekening): de datum waarop de brief is ondertekend en verzonden",
                              _snippet(zone, start, end))
    return None


# --------------------------------------------------------------------------- title

_JUNK_TITLE = re.compile(
    r"^(?:staatscourant|staatsblad|provinciaal blad|gemeenteblad|waterschapsblad|tractatenblad)$|"
    r"^(?:microsoft\s+(?:word|powerpoint|excel)\b|untitled|naamloos|document\s*\d*$|geanonimiseerd document$|"
    r"titel$|title$|presentatie\d*$|sjabloon)|\.(?:docx?|xlsx?|pptx?|pdf|odt|msg|rtf)\s*$", re.I)
_BLAD_PREFIX = re.compile(r"^(?:STAATSCOURANT|STAATSBLAD|PROVINCIAAL BLAD|GEMEENTEBLAD|WATERSCHAPSBLAD|"
                          r"BLAD GEMEENSCHAPPELIJKE REGELING|TRACTATENBLAD)\s+")
_NOISE_LINE = re.compile(
    r"^(?:\d+|pagina\s+\d+(?:\s+van\s+\d+)?|\d+\s*/\s*\d+|openbare versie|retouradres.*|postbus.*|"
    r".*\b\d{4}\s?[A-Z]{2}\b.*|.*@.*|(?:www\.|https?:).*|tel(?:efoon)?\.?\s.*|t\s.*|e\s.*|"
    r"<meta.*|-+|=+|\W*|start van deze pagina|(?:concept|definitief|vertrouwelijk)|xml version.*|"
    r"bezoekadres.*|kvk.*|iban.*|colofon|inhoud(?:sopgave)?|lichaam|description:.*|"
    r"(?:van|aan|cc|bcc|verzonden|onderwerp|datum|from|to|sent|subject|bijlagen?)\s*:.*|"
    r"(?:imro-idn|status|plantype|plan|versie|kenmerk|zaaknummer|ons kenmerk|uw kenmerk)\s*:.*)$", re.I)
_SECTION_NAMES = {"toelichting", "inleiding", "samenvatting", "inhoud", "inhoudsopgave", "voorwoord", "regels",
                  "bijlage", "bijlagen", "contact", "colofon", "lichaam", "management summary", "begrippen"}
_BODY_START = re.compile(r"(?:de|onze)\s+(?:minister|staatssecretaris|raad|burgemeester)\b|gelet\s+op|overwegende|"
                         r"wij\s|het\s+college|geachte|beste\s|gedeputeerde\s+staten|provinciale\s+staten", re.I)
_DECREE = re.compile(r"(?:besluit|beleidsregels?|regeling|verordening|wet)\s+(?:van|d\.\s?d\.)\s[^\n]{5,400}?"
                     r"\bhoudende\b", re.I)
_HEADING_WORDS = re.compile(
    r"\b(?:besluit|verslag|rapport|rapportage|brief|advies|notitie|nota|beleidsregels?|regeling|verordening|"
    r"motie|onderzoek|evaluatie|jaarverslag|programma|plan|beschikking|overeenkomst|convenant|vergunning|"
    r"kennisgeving|bekendmaking|agenda|besluitenlijst|analyse|memo|voorstel)\b", re.I)


def _title_candidates(segments: list[_Segment], title: str | None, properties: dict) -> list[Suggestion]:
    head = segments[0].text[:6000]
    head_norm = re.sub(r"\W+", " ", head).lower()
    out: list[Suggestion] = []

    prop = _clean(str((properties or {}).get("title") or ""))
    if prop and not _JUNK_TITLE.search(prop) and len(prop) >= 4:
        prop = _BLAD_PREFIX.sub("", prop)
        in_text = re.sub(r"\W+", " ", prop).lower().strip() in head_norm
        conf = 0.85 if in_text else 0.6
        if len(prop) > 250:
            conf = 0.4
        out.append(Suggestion("title", prop[:500], conf,
                              "titel in de bestandseigenschappen" + (" en bovenaan de tekst" if in_text else ""),
                              f"title: {prop[:120]}"))

    m = re.search(r"(?:^|\n)\s*#{1,3}\s*([^\n#][^\n]{3,600})", head)
    if m and m.start() < 1500:
        value = _clean(m.group(1))
        decree = _DECREE.match(value)
        generic = value.lower() in _SECTION_NAMES
        out.append(Suggestion("title", value[:500], 0.9 if decree else 0.3 if generic else 0.85,
                              "‘Besluit van … houdende …’" if decree else "eerste kop van het document",
                              _snippet(head, m.start(1), m.end(1), 0)))
    else:
        m = re.search(r"(?:^|\n)\s*(" + _DECREE.pattern + r"[^\n]{3,400})", head[:3000], re.I)
        if m:
            out.append(Suggestion("title", _clean(m.group(1))[:500], 0.85, "‘Besluit van … houdende …’",
                                  _snippet(head, m.start(1), m.end(1), 0)))

    m = re.search(r"(?:^|\n)[ \t|]*(?:onderwerp|betreft)\b[ \t]*:?[ \t]*([^\n]*)\n?([^\n]*)\n?([^\n]*)",
                  head[:5000], re.I)
    if m:
        first, second, third = (g.strip(" |\t") for g in m.groups())
        value = first or second
        if first and second and second[:1].islower():
            value = f"{first} {second}"  # a subject wrapped onto the next line
        elif not first and third and third[:1].islower():
            value = f"{second} {third}"
        value = _clean(value)
        if len(value) >= 4 and re.search(r"[A-Za-z]{3}", value) and not re.match(
                r"formulier ingestuurd|re:|fw:|fwd:", value, re.I):
            out.append(Suggestion("title", value[:500], 0.7, "onderwerpregel (‘Onderwerp’/‘Betreft’)",
                                  _snippet(head, m.start(), m.end(), 0)))

    lines = _heading_lines(head)
    if lines and _reads_as_words(" ".join(lines)):
        value = _clean(" ".join(lines))
        conf = 0.55 if _HEADING_WORDS.search(value) else 0.45
        out.append(Suggestion("title", value[:500], conf, "de eerste regels van de eerste pagina",
                              " | ".join(lines)[:200]))

    # candidates that agree (one inside the other) reinforce each other
    boosted = []
    for s in out:
        key = re.sub(r"\W+", " ", s.value).lower().strip()
        others = [re.sub(r"\W+", " ", o.value).lower().strip() for o in out if o is not s]
        if any(key and o and (key in o or o in key) for o in others):
            s = Suggestion(s.field, s.value, min(0.95, s.confidence + 0.1), s.reason + " (bevestigd door een "
                           "tweede plek)", s.evidence)
        boosted.append(s)
    return boosted


def _reads_as_words(text: str) -> bool:
    """False for OCR noise ("ben Te en de nae = en en EEN eeen"): too many short or vowelless tokens."""
    tokens = text.split()
    if not tokens or re.search(r"[=<>{}~^]", text):
        return False
    words = [t for t in tokens if len(t) >= 4 and re.search(r"[aeiouyAEIOUY]", t)]
    return len(words) >= 0.35 * len(tokens)


def _heading_lines(head: str) -> list[str]:
    """The first short lines that read like a heading (up to three, joined by the caller)."""
    out: list[str] = []
    for raw in head[:2500].split("\n"):
        line = _clean(raw)
        if _NOISE_LINE.match(raw.strip(" |\t")):
            line = "-"  # treated as noise below (e-mail header lines lose their colon in _clean)
        if not line:
            if out:
                break
            continue
        if _NOISE_LINE.match(line) or parse_date(line) or re.fullmatch(r"[\w./\- ]*\d[\w./\- ]*", line) and \
                sum(c.isdigit() for c in line) * 3 > len(line):
            if out:
                break
            continue
        if _BODY_START.match(line):
            break
        if len(line) > 60 and re.search(r"[a-z]\. [A-Z]", line):
            break  # prose, not a heading
        if len(line) > 120 or line.endswith((".", ",", ";")) and len(line) > 60:
            break
        letters = sum(c.isalpha() for c in line)
        if letters < 3:
            continue
        if out and line.lower() == out[-1].lower():
            continue  # a title repeated (running header)
        out.append(line)
        if len(out) == 3 or len(" ".join(out)) > 160:
            break
    return out


# --------------------------------------------------------------------------- documentsoort

# Extra wordings per TOOI documentsoort label (the label itself always counts). Keyed by label so the
# URI still comes from documentsoorten.csv.
_SOORT_SYNONYMS: dict[str, list[str]] = {
    "beslissing op Wob-/Woo-verzoek": [r"(?:besluit|beslissing|reactie)\s+op\s+(?:\w+\s+){0,2}(?:wob|woo)[- ]?verzoek",
                                       r"besluit\s+(?:wob|woo)[- ]?verzoek",
                                       r"beslissing\s+op\s+(?:uw|vw|het|een|jouw)\s+verzoek",
                                       r"(?:wob|woo)[- ]?\w*besluit"],
    "Wob-/Woo-verzoek": [r"(?:wob|woo)[- ]?verzoek"],
    "vergaderverslag": [r"verslag", r"notulen"],
    "besluitenlijst": [r"besluitenlijst"],
    "Kamerbrief": [r"aan\s+de\s+voorzitter\s+van\s+de\s+(?:tweede|eerste)\s+kamer"],
    "Kamervraag met antwoord": [r"antwoord(?:en)?\s+op\s+(?:de\s+)?(?:schriftelijke\s+)?(?:kamer)?vragen",
                                r"aanhangsel\s+van\s+de\s+handelingen"],
    "motie": [r"motie\s+van\s+(?:de\s+leden|het\s+lid)"],
    "onderzoeksrapport": [r"onderzoek\s+naar", r"onderzoeksrapport"],
    "evaluatierapport": [r"evaluatie", r"evaluatierapport"],
    "rapport": [r"rapportage", r"eindrapport(?:age)?"],
    "jaarverslag": [r"(?:financieel\s+)?jaarverslag", r"jaarrekening"],
    "beleidsregel": [r"beleidsregels"],
    "ministeriële regeling": [r"regeling\s+van\s+de\s+(?:minister|staatssecretaris)"],
    "besluit": [r"\w+besluit"],
    "beschikking": [r"\w+beschikking"],
    "vergunning": [r"\w+vergunning"],
    "convenant": [r"(?:bestuurs|samenwerkings)overeenkomst", r"overeenkomst\s+inzake\s+bestuurlijke\s+samenwerking",
                  r"werkafspraken"],
    "ingekomen stuk": [r"raadsadres", r"ingekomen\s+stuk(?:ken)?"],
    "plan": [r"bestemmingsplan", r"omgevingsplan"],
    "brief": [r"raadsinformatiebrief", r"(?:gs|college)[- ]brief", r"brief\s+aan"],
    "vergaderstuk": [r"statenvoorstel", r"raadsvoorstel"],
    "voorstel van wet": [r"wetsvoorstel"],
    "advies": [r"juridische\s+analyse", r"advies\s+(?:op|over|inzake)"],
    "beleidsnota": [r"nota\s+van\s+uitgangspunten"],
}


@lru_cache(maxsize=1)
def _soort_patterns() -> tuple[tuple[re.Pattern, tooi.Concept], ...]:
    by_label = {c.label.lower(): c for c in tooi.documentsoorten()}
    out = []
    for c in tooi.documentsoorten():
        words = re.split(r"\s+", c.label.strip())
        phrase = r"\s+".join(re.escape(w) for w in words)
        out.append((re.compile(rf"(?<![\w-]){phrase}(?![\w-])", re.I), c))
    for label, patterns in _SOORT_SYNONYMS.items():
        c = by_label.get(label.lower())
        if c is None:  # a synonym for a label the TOOI list no longer has: ignore it
            continue
        for p in patterns:
            out.append((re.compile(rf"(?<![\w-]){p}(?![\w-])", re.I), c))
    return tuple(out)


def _soort_in(text: str, line_start: bool) -> tuple[tooi.Concept, re.Match] | None:
    """The most specific documentsoort named in ``text`` (longest match; earliest on a tie); with
    ``line_start`` only one that opens a line (after numbering or table bars)."""
    if line_start:
        pieces, pos = [], 0
        for line in text.split("\n"):
            lead = len(line) - len(line.lstrip(" \t|#*>0123456789."))
            pieces.append((pos + lead, line[lead:]))
            pos += len(line) + 1
    else:
        pieces = [(0, text)]
    best_hit = None
    for pattern, concept in _soort_patterns():
        for offset, piece in pieces:
            m = pattern.match(piece) if line_start else pattern.search(piece)
            if m is None:
                continue
            if line_start and piece[m.end():m.end() + 1] == ":":
                continue  # "Besluit:" opens the dictum of a regulation, it does not name its kind
            key = (m.end() - m.start(), -(offset + m.start()))
            if best_hit is None or key > best_hit[0]:
                best_hit = (key, concept, m)
            break
    return (best_hit[1], best_hit[2]) if best_hit else None


def _soort_candidates(segments: list[_Segment], best_title: Suggestion | None) -> list[Suggestion]:
    out = []
    if best_title is not None:
        hit = _soort_in(best_title.value, False)
        if hit:
            c, m = hit
            out.append(Suggestion("documentsoort", c.uri, 0.8 if best_title.confidence >= 0.6 else 0.65,
                                  f"de titel noemt het document ‘{m.group(0)}’", best_title.value[:200], c.label))
    head = segments[0].text[:2500]
    hit = _soort_in(head, True)
    if hit:
        c, m = hit
        out.append(Suggestion("documentsoort", c.uri, 0.6, f"regel bovenaan begint met ‘{m.group(0)}’",
                              _snippet(head, m.start(), m.end()), c.label))
    if not out and re.search(r"(?:^|\n)\s*(?:geachte|beste)\s", segments[0].text[:4000], re.I):
        c = tooi.documentsoort("brief")
        if c is not None:
            out.append(Suggestion("documentsoort", c.uri, 0.45, "aanhef van een brief (‘Geachte …’)", "", c.label))
    if len(out) == 2 and out[0].value == out[1].value:
        s = out[0]
        out = [Suggestion(s.field, s.value, 0.9, s.reason + " en een kopregel bevestigt het", s.evidence, s.label)]
    return out


# --------------------------------------------------------------------------- organisation

_TOKEN = re.compile(r"[A-Za-zÀ-ÿ0-9]+(?:['’][A-Za-zÀ-ÿ]+)?|'s|’s|&")


def _tokens(text: str) -> list[tuple[str, int, int, str]]:
    """(lower-case token, start, end, original) of the words in ``text``."""
    return [(m.group(0).lower().replace("’", "'"), m.start(), m.end(), m.group(0)) for m in _TOKEN.finditer(text)]


def _label_tokens(label: str) -> tuple[str, ...]:
    return tuple(t[0] for t in _tokens(label))


@lru_cache(maxsize=1)
def _org_index() -> dict[tuple[str, ...], list[tuple[list[str], tooi.Organisation, bool]]]:
    """First two tokens -> [(token sequence, organisation, case-sensitive)], built once from the TOOI lists.

    Besides each label, the bodies that speak for an organisation name it too: "burgemeester en
    wethouders van X", "Gedeputeerde Staten van X", "de Minister van X" (for "ministerie van X")."""
    best: dict[tuple[str, ...], tooi.Organisation] = {}
    single: set[tuple[str, ...]] = set()

    def add(seq: tuple[str, ...], org: tooi.Organisation) -> None:
        if not seq:
            return
        cur = best.get(seq)
        # several organisations share a label (renamed ministries, merged municipalities): prefer the active one
        if cur is None or (not cur.active and org.active):
            best[seq] = org

    for org in tooi.organisations():
        seq = _label_tokens(org.label)
        add(seq, org)
        if len(seq) == 1:
            single.add(seq)
        if org.tooi_list == "rwc_gemeenten_compleet" and org.naam:
            naam = _label_tokens(org.naam)
            for prefix in ("gemeenteraad van", "burgemeester en wethouders van", "college van burgemeester en "
                           "wethouders van", "burgemeester van", "raad van de gemeente", "b & w van"):
                add(_label_tokens(prefix) + naam, org)
        elif org.tooi_list == "rwc_provincies_compleet":
            name = seq[1:]
            for prefix in ("gedeputeerde staten van", "provinciale staten van", "provinciehuis"):
                add(_label_tokens(prefix) + name, org)
        elif org.tooi_list == "rwc_ministeries_compleet" and seq[:2] == ("ministerie", "van"):
            for prefix in ("minister van", "staatssecretaris van"):
                add(_label_tokens(prefix) + seq[2:], org)
    index: dict[tuple[str, ...], list] = {}
    for seq, org in best.items():
        # keyed by the first two words (one for one-word names): "gemeente" alone would fan out to 600
        index.setdefault(seq[:2], []).append((list(seq), org, seq in single))
    for entries in index.values():
        entries.sort(key=lambda e: -len(e[0]))  # longest first: the first full match is the longest
    return index


def organisation_by_label(value: str | None) -> tooi.Organisation | None:
    """A TOOI organisation by URI, code, or exact label/alias ("gemeente Utrecht", "Minister van …")."""
    if not value:
        return None
    org = tooi.organisation(value)
    if org is not None:
        return org
    seq = list(_label_tokens(value))
    for entry_seq, entry_org, _ in _org_index().get(tuple(seq[:2]), []):
        if entry_seq == seq:
            return entry_org
    return None


@lru_cache(maxsize=1)
def _org_lookup() -> tuple[frozenset[str], dict[tuple[str, ...], tuple[list[int], dict]]]:
    """_org_index for the scan of a text: the words a name can start with (every other word is skipped at
    once), and per key its name lengths, longest first, with the one entry of each token sequence. A key
    such as "burgemeester en" has hundreds of entries ("... wethouders van <each municipality>"): looking
    up the text's next n words per length replaces comparing them with every entry, same result (each
    sequence is in the index once, tried longest first as the entry list is sorted)."""
    index = _org_index()
    lookup = {}
    for key, entries in index.items():
        by_seq = {tuple(seq): (seq, org, case_sensitive) for seq, org, case_sensitive in entries}
        lookup[key] = (sorted({len(seq) for seq, _, _ in entries}, reverse=True), by_seq)
    return frozenset(key[0] for key in index), lookup


def _org_mentions(seg: _Segment):
    toks = _tokens(seg.text)
    low = [t[0] for t in toks]
    firsts, lookup = _org_lookup()
    resume = 0  # after a mention, the search goes on behind it
    for i in [j for j, word in enumerate(low) if word in firsts]:  # a name starts only with such a word
        if i < resume:
            continue
        hit = None
        for key in (tuple(low[i:i + 2]), (low[i],)):
            lengths, by_seq = lookup.get(key, ((), None))
            for n in lengths:
                entry = by_seq.get(tuple(low[i:i + n])) if i + n <= len(low) else None
                if entry is not None:
                    seq, org, case_sensitive = entry
                    if case_sensitive and toks[i][3] != org.label:
                        continue  # one-word names ("Politie", "Stark") only as written in the register
                    hit = entry
                    break
            if hit:
                break
        if hit is None:
            continue
        seq, org, single = hit
        start, end = toks[i][1], toks[i + len(seq) - 1][2]
        before = " ".join(t[0] for t in toks[max(0, i - 6):i])
        after = " ".join(t[0] for t in toks[i + len(seq):i + len(seq) + 3])
        yield org, start, end, single, before, after
        resume = i + len(seq)


def _org_candidates(segments: list[_Segment]) -> list[Suggestion]:
    scores: dict[str, float] = {}
    first: dict[str, tuple[int, str]] = {}
    counts: dict[str, int] = {}
    orgs: dict[str, tooi.Organisation] = {}
    for seg in segments:
        for org, start, end, single, before, after in _org_mentions(seg):
            pos = seg.offset + start
            weight = 0.25 if single else 1.0
            if pos < 1500:
                weight *= 2.0  # letterhead, title, "Officiële uitgave van …"
            if seg.tail:
                weight *= 1.5  # signature block
            if re.search(r"\b(?:aan|tav|t a v)(?: de| het)?(?: voorzitter van de| leden van de)?$", before):
                weight *= 0.3  # the addressee, not the author
            if re.match(r"(?:der staten generaal )?vergaderjaar\b", after):
                weight *= 0.3  # the parliamentary running header of a Kamerstuk names the Kamer, not the author
            if re.search(r"(?:uitgave van|namens|retouradres)$", before):
                weight *= 1.5
            scores[org.uri] = scores.get(org.uri, 0.0) + weight
            counts[org.uri] = counts.get(org.uri, 0) + 1
            orgs[org.uri] = org
            first.setdefault(org.uri, (pos, _snippet(seg.text, start, end)))
    # An IMRO plan id carries the CBS code of the municipality that makes the plan (NL.IMRO.0098.…)
    head = segments[0].text[:HEAD_CHARS]
    m = re.search(r"NL\.IMRO\.(\d{4})\.", head)
    org = tooi.organisation(m.group(1)) if m else None
    if org is not None:
        scores[org.uri] = scores.get(org.uri, 0.0) + 5.0  # the plan's own id: stronger than mentions
        counts[org.uri] = counts.get(org.uri, 0) + 1
        orgs[org.uri] = org
        first.setdefault(org.uri, (m.start(), _snippet(head, m.start(), m.end())))
    if not scores:
        return []
    total = sum(scores.values())
    ranked = sorted(scores, key=lambda u: (-scores[u], first[u][0]))
    uri = ranked[0]
    share = scores[uri] / total
    conf = 0.3 + 0.45 * share + min(0.15, 0.05 * (counts[uri] - 1))
    if first[uri][0] >= 1500:
        conf -= 0.1  # never named near the top
    conf = max(0.1, min(0.92, conf))
    n = counts[uri]
    reason = (f"‘{orgs[uri].label}’ (of het bestuursorgaan ervan) wordt {n} keer genoemd"
              + (", ook bovenaan" if first[uri][0] < 1500 else "")
              + (f"; ook genoemd: {', '.join(orgs[u].label for u in ranked[1:3])}" if len(ranked) > 1 else ""))
    return [Suggestion("organisation", uri, conf, reason, first[uri][1], orgs[uri].label)]


# --------------------------------------------------------------------------- identifiers

_NOT_IN_LINK = r"(?<![/=#(\w.-])"  # an id inside a URL or Markdown link cites another document
_ID_VALUE = r"(?P<id>(?:[A-Za-z]{2,10}:\s?)?[A-Za-z0-9][A-Za-z0-9./\-_]*\d[A-Za-z0-9./\-_]*)"
# (confidence, rule, template, reason, gate). The gate is a literal every match of the rule contains, looked
# for first: sre scans a text for one literal (also case-insensitively) in a tenth of the time it takes to try
# a pattern that starts with \b or a lookbehind at every position (0.17-0.22 ms a rule on a corpus document's
# 25,000 characters). A gate has its rule's flags, so it never skips a text its rule would match.
_ID_RULES: list[tuple[float, re.Pattern, str, str, re.Pattern | None]] = [
    (0.85, re.compile(r"(?<!\buw )(?<!\bUw )\b(?:ons\s+kenmerk|kenmerk|referentie|ons\s+nummer|zaaknummer|"
                      r"zaak\s*nr\.?|dossiernummer|documentnummer|registratienummer|briefnummer|"
                      r"gs-kenmerk|corsa(?:nummer)?)[ \t]*:?[ \t]*\n?[ \t|]*" + _ID_VALUE, re.I),
     "{label}", "kenmerk in het briefhoofd", None),
    (0.9, re.compile(r"\bvergaderjaar\s+\d{4}\s*[–-]\s*\d{4},\s*(?P<dossier>\d{2}\s?\d{3}(?-i:[ ][A-Z]{1,6}\b)?),\s*"
                     r"nr\.\s*(?P<nr>\d+)", re.I), "kamerstuk", "Kamerstuknummer in de voet",
     re.compile("vergaderjaar", re.I)),
    (0.85, re.compile(r"\bkamerstukken\s*\n?\s*(?P<dossier>\d{2}\s?\d{3})\b[\s\S]{0,160}?\bnr\.\s*\|?\s*\n?\s*"
                      r"(?P<nr>\d+)", re.I), "kamerstuk", "Kamerstuknummer in de kop",
     re.compile("kamerstuk", re.I)),
    (0.5, re.compile(r"\bkamerstuk(?:ken)?\s+(?:I{1,2}\s+)?(?:\d{4}/\d{2,4},?\s*)?(?P<dossier>\d{2}\s?\d{3}"
                     r"(?-i:[ ][A-Z]{1,6}\b)?)(?:,\s*nr\.\s*(?P<nr>\d+))?", re.I), "kamerstuk",
     "verwijzing naar een Kamerstuk", re.compile("kamerstuk", re.I)),
    (0.85, re.compile(_NOT_IN_LINK + r"(?P<id>(?:kst|ah-tk|ah-ek|h-tk|h-ek|kv-tk|stcrt|stb|gmb|prb|wsb|bgr|trb)-"
                      r"[\w-]*\d[\w-]*)", re.I), "{id}", "identificatie van een officiële bekendmaking",
     None),
    (0.85, re.compile(r"\b(?P<id>CVDR\d+(?:_\d+)?)\b"), "{id}", "CVDR-nummer (lokale regelgeving)",
     re.compile("CVDR")),
    (0.85, re.compile(r"\b(?P<id>NL\.IMRO\.[\w.\-]+\w)"), "{id}", "IMRO-idn van een ruimtelijk plan",
     re.compile(r"NL\.IMRO\.")),
    (0.6, re.compile(_NOT_IN_LINK + r"\b(?P<id>ECLI:NL:[A-Z]+:\d{4}:[\w.]+)"), "{id}", "ECLI-nummer",
     re.compile("ECLI:NL:")),
    (0.6, re.compile(_NOT_IN_LINK + r"\b(?P<id>BWBR\d{7})\b"), "{id}", "BWB-nummer (wet of regeling)",
     re.compile("BWBR")),
    (0.75, re.compile(r"\b(?P<kind>statenvoorstel|raadsvoorstel|voorstel|besluit|motie|amendement)\b[^\n]{0,80}?"
                      r"\b(?:nr\.?|nummer)\s*:?\s*(?P<id>[A-Z]{0,4}\d[\w./\-]*\w)", re.I), "{id}",
     "nummer bij de aanduiding van het stuk", None),
    (0.7, re.compile(r"\bOLO[- ]?nummer\s*:?\s*(?P<id>\d{5,})", re.I), "OLO {id}", "OLO-nummer van de aanvraag",
     re.compile("OLO", re.I)),
]


def _identifier_candidates(segments: list[_Segment]) -> list[Suggestion]:
    seen: dict[str, Suggestion] = {}
    for seg in segments:
        for conf, rule, template, reason, gate in _ID_RULES:
            if gate is not None and not gate.search(seg.text):
                continue
            for m in rule.finditer(seg.text):
                if template == "kamerstuk":
                    dossier = re.sub(r"^(\d{2})\s?(\d{3})", r"\1 \2", m.group("dossier"))
                    value = f"Kamerstuk {dossier}" + (f" nr. {m.group('nr')}" if m.group("nr") else "")
                else:
                    raw = m.group("id").rstrip(".,;:-/")
                    if parse_date(raw) or re.fullmatch(r"\d{1,3}", raw) or re.fullmatch(r"0\d{1,3}[\s-]?\d+", raw):
                        continue  # a date, a bare small number or a phone number is not a kenmerk
                    value = template.format(id=raw, label=raw)
                pos = seg.offset + m.start()
                c = conf
                if pos > 3000 and not seg.tail and conf >= 0.6:
                    c = conf - 0.3  # mentioned deep in the body: more likely a reference to another document
                key = re.sub(r"\W+", "", value).lower()
                if key in seen and seen[key].confidence >= c:
                    continue
                seen[key] = Suggestion("identifiers", value, c, reason, _snippet(seg.text, m.start(), m.end()))
    ranked = sorted(seen.values(), key=lambda s: -s.confidence)
    return ranked[:MAX_IDENTIFIERS]


# --------------------------------------------------------------------------- entry point


def best(suggestions, field: str) -> Suggestion | None:
    """The most confident suggestion for ``field`` (dicts as stored, or Suggestion objects)."""
    items = [s if isinstance(s, Suggestion) else Suggestion(**{k: s.get(k) for k in
                                                              ("field", "value", "confidence", "reason",
                                                               "evidence", "label")})
             for s in suggestions or ()]
    items = [s for s in items if s.field == field]
    return max(items, key=lambda s: s.confidence) if items else None


def effective(doc_or_metadata, field: str, threshold: float = HIGH_CONFIDENCE):
    """The value that counts for ``field`` of a document (or its metadata dict): the confirmed value,
    else the most confident stored suggestion of at least ``threshold`` (all such, for identifiers)."""
    return effective_values(doc_or_metadata, threshold).get(field)


def effective_values(doc_or_metadata, threshold: float = HIGH_CONFIDENCE) -> dict:
    """``effective`` for every field at once, in one pass (the sitemap build asks for seven fields of a
    million documents)."""
    meta = getattr(doc_or_metadata, "metadata_", doc_or_metadata) or {}
    best: dict = {}
    identifiers: list = []
    for s in meta.get("suggested") or ():
        confidence = s.get("confidence") or 0
        if confidence < threshold:
            continue
        field = s.get("field")
        if field == "identifiers":
            identifiers.append(s["value"])
        elif field not in best or confidence > best[field][0]:  # the first of equals wins, as max() does
            best[field] = (confidence, s["value"])
    values = {f: v for f, (_, v) in best.items()}
    if identifiers:
        values["identifiers"] = identifiers
    values.update(meta.get("confirmed") or {})
    return values


def suggest_metadata(text: str, *, title: str | None = None, filename: str | None = None,
                     properties: dict | None = None) -> list[Suggestion]:
    """Suggestions for every field found: one per field (the most confident), several for identifiers.

    ``title`` and ``filename`` are what is already known (the stored title, the uploaded name); a title
    equal to the file name says nothing, so they only break ties. ``properties`` are the extraction's file
    properties (PDF/Office ``title``, ``created``)."""
    properties = properties or {}
    segments = _segments(text or "")
    out: list[Suggestion] = []

    titles = _title_candidates(segments, title, properties)
    best_title = max(titles, key=lambda s: s.confidence) if titles else None
    if best_title is not None:
        out.append(best_title)

    dates = {s.field: s for s in _date_candidates(segments)}
    if "date.creatie" not in dates:
        fallback = _first_date(segments, properties)
        if fallback is not None:
            dates["date.creatie"] = fallback
    signed = dates.get("date.ondertekening")
    if signed is None or signed.confidence < HIGH_CONFIDENCE:
        letter = _letter_date(segments[0].text if len(segments) == 1 else text.replace("\u00a0", " "))
        if letter is not None:
            dates["date.ondertekening"] = letter
    out.extend(dates[f] for f in DATE_FIELDS if f in dates)

    soorten = _soort_candidates(segments, best_title)
    if soorten:
        out.append(max(soorten, key=lambda s: s.confidence))
    out.extend(_org_candidates(segments))
    out.extend(_identifier_candidates(segments))
    order = {f: i for i, f in enumerate(FIELDS)}
    return sorted(out, key=lambda s: (order[s.field], -s.confidence))
