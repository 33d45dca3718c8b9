"""Privacy scan figures on the development corpus (../shared/corpus).

    .venv/bin/python scripts/bench/privacy.py [--no-ocr] [--per-type 6]

Prints recall/precision per type on corpus text with injected values, what the scan finds in the
un-injected corpus (to review by hand), and scan time against identify+extract time per document.
"""
from __future__ import annotations

import argparse
import csv
import random
import statistics
import sys
import time
from collections import Counter
import os
from pathlib import Path

from woo.intake.extract import extract_text
from woo.intake.identify import identify
from woo.privacy.benchmark import STRICT_TYPES, evaluate, evaluate_real_writing, real_writing_cases
from woo.privacy.document import scan_extracted
from woo.privacy.hidden import inspect_hidden, removed_in_public_pdf

CORPUS = Path(os.environ.get("WOO_SHARED") or Path(__file__).resolve().parents[2].parent / "shared") / "corpus"


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--no-ocr", action="store_true")
    ap.add_argument("--per-type", type=int, default=6)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    if not (CORPUS / "manifest.csv").exists():
        print(f"corpus not found at {CORPUS}", file=sys.stderr)
        return 2

    texts, ratios, rows = [], [], []
    law_findings: Counter = Counter()  # on law texts: open findings vs officials proposed
    hidden_kinds: Counter = Counter()
    baseline: Counter = Counter()
    examples: dict[str, list[str]] = {}
    for row in csv.DictReader(open(CORPUS / "manifest.csv", encoding="utf-8")):
        path = CORPUS / row["path"]
        t0 = time.perf_counter()
        try:
            kind = identify(path, path.name).kind
            ex = extract_text(path, kind, ocr=not args.no_ocr)
        except Exception as exc:  # noqa: BLE001
            print(f"skip {row['path']}: {exc}", file=sys.stderr)
            continue
        t1 = time.perf_counter()
        findings = scan_extracted(kind, ex.text, ex.pages)
        try:
            hidden = inspect_hidden(path, kind)
        except Exception as exc:  # noqa: BLE001
            hidden = []
            print(f"hidden {row['path']}: {exc}", file=sys.stderr)
        for h in hidden:
            hidden_kinds["removed (no decision)" if kind == "pdf" and removed_in_public_pdf(h) else "to decide"] += 1
        if row["category_slug"] == "wetten_en_algemeen_verbindende_voorschriften":
            for f in findings:
                law_findings["official proposed" if f.role else f"open {f.type}"] += 1
        t2 = time.perf_counter()
        texts.append(ex.text)
        ratios.append((t2 - t1) / max(t1 - t0, 1e-6))
        rows.append((row["path"], len(ex.text), t1 - t0, t2 - t1))
        for f in findings:
            baseline[f.type] += 1
            examples.setdefault(f.type, []).append(f.text)

    ingest = sum(r[2] for r in rows)
    scan = sum(r[3] for r in rows)
    print(f"documents: {len(rows)}, characters: {sum(r[1] for r in rows):,}")
    print(f"identify+extract: {ingest:.2f}s total, scan+hidden: {scan:.2f}s total "
          f"({100 * scan / ingest:.1f}% of extract)")
    print(f"scan per document: median {1000 * statistics.median(r[3] for r in rows):.1f} ms, "
          f"max {1000 * max(r[3] for r in rows):.0f} ms; "
          f"scan/extract ratio per document median {statistics.median(ratios):.2f}")
    slow = sorted(rows, key=lambda r: -r[3])[:3]
    for path, chars, te, ts in slow:
        print(f"  slowest: {path} ({chars:,} chars) extract {te:.2f}s scan {ts:.2f}s")

    print("\nfindings in the un-injected corpus (review these by hand):")
    rng = random.Random(0)
    for kind, n in baseline.most_common():
        sample = rng.sample(examples[kind], min(8, len(examples[kind])))
        print(f"  {kind}: {n}  e.g. {sample}")

    print(f"\nhidden content items: {dict(hidden_kinds)}")
    print(f"findings on the {sum(1 for r in csv.DictReader(open(CORPUS / 'manifest.csv', encoding='utf-8')) if r['category_slug'].startswith('wetten'))} "
          f"law texts: {dict(law_findings) or 'none'}")

    real = evaluate_real_writing(real_writing_cases(random.Random(args.seed), 40))
    print("\nreal writing (issue 15 cases, 40 each): recall per kind")
    for kind, (hit, total, missed) in real.items():
        print(f"  {kind:<24} {hit:>4}/{total:<4} {hit / total:.3f}" + (f"  missed e.g. {missed[:2]}" if missed else ""))

    scores = evaluate(texts, seed=args.seed, per_type=args.per_type, names=args.per_type)
    print(f"\ninjected labelled set ({args.per_type} per type per document, seed {args.seed}):")
    print(f"  {'type':<12} {'tp':>5} {'fn':>4} {'fp':>4}  recall  precision")
    for kind in (*STRICT_TYPES, "person_name"):
        print(f"  {kind:<12} {scores.tp[kind]:>5} {scores.fn[kind]:>4} {scores.fp[kind]:>4}  "
              f"{scores.recall(kind):.3f}   {scores.precision(kind):.3f}")
    if scores.misses:
        print("  missed:", scores.misses[:20])
    if scores.false_alarms:
        print("  new false alarms:", Counter(t for t, _ in scores.false_alarms), scores.false_alarms[:10])
    return 0


if __name__ == "__main__":
    sys.exit(main())
