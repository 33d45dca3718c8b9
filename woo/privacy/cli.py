"""`woo privacy scan PATH...`: personal data and hidden content per file, no server needed."""
from __future__ import annotations

import json
from pathlib import Path

import click

from woo.privacy.document import scan_file


def _error_text(exc: Exception) -> str:
    # Intake errors carry a Dutch reason for the officer; anything else is shown as is.
    if isinstance(exc, FileNotFoundError):
        return "Bestand niet gevonden."
    if isinstance(exc, OSError):
        return f"Bestand kan niet worden gelezen ({exc.strerror or exc.__class__.__name__})."
    return getattr(exc, "reason", None) or str(exc) or exc.__class__.__name__


@click.command("scan")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--jsonl", is_flag=True, help="Eén JSON-object per bestand (machineleesbaar).")
@click.option("--no-ocr", is_flag=True, help="Geen OCR op scans zonder tekstlaag (sneller).")
def privacy_scan_command(paths: tuple[Path, ...], jsonl: bool, no_ocr: bool) -> None:
    """Zoek persoonsgegevens en verborgen inhoud in de opgegeven bestanden."""
    for path in paths:
        try:
            result = scan_file(path, ocr=not no_ocr, with_removed=not jsonl)
        except Exception as exc:  # noqa: BLE001 - one bad file must not stop the batch
            result = {"path": str(path), "error": _error_text(exc)}
        if jsonl:
            click.echo(json.dumps(result, ensure_ascii=False))
            continue
        click.echo(f"{result['path']}:")
        if "error" in result:
            click.echo(f"  fout: {result['error']}")
            continue
        for f in result["findings"]:
            where = f"p. {f['page']}, " if f["page"] else ""
            official = f" - voorstel: publiek ambtsdrager ({f['role']})" if f.get("role") else ""
            click.echo(f"  {f['type']}: {f['text']} ({where}positie {f['start']}){official}")
        for item in result["hidden_content"]:
            click.echo(f"  verborgen: {item}")
        for item in result.get("removed_in_public_version", []):
            click.echo(f"  verwijderd uit publieksversie: {item}")
        if not result["findings"] and not result["hidden_content"]:
            click.echo("  niets gevonden")
