#!/usr/bin/env python
"""Build the shipped Woo category model from the shared corpus, and measure it on unseen documents.

    python scripts/train_classifier.py                 # extract, calibrate on held-out sources, write the model
    python scripts/train_classifier.py --cv --no-write # measure only: leave-one-source-out (the headline)
    python scripts/train_classifier.py --cv --by-source --no-write  # the same (kept for old command lines)
    python scripts/train_classifier.py --cv --loo      # leave-one-document-out (optimistic: same sources)
    python scripts/train_classifier.py --cv --folds 5  # stratified 5-fold (optimistic too)

Model selection uses unseen sources only: leave-one-source-out (the manifest's ``source_repo``) is
what decides parameters, features and thresholds, because a municipality's documents come from a
source the model never saw. Writing the model always runs that cross-validation first: the
temperature is fitted to its predictions (negative log-likelihood), and the auto-accept threshold
(lowest confidence where held-out precision >= --target-precision) and the "onzeker" threshold
are stored in the model file (info.calibration), so the shipped confidence means what it says.

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
import os
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from woo.classify import MODEL_PATH, categories as cats  # noqa: E402
from woo.classify.corpus import DEFAULT_CACHE, load_corpus  # noqa: E402
from woo.classify import calibration as calib, metrics as ev  # noqa: E402
from woo.classify.model import DEFAULT_PARAMS, Model, prepare_example, train  # noqa: E402

DEFAULT_CORPUS = Path(os.environ.get("WOO_SHARED") or ROOT.parent / "shared") / "corpus"


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


def cross_validate(examples, params: dict, k: int | None = None, verbose: bool = True, by_source: bool = False,
                   return_logits: bool = False):
    from woo.classify import Classifier

    prepared = [prepare_example(t, m) for t, m, _ in examples]
    labels = [c for _, _, c in examples]
    preds: list[ev.Prediction | None] = [None] * len(examples)
    logits: list = [None] * len(examples)
    reliability: list[float] = [1.0] * len(examples)
    test_sets = source_folds(examples) if by_source else folds(labels, k)
    for n_fold, test in enumerate(test_sets):
        held = set(test)
        train_idx = [i for i in range(len(examples)) if i not in held]
        model = train([examples[i] for i in train_idx], params, prepared=[prepared[i] for i in train_idx])
        clf = Classifier(model)
        test_docs = [prepared[i] for i in test]
        for i, result, z in zip(test, clf.classify_prepared(test_docs), model.logits(test_docs)):
            preds[i] = ev.Prediction(labels[i], [(result.category, result.confidence)] + list(result.alternatives))
            logits[i] = z
            reliability[i] = prepared[i].quality.reliability
        if verbose and (n_fold + 1) % 10 == 0:
            print(f"  fold {n_fold + 1}/{len(test_sets)}", file=sys.stderr)
    if return_logits:
        return preds, np.array(logits), reliability
    return preds


def calibrate(examples, params: dict, target: float, verbose: bool = True):
    """Leave-one-source-out predictions, the fitted temperature and the thresholds measured on them."""
    labels = [c for _, _, c in examples]
    _, logits, reliability = cross_validate(examples, params, by_source=True, verbose=verbose, return_logits=True)
    return calib.measure(logits, reliability, labels, target,
                               "temperature, fitted on leave-one-source-out predictions")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE, help="extracted-text cache folder")
    parser.add_argument("--out", type=Path, default=MODEL_PATH)
    parser.add_argument("--cv", "--cross-validate", dest="cv", action="store_true",
                        help="report figures on documents the model did not train on")
    parser.add_argument("--folds", type=int, default=None, help="stratified k-fold instead of leave-one-source-out")
    parser.add_argument("--loo", action="store_true", help="leave-one-document-out instead of leave-one-source-out")
    parser.add_argument("--by-source", action="store_true",
                        help="leave one source repository out at a time (the default; kept for old command lines)")
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

    calibration = None
    if args.cv or not args.no_write:
        start = time.time()
        by_source = not (args.loo or args.folds)
        if by_source:
            preds, calibration = calibrate(examples, params, args.target_precision)
        else:
            preds = cross_validate(examples, params, args.folds)
        metrics = ev.metrics(preds)
        threshold = calibration["auto_accept"] if calibration else ev.suggest_threshold(preds, args.target_precision)
        scheme = ("leave-one-source-out" if by_source else f"stratified {args.folds}-fold" if args.folds
                  else "leave-one-out (documents of the same sources seen: optimistic)")
        print(f"Cross-validation ({scheme}, {time.time() - start:.0f}s), params {json.dumps(params, sort_keys=True)}")
        if calibration:
            print(f"calibration: temperature {calibration['temperature']} fitted on the held-out predictions; "
                  f"'onzeker' below {calibration['uncertain_below']:.3f}")
        print(ev.format_report(metrics, threshold, preds))
        print()
        print(ev.format_curve(ev.coverage_curve(preds)))
        if threshold is not None:
            print(f"suggested auto-accept threshold (precision >= {args.target_precision} with one more error assumed above it): {threshold:.3f}")
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
        if calibration:
            params = {**params, "temperature": calibration["temperature"]}
        model = train(examples, params)
        model.info["built_by"] = "scripts/train_classifier.py"
        if calibration:
            model.info["calibration"] = calibration
        args.out.parent.mkdir(parents=True, exist_ok=True)
        model.save(args.out)
        check = Model.load(args.out)
        assert check.word_vocab == model.word_vocab
        print(f"model written to {args.out} ({args.out.stat().st_size / 1024:.0f} KiB, "
              f"{model.n_features} features, {len(model.classes)} trained categories)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
