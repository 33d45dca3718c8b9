"""`woo classify`: suggest Woo categories for files, or measure the model on a labelled manifest.

Works without any server: text comes from woo.intake (identify + extract) on the local file.

    woo classify a.pdf b.docx --jsonl
    woo classify --evaluate labelled/manifest.csv      # columns path,category (URI or label)
"""
from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

import click

from . import Classifier, categories as cats
from . import metrics as ev

MAX_CHARS = 400_000  # the model reads far less; no need to extract a 2,000-page document whole


def read_document(path: Path) -> tuple[str, dict]:
    """Text and properties of a local file through woo.intake. Raises ValueError with a Dutch reason."""
    from woo.intake.extract import ExtractionError, extract_text
    from woo.intake.identify import RejectedFile, identify

    if not path.is_file():
        raise ValueError(f"Bestand niet gevonden of geen bestand: {path}")
    try:
        ident = identify(path, path.name)
        kind = ident.require_accepted().kind
        result = extract_text(path, kind, max_chars=MAX_CHARS)
    except (RejectedFile, ExtractionError) as exc:
        raise ValueError(exc.reason) from exc
    except OSError as exc:
        raise ValueError(f"Bestand kan niet worden gelezen: {exc.strerror or exc}") from exc
    return result.text or "", dict(result.properties or {})


def _classify_path(clf: Classifier, path: Path):
    text, props = read_document(path)
    title = props.get("title") if isinstance(props.get("title"), str) else None
    return clf.classify(text, title=title, filename=path.name, properties=props)


@click.command("classify")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--jsonl", is_flag=True, help="One JSON object per file, in input order.")
@click.option("--evaluate", "manifest", type=click.Path(path_type=Path, dir_okay=False),
              help="CSV with columns path,category (TOOI URI, label or slug); paths relative to the CSV.")
@click.option("--model", "model_path", type=click.Path(path_type=Path, dir_okay=False),
              help="Model file to use instead of the shipped one.")
@click.option("--threshold", type=float, default=None, help="With --evaluate: also report precision at this confidence.")
def classify_command(paths, jsonl, manifest, model_path, threshold):
    """Suggest the Woo information category of each file (no server needed)."""
    try:
        clf = Classifier(model_path) if model_path else Classifier()
    except (OSError, ValueError) as exc:
        raise click.ClickException(f"Model kan niet worden geladen: {exc}")
    if manifest:
        _evaluate(clf, manifest, threshold)
        return
    if not paths:
        raise click.UsageError("Geef een of meer bestanden, of --evaluate MANIFEST.csv.")
    for path in paths:
        try:
            result = _classify_path(clf, path)
        except ValueError as exc:
            record = {"path": str(path), "error": str(exc)}
            if jsonl:
                click.echo(json.dumps(record, ensure_ascii=False))
            else:
                click.echo(f"{path}: FOUT: {exc}")
            continue
        if jsonl:
            data = result.to_dict()
            click.echo(json.dumps({"path": str(path), "category": data["category"], "label": data["label"],
                                   "confidence": data["confidence"], "alternatives": data["alternatives"],
                                   "reasons": data["reasons"]}, ensure_ascii=False))
        else:
            click.echo(f"{path}: {result.label} ({result.confidence:.0%})")
            for uri, p in result.alternatives:
                click.echo(f"    of: {cats.by_uri(uri).label} ({p:.0%})")
            for reason in result.reasons:
                click.echo(f"    - {reason}")


def _evaluate(clf: Classifier, manifest: Path, threshold: float | None) -> None:
    base = manifest.parent
    with manifest.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    column = next((c for c in ("category", "category_slug") if rows and c in rows[0]), None)
    if not rows or "path" not in rows[0] or column is None:
        raise click.ClickException("Het manifest heeft de kolommen path en category nodig.")
    preds = []
    for row in rows:
        try:
            truth = cats.resolve(row[column]).uri
        except KeyError:
            click.echo(f"{row['path']}: onbekende categorie {row[column]!r}, overgeslagen", err=True)
            continue
        try:
            result = _classify_path(clf, base / row["path"])
        except ValueError as exc:
            click.echo(f"{row['path']}: {exc}, overgeslagen", err=True)
            continue
        preds.append(ev.Prediction(truth, [(result.category, result.confidence)] + list(result.alternatives)))
    if not preds:
        raise click.ClickException("Geen enkel document kon worden beoordeeld.")
    click.echo(ev.format_report(ev.metrics(preds), threshold, preds if threshold is not None else None))


if __name__ == "__main__":  # pragma: no cover
    classify_command(sys.argv[1:])
