#!/usr/bin/env python3
"""Quality check for the throughput work: classification and privacy results on the corpus, byte for byte.

Runs every corpus document once through the service path (ingest, extract, OCR, privacy, classify; no
PDF/A) and writes a canonical JSON of what an officer sees per document: the category suggestion, the
metadata suggestions and the privacy findings with their proposed decisions. ``--save`` keeps it as the
baseline (in the bench output dir, never in the repository: it quotes corpus text), ``--compare`` checks
a run of the current code against it and lists every document that differs. Skips without ../shared.

    .venv/bin/python scripts/bench/quality.py --save      # once, on the code before the change
    .venv/bin/python scripts/bench/quality.py --compare   # after: exit 1 on any difference
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CORPUS = Path(os.environ.get("WOO_SHARED") or ROOT.parent / "shared") / "corpus"
OUT = Path(os.environ.get("WOO_BENCH_OUT") or ROOT / ".bench")
BASELINE = OUT / "quality-baseline.json"
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts" / "bench"))


def snapshot(ctx, names: dict[str, str]) -> dict:
    """document id -> name mapping turned into name -> results (canonical, comparable across runs)."""
    from sqlalchemy import select

    from woo.adapters.models import Document, PrivacyFinding

    out = {}
    with ctx.unit_of_work() as s:
        for doc_id, name in names.items():
            doc = s.get(Document, doc_id)
            rows = s.execute(select(PrivacyFinding).where(PrivacyFinding.document_id == doc_id)).scalars().all()
            findings = sorted(([f.type, f.page, f.start, f.end, f.text, f.masked, f.decision, f.reason, f.location]
                               for f in rows), key=lambda r: json.dumps(r))
            meta = doc.metadata_ or {}
            out[name] = {"suggestion": doc.suggestion, "suggested": meta.get("suggested"),
                         "category": doc.category, "status": str(doc.status), "title": doc.title,
                         "text_sha256": (doc.file("text").sha256 if doc.file("text") else None),
                         "findings": findings}
    return out


def run(files: list[Path], tmp: Path) -> dict:
    from benchlib import CollectJobs, embedded_stack

    from woo import worker
    from woo.services import accounts
    from woo.services.context import SYSTEM
    from woo.services.ingest import ingest

    with embedded_stack(tmp) as ctx:
        worker.use_context(ctx)
        ctx.queue = queue = CollectJobs()
        with ctx.unit_of_work() as s:
            org = accounts.default_organisation(s).id
        names = {}
        for f in files:
            r = ingest(ctx, SYSTEM, org, f.name, path=f, source="cli")
            if r.status == "accepted":
                names[r.document_id] = f.name
        queue.run(ctx, skip={"preserve"})
        return snapshot(ctx, names)


def corpus_files() -> list[Path]:
    with open(CORPUS / "manifest.csv", newline="") as fh:
        return [CORPUS / r["path"] for r in csv.DictReader(fh)]


def main() -> int:
    ap = argparse.ArgumentParser()
    mode = ap.add_mutually_exclusive_group(required=True)
    mode.add_argument("--save", action="store_true", help="write the baseline")
    mode.add_argument("--compare", action="store_true", help="compare with the baseline")
    ap.add_argument("--baseline", type=Path, default=BASELINE)
    args = ap.parse_args()
    if not (CORPUS / "manifest.csv").exists():
        print("../shared/corpus is absent: quality check skipped", file=sys.stderr)
        return 0
    tmp = Path(tempfile.mkdtemp(prefix="woo-quality-"))
    try:
        (tmp / "in").mkdir()
        files = []
        for i, src in enumerate(corpus_files()):  # unique names: a few corpus files share one
            dst = tmp / "in" / f"{i:03d}-{src.name}"
            shutil.copyfile(src, dst)
            files.append(dst)
        result = run(files, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    blob = json.dumps(result, sort_keys=True, indent=1, ensure_ascii=False, default=str)
    if args.save:
        args.baseline.parent.mkdir(parents=True, exist_ok=True)
        args.baseline.write_text(blob)
        print(f"baseline: {len(result)} documents -> {args.baseline}")
        return 0
    base = json.loads(args.baseline.read_text())
    now = json.loads(blob)
    differ = sorted(k for k in set(base) | set(now) if base.get(k) != now.get(k))
    print(f"quality: {len(now)} documents, baseline {len(base)}; "
          f"classification and privacy identical: {'yes' if not differ else 'NO'}")
    for name in differ:
        b, n = base.get(name) or {}, now.get(name) or {}
        fields = [k for k in set(b) | set(n) if b.get(k) != n.get(k)]
        print(f"  differs: {name}: {', '.join(sorted(fields))}")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
