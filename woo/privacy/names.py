"""Person names, found from context (salutations, titles, signature blocks) and from name lists.

The first-name and surname lists are the ones Deduce (UMC Utrecht's Dutch de-identification tool)
ships; we read its list files directly and do not run its medical pipeline (slow to build, and tuned
for clinical notes). Recall matters more than precision here: a reviewer dismisses a false alarm in
a second, a missed name gets published.
"""
from __future__ import annotations

import importlib.util
import re
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path

Span = tuple[int, int]



def _letters(upper: bool) -> str:
    """Latin letters of one case, Latin-1 and beyond ("Ş", "Ł", "ğ", "ı"): names are not only Dutch."""
    chars = [chr(c) for c in range(0xC0, 0x250) if chr(c).isalpha() and (chr(c).isupper() if upper else chr(c).islower())]
    chars += [chr(c) for c in range(0x1E00, 0x1F00) if chr(c).isupper() == upper and chr(c).isalpha()]
    return ("A-Z" if upper else "a-z") + "".join(chars)


_UP = _letters(True)
_LO = _letters(False)
_CAP = rf"[{_UP}][{_LO}'’]+(?:-[{_UP}][{_LO}'’]+)*"
_INITIALS = rf"(?:(?:[{_UP}]|Ch|Chr|Th|Ph|Tj)\.[ ]?){{1,5}}"
_INTERFIX = (
    # "in de", "op de", "aan de" are real surname prefixes too, but in running text they glue a
    # name to the next capitalised word far more often than they start a surname.
    r"(?:[vV]an (?:de|der|den|het|'t)|[vV]an|[dD]e|[dD]en|[dD]er|[tT]en|[tT]er|[tT]e|[iI]n 't|"
    r"'t|[vV]on|[dD]u|[lL]e|[lL]a|[dD]a|[dD]i|[dD]os|[eE]l|[vV]\.?d\.?)"
)
_SURNAME = rf"(?:{_INTERFIX}[ ])?{_CAP}(?:[ ]?-[ ]?(?:{_INTERFIX}[ ])?{_CAP})?"
# Title + name, or a name on its own (salutation / signature): initials, given names, surname.
_NAME_BODY = rf"(?:{_INITIALS}[ ]?(?:\({_CAP}\)[ ])?{_SURNAME}|(?:{_CAP}[ ]){{0,3}}{_SURNAME}|{_CAP})"
# After a title or salutation OCR may lower a given name's first letter ("Łukasz" read as "tukasz"): a
# lower-case word before a capitalised surname still names the person there (see _ocr_lowered_ok).
_OCR_LOWERED = rf"[{_LO}]{{3,}}[ ](?:{_CAP}[ ]){{0,2}}{_SURNAME}"
_CONTEXT_BODY = rf"(?:{_NAME_BODY}|{_OCR_LOWERED})"

# Titles as written in letters; capitalised or not, but not in capitals ("15 MW.", "ING.").
_TITLE = "(?:" + "|".join(
    f"[{t[0].lower()}{t[0].upper()}]{re.escape(t[1:])}"
    for t in ("de heer", "heer", "mevrouw", "mevr.", "mevr", "mw.", "mw", "mej.", "dhr.", "dhr",
              "meneer", "mijnheer", "mr.", "dr.", "drs.", "ir.", "ing.", "ds.", "prof.")
) + ")"
# The leading lookaheads only make re skip impossible start positions quickly.
_TITLE_NAME = re.compile(rf"(?=[dDhHmMiIpP])(?<![\w])(?:{_TITLE}[ ]+)+(?P<name>{_CONTEXT_BODY})")
_SALUTATION = re.compile(
    rf"(?=[gGbBhHlLdD])(?<![\w])(?i:geachte|beste|hallo|hoi|lieve|dag)[ ]+(?:{_TITLE}[ ]+)*(?:en[ ])?(?P<name>{_CONTEXT_BODY})"
)
_INITIALS_NAME = re.compile(rf"(?=[{_UP}])(?<![\w.])(?P<name>{_INITIALS}[ ]?{_SURNAME})")
_CLOSING = re.compile(
    r"(?im)^[ \t]*(?:met (?:vriendelijke|hartelijke|beste|collegiale) groet(?:en)?|vriendelijke groet(?:en)?|"
    r"hoogachtend|groet(?:en)?|namens deze)[ \t]*,?[ \t]*$"
)
_SIGNATURE_LINE = re.compile(rf"^[ \t]*(?:{_TITLE}[ ]+)*(?P<name>{_NAME_BODY})[ \t]*,?[ \t]*$")
_TOKEN = re.compile(rf"[{_UP}{_LO}'’\-]+")

