"""woo.domain.worklist: the one decision of what a document still needs (pure, no database)."""
from woo.domain import worklist as wl
from woo.domain.worklist import DocumentFacts, JobFact

DONE = (JobFact("extract", "done"), JobFact("classify", "done"), JobFact("privacy", "done"),
        JobFact("preserve", "done"))


def _ready(**changes) -> DocumentFacts:
    base = dict(status="ready", category_confirmed=True, jobs=DONE, title_checked=True)
    base.update(changes)
    return DocumentFacts(**base)


def test_nothing_missing_is_ready_to_publish():
    a = wl.assess(_ready())
    assert a.ready and not a.blockers and a.lists == {wl.READY} and a.badge == (wl.READY, "Klaar om te publiceren")


def test_open_findings_are_privacy_work_not_ready():
    a = wl.assess(_ready(open_findings=3))
    assert not a.ready and a.lists == {wl.PRIVACY}
    assert a.badge == (wl.PRIVACY, "Privacy te beoordelen")
    assert a.privacy_blockers == ["3 mogelijke persoonsgegevens of verborgen inhoud nog niet beoordeeld."]
    assert [n.action for n in a.needs] == ["document.review"]


def test_title_from_file_name_is_metadata_work_and_publication_asks_for_it():
    a = wl.assess(_ready(title_checked=False))
    assert a.ready and a.asks_title  # the publisher's form asks for the title
    assert a.lists == {wl.METADATA, wl.READY} and a.blockers == [wl.TITLE_REASON]
    assert a.badge[0] == wl.READY


def test_unknown_date_and_language_are_asked_on_publication_not_filled_in():
    a = wl.assess(_ready(date_known=False, language_known=False))
    assert a.ready and a.asks == {"date", "language"} and not a.asks_title
    assert a.blockers == [wl.DATE_REASON, wl.LANGUAGE_REASON] and a.lists == {wl.METADATA, wl.READY}
    assert wl.assess(_ready(title_checked=False, date_known=False)).asks == {"title", "date"}
    assert wl.assess(_ready()).asks == frozenset()


def test_findings_in_the_title_block_even_before_the_text_scan_finished():
    a = wl.assess(_ready(jobs=(JobFact("extract", "done"), JobFact("privacy", "running")), open_metadata_findings=1))
    assert wl.PRIVACY in a.keys and wl.PROCESSING in a.keys and not a.ready


def test_failed_scan_blocks_until_overridden_and_a_failed_pdfa_does_not():
    failed = (JobFact("extract", "done"), JobFact("privacy", "failed", "versleuteld"),
              JobFact("preserve", "failed", "LibreOffice"))
    a = wl.assess(_ready(jobs=failed))
    assert not a.ready and any("versleuteld" in r for r in a.privacy_blockers)
    b = wl.assess(_ready(jobs=failed, scan_overridden=True))
    assert b.ready and wl.FAILED in b.lists  # the officer still sees the failed PDF/A step
    assert not b.blockers


def test_unconfirmed_category_and_unharvestable_format_are_named():
    a = wl.assess(_ready(status="concept", category_confirmed=False, public_format_harvestable=False,
                         public_mime="application/x-foo"))
    assert {wl.REVIEW, wl.BLOCKED} <= a.keys
    assert any("application/x-foo" in r for r in a.blockers)


def test_published_documents_are_on_no_work_list_and_cannot_be_published_again():
    a = wl.assess(_ready(status="published"))
    assert not a.lists and a.badge == ("published", "Gepubliceerd") and a.blockers


def test_a_dossier_combines_its_documents():
    parts = [("Besluit", wl.assess(_ready())), ("Bijlage 1", wl.assess(_ready(open_findings=1)))]
    d = wl.combine("ready", parts)
    assert not d.ready and d.blockers[0].startswith("Bijlage 1: ")
    assert wl.combine("ready", parts[:1]).ready
    counts = wl.counts([p[1] for p in parts])
    assert counts[wl.READY] == 1 and counts[wl.PRIVACY] == 1
