"""Postal addresses: street + house number, postcode (1234 AB / 1234AB) and place.

A whole "Kerkstraat 12a, 1234 AB Amsterdam" becomes one finding; a postcode alone is one too, and
so is a street with a typical street-name ending and a house number. PO boxes (Postbus) belong to
organisations and are left alone.
"""
from __future__ import annotations

import re
from collections.abc import Iterator

Span = tuple[int, int]

_UP = "A-ZÀ-ÖØ-Þ"
_LO = "a-zß-öø-ÿ"
_WORD = rf"(?:[{_UP}][{_LO}'’.\-]*[{_LO}.]|'s-[{_UP}][{_LO}\-]+)"
_LINK = r"(?:van|de|der|den|het|'t|ten|ter|te|op|aan|in|bij|a/d|v\.d\.)"
_HOUSE_NO = r"\d{1,5}(?:[ ]?[A-Za-z](?![A-Za-z])|[ ]?-[ ]?\d{1,4}|[ ]?-?[ ]?(?:bis|hs|huis|I{1,3})\b)?"
_POSTCODE = r"[1-9]\d{3}[ ]?(?!SA|SD|SS)[A-Z]{2}"
_PLACE_WORD = rf"(?:[{_UP}][{_LO}'’\-]*[{_LO}]|'s-[{_UP}][{_LO}\-]+)"
_PLACE = rf"(?:{_PLACE_WORD}(?:[ \-](?:{_LINK}[ ]){{0,2}}{_PLACE_WORD}){{0,2}})"  # "Alphen aan den Rijn"
_STREET = rf"{_WORD}(?:[ ](?:{_LINK}[ ])*{_WORD}){{0,3}}"

# Street + number [,] postcode [place]; the street part is optional.
_FULL = re.compile(  # the leading lookahead only lets re skip impossible starts fast
    rf"(?=[{_UP}'1-9])(?:(?<![\w])(?P<street>{_STREET})[ ](?P<no>{_HOUSE_NO}),?[ \t]*\n?[ \t]*)?"
    rf"(?<![\w\-])(?P<pc>{_POSTCODE})(?![\w\-])(?:[ ]{{1,2}}(?P<place>{_PLACE}))?"
)
_STREET_SUFFIX = (
    # Only endings that are rarely anything but a street: "-dam", "-ring", "-oord" are too often
    # places or ordinary words ("Amsterdam 2050", "Monitoring 70").
    "straat|laan|weg|plein|gracht|kade|singel|dijk|dreef|steeg|pad|hof|markt|plantsoen|"
    "boulevard|allee|burgwal|straatweg"
)
_STREET_ONLY = re.compile(
    rf"(?=[{_UP}])(?<![\w])(?:{_WORD}[ ](?:{_LINK}[ ])*)?[{_UP}][{_LO}'’\-]*(?:{_STREET_SUFFIX})[ ](?!(?:19|20)\d\d\b){_HOUSE_NO}(?![\d\w])"
)
_NOT_STREET = re.compile(r"(?i)^(?:postbus|antwoordnummer)$")
_PO_BOX_BEFORE = re.compile(r"(?i)(?:postbus|antwoordnummer)\s+\d+\s*,?\s*$")


_LEADING = re.compile(rf"([{_UP}][{_LO}]+)[ ]")
_NOT_STREET_WORDS = {"wonende", "woonachtig", "adres", "gevestigd", "locatie", "perceel", "ook", "en", "of",
                     "aan", "op", "bij", "in", "naar", "te", "plaats", "gemeente", "bezoekadres", "postadres"}


# Titles and compass words that begin street names ("Prins Hendrikkade", "Burgemeester de Withstraat",
# "Noord Brabantlaan"), though they are common words too.
_STREET_TITLES = {"prins", "prinses", "koning", "koningin", "keizer", "keizerin", "hertog", "hertogin", "graaf",
                  "gravin", "burgemeester", "wethouder", "dokter", "pastoor", "pater", "dominee", "bisschop",
                  "generaal", "admiraal", "kapitein", "majoor", "professor", "meester", "president", "sint",
                  "noord", "zuid", "oost", "west"}


