"""Nothing public that no one checked: the title and published metadata pass the privacy gate too."""
from __future__ import annotations

from tests.conftest import drain
from tests.factories import make_pdf
from tests.integration.test_publish import answered
from woo.adapters.models import Document
from woo.domain import tooi
from woo.services import accounts, classification, describe, privacy, publication
from woo.services.context import Actor
from woo.services.ingest import ingest

WOO_VERZOEK = tooi.category_by_code("infocat014").uri


def test_a_name_in_the_title_blocks_until_decided(woo_ctx, tmp_path):
    with woo_ctx.unit_of_work() as s:
        org = accounts.default_organisation(s).id
        officer = accounts.create_user(s, Actor("system", None, "system"), "titel-officer", None,
                                       [("officer", org), ("publisher", org)])
        actor = Actor("user", officer.id, "titel-officer")
    pdf = make_pdf(tmp_path / "besluit.pdf", ["Het college besluit de vergunning te verlenen."])
    doc_id = ingest(woo_ctx, actor, org, "besluit.pdf", path=pdf).document_id
    drain(woo_ctx)
    classification.set_category(woo_ctx, actor, doc_id, WOO_VERZOEK)

    refused = publication.publish(woo_ctx, actor, [doc_id])  # the file name is not a public title
    assert any("titel" in r for r in refused.refused[doc_id])

    result = publication.publish(woo_ctx, actor, [doc_id], titles={doc_id: "Besluit vergunning Jan Jansen"})
    assert any("persoonsgegevens" in r for r in result.refused[doc_id]), result
    with woo_ctx.unit_of_work() as s:
        in_title = [f for f in privacy.findings(s, doc_id) if f.location == "title"]
    assert [(f.type, f.text, f.decision) for f in in_title] == [("person_name", "Jan Jansen", "open")]
    try:
        privacy.decide(woo_ctx, actor, doc_id, [in_title[0].id], "redact", ground="5.1.2e")
    except privacy.PrivacyError as exc:
        assert "titel" in str(exc)
    else:
        raise AssertionError("a title cannot be redacted; the officer changes it")

    # a better title: the finding is gone, the document goes out under that title
    describe.set_metadata(woo_ctx, actor, doc_id, {"title": "Besluit vergunning kapvergunning"})
    result = publication.publish(woo_ctx, actor, [doc_id], metadata=answered([doc_id]))
    assert result.published == [doc_id], result.refused
    with woo_ctx.unit_of_work() as s:
        doc = s.get(Document, doc_id)
        assert doc.title == "Besluit vergunning kapvergunning"
        assert not [f for f in privacy.findings(s, doc_id) if f.location == "title"]
        assert publication.public_filename(doc, publication.public_file(doc)) == "besluit-vergunning-kapvergunning.pdf"
