"""OAI-PMH 2.0 harvested with a real client (sickle) from a live server."""
from __future__ import annotations

import pytest
import requests
from lxml import etree
from sickle import Sickle
from sickle import oaiexceptions as oai_errors

from tests.integration.test_harvest import live_server  # noqa: F401  (fixture)
from tests.integration.test_publish import ONDERZOEK, PRIVACY, WOO_VERZOEK, make_documents
from woo.metadata.xsd import DIWOO_NS, validate_diwoo
from woo.publish import oai
from woo.services import publication
from woo.services.context import SYSTEM

DC = "{http://purl.org/dc/elements/1.1/}"


def test_oai_pmh_with_sickle(live_server, woo_ctx, tmp_path, monkeypatch):  # noqa: F811
    monkeypatch.setattr(oai, "PAGE", 2)  # resumption tokens with a handful of records
    ids = make_documents(woo_ctx, tmp_path, [
        ("Besluit Woo-verzoek 1", WOO_VERZOEK), ("Besluit Woo-verzoek 2", WOO_VERZOEK),
        ("Besluit Woo-verzoek 3", WOO_VERZOEK), ("Onderzoek geluid", ONDERZOEK), ("Concept", None)])
    published, concept = ids[:4], ids[4]
    publication.publish(woo_ctx, SYSTEM, published)
    publication.withdraw(woo_ctx, SYSTEM, [published[1]], PRIVACY)
    host = "127.0.0.1"
    ident = {d: f"oai:{host}:{d}" for d in ids}

    s = Sickle(f"{live_server}/oai", max_retries=0)
    identify = s.Identify()
    assert identify.protocolVersion == "2.0" and identify.deletedRecord == "persistent"
    assert identify.baseURL == f"{live_server}/oai" and identify.granularity == "YYYY-MM-DDThh:mm:ssZ"
    assert {f.metadataPrefix for f in s.ListMetadataFormats()} == {"oai_dc", "diwoo", "mdto"}
    sets = {st.setSpec: st.setName for st in s.ListSets()}
    assert sets["infocat014"] == "Woo-verzoeken en -besluiten" and len(sets) == 18 + 3  # + one set per dossier kind

    records = list(s.ListRecords(metadataPrefix="oai_dc", ignore_deleted=False))  # 2 pages + 1
    by_id = {r.header.identifier: r for r in records}
    assert set(by_id) == {ident[d] for d in published}  # the concept never appears
    gone = by_id[ident[published[1]]]
    assert gone.header.deleted and gone.xml.find("{http://www.openarchives.org/OAI/2.0/}metadata") is None
    live = by_id[ident[published[0]]]
    assert not live.header.deleted and live.metadata["title"] == ["Besluit Woo-verzoek 1"]
    assert f"{live_server}/publicaties/{published[0]}/bestand" in live.metadata["identifier"]

    in_set = [h.identifier for h in s.ListIdentifiers(metadataPrefix="diwoo", set="infocat015")]
    assert in_set == [ident[published[3]]]

    rec = s.GetRecord(identifier=ident[published[0]], metadataPrefix="diwoo")
    document = rec.xml.find(f".//{{{DIWOO_NS}}}Document")
    validate_diwoo(document)
    assert document.findtext(f".//{{{DIWOO_NS}}}officieleTitel") == "Besluit Woo-verzoek 1"

    with pytest.raises(oai_errors.IdDoesNotExist):
        s.GetRecord(identifier=ident[concept], metadataPrefix="oai_dc")
    with pytest.raises(oai_errors.CannotDisseminateFormat):
        s.GetRecord(identifier=ident[published[0]], metadataPrefix="mods")
    with pytest.raises(oai_errors.NoRecordsMatch):
        list(s.ListRecords(metadataPrefix="oai_dc", **{"from": "2999-01-01"}))
    with pytest.raises(oai_errors.BadArgument):
        s.ListRecords(metadataPrefix="oai_dc", **{"from": "gisteren"})
    with pytest.raises(oai_errors.BadResumptionToken):
        s.ListRecords(resumptionToken="kapot")
    bad_verb = s.harvest(verb="ListEverything").xml  # harvest() returns the raw response
    assert bad_verb.find("{http://www.openarchives.org/OAI/2.0/}error").get("code") == "badVerb"

    # selective harvesting: until before everything -> nothing; from today -> everything
    with pytest.raises(oai_errors.NoRecordsMatch):
        list(s.ListIdentifiers(metadataPrefix="oai_dc", until="2000-01-01"))
    today = [h.identifier for h in s.ListIdentifiers(metadataPrefix="oai_dc",
                                                     **{"from": identify.earliestDatestamp[:10]})]
    assert len(today) == 4

    # the raw response is namespaced OAI-PMH; badArgument echoes no request attributes
    raw = etree.fromstring(requests.get(f"{live_server}/oai", params={"verb": "GetRecord"}, timeout=10).content)
    assert raw.find("{http://www.openarchives.org/OAI/2.0/}error").get("code") == "badArgument"
    assert raw.find("{http://www.openarchives.org/OAI/2.0/}request").attrib == {}


def test_oai_pmh_over_post(live_server, woo_ctx, tmp_path):  # noqa: F811
    """OAI-PMH 2.0 allows POST with form-encoded arguments; sickle harvests that way too."""
    ids = make_documents(woo_ctx, tmp_path, [("Besluit via POST", WOO_VERZOEK)])
    publication.publish(woo_ctx, SYSTEM, ids)
    s = Sickle(f"{live_server}/oai", http_method="POST", max_retries=0)
    assert s.Identify().protocolVersion == "2.0"
    records = list(s.ListRecords(metadataPrefix="oai_dc"))
    assert [r.metadata["title"] for r in records] == [["Besluit via POST"]]
