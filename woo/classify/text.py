"""Text preparation for the classifier: bounded, markup-free, and a check of what kind of text it is.

Pure functions. The model never reads more than ``MODEL_CHARS`` characters of a document (plus a
short tail, where signatures and "Aldus vastgesteld" lines sit), so a 2,000-page document costs
the same as a 20-page one.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

MODEL_CHARS = 15_000  # body read by the word n-grams
TAIL_CHARS = 2_000  # end of the document (ondertekening, vaststelling)
HEAD_CHARS = 3_000  # "first page": where cues such as "Besluitenlijst" are looked for
RAW_CAP = 400_000  # never touch more than this much of the input at all

_TAG = re.compile(r"<[^>]{0,400}>")
_MD_LINK = re.compile(r"\[([^\]]{0,300})\]\([^)]{0,500}\)")
_URL = re.compile(r"(?:https?://|www\.)\S+", re.I)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_MARKUP = re.compile(r"[#*_|=~`\\]+|-{3,}|\.{4,}")
_SPACE = re.compile(r"[^\S\n]+")
_NEWLINES = re.compile(r"\s*\n\s*")
_DIGIT = re.compile(r"\d")

NL_WORDS = frozenset(
    "de het een en van in is op te dat die voor met zijn aan niet door worden wordt of bij als ook "
    "naar om over deze uit heeft kan tot zij wij u hebben er dit nog wel geen meer moet na zal".split()
)
EN_WORDS = frozenset(
    "the and of to is in that for with are be this on by as it was from at or an have not which "
    "will you we can has their been were would should".split()
)
_WHITESPACE = re.compile(r"\s")
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)


# How a document became public, not what it is: release stamps and redaction marks are masked before any
# feature sees them (a beschikking released on a Woo request stays a beschikking).
_RELEASE_STAMP = re.compile(
    r"(?i)\b(?:openbaar gemaakt|vrijgegeven|geopenbaard|openbaarmaking)\s+(?:op grond van|onder|conform|krachtens|"
    r"in het kader van|ingevolge)\s+(?:de\s+|het\s+)?(?:wet open overheid|wet openbaarheid van bestuur|woo|wob)"
    r"(?:[- ]?(?:verzoek|besluit))?[^\n]{0,60}"
    r"|\b(?:document|bijlage|stuk)\s*(?:nr\.?|nummer)?\s*\d*\s*(?:behorende? bij|bij|onderdeel van)\s+(?:het\s+)?"
    r"(?:woo|wob)[- ]?(?:besluit|verzoek)\b[^\n]{0,60}"
    r"|[\[(](?:geanonimiseerd|gelakt|weggelakt|zwartgelakt|lakken|redacted)[\])]")
# A bare ground next to a blacked-out passage ("5.1.2e", "10.2.e", "11.1"); "artikel 5.1, tweede lid" stays.
_REDACTION_MARK = re.compile(r"(?<![\w.])(?<!artikel )(?<!art\. )(?:5\.1\.?[12]\.?[a-i]|5\.2|10\.?[12]\.?[a-g]|11\.1)(?!\w|\.\w)",
                             re.I)


def mask_release_marks(text: str) -> tuple[str, int]:
    """The text with release stamps and bare redaction marks removed, and how many there were."""
    n = 0

    def gone(m: re.Match) -> str:
        nonlocal n
        n += 1
        return " "

    text = _RELEASE_STAMP.sub(gone, text)
    text = _REDACTION_MARK.sub(gone, text)
    return text, n


_TABLE_SEP = re.compile(r"[;\t|]")


def tabular(text: str) -> bool:
    """A table exported as text (CSV, spreadsheet): most of the first lines split into the same many cells."""
    lines = [line for line in text[:6_000].splitlines()[:25] if line.strip()]
    if len(lines) < 3:
        return False
    counts = [len(_TABLE_SEP.findall(line)) for line in lines[1:]]
    wide = [c for c in counts if c >= 3]
    return len(wide) >= 0.7 * len(counts)


def untable(text: str) -> str:
    """Cells and column names as words: "BEDRAG_VERLEEND;SUBSIDIEJAAR" -> "BEDRAG VERLEEND SUBSIDIEJAAR"."""
    return re.sub(r"[;\t|_]+", " ", text)


def clean(text: str) -> str:
    """Remove markup, links and addresses that say more about the source than about the document."""
    text = text[:RAW_CAP]
    text = _MD_LINK.sub(r"\1", text)
    text = _TAG.sub(" ", text)
    text = _URL.sub(" ", text)
    if "@" in text:  # an address needs one; most documents have none (the pattern tries every word start)
        text = _EMAIL.sub(" ", text)
    text = _MARKUP.sub(" ", text)
    text = _SPACE.sub(" ", text)
    return _NEWLINES.sub("\n", text).strip()


def bounded(text: str) -> str:
    """The part of a cleaned text the model reads: its start and its very end."""
    if len(text) <= MODEL_CHARS + TAIL_CHARS:
        return text
    return text[:MODEL_CHARS] + " \n " + text[-TAIL_CHARS:]


# A capitalised word inside a sentence ("gemeente Rheden", "Stichting Inloophuis", "mevrouw Jansen") is a name
# when the document never writes it in lower case: it tells which publisher or place, not what kind of document.
_NAME = re.compile(r"(?<=[^\W\d_] )[A-ZÀ-ÖØ-Þ][a-zß-öø-ÿ]+(?:-[A-ZÀ-ÖØ-Þ]?[a-zß-öø-ÿ]+)*\b")
_LOWER_WORD = re.compile(r"\b[a-zß-öø-ÿ][a-zß-öø-ÿ-]+\b")


def mask_names(text: str) -> str:
    """Names (organisations, places, persons) replaced by "naam" so no n-gram learns a source by its names."""
    lower = set(_LOWER_WORD.findall(text))
    return _NAME.sub(lambda m: m.group(0) if m.group(0).lower() in lower else "naam", text)


def for_ngrams(text: str) -> str:
    """Lower case, digits folded (dates and numbers are cues, their values are not)."""
    return _DIGIT.sub("0", text.lower())


@dataclass(frozen=True)
class TextQuality:
    words: int
    dutch: float  # share of tokens that are common Dutch function words
    english: float
    letters: float  # share of letters among non-space characters

    @property
    def reliability(self) -> float:
        """0..1: how far a category guess on this text can be trusted at all."""
        if self.words < 5:
            return 0.1
        factor = 1.0
        if self.words < 40:
            factor *= 0.6
        if self.letters < 0.55:
            factor *= 0.3
        if self.english > self.dutch and self.english > 0.08:
            factor *= 0.3
        elif self.dutch < 0.03:
            factor *= 0.3
        return factor

    def reasons(self) -> list[str]:
        out = []
        if self.words < 5:
            out.append("Geen of bijna geen tekst gevonden: de categorie is niet te bepalen uit de inhoud.")
            return out
        if self.words < 40:
            out.append(f"Weinig tekst ({self.words} woorden): de keuze steunt op weinig gegevens.")
        if self.letters < 0.55:
            out.append("De tekst bestaat grotendeels uit tekens die geen letters zijn (onleesbare scan of OCR?).")
        if self.english > self.dutch and self.english > 0.08:
            out.append("De tekst lijkt Engelstalig; het model is getraind op Nederlandse overheidsdocumenten.")
        elif self.dutch < 0.03:
            out.append("Weinig gewone Nederlandse woorden gevonden: mogelijk onleesbare of anderstalige tekst.")
        return out


def quality(text: str) -> TextQuality:
    sample = text[:MODEL_CHARS]
    tokens = [t.lower() for t in _WORD.findall(sample)]
    n = len(tokens)
    non_space = len(sample) - len(_WHITESPACE.findall(sample))
    letters = sum(map(str.isalpha, sample))
    if n == 0:
        return TextQuality(0, 0.0, 0.0, letters / non_space if non_space else 0.0)
    nl = sum(1 for t in tokens if t in NL_WORDS) / n
    en = sum(1 for t in tokens if t in EN_WORDS) / n
    return TextQuality(n, nl, en, letters / non_space if non_space else 0.0)
