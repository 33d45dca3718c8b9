#!/usr/bin/env python
"""Build the shipped Woo category model from the shared corpus, and measure it on unseen documents.

    python scripts/train_classifier.py                 # extract, train on all, write the model
    python scripts/train_classifier.py --cv            # leave-one-out figures first (documents unseen)
    python scripts/train_classifier.py --cv --folds 5  # stratified 5-fold instead of leave-one-out
    python scripts/train_classifier.py --cv --no-write # measure only
    python scripts/train_classifier.py --cv --by-source --no-write  # one source repository held out at a time

Text comes from woo.intake.extract (the same path as uploads, OCR included), cached per file hash in
--cache so reruns are fast. Labels: manifest.csv's category slug -> TOOI URI via the TOOI labels.
The corpus's own file names are not used (they were written by whoever labelled the corpus); the
document's original name in its source repository is, as uploads have such names too. Each
document's source repository is its "group": an n-gram must occur in two sources to be a feature.
Deterministic: same corpus, same model bytes.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from woo.classify import MODEL_PATH, categories as cats  # noqa: E402
from woo.classify.corpus import DEFAULT_CACHE, load_corpus  # noqa: E402
from woo.classify import metrics as ev  # noqa: E402
from woo.classify.model import DEFAULT_PARAMS, Model, prepare_example, train  # noqa: E402

DEFAULT_CORPUS = ROOT.parent / "shared" / "corpus"


def folds(labels: list[str], k: int | None) -> list[list[int]]:
    """Test index sets: leave-one-out (k=None) or stratified k-fold, deterministic."""
    n = len(labels)
    if not k:
        return [[i] for i in range(n)]
    out: list[list[int]] = [[] for _ in range(k)]
    position = 0
    for label in sorted(set(labels)):  # deal each category's documents round-robin over the folds
        for i in [i for i in range(n) if labels[i] == label]:
            out[position % k].append(i)
            position += 1
    return [sorted(f) for f in out if f]


def source_folds(examples) -> list[list[int]]:
    """One fold per source repository: the harshest test, a publisher the model has never seen."""
    groups = [m.get("group") or f"doc{i}" for i, (_, m, _) in enumerate(examples)]
    return [[i for i, g in enumerate(groups) if g == group] for group in sorted(set(groups))]


def cross_validate(examples, params: dict, k: int | None = None, verbose: bool = True, by_source: bool = False):
    from woo.classify import Classifier

    prepared = [prepare_example(t, m) for t, m, _ in examples]
    labels = [c for _, _, c in examples]
    preds: list[ev.Prediction | None] = [None] * len(examples)
    test_sets = source_folds(examples) if by_source else folds(labels, k)
    for n_fold, test in enumerate(test_sets):
        held = set(test)
        train_idx = [i for i in range(len(examples)) if i not in held]
        model = train([examples[i] for i in train_idx], params, prepared=[prepared[i] for i in train_idx])
        clf = Classifier(model)
        for i, result in zip(test, clf.classify_prepared([prepared[i] for i in test])):
            preds[i] = ev.Prediction(labels[i], [(result.category, result.confidence)] + list(result.alternatives))
        if verbose and (n_fold + 1) % 10 == 0:
            print(f"  fold {n_fold + 1}/{len(test_sets)}", file=sys.stderr)
    return preds


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE, help="extracted-text cache folder")
    parser.add_argument("--out", type=Path, default=MODEL_PATH)
    parser.add_argument("--cv", "--cross-validate", dest="cv", action="store_true",
                        help="report figures on documents the model did not train on")
    parser.add_argument("--folds", type=int, default=None, help="stratified k-fold (default: leave-one-out)")
    parser.add_argument("--by-source", action="store_true",
                        help="cross-validate leaving out one source repository at a time")
    parser.add_argument("--param", action="append", default=[], help="override a training parameter, KEY=VALUE")
    parser.add_argument("--no-write", action="store_true", help="do not write the model file")
    parser.add_argument("--cv-json", type=Path, help="write the cross-validated predictions here")
    parser.add_argument("--target-precision", type=float, default=0.97)
    args = parser.parse_args(argv)

    params = dict(DEFAULT_PARAMS)
    for item in args.param:
        key, _, value = item.partition("=")
        params[key] = type(DEFAULT_PARAMS.get(key, 0.0))(value)

    if not (args.corpus / "manifest.csv").exists():
        print(f"Geen corpus gevonden in {args.corpus}", file=sys.stderr)
        return 2
    start = time.time()
    examples = load_corpus(args.corpus, args.cache)
    print(f"{len(examples)} documents read in {time.time() - start:.0f}s", file=sys.stderr)

    if args.cv:
        start = time.time()
        preds = cross_validate(examples, params, args.folds, by_source=args.by_source)
        metrics = ev.metrics(preds)
        threshold = ev.suggest_threshold(preds, args.target_precision)
        scheme = ("leave-one-source-out" if args.by_source else
                  f"stratified {args.folds}-fold" if args.folds else "leave-one-out")
        print(f"Cross-validation ({scheme}, {time.time() - start:.0f}s), params {json.dumps(params, sort_keys=True)}")
        print(ev.format_report(metrics, threshold, preds))
        if threshold is not None:
            print(f"suggested auto-accept threshold (precision >= {args.target_precision}): {threshold:.3f}")
        else:
            print(f"no threshold reaches precision {args.target_precision}")
        for (text, meta, truth), p in zip(examples, preds):
            if p.top != truth:
                print(f"  miss: {meta['path']} -> {cats.by_uri(p.top).slug} ({p.confidence:.2f})")
        if args.cv_json:
            args.cv_json.write_text(json.dumps(
                [{"path": m["path"], "truth": t, "ranked": p.ranked} for (_, m, t), p in zip(examples, preds)],
                indent=1), encoding="utf-8")

    if not args.no_write:
        model = train(examples, params)
        model.info["built_by"] = "scripts/train_classifier.py"
        args.out.parent.mkdir(parents=True, exist_ok=True)
        model.save(args.out)
        check = Model.load(args.out)
        assert check.word_vocab == model.word_vocab
        print(f"model written to {args.out} ({args.out.stat().st_size / 1024:.0f} KiB, "
              f"{model.n_features} features, {len(model.classes)} trained categories)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