def _skip_leading_words(text: str, start: int, limit: int) -> int:
    """A capitalised sentence opener is not part of the street: "Wonende Kerkstraat 12"; a title that begins
    one is ("Prins Hendrikkade 12"), and so is a word followed by an interfix ("Burgemeester de Withstraat")."""
    from woo.privacy.names import common_words  # lazy: the name lists are only read when needed

    # "Van Woustraat", "De Ruyterkade": a capitalised interfix starts the street name.
    common = (common_words() | _NOT_STREET_WORDS) - {"van", "de", "den", "der", "het", "ter", "ten", "'t"}
    while ((m := _LEADING.match(text, start, limit)) and m.group(1).lower() in common
           and m.group(1).lower() not in _STREET_TITLES and not text[m.end():m.end() + 1].islower()):
        start = m.end()
    return start


# An address of a legal person (a stichting, vereniging, school, company, public body) is no personal data:
# the sentence (or list item) that leads to it names the organisation and no person.
_ORGANISATION = re.compile(
    r"(?i)(?<![\w])(?:stichting|vereniging|coöperatie|cooperatie|genootschap|school|academie|hogeschool|"
    r"universiteit|instituut|ziekenhuis|gemeente|provincie|waterschap|ministerie|kerk|parochie|fonds|"
    r"vennootschap|b\.v\.|n\.v\.|bv|nv|r\.k\.|leergangen|centrum|bureau|kantoor)(?![\w])")
_PERSON_CUE = re.compile(
    r"(?i)(?<![\w])(?:de heer|mevrouw|dhr\.?|mw\.?|mevr\.?|wonende|woonachtig|woont|bewoner|bewoonster|"
    r"geboren|aanvrager|verzoeker|huurder|eigenaar|particulier|woning|perceel|huis|zijn|haar|uw|u)(?![\w])")
# the address is given as the organisation's: "Stichting X, Kerkstraat 2", "... gevestigd aan de Kerkstraat 2"
_HOLDER_END = re.compile(r"(?i)(?:,|\n|gevestigd(?: aan| op| te)?(?: de| het)?)\s*$")
_CLAUSE_END = re.compile(r"[.;:!?](?:\s|$)|\n\s*\n")


def _organisation_address(text: str, start: int) -> bool:
    """The clause before the address (up to 200 characters, from the last sentence end) names an
    organisation and nothing that points at a person, and gives the address as that organisation's
    ("..., verbonden aan de school ..., Kerkstraat 2 te X"); "de woning aan de Kerkstraat 2" stays a finding."""
    lo = max(0, start - 200)
    ends = list(_CLAUSE_END.finditer(text, lo, start))
    if ends:
        lo = ends[-1].end()
    before = text[lo:start]
    return bool(_ORGANISATION.search(before) and _HOLDER_END.search(before)) and not _PERSON_CUE.search(before)


def find_address(text: str) -> Iterator[Span]:
    yield from (s for s in _find_address(text) if not _organisation_address(text, s[0]))


def _find_address(text: str) -> Iterator[Span]:
    spans: list[Span] = []
    for m in _FULL.finditer(text):
        start, end = m.start(), m.end()
        if m.group("street"):
            if _NOT_STREET.match(m.group("street").split()[-1]):
                continue  # "Postbus 20401, 2500 EK Den Haag"
            start = _skip_leading_words(text, start, m.start("no"))
        elif _PO_BOX_BEFORE.search(text, max(0, start - 30), start):
            continue
        if m.group("place"):
            # A place name never spans a line; trailing dots belong to the sentence.
            end = m.start("place") + len(m.group("place").rstrip("."))
        spans.append((start, end))
    for m in _STREET_ONLY.finditer(text):
        if not any(s <= m.start() < e for s, e in spans):
            spans.append((_skip_leading_words(text, m.start(), m.end()), m.end()))
    yield from sorted(spans)
