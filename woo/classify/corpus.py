"""The development corpus as training examples: (text, meta, category URI) per labelled document.

Shared by scripts/train_classifier.py and `woo classifier retrain`, so both train on exactly the same
input. Extraction goes through woo.intake and is cached by the file's SHA-256.
"""
from __future__ import annotations

import csv
import hashlib
import json
import os
from pathlib import Path

from woo.classify import categories as cats

DEFAULT_CACHE = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "woo-classify"


def extract(path: Path, cache: Path) -> dict:
    """Text and properties through woo.intake, cached by the file's sha256."""
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    cached = cache / f"{digest}.json"
    if cached.exists():
        return json.loads(cached.read_text(encoding="utf-8"))
    from woo.intake.extract import extract_text

    result = extract_text(path)
    props = {k: v for k, v in (result.properties or {}).items() if isinstance(v, (str, int, float))}
    data = {"text": result.text, "properties": props}
    cache.mkdir(parents=True, exist_ok=True)
    cached.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return data


def load_corpus(corpus: Path, cache: Path) -> list[tuple[str, dict, str]]:
    examples = []
    with (corpus / "manifest.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    for row in rows:
        data = extract(corpus / row["path"], cache)
        original_name = row["source_path"].split("!")[-1].rsplit("/", 1)[-1]
        props = data["properties"]
        meta = {"title": props.get("title"), "filename": original_name, "properties": props,
                "group": row["source_repo"], "path": row["path"]}
        examples.append((data["text"], meta, cats.resolve(row["category_slug"]).uri))
    return examples
