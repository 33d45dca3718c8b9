#!/usr/bin/env python3
"""Classification benchmark: documents per second per core on already-extracted text (goal >= 50).

Texts: the shared corpus extracted once through woo.intake (cached, not timed), or, without the corpus,
generated letters of a few kilobytes. One process, BLAS limited to one thread, so the figure is per core.
Each document is classified as the service does it: classify(text, title=, filename=, properties=).

    .venv/bin/python scripts/bench/classify.py [--rounds 5] [--generated]
"""
from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from pathlib import Path

for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(var, "1")

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

GOAL = 50.0


def corpus_texts() -> list[tuple[str, dict]] | None:
    import train_classifier as tc

    if not (tc.DEFAULT_CORPUS / "manifest.csv").exists():
        return None
    return [(text, meta) for text, meta, _ in tc.load_corpus(tc.DEFAULT_CORPUS, tc.DEFAULT_CACHE)]


def generated_texts(n: int = 80) -> list[tuple[str, dict]]:
    para = ("Op {d} maart 2024 hebben wij uw aanvraag ontvangen. Het college van burgemeester en wethouders "
            "heeft besloten de vergunning te verlenen. Tegen dit besluit kunt u binnen zes weken bezwaar maken. ")
    return [((para.format(d=i % 28 + 1)) * (10 + i % 40), {"filename": f"doc{i}.pdf"}) for i in range(n)]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--generated", action="store_true", help="use generated texts even if the corpus is there")
    args = parser.parse_args(argv)

    docs = None if args.generated else corpus_texts()
    source = f"shared corpus ({len(docs)} real documents)" if docs else "generated letters"
    docs = docs or generated_texts()
    from woo.classify import Classifier

    clf = Classifier()
    clf.classify(docs[0][0])  # warm up (regex compilation)
    rates, wall_rates = [], []
    for _ in range(args.rounds):
        start, cpu = time.perf_counter(), time.process_time()
        for text, meta in docs:
            clf.classify(text, title=meta.get("title"), filename=meta.get("filename"),
                         properties=meta.get("properties"))
        # CPU time of this one-threaded process = per-core cost, robust to other load on the machine
        rates.append(len(docs) / (time.process_time() - cpu))
        wall_rates.append(len(docs) / (time.perf_counter() - start))
    chars = sum(len(t) for t, _ in docs) / len(docs)
    rate = statistics.median(rates)
    print(f"machine: {platform.processor() or platform.machine()}, python {platform.python_version()}")
    print(f"texts: {source}, {len(docs)} documents, mean {chars:,.0f} characters")
    print(f"classification: {rate:.1f} documents/s per core (median of {args.rounds} rounds; "
          f"min {min(rates):.1f}, max {max(rates):.1f}; CPU time); goal >= {GOAL:.0f}: {'met' if rate >= GOAL else 'NOT met'}")
    print(f"wall clock: {statistics.median(wall_rates):.1f} documents/s (includes waiting for other load)")
    cal = clf.model.info.get("calibration") or {}
    if cal:  # the headline quality figure: sources the model never saw (measured when the model was built)
        held = cal.get("held_out", {})
        print(f"quality, leave-one-source-out: macro-F1 {held.get('macro_f1', 0):.3f}, accuracy "
              f"{held.get('accuracy', 0):.3f}, top-3 {held.get('top3_accuracy', 0):.3f}; auto-accept at "
              f"{cal.get('auto_accept')} (precision {cal.get('auto_accept_precision')}, coverage "
              f"{cal.get('auto_accept_coverage')}); 'onzeker' below {cal.get('uncertain_below')}")
    return 0 if rate >= GOAL else 1


if __name__ == "__main__":
    sys.exit(main())
