"""Confidence that means what it says: a temperature and thresholds measured on documents a model never saw.

The shipped model is calibrated on leave-one-source-out predictions (scripts/train_classifier.py); a model
retrained inside an instance is calibrated on the officer-confirmed documents held out from its training
(woo.services.classifier_models). Both go through ``measure`` so the stored figures mean the same thing.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np

from . import categories as cats
from . import metrics as ev

# Fewer held-out documents than this give no precision worth an auto-accept threshold.
MIN_DOCUMENTS_FOR_AUTO_ACCEPT = 50
# The auto-accept threshold must reach the target precision even with one more wrong document above it than the
# held-out set showed (small-sample margin: held-out sources overstate what unseen sources get).
THRESHOLD_MARGIN = 1


def predictions(logits, reliability: Sequence[float], labels: Sequence[str], temperature: float) -> list[ev.Prediction]:
    """Held-out predictions as the model gives them with this temperature (top four, reliability applied)."""
    uris = [c.uri for c in cats.categories()]
    out = []
    for z, rel, truth in zip(logits, reliability, labels):
        z = np.asarray(z, dtype=np.float64) / temperature
        e = np.exp(z - z.max())
        p = e / e.sum()
        order = sorted(range(len(p)), key=lambda j: (-p[j], j))
        out.append(ev.Prediction(cats.resolve(truth).uri, [(uris[j], float(p[j]) * rel) for j in order[:4]]))
    return out


def measure(logits, reliability: Sequence[float], labels: Sequence[str], target: float, method: str,
            min_for_auto_accept: int = 0) -> tuple[list[ev.Prediction], dict]:
    """Fit the temperature on held-out logits and measure the thresholds on the calibrated predictions.

    ``auto_accept`` is the lowest confidence where held-out precision reaches ``target``; None when no
    threshold reaches it or when there are fewer than ``min_for_auto_accept`` documents to say so."""
    uris = [c.uri for c in cats.categories()]
    truth = [uris.index(cats.resolve(t).uri) for t in labels]
    temperature = ev.fit_temperature(np.asarray(logits), truth)
    preds = predictions(logits, reliability, labels, temperature)
    auto = ev.suggest_threshold(preds, target, THRESHOLD_MARGIN) if len(preds) >= min_for_auto_accept else None
    calibration = {"method": method, "temperature": temperature, "target_precision": target,
                   "auto_accept": auto, "threshold_margin": THRESHOLD_MARGIN,
                   "uncertain_below": ev.uncertain_threshold(preds),
                   "documents": len(preds),
                   "held_out": {k: round(v, 4) for k, v in ev.metrics(preds).items()
                                if k in ("accuracy", "macro_f1", "top3_accuracy")}}
    if auto is not None:
        precision, coverage = ev.precision_at(preds, auto)
        calibration["auto_accept_precision"], calibration["auto_accept_coverage"] = round(precision, 4), round(coverage, 4)
    return preds, calibration


def apply(model, calibration: dict) -> None:
    """Store a calibration in the model: its temperature is used from now on, its thresholds are read back
    by ``Classifier.auto_accept_threshold`` and ``uncertain_below``."""
    model.params = {**model.params, "temperature": calibration["temperature"]}
    model.info = {**model.info, "calibration": calibration}


def calibrate_on(model, examples, target: float, method: str,
                 min_for_auto_accept: int = MIN_DOCUMENTS_FOR_AUTO_ACCEPT) -> dict:
    """Calibrate ``model`` on (text, meta, category) examples it was not trained on, and store it."""
    from .model import prepare_example

    examples = list(examples)
    prepared = [prepare_example(t, m) for t, m, _ in examples]
    logits = model.logits(prepared)
    reliability = [p.quality.reliability for p in prepared]
    _, calibration = measure(logits, reliability, [c for _, _, c in examples], target, method, min_for_auto_accept)
    apply(model, calibration)
    return calibration