# Words that look like names after a title but are roles, bodies or ordinary words.
_ROLES = {
    "minister", "staatssecretaris", "voorzitter", "burgemeester", "wethouder", "griffier",
    "secretaris", "directeur", "commissaris", "gedeputeerde", "president", "koning", "koningin",
    "ombudsman", "ambtenaar", "college", "raad", "gemeente", "provincie", "ministerie", "kamer",
    "leden", "lid", "voorzitters", "heer", "mevrouw", "heren", "dames", "collega", "collega's",
    "allen", "team", "afdeling", "hoofd", "namens", "bestuur", "directie", "cc", "bijlage", "bijlagen",
    "datum", "onderwerp", "kenmerk", "betreft", "uw", "ons", "de", "het", "een", "zie", "nota",
    "artikel", "wet", "besluit", "rijksoverheid", "staat", "nederland", "regering", "kabinet",
    "informatie", "ministerraad", "inspecteur", "adviseur", "medewerker", "coördinator",
    "programma", "project", "postbus", "woo", "wob", "januari", "februari", "maart", "april", "mei",
    "juni", "juli", "augustus", "september", "oktober", "november", "december", "maandag",
    "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag", "tweede", "eerste",
    "gemeenteraad", "staten", "commissie", "raadsleden", "statenleden", "fractie", "bewoners",
}
# A word with one of these endings makes the whole candidate an organisation, building or role.
_ORG_ENDINGS = (
    "autoriteit", "gemeente", "provincie", "ministerie", "universiteit", "university", "instituut",
    "institut", "institute", "college", "dienst", "inspectie", "bureau", "stichting", "vereniging",
    "coördinator", "coordinator", "manager", "directeur", "adviseur", "medewerker", "beheer", "kerk",
    "arena", "school", "ziekenhuis", "museum", "stadion", "fonds", "raad", "rechtbank", "kamer",
    "afdeling", "straat", "laan", "plein", "gracht", "kade",
)
# Letter or numeral headings and references: "Bijlage I. Corona", "III-B. Huidig proces".
_ENUMERATION_BEFORE = re.compile(
    r"(?i)(?:bijlage|hoofdstuk|deel|model|paragraaf|fase|alternatief|scenario|variant|stap|onderdeel|"
    r"artikel|figuur|tabel|[IVX]+-)\s*$"
)


def _deduce_lists_dir() -> Path | None:
    spec = importlib.util.find_spec("deduce")
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(list(spec.submodule_search_locations)[0]) / "data" / "lookup" / "src"


def _read(path: Path) -> set[str]:
    if not path.exists():
        return set()
    return {line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip()}


@lru_cache(maxsize=1)
def _lists() -> tuple[frozenset[str], frozenset[str], frozenset[str]]:
    """(first names, surnames, common lower-case words), loaded once per process."""
    base = _deduce_lists_dir()
    if base is None:
        return frozenset(), frozenset(), frozenset(_ROLES)
    names = base / "names"
    first = _read(names / "lst_first_name" / "items.txt") - _read(names / "lst_first_name" / "exceptions.txt")
    last = (_read(names / "lst_surname" / "items.txt") | _read(names / "lst_interfix_surname" / "items.txt")) \
        - _read(names / "lst_surname" / "exceptions.txt")
    common = {w.lower() for w in _read(base / "whitelist" / "lst_common_word" / "items.txt")}
    common |= {w.lower() for w in _read(base / "whitelist" / "lst_stop_word" / "items.txt")}
    common |= _ROLES
    first |= EXTRA_FIRST_NAMES
    # A first name that is also an everyday word ("Mark", "Roos", "Mei") only counts in context.
    first = {n for n in first if len(n) > 2 and n.lower() not in common}
    return frozenset(first), frozenset(last), frozenset(common)


