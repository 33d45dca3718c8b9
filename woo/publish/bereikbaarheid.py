"""The bereikbaarheidsgegevens an organisation publishes (Woo art. 3.3 lid 1 sub e) as a PDF in Dutch: its
name, the contact details it set (woo.domain.organisations.CONTACT_FIELDS) and the date they apply from.
Pure: same input, same bytes (the creation date is the given day)."""
from __future__ import annotations

from datetime import date, datetime, time, timezone

from woo.domain.organisations import CONTACT_FIELDS, CONTACT_LABELS_NL

MONTHS_NL = ("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september",
             "oktober", "november", "december")


def day_nl(day: date) -> str:
    return f"{day.day} {MONTHS_NL[day.month - 1]} {day.year}"


def title(organisation_name: str) -> str:
    return f"Bereikbaarheidsgegevens {organisation_name}"


def lines(organisation_name: str, contact: dict, day: date) -> list[tuple[str, str]]:
    """(label, value) rows of the document, in the order of CONTACT_FIELDS."""
    return [(CONTACT_LABELS_NL[k][:1].upper() + CONTACT_LABELS_NL[k][1:], contact[k])
            for k in CONTACT_FIELDS if contact.get(k)]


def build_pdf(organisation_name: str, contact: dict, day: date) -> bytes:
    from woo.listpdf import a4_pdf

    # no title or author in the document information: the privacy gate would ask about those
    pdf, family, clean = a4_pdf("P", datetime.combine(day, time(12), timezone.utc))
    pdf.add_page()
    pdf.set_font(family, "B", 16)
    pdf.multi_cell(0, 9, clean(title(organisation_name)), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    pdf.set_font(family, "", 11)
    pdf.multi_cell(0, 6, clean(
        f"Dit zijn de bereikbaarheidsgegevens van {organisation_name}, openbaar gemaakt op grond van artikel "
        f"3.3, eerste lid, onder e, van de Wet open overheid. Deze gegevens gelden vanaf {day_nl(day)}. "
        "Met vragen, verzoeken en klachten kunt u de organisatie op de volgende manieren bereiken."),
        new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    for label, value in lines(organisation_name, contact, day):
        pdf.set_font(family, "B", 11)
        pdf.cell(45, 7, clean(label + ":"))
        pdf.set_font(family, "", 11)
        pdf.multi_cell(0, 7, clean(value), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    pdf.multi_cell(0, 6, clean(f"Vastgesteld op {day_nl(day)}. Wanneer deze gegevens wijzigen, verschijnt een "
                               "nieuwe versie van dit document op dezelfde plaats."), new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


__all__ = ["build_pdf", "title", "lines", "day_nl"]
