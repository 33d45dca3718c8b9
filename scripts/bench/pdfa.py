"""PDF/A-2b conversion success rate on the corpus's PDFs and office files (every failure explained).

Usage: .venv/bin/python scripts/bench/pdfa.py [CORPUS_DIR]   (default ../shared/corpus)
"""
from __future__ import annotations

import csv
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from woo.archive.pdfa import CONVERTIBLE_KINDS, to_pdfa, tool_versions  # noqa: E402


def main() -> int:
    corpus = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT.parent / "shared" / "corpus"
    rows = [r for r in csv.DictReader((corpus / "manifest.csv").open()) if r["format"] in CONVERTIBLE_KINDS]
    print("tools:", tool_versions())
    ok = validated = 0
    routes: Counter = Counter()
    failures = []
    started = time.perf_counter()
    for r in rows:
        with tempfile.TemporaryDirectory() as tmp:
            t = time.perf_counter()
            res = to_pdfa(corpus / r["path"], r["format"], Path(tmp))
            took = time.perf_counter() - t
        route = " > ".join(s.tool for s in res.steps)
        routes[route] += 1
        ok += res.ok
        validated += res.ok and res.validated
        if not res.ok:
            failures.append((r["path"], res.reason))
        print(f"{'OK ' if res.ok else 'ERR'} {'V' if res.validated else '-'} {took:5.1f}s {r['path']}  [{route}]")
    total = len(rows)
    print(f"\nconverted {ok}/{total} = {100 * ok / max(1, total):.1f}%  "
          f"(fully validated by pikepdf.pdfa: {validated}; the rest hold PDF/A-2b constructs its allowlist "
          f"cannot check, e.g. JPEG 2000, embedded files)  in {time.perf_counter() - started:.0f}s")
    for route, n in routes.most_common():
        print(f"  {n:3d}  {route}")
    for path, reason in failures:
        print(f"  FAILED {path}: {reason}")
    return 0 if ok >= 0.95 * total else 1


if __name__ == "__main__":
    sys.exit(main())
