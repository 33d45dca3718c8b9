#!/usr/bin/env python3
"""Metadata truth: what a published DiWoo record of each corpus document would say, field by field.

Ingests every document of ../shared/corpus as an upload without a title (as most uploads come), runs
extraction, privacy and classification through the job path the worker takes, and then reports per DiWoo
field how often it is filled from what woo knows *without* asking the officer (confirmed values, sure
suggestions, detected language, the file's own creation date), and how often publication has to ask
(title, document date with its handeling, language). Never the upload time as a date: a record whose
date is unknown is asked for, not filled.

Whether a filled value matches what the document says is checked by hand: ``--tsv FILE`` writes one row
per document (value, confidence, the text it came from) to compare with the document itself.

    .venv/bin/python scripts/bench/metadata.py [--tsv /tmp/metadata.tsv]
"""
from __future__ import annotations

import argparse
import csv
import os
import platform
import shutil
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CORPUS = Path(os.environ.get("WOO_SHARED") or ROOT.parent / "shared") / "corpus"
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts" / "bench"))

from benchlib import CollectJobs, embedded_stack  # noqa: E402


def describe_doc(doc) -> dict:
    """The fields of the record publication would write now, and what it would ask for."""
    from woo.metadata.suggest import HIGH_CONFIDENCE, effective_values
    from woo.publish.records import described, file_creation_date, language_code
    from woo.services.worklist import date_known, title_checked

    meta = doc.metadata_ or {}
    values = effective_values(doc)
    d = described(doc)
    suggestions = {s["field"]: s for s in sorted(meta.get("suggested") or [], key=lambda s: -(s.get("confidence") or 0))}
    handeling = next((f for f in ("date.vaststelling", "date.ondertekening", "date.ontvangst") if values.get(f)), None)
    title_s = suggestions.get("title") or {}
    date_s = suggestions.get(handeling) if handeling else next(
        (suggestions[f] for f in ("date.vaststelling", "date.ondertekening", "date.ontvangst") if f in suggestions), {})
    return {
        "title_confirmed": title_checked(doc),
        "title_suggested": title_s.get("value") or "",
        "title_sure": (title_s.get("confidence") or 0) >= HIGH_CONFIDENCE,
        "date_known": date_known(doc),
        "handeling": handeling or "",
        "date": values.get(handeling) if handeling else "",
        "date_proposal": (date_s or {}).get("value") or "",
        "date_evidence": ((date_s or {}).get("evidence") or "")[:120],
        "language": doc.language or "",
        "language_tooi": bool(language_code(doc.language)),
        "creatiedatum": str(d["creatie"] or file_creation_date(doc) or ""),
        "documentsoort": d["documentsoort"] or "",
        "opsteller": d["opsteller"] or "",
        "identifiers": len(d["identifiers"]),
    }


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--tsv", type=Path, help="write one row per document for checking by hand")
    args = ap.parse_args(argv)
    if not (CORPUS / "manifest.csv").exists():
        print("../shared/corpus is absent: nothing to measure", file=sys.stderr)
        return 2
    with open(CORPUS / "manifest.csv", newline="") as fh:
        manifest = list(csv.DictReader(fh))

    from woo import worker
    from woo.adapters.models import Document
    from woo.services import accounts
    from woo.services.context import SYSTEM
    from woo.services.ingest import ingest

    tmp = Path(tempfile.mkdtemp(prefix="woo-bench-meta-"))
    with embedded_stack(tmp) as ctx:
        worker.use_context(ctx)
        ctx.queue = queue = CollectJobs()
        with ctx.unit_of_work() as s:
            org = accounts.default_organisation(s).id
        t0 = time.perf_counter()
        ids = {}
        for row in manifest:
            # the document's own name in its source repository, as an upload would have it
            name = Path(row["source_path"].split("!")[-1]).name
            result = ingest(ctx, SYSTEM, org, name, path=CORPUS / row["path"], source="cli")
            if result.status == "accepted":
                ids[result.document_id] = row
        queue.run(ctx, skip={"preserve"})
        elapsed = time.perf_counter() - t0

        rows = []
        with ctx.unit_of_work() as s:
            for doc_id, m in ids.items():
                rows.append({"path": m["path"], "format": m["format"], **describe_doc(s.get(Document, doc_id))})
        n = len(rows)
        count = Counter()
        for r in rows:
            count["title confirmed or given"] += r["title_confirmed"]
            count["title suggested (sure)"] += r["title_sure"]
            count["documenthandeling with a real date"] += r["date_known"]
            count["language (TOOI talen)"] += r["language_tooi"]
            count["creatiedatum"] += bool(r["creatiedatum"])
            count["documentsoort"] += bool(r["documentsoort"])
            count["opsteller"] += bool(r["opsteller"])
            count["identifiers (kenmerken)"] += bool(r["identifiers"])
        asks = Counter()
        for r in rows:
            asks["title"] += not r["title_confirmed"]
            asks["date + handeling"] += not r["date_known"]
            asks["language"] += not r["language_tooi"]
        print(f"machine: {platform.node()} {platform.machine()} {os.cpu_count()} cores, python {platform.python_version()}")
        print(f"corpus: {n} documents ingested and processed in {elapsed:.1f} s (PDF/A left out)")
        print("filled without asking the officer (confirmed, sure suggestion, detected, the file's own date):")
        for field, c in count.items():
            print(f"  {field:40s} {c:3d}/{n} = {c / n:5.1%}")
        print("publication asks the officer for (never fills it with the upload time):")
        for field, c in asks.items():
            print(f"  {field:40s} {c:3d}/{n} = {c / n:5.1%}")
        handelingen = Counter(r["handeling"] or "(gevraagd)" for r in rows)
        print(f"handelingen of the known dates: {dict(handelingen)}")
        languages = Counter(r["language"] or "(niet herkend)" for r in rows)
        print(f"languages detected: {dict(languages)}")
        print(f"a proposal to prefill the asked date exists for {sum(bool(r['date_proposal']) for r in rows if not r['date_known'])}"
              f" of {asks['date + handeling']} documents")
        if args.tsv:
            with open(args.tsv, "w", newline="") as fh:
                w = csv.DictWriter(fh, fieldnames=list(rows[0]), delimiter="\t")
                w.writeheader()
                w.writerows(rows)
            print(f"per document: {args.tsv}")
    shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