# First names common among Dutch residents that Deduce's list lacks (Polish, Turkish, ... spellings).
EXTRA_FIRST_NAMES = frozenset(
    "Łukasz Wojciech Paweł Michał Małgorzata Stanisław Bartłomiej Jarosław Mirosław Radosław Przemysław Grzegorz "
    "Krzysztof Zbigniew Władysław Bożena Grażyna Jadwiga Wiesław Ryszard Dorota Katarzyna Agata Joanna Tomasz "
    "Ayşe Şükrü Gülşen Çiğdem Ömer Özlem Şeyma Büşra Nuray Gökhan Tuğba Hülya Ümit Özge Şahin Yağmur Elif "
    "Zoë Chloë Noë Loïs Anaïs Maël Joël Raphaël Michaël Gaël Inès Célia Hélène Frédérique René Renée Zoé".split()
)

_INITIAL_WORDS = {"Ch", "Chr", "Th", "Ph", "Tj"}

_LOWER_INTERFIX = {"van", "de", "der", "den", "het", "'t", "ten", "ter", "te", "in", "op", "aan", "bij",
                   "uit", "von", "du", "le", "la", "da", "di", "dos", "el"}


def _trim(text: str, start: int, end: int, *, strong: bool) -> Span | None:
    """Drop trailing words that are not part of the name; None if no name is left.

    In a strong context (after a title or salutation) only roles are dropped: "de heer Berg" is a
    name even though "berg" is a word. Elsewhere everyday words go too, unless they are surnames.
    """
    _, last, common = _lists()
    tokens = list(_TOKEN.finditer(text, start, end))

    def droppable(tok: str) -> bool:
        low = tok.lower()
        if not tok[0].isupper():
            return low in _LOWER_INTERFIX or low in common
        if low in _ROLES:
            return True
        return not strong and low in common and tok not in last

    while tokens and droppable(tokens[-1].group()):
        if len(tokens) > 1 and tokens[-2].group().lower() in _LOWER_INTERFIX and tokens[-1].group()[0].isupper():
            break  # "de Wit", "van Dam": a word after an interfix is a surname
        tokens.pop()
    head = tokens[0].group().lower().rstrip(".") if tokens else ""
    if not tokens or (head in _ROLES and head not in _LOWER_INTERFIX):
        return None
    words = [t.group() for t in tokens]
    if any(w.lower().endswith(_ORG_ENDINGS) for w in words):
        return None
    if all(text[t.end():t.end() + 1] == "." and (len(w) == 1 or w in _INITIAL_WORDS) for w, t in zip(words, tokens)):
        return None  # initials only (a surname that ends a sentence is still a name: "E.D. Wiebes.")
    capitals = [t.group() for t in tokens if t.group()[0].isupper()]
    if not capitals or all(t.lower() in _ROLES for t in capitals):
        return None
    if not strong and all(t.lower() in common and t not in last for t in capitals):
        return None
    return start, tokens[-1].end()


def _is_enumeration(text: str, m: re.Match) -> bool:
    """"Bijlage I. Corona", or a list "A. Algemeen / B. Mandatering" rather than "B. Jansen"."""
    if _ENUMERATION_BEFORE.search(text, max(0, m.start() - 20), m.start()):
        return True
    name = m.group("name")
    single = re.match(rf"([{_UP}])\.[ ]?([{_UP}][^ ]*)$", name)
    if not single or single.group(2) in _lists()[1]:
        return False
    line_start = text.rfind("\n", 0, m.start()) + 1
    if text[line_start:m.start()].strip(" \t-•*"):
        return False
    letter = single.group(1)
    if letter == "A":
        return True
    return re.search(rf"(?m)^[ \t\-•*]*{chr(ord(letter) - 1)}\.[ ]", text) is not None


def _ocr_lowered_ok(text: str, span: Span) -> bool:
    """A name that starts in lower case (OCR's misreading of a capital) is kept only when that word is no
    everyday word or interfix and a capitalised word follows: "mevrouw tukasz Dvořák", not "mevrouw even Jansen"."""
    first = _TOKEN.match(text, span[0])
    if first is None or not first.group()[0].islower():
        return True
    word = first.group().lower()
    if word in _LOWER_INTERFIX:
        return True  # "de heer van Dam": the interfix leads, as written
    rest = [t.group() for t in _TOKEN.finditer(text, first.end(), span[1])]
    return word not in common_words() and len(word) >= 3 and any(t[0].isupper() for t in rest)


