"""Text that may enter a record and text that may leave in XML: one rule for every door and every writer.

Two questions, answered here for the whole project (pure, no I/O):

* What may a person or a system *type* into a title or a metadata field? ``check_text`` refuses control
  characters (C0 except tab, line feed and carriage return; DEL; C1), lone surrogates and the two
  non-characters U+FFFE/U+FFFF, with a Dutch message that names the field and the character. The web UI,
  the API, the CLI and every connector reach it through woo.services (describe, ingest), never each on
  their own. ``clean_text`` removes the same characters where refusing makes no sense: text that came
  out of a file (PDF/Office properties, suggestions found in the extracted text, file names in a ZIP).
* What can an XML 1.0 writer carry? ``xml_text`` drops whatever XML 1.0 cannot represent at all (most C0
  controls, surrogates, U+FFFE/U+FFFF), so a record stored before the door was guarded, or written by a
  path that bypassed it, can never make a feed, an OAI-PMH answer or an MDTO sidecar fail.
"""
from __future__ import annotations

import re

__all__ = ["InvalidText", "forbidden_characters", "check_text", "clean_text", "xml_text", "is_xml_safe"]

# Refused at the door: C0 controls except \t \n \r, DEL and C1 controls, surrogates, U+FFFE/U+FFFF.
_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
# Not representable in XML 1.0 (Char production, §2.2): dropped by every XML writer.
_NOT_XML = re.compile("[^\x09\x0a\x0d\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


class InvalidText(ValueError):
    """Text with characters no record may hold; the message is Dutch and names the field."""


def _describe(ch: str) -> str:
    return f"U+{ord(ch):04X}"


def forbidden_characters(value: str) -> list[str]:
    """The distinct forbidden characters in ``value``, in order of appearance."""
    seen: list[str] = []
    for ch in _FORBIDDEN.findall(value):
        if ch not in seen:
            seen.append(ch)
    return seen


def check_text(value: str, label: str) -> str:
    """``value`` unchanged when it holds no forbidden character; else ``InvalidText`` (Dutch)."""
    bad = forbidden_characters(value)
    if bad:
        shown = ", ".join(_describe(ch) for ch in bad[:5])
        raise InvalidText(f"{label} bevat een of meer stuurtekens die niet zijn toegestaan ({shown}). "
                          "Verwijder ze (ze ontstaan vaak bij kopiëren en plakken) en probeer het opnieuw.")
    return value


def clean_text(value: str) -> str:
    """``value`` without the forbidden characters (for text taken from files, not typed by a person)."""
    return _FORBIDDEN.sub("", value) if _FORBIDDEN.search(value) else value


def is_xml_safe(value: str) -> bool:
    return _NOT_XML.search(value) is None


def xml_text(value: str | None) -> str | None:
    """``value`` with every character XML 1.0 cannot carry removed (None stays None)."""
    if value is None:
        return None
    value = str(value)
    return _NOT_XML.sub("", value) if _NOT_XML.search(value) else value
