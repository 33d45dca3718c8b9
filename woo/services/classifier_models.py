"""Which classifier model the service uses, and retraining it from the corpus plus officers' decisions.

Models live in the bucket (``models/classifier/<stamp>.npz``) with a pointer ``active.json``, so every
web and worker process on every host uses the same one. A retrained model becomes active only when it
is not worse than the active one on held-out confirmed documents that neither model trained on.
"""
from __future__ import annotations

import hashlib
import json
import tempfile
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from woo.adapters.models import Document, Event
from woo.services import audit
from woo.services.context import Actor, Context

PREFIX = "models/classifier/"
POINTER = PREFIX + "active.json"
HELD_OUT_SHARE = 3  # one in three confirmed documents is kept aside to compare the models
RETRAINED = "classifier.retrained"  # the audit event every switch of the pointer writes (``retrain``)
_loaded: dict[str, object] = {}  # object key -> Classifier, per process; _POINTER_SEEN -> (marker, pointer)
_POINTER_SEEN = "pointer"


class RetrainError(ValueError):
    """Retraining cannot be done or compared honestly; Dutch, for the operator."""


def _pointer(ctx: Context) -> dict | None:
    if ctx.store.stat(POINTER) is None:
        return None
    return json.loads(ctx.store.get_bytes(POINTER))


def pointer_marker(session: Session) -> int:
    """Cheap stand-in for the pointer's state: the id of the last retrain event (0: never retrained).

    Only ``retrain`` writes the pointer, and it records a retrain event in the same step, so while this
    number stays the same the pointer read before still holds: one indexed query in a transaction the
    caller has open anyway, instead of an S3 round trip per document."""
    return session.execute(select(func.max(Event.id)).where(Event.action == RETRAINED)).scalar() or 0


def active_classifier(ctx: Context, marker: int | None = None):
    """The instance's active model, else the one shipped in the package.

    With ``marker`` (``pointer_marker`` of the caller's session) the pointer is read from the store only
    when a retrain happened since it was last read in this process; without, it is read every time."""
    from woo.classify import Classifier, default_classifier

    seen = _loaded.get(_POINTER_SEEN)
    if marker is not None and seen is not None and seen[0] == marker:
        pointer = seen[1]
    else:
        pointer = _pointer(ctx)
        if marker is not None:
            _loaded[_POINTER_SEEN] = (marker, pointer)
    if pointer is None:
        return default_classifier()
    key = pointer["key"]
    if key not in _loaded:
        with tempfile.TemporaryDirectory(prefix="woo-model-") as tmp:
            path = Path(tmp) / "model.npz"
            ctx.store.download(key, path)
            _loaded[key] = Classifier(path)
    return _loaded[key]


def confirmed_examples(ctx: Context) -> list[tuple[str, dict, str]]:
    """(text, meta, category) for every document whose category an officer confirmed or set."""
    examples = []
    with ctx.unit_of_work() as session:
        docs = session.execute(select(Document).where(Document.category.is_not(None))).scalars().all()
        refs = []
        for doc in docs:
            text_file, original = doc.file("text"), doc.file("original")
            if text_file is not None:
                refs.append((doc.id, doc.title, original.filename if original else None,
                             (doc.metadata_ or {}).get("properties") or {}, doc.category,
                             text_file.object_key, text_file.version_id))
    for doc_id, title, filename, props, category, key, version in refs:
        text = ctx.store.get_bytes(key, version).decode("utf-8", "replace").replace("\f", "\n\n")
        examples.append((text, {"title": title, "filename": filename, "properties": props, "group": "woo",
                                "document_id": doc_id}, category))
    return examples


def _held_out(example) -> bool:
    """Deterministic split by document id, so a rerun holds out the same documents."""
    return int(hashlib.sha256(example[1]["document_id"].encode()).hexdigest(), 16) % HELD_OUT_SHARE == 0


def retrain(ctx: Context, actor: Actor, corpus: Path | None, *, min_held_out: int = 5,
            cache: Path | None = None) -> dict:
    from woo.classify import compare, train
    from woo.classify.corpus import DEFAULT_CACHE, load_corpus

    confirmed = confirmed_examples(ctx)
    held_out = [e for e in confirmed if _held_out(e)]
    if len(held_out) < min_held_out:
        raise RetrainError(f"Te weinig bevestigde documenten om eerlijk te vergelijken: {len(held_out)} apart "
                           f"gehouden, minstens {min_held_out} nodig ({len(confirmed)} bevestigd in totaal).")
    training = [e for e in confirmed if not _held_out(e)]
    if corpus is not None:
        if not (corpus / "manifest.csv").exists():
            raise RetrainError(f"Geen corpus gevonden in {corpus} (manifest.csv ontbreekt).")
        training = load_corpus(corpus, cache or DEFAULT_CACHE) + training
    new = train(training)
    active = active_classifier(ctx)
    calibration = _calibrate(new, active, held_out)
    result = compare(active, new, held_out)
    switched = bool(result["new_not_worse"])
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    key = None
    if switched:
        key = f"{PREFIX}{stamp}.npz"
        with tempfile.TemporaryDirectory(prefix="woo-model-") as tmp:
            path = Path(tmp) / "model.npz"
            new.save(path)
            ctx.store.put_file(key, path, "application/octet-stream")
        ctx.store.put_bytes(POINTER, json.dumps({"key": key, "created": stamp, "trained_on": len(training),
                                                 "held_out": len(held_out)}).encode(), "application/json")
    summary = {k: v for k, v in result.items() if k != "model" and isinstance(v, (int, float, str, bool, dict))}
    with ctx.unit_of_work() as session:
        audit.record(session, actor.label, RETRAINED, None, switched=switched, model=key,
                     trained_on=len(training), held_out=len(held_out), comparison=summary)
    return {"switched": switched, "model": key, "trained_on": len(training), "held_out": len(held_out),
            "comparison": summary, "calibration": calibration}


def _calibrate(new, active, held_out) -> dict:
    """Give the retrained model a confidence that means what it says.

    Its temperature and 'onzeker' threshold are fitted on the held-out confirmed documents it never trained
    on; the auto-accept threshold only when there are enough of them to measure a precision
    (calibration.MIN_DOCUMENTS_FOR_AUTO_ACCEPT), else auto-accept is off for this model and the result says
    so, rather than carrying a threshold measured on another model."""
    from woo.classify import calibration as calib

    target = (active.model.info.get("calibration") or {}).get("target_precision") or 0.97
    return calib.calibrate_on(new, held_out, target,
                              f"temperature, fitted on {len(held_out)} held-out officer-confirmed documents")