# An article before initials makes them an abbreviation in an organisation's name ("de R.K. Leergangen",
# "het C.B.S."): a person is "de heer J. Jansen", never "de J. Jansen".
_ARTICLE_BEFORE = re.compile(r"(?i)(?<![\w])(?:de|het|der|des|den)[ ]+$")


def _context_names(text: str) -> Iterator[Span]:
    for rx, strong in ((_TITLE_NAME, True), (_SALUTATION, True), (_INITIALS_NAME, False)):
        for m in rx.finditer(text):
            if rx is _INITIALS_NAME and (_is_enumeration(text, m)
                                         or _ARTICLE_BEFORE.search(text, max(0, m.start() - 6), m.start())):
                continue
            span = _trim(text, m.start("name"), m.end("name"), strong=strong)
            if span and _ocr_lowered_ok(text, span):
                yield span
    for m in _CLOSING.finditer(text):
        # The name is on one of the next few non-empty lines, often under a role line.
        for seen, line in enumerate(_LINE.finditer(text, m.end())):
            if seen >= 4:
                break
            sm = _SIGNATURE_LINE.match(line.group())
            if sm and len(_TOKEN.findall(sm.group("name"))) <= 6:
                span = _trim(text, line.start() + sm.start("name"), line.start() + sm.end("name"),
                             strong=True)
                if span:
                    yield span
                    break


_LINE = re.compile(r"[^\n]*\S[^\n]*")
_CAP_TOKEN = re.compile(rf"(?=[{_UP}])(?<![\w\-]){_CAP}")
_AFTER_FIRST = re.compile(rf"(?:[ ]{_CAP}){{0,2}}[ ](?P<last>{_SURNAME})(?![\w])")


_FOLD_EXTRA = str.maketrans({"ł": "l", "Ł": "L", "ı": "i", "ø": "o", "Ø": "O", "đ": "d", "Đ": "D", "ß": "ss"})


def fold(word: str) -> str:
    """A word without its diacritics, as OCR without the language's model reads it ("Gülşen" -> "Gulsen")."""
    if word.isascii():  # nothing to translate, decompose or drop (the scan asks this of every capitalised word)
        return word
    import unicodedata

    decomposed = unicodedata.normalize("NFKD", word.translate(_FOLD_EXTRA))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@lru_cache(maxsize=1)
def _ocr_first_names() -> tuple[frozenset[str], frozenset[str]]:
    """(folded first names with diacritics, OCR readings of names with Ł/ł): a listed name written with
    diacritics is still recognised when OCR drops them ("Gulsen"), or reads "Ł" as "t" ("tukasz",
    "Matgorzata"). Only names that carry diacritics get variants: plain names are matched as written."""
    first = _lists()[0]
    common = common_words()
    folded, lowered = set(), set()
    for name in first:
        if fold(name) == name:
            continue
        folded.add(fold(name))
        if "ł" in name.lower():
            for a in ("t", "l", "i"):
                v = fold(name.replace("ł", a).replace("Ł", a.upper()))
                folded.add(v)
                if name[0] == "Ł":
                    lowered.add(fold(a + name[1:].replace("ł", a)))
    folded = {v for v in folded if v.lower() not in common and v not in _lists()[1]}
    return frozenset(folded), frozenset(v for v in lowered if v not in common)


@lru_cache(maxsize=1)
def _lowered_pattern() -> re.Pattern[str] | None:
    """The OCR readings that start in lower case, as one pattern (cheaper than testing every word)."""
    lowered = _ocr_first_names()[1]
    if not lowered:
        return None
    return re.compile(rf"(?<![\w\-])(?:{'|'.join(map(re.escape, sorted(lowered, key=len, reverse=True)))})"
                      rf"(?=[ ][{_UP}])")


