"""OAI-PMH metadataPrefix=mdto: the MDTO 1.0.1 informatieobject of each published document, harvested by sickle."""
from __future__ import annotations

import pytest
from lxml import etree
from sickle import Sickle
from sickle import oaiexceptions as oai_errors

from tests.integration.test_harvest import live_server  # noqa: F401  (fixture)
from tests.integration.test_publish import ONDERZOEK, PRIVACY, WOO_VERZOEK, make_documents
from woo.domain.tooi import schemas_dir
from woo.metadata import mdto
from woo.metadata.xsd import MDTO_NS, validate_mdto
from woo.publish import oai
from woo.services import publication
from woo.services.context import SYSTEM

OAI = "{http://www.openarchives.org/OAI/2.0/}"
XSI_LOCATION = "{http://www.w3.org/2001/XMLSchema-instance}schemaLocation"


def _mdto_of(record) -> etree._Element:
    """The <MDTO> root inside a harvested record's <metadata> (the only child there)."""
    children = list(record.xml.find(f"{OAI}metadata"))
    assert [c.tag for c in children] == [f"{{{MDTO_NS}}}MDTO"]
    return children[0]


def test_mdto_over_oai_pmh(live_server, woo_ctx, tmp_path, monkeypatch):  # noqa: F811
    monkeypatch.setattr(oai, "PAGE", 2)  # the facts are loaded per page: make it page
    titles = ["Besluit Woo-verzoek A", "Besluit Woo-verzoek B", "Onderzoek verkeer", "Besluit Woo-verzoek C"]
    cats = [WOO_VERZOEK, WOO_VERZOEK, ONDERZOEK, WOO_VERZOEK]
    ids = make_documents(woo_ctx, tmp_path, list(zip(titles, cats)) + [("Concept", None)])
    published, concept = ids[:4], ids[4]
    publication.publish(woo_ctx, SYSTEM, published)
    withdrawn = published[1]
    publication.withdraw(woo_ctx, SYSTEM, [withdrawn], PRIVACY)
    title_of = dict(zip(published, titles))
    category_of = dict(zip(published, cats))
    ident = {d: f"oai:127.0.0.1:{d}" for d in ids}

    s = Sickle(f"{live_server}/oai", max_retries=0)
    formats = {f.metadataPrefix: f for f in s.ListMetadataFormats()}
    assert set(formats) == {"oai_dc", "diwoo", "mdto"}
    xsd = etree.parse(str(schemas_dir() / "mdto" / "MDTO-XML1.0.1.xsd")).getroot()
    assert formats["mdto"].metadataNamespace == xsd.get("targetNamespace")
    assert formats["mdto"].schema == "https://www.nationaalarchief.nl/mdto/MDTO-XML1.0.1.xsd"
    per_doc = {f.metadataPrefix for f in s.ListMetadataFormats(identifier=ident[published[0]])}
    assert "mdto" in per_doc

    dc_ids = [r.header.identifier for r in s.ListRecords(metadataPrefix="oai_dc", ignore_deleted=False)]
    records = list(s.ListRecords(metadataPrefix="mdto", ignore_deleted=False))  # 2 pages
    assert [r.header.identifier for r in records] == dc_ids
    assert set(dc_ids) == {ident[d] for d in published}  # the concept never appears

    for rec in records:
        doc_id = rec.header.identifier.rsplit(":", 1)[1]
        if doc_id == withdrawn:
            assert rec.header.deleted and rec.xml.find(f"{OAI}metadata") is None
            continue
        assert not rec.header.deleted
        root = _mdto_of(rec)
        validate_mdto(root)  # the official MDTO-XML 1.0.1 XSD, offline
        assert root.get(XSI_LOCATION) == f"{MDTO_NS} https://www.nationaalarchief.nl/mdto/MDTO-XML1.0.1.xsd"
        io = mdto.parse_informatieobject(root)
        assert (io.id, io.naam, io.woo_categorie) == (doc_id, title_of[doc_id], category_of[doc_id])
        assert io.raadpleeglocaties_online == [f"{live_server}/publicaties/{doc_id}"]
        assert [v.identificatie.kenmerk for v in io.heeft_representatie] == \
            [f"{live_server}/publicaties/{doc_id}/bestand"]
        assert io.beperkingen[0].type.label == "Geen beperking"
        assert any(e.type == "Publicatie" for e in io.events)
        # the public feed carries no audit actors, no bucket keys, no state object
        assert all(e.actor is None for e in io.events) and not io.aanvullende_metagegevens
        raw = etree.tostring(root, encoding="unicode")
        assert SYSTEM.label not in raw and f"documents/{doc_id}/" not in raw

    in_set = [r.header.identifier for r in s.ListRecords(metadataPrefix="mdto", set="infocat015")]
    assert in_set == [ident[published[2]]]

    got = s.GetRecord(identifier=ident[published[3]], metadataPrefix="mdto")
    validate_mdto(_mdto_of(got))
    assert mdto.parse_informatieobject(_mdto_of(got)).naam == "Besluit Woo-verzoek C"
    gone = s.GetRecord(identifier=ident[withdrawn], metadataPrefix="mdto")
    assert gone.header.deleted and gone.xml.find(f"{OAI}metadata") is None
    with pytest.raises(oai_errors.IdDoesNotExist):
        s.GetRecord(identifier=ident[concept], metadataPrefix="mdto")
