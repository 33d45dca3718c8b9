"""`woo classifier retrain`: learn from officers' confirmations, switch only to a model that is not worse."""
from __future__ import annotations

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from tests.conftest import cli_env, drain
from tests.corpus import CORPUS, requires_corpus
from tests.factories import make_pdf
from woo.adapters.models import Document, Event
from woo.domain import tooi
from woo.services import accounts, classification, classifier_models
from woo.services.context import SYSTEM
from woo.services.ingest import ingest

CONVENANT = "convenanten"


@pytest.fixture(autouse=True)
def shipped_model_afterwards(woo_ctx):
    """The suite shares one bucket: a model switched here must not become every later test's model."""
    yield
    woo_ctx.store.delete_all_versions(classifier_models.POINTER)
    classifier_models._loaded.clear()


def _ingest_confirmed(ctx, tmp_path, n: int, category_slug: str, start: int = 0) -> list[str]:
    """Documents of a kind the shipped model has never seen, confirmed by an officer as `category_slug`."""
    with ctx.unit_of_work() as s:
        org = accounts.default_organisation(s).id
    ids = []
    for i in range(start, start + n):
        pdf = make_pdf(tmp_path / f"rooster{i}.pdf", [
            f"Zwembadrooster seizoen {2000 + i}. Banenzwemmen, recreatiezwemmen en zwemles in bad {i}. "
            f"Zwembadrooster De Waterlelie, wijziging {i}: het wedstrijdbad opent om {7 + i % 3} uur."])
        ids.append(ingest(ctx, SYSTEM, org, f"rooster{i}.pdf", path=pdf).document_id)
    drain(ctx)
    uri = tooi.category_by_label(category_slug).uri
    for doc_id in ids:
        classification.set_category(ctx, SYSTEM, doc_id, uri)
    return ids


def test_too_few_confirmations_are_refused(woo_ctx, tmp_path):
    _ingest_confirmed(woo_ctx, tmp_path, 2, CONVENANT)
    with pytest.raises(classifier_models.RetrainError, match="Te weinig bevestigde documenten"):
        classifier_models.retrain(woo_ctx, SYSTEM, None, min_held_out=5)
    assert woo_ctx.store.stat(classifier_models.POINTER) is None  # the shipped model stays in use


@requires_corpus
@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_retrain_switches_when_better_and_new_suggestions_use_it(woo_ctx, tmp_path):
    ids = _ingest_confirmed(woo_ctx, tmp_path, 15, CONVENANT)
    held_out = [i for i in ids if classifier_models._held_out(("", {"document_id": i}, ""))]
    while len(held_out) < 3:  # the split follows the (random) ids: 15 documents hold out fewer than 3 in ~8% of runs
        more = _ingest_confirmed(woo_ctx, tmp_path, 3, CONVENANT, start=len(ids))
        ids += more
        held_out += [i for i in more if classifier_models._held_out(("", {"document_id": i}, ""))]

    from woo.cli import main
    s = woo_ctx.settings
    env = cli_env(s)
    result = CliRunner().invoke(main, ["classifier", "retrain", "--corpus", str(CORPUS), "--min-held-out", "3",
                                       "--data-dir", str(tmp_path / "d")], env=env)
    assert result.exit_code == 0, result.output
    assert "Nieuw model in gebruik" in result.output
    pointer = classifier_models._pointer(woo_ctx)
    assert pointer and woo_ctx.store.stat(pointer["key"]) is not None
    # its confidence is calibrated on the held-out confirmed documents; too few of them for auto-accept
    assert "kalibratie op de apart gehouden documenten" in result.output
    assert "automatisch accepteren staat uit" in result.output
    cal = classifier_models.active_classifier(woo_ctx).model.info["calibration"]
    assert "officer-confirmed" in cal["method"] and cal["documents"] == len(held_out)
    assert classifier_models.active_classifier(woo_ctx).auto_accept_threshold is None

    # a new document of that kind now gets the category the officers taught
    with woo_ctx.unit_of_work() as sess:
        org = accounts.default_organisation(sess).id
    pdf = make_pdf(tmp_path / "nieuw.pdf", ["Zwembadrooster seizoen 2031. Banenzwemmen in het wedstrijdbad om 8 uur."])
    doc_id = ingest(woo_ctx, SYSTEM, org, "nieuw.pdf", path=pdf).document_id
    drain(woo_ctx)
    with woo_ctx.unit_of_work() as sess:
        assert sess.get(Document, doc_id).suggestion["category"] == tooi.category_by_label(CONVENANT).uri
        event = sess.execute(select(Event).where(Event.action == "classifier.retrained")).scalar_one()
    assert event.detail["switched"] is True and event.detail["held_out"] == len(held_out)


class _CountingStore:
    """The suite's real store; counts how often the model pointer is looked up in it."""

    def __init__(self, store):
        self.inner, self.pointer_reads = store, 0

    def __getattr__(self, name):
        return getattr(self.inner, name)

    def stat(self, key):
        self.pointer_reads += key == classifier_models.POINTER
        return self.inner.stat(key)


def test_the_pointer_is_read_once_until_a_retrain(woo_ctx, tmp_path):
    """Not an S3 round trip per document: the pointer is read again only after a retrain's audit event
    (what every switch writes, from any process)."""
    import dataclasses

    from woo.services import audit

    store = _CountingStore(woo_ctx.store)
    ctx = dataclasses.replace(woo_ctx, store=store)
    with ctx.unit_of_work() as s:
        org = accounts.default_organisation(s).id

    def classify(n: int, start: int) -> list[str]:
        ids = [ingest(ctx, SYSTEM, org, f"besluit{i}.pdf", path=make_pdf(tmp_path / f"besluit{i}.pdf", [
            f"Besluit {i} van het college op uw aanvraag. Geachte aanvrager, wij verlenen de vergunning."]))
            .document_id for i in range(start, start + n)]
        drain(ctx)
        with ctx.unit_of_work() as s:
            assert all(s.get(Document, i).suggestion for i in ids)
        return ids

    classify(3, 0)
    assert store.pointer_reads == 1
    with ctx.unit_of_work() as s:  # what retrain records, here from "another process" that kept the model
        audit.record(s, SYSTEM.label, classifier_models.RETRAINED, None, switched=False)
    classify(2, 3)
    assert store.pointer_reads == 2
