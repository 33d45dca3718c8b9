"""Generated dossiers for the tests: a Woo-besluit (decision letter, VWS-column inventory, ZIP) and a meeting."""
from __future__ import annotations

import zipfile
from pathlib import Path

from tests.factories import unique_mark
from tests.integration.test_publish import make_pdf

VWS_HEADER = ["ID", "Matter", "Familie", "Thread ID", "Document nr.", "Datum", "Beoordeling", "Beoordelingsgrond",
              "Toelichting", "Publieke link", "Opgeschort", "Zaaknummer", "Gerelateerd id"]

# (ID, judgement, grounds, date as the spreadsheet holds it, public link)
WOO_ROWS = [
    ("1001", "Openbaar", "", 45369, ""),                       # Excel serial date: 2024-03-18
    ("1002", "Deels Openbaar", "5.1.2e", "18-03-2024", ""),   # Dutch date
    ("1003", "Niet openbaar", "5.1.2e; 5.2", "18 maart 2024", ""),
    ("1004", "Reeds openbaar", "", "2024-03-19", "https://www.rijksoverheid.nl/documenten/rapport-1004"),
]


def write_xlsx(path: Path, header: list, rows: list[list]) -> Path:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(header)
    for r in rows:
        ws.append(r)
    wb.save(path)
    return path


def woo_besluit_files(tmp: Path, rows=WOO_ROWS, extra_members: dict | None = None) -> dict:
    """decision letter, inventory (VWS columns, XLSX, columns in another order than VWS's) and the ZIP."""
    tmp.mkdir(parents=True, exist_ok=True)
    inventory = write_xlsx(tmp / "inventaris.xlsx", VWS_HEADER, [
        [rid, "M-1", "F-1", "", rid, when, judgement, grounds, f"Toelichting {rid}", link, "nee", "ZK-1", ""]
        for rid, judgement, grounds, when, link in rows])
    with zipfile.ZipFile(tmp / "documenten.zip", "w") as zf:
        for rid, judgement, *_ in rows:
            pdf = make_pdf(tmp / f"{rid}.pdf", [f"Document {rid} over de haven", f"Kenmerk {unique_mark()}"])
            zf.write(pdf, f"stukken/{rid} - memo haven.pdf")
        for name, data in (extra_members or {}).items():
            zf.writestr(name, data)
    decision = make_pdf(tmp / "besluit.pdf", ["Besluit op uw Woo-verzoek over de haven", f"Kenmerk {unique_mark()}"])
    return {"zip": tmp / "documenten.zip", "inventory": inventory, "decision": decision}


def meeting_files(tmp: Path) -> dict:
    tmp.mkdir(parents=True, exist_ok=True)
    rows = [("A1", "agenda", "Agenda raadsvergadering"), ("A2", "vergaderstuk", "Raadsvoorstel haven"),
            ("A3", "ingekomen-stuk", "Brief van de havenbedrijven")]
    inventory = tmp / "stukken.csv"
    inventory.write_text("ID;Document nr.;Titel;Rol;Beoordeling;Beoordelingsgrond\n"
                         + "".join(f"{rid};{rid};{title};{role};Openbaar;\n" for rid, role, title in rows),
                         encoding="utf-8")
    with zipfile.ZipFile(tmp / "stukken.zip", "w") as zf:
        for rid, _, title in rows:
            zf.write(make_pdf(tmp / f"{rid}.pdf", [title, f"Kenmerk {unique_mark()}"]), f"{rid}.pdf")
    return {"zip": tmp / "stukken.zip", "inventory": inventory}
