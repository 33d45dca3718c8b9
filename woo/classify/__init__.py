"""Suggest the Woo information category of a document: offline, deterministic, explainable.

    from woo.classify import classify
    result = classify(text, title="Besluitenlijst B&W 12 maart", filename="besluitenlijst.pdf")
    result.category, result.label, result.confidence, result.alternatives, result.reasons

``Classifier`` loads a model file (default: the one shipped in woo/classify/model/), so the service can
switch to a retrained model; ``train`` builds one from (text, meta, category) examples and ``compare``
says whether a new model is at least as good as the old on held-out documents.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np

from . import categories as cats
from . import context as _context
from . import metrics as _evaluate
from .context import DocumentContext
from .cues import CUES, MUTE_REASONS, muted
from .model import Example, Model, Prepared, prepare, prepare_example
from .model import train as _train

MODEL_PATH = Path(__file__).resolve().parent / "model" / "woo-categories.npz"
MIN_ALTERNATIVES = 3
# Used when a model file carries no measured thresholds (models trained before calibration).
DEFAULT_UNCERTAIN_BELOW = 0.3


@dataclass
class Classification:
    category: str  # TOOI URI
    label: str  # Dutch TOOI label
    confidence: float  # 0..1
    alternatives: list[tuple[str, float]] = field(default_factory=list)  # next best (URI, confidence)
    reasons: list[str] = field(default_factory=list)  # Dutch, for the records officer
    uncertain: bool = False  # "onzeker": below the model's measured threshold, always to review

    @property
    def outcome(self) -> str:
        return "onzeker" if self.uncertain else "voorstel"

    def to_dict(self) -> dict:
        return {"category": self.category, "label": self.label, "confidence": round(self.confidence, 4),
                "alternatives": [{"category": u, "confidence": round(p, 4)} for u, p in self.alternatives],
                "reasons": list(self.reasons)}


class Classifier:
    """A loaded model. Thread-safe for reading; cheap to call."""

    def __init__(self, model: Model | str | Path | None = None):
        if model is None:
            model = MODEL_PATH
        self.model = model if isinstance(model, Model) else Model.load(model)

    @property
    def auto_accept_threshold(self) -> float | None:
        """Confidence at which source-held-out precision reached the target (measured at training)."""
        value = (self.model.info.get("calibration") or {}).get("auto_accept")
        return float(value) if value is not None else None

    @property
    def uncertain_below(self) -> float:
        value = (self.model.info.get("calibration") or {}).get("uncertain_below")
        return float(value) if value is not None else DEFAULT_UNCERTAIN_BELOW

    def classify(self, text: str | None, *, title: str | None = None, filename: str | None = None,
                 properties: dict | None = None, context: DocumentContext | None = None) -> Classification:
        doc = prepare(text or "", title=title, filename=filename, properties=properties)
        return self._decide(doc, context)

    def classify_prepared(self, docs: Sequence[Prepared],
                          contexts: Sequence[DocumentContext | None] | None = None) -> list[Classification]:
        contexts = contexts or [None] * len(docs)
        return [self._decide(d, c) for d, c in zip(docs, contexts)]

    def _decide(self, doc: Prepared, context: DocumentContext | None = None) -> Classification:
        m = self.model
        X = m.features([doc])
        offsets, context_reasons = _context.prior(context, m.all_uris)
        if context_reasons:
            z = (m.logits([doc], X)[0] + np.array(offsets)) / m.params["temperature"]
            z -= z.max()
            probs = np.exp(z) / np.exp(z).sum()
        else:
            probs = m.probabilities([doc], X)[0]
        order = sorted(range(len(probs)), key=lambda j: (-probs[j], j))
        reliability = doc.quality.reliability
        ranked = [(m.all_uris[j], float(probs[j]) * reliability) for j in order]
        best, confidence = ranked[0]
        reasons = doc.quality.reasons()
        uncertain = confidence < self.uncertain_below
        if uncertain:
            reasons.insert(0, f"Onzeker: de zekerheid ({confidence:.0%}) ligt onder de gemeten grens "
                              f"({self.uncertain_below:.0%}); laat een medewerker de categorie kiezen.")
        reasons += context_reasons
        reasons += m.explain(doc, X[0], best)
        shown = {cats.by_uri(u).slug for u, _ in ranked[:1 + MIN_ALTERNATIVES]}
        rules = [rule for cid, rule in muted(doc.fired).items() if _CUE_CATEGORY.get(cid) in shown]
        for rule in dict.fromkeys(rules):  # only where it concerns a category on screen; each rule once
            reasons.append(f"Niet meegewogen: {MUTE_REASONS[rule]}")
        if doc.release_marks:
            reasons.append(f"Openbaarmakingsstempels of lakmarkeringen ({doc.release_marks}) zijn niet meegewogen: "
                           "ze zeggen hoe een document openbaar werd, niet wat voor document het is.")
        runner_up, p2 = ranked[1]
        if reliability >= 1.0 and p2 >= 0.5 * confidence:
            reasons.append(f"Twijfel: ook '{cats.by_uri(runner_up).label}' is goed mogelijk "
                           f"({p2:.0%} tegen {confidence:.0%}).")
        if not reasons:
            reasons.append("Geen duidelijke kenmerken gevonden; de keuze volgt uit de woordkeus als geheel.")
        return Classification(category=best, label=cats.by_uri(best).label, confidence=float(min(1.0, confidence)),
                              alternatives=ranked[1:1 + MIN_ALTERNATIVES], reasons=reasons, uncertain=uncertain)


_CUE_CATEGORY = {c.id: c.category for c in CUES}


@lru_cache(maxsize=1)
def default_classifier() -> Classifier:
    return Classifier()


def classify(text: str | None, *, title: str | None = None, filename: str | None = None,
             properties: dict | None = None, context: DocumentContext | None = None) -> Classification:
    """Classify with the shipped model (loaded once); ``context`` (dossier kind, connector) is an optional prior."""
    return default_classifier().classify(text, title=title, filename=filename, properties=properties,
                                         context=context)


def train(examples: Iterable[Example], params: dict | None = None) -> Model:
    """Build a model from (text, meta, category URI or label) examples; see model.train."""
    return _train(examples, params)


def predictions(model: Model | Classifier, examples: Iterable[Example]) -> list[_evaluate.Prediction]:
    clf = model if isinstance(model, Classifier) else Classifier(model)
    out = []
    for text, meta, category in examples:
        result = clf.classify_prepared([prepare_example(text, meta)])[0]
        ranked = [(result.category, result.confidence)] + list(result.alternatives)
        out.append(_evaluate.Prediction(cats.resolve(category).uri, ranked))
    return out


def evaluate(model: Model | Classifier, examples: Iterable[Example]) -> dict:
    return _evaluate.metrics(predictions(model, examples))


def compare(old: Model | Classifier, new: Model | Classifier, held_out: Iterable[Example],
            tolerance: float = 0.0) -> dict:
    """Metrics of both models on the same held-out examples and whether the new one is not worse."""
    held_out = list(held_out)
    result = _evaluate.compare(evaluate(old, held_out), evaluate(new, held_out), tolerance)
    result["documents"] = len(held_out)
    return result


def retrain(examples: Iterable[Example], held_out: Iterable[Example], *, current: Model | Classifier | str | Path |
            None = None, out: str | Path | None = None, params: dict | None = None, tolerance: float = 0.0) -> dict:
    """Train a new model and switch to it (write ``out``) only when it is not worse on ``held_out``.

    ``examples`` are e.g. the corpus plus officer-confirmed documents; ``held_out`` must not overlap
    them. Returns the comparison, with ``written`` (path or None) and ``model`` (the new Model).
    """
    new = train(examples, params)
    if current is None:
        current = default_classifier()
    elif isinstance(current, (str, Path)):
        current = Classifier(current)
    result = compare(current, new, held_out, tolerance)
    result["written"] = None
    if out is not None and result["new_not_worse"]:
        new.save(out)
        result["written"] = str(out)
    result["model"] = new
    return result


__all__ = ["Classification", "Classifier", "DocumentContext", "MODEL_PATH", "classify", "compare", "evaluate", "train", "retrain",
           "Model"]