def _listed_names(text: str) -> Iterator[Span]:
    """First name from the list followed by a surname-like word: "Pieter van den Berg"."""
    first, last, common = _lists()
    folded, lowered = _ocr_first_names()
    candidates = list(_CAP_TOKEN.finditer(text))
    if lowered and any(v in text for v in lowered):  # plain substring tests first: they are nearly free
        candidates += list(_lowered_pattern().finditer(text))
    for tok in candidates:
        if tok.group() not in first and fold(tok.group()) not in folded and tok.group() not in lowered:
            continue
        m = _AFTER_FIRST.match(text, tok.end())
        if not m:
            continue
        surname_tokens = [t for t in _TOKEN.findall(m.group("last")) if t[0].isupper()]
        if not surname_tokens:
            continue
        tail = surname_tokens[-1]
        has_interfix = m.group("last")[0].islower() or m.group("last").split(" ")[0].lower() in _LOWER_INTERFIX
        if len(tail) < 3 or (tail.lower() in common and tail not in last and not has_interfix):
            continue
        span = _trim(text, tok.start(), m.end(), strong=False)
        if span and span[1] > tok.end():  # a lone first name is too weak outside a context
            yield span


def find_person_name(text: str) -> Iterator[Span]:
    yield from _context_names(text)
    yield from _listed_names(text)


def common_words() -> frozenset[str]:
    """Lower-case everyday Dutch words (Deduce's whitelist plus roles)."""
    return _lists()[2]


# Officials in their public role: a name right after (or right before) the office it is signed or
# spoken in. Their names are not withheld on the personal-sphere ground; the scan proposes them as
# "publiek ambtsdrager" for one confirmation instead of leaving each one open.
_OFFICES = (r"minister(?:-president)?|staatssecretaris|(?:loco-)?burgemeester|wethouder|(?:raads|staten)?griffier|"
            r"(?:gemeente|provincie|waterschaps|algemeen |secretaris-)?secretaris(?:-generaal)?|gedeputeerde|"
            r"commissaris van de koning|dijkgraaf|koning|koningin|(?:plaatsvervangend |vice-)?voorzitter")
_TITLES_BEFORE = r"(?:(?:de heer|mevrouw|dhr\.|mw\.|mr\.|dr\.|drs\.|ir\.|ing\.|prof\.)\s+)*"
_ROLE_BEFORE = re.compile(
    rf"(?i)(?<![\w-])(?P<office>{_OFFICES})(?:\s+(?:van|voor)\s+[^\n.]{{0,90}}?|\s+voornoemd)?\s*[,:]?[ \t]*(?:\n[ \t]*){{0,2}}"
    rf"{_TITLES_BEFORE}$")
_ROLE_AFTER = re.compile(rf"(?i)[ \t]*(?:[ \t]*,[ \t]*\n?[ \t]*|\n[ \t]*|\([ \t]*)(?:de\s+|het\s+)?(?P<office>{_OFFICES})\b")
# OCR often leaves a blank line between a signature's name and its role line.
_ROLE_AFTER_GAP = re.compile(rf"(?i)[ \t]*,?[ \t]*\n[ \t]*\n[ \t]*(?:de\s+|het\s+)?(?P<office>{_OFFICES})"
                             rf"(?:[ \t]+(?:van|voor)\b[^\n]*)?[ \t]*,?[ \t]*(?:\n|$)")
_KING_AFTER_GIVEN = re.compile(r"(?i)\b(?:wij|gegeven te [^\n]{0,80}(?:\n[^\n]{0,80})?)\s*$")


def public_role(text: str, start: int, end: int) -> str | None:
    """The office ("minister", "burgemeester" ...) a name at text[start:end] is written in, or None."""
    before = text[max(0, start - 160):start]
    m = _ROLE_BEFORE.search(before)
    if m:
        return m.group("office").lower()
    m = _ROLE_AFTER.match(text, end, min(len(text), end + 80))
    if m:
        return m.group("office").lower()
    line_start = text.rfind("\n", 0, start) + 1
    if not text[line_start:start].strip():  # the name alone on its line, as signed
        m = _ROLE_AFTER_GAP.match(text, end, min(len(text), end + 160))
        if m:
            return m.group("office").lower()
    if _KING_AFTER_GIVEN.search(before) and text[start:end].split()[0] in ("Willem-Alexander", "Beatrix", "Juliana"):
        return "koning"
    return None
