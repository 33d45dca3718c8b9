"""Overbrenging: B-records past the transfer term -> MDTO SIP in a BagIt bag with a pakbon -> confirmed."""
from __future__ import annotations

from datetime import date, datetime, timezone

import bagit
import pytest
from lxml import etree

from tests.integration.retention_helpers import make_record, users
from woo.adapters.models import Document
from woo.archive import transfer_package as pkg
from woo.domain.lifecycle import is_mutable
from woo.metadata import mdto
from woo.metadata.xsd import validate_mdto
from woo.services import retention as retsvc
from woo.services import transfer as tr

OLD = datetime(2001, 5, 1, tzinfo=timezone.utc)


def test_package_then_confirm(woo_ctx, tmp_path):
    u = users(woo_ctx)
    kwargs = dict(category="wetten_en_algemeen_verbindende_voorschriften", resultaat="2.1.1", document_date=OLD)
    old = make_record(woo_ctx, 'Verordening "afval" & reiniging: 2001/5', status="published", **kwargs)
    withdrawn = make_record(woo_ctx, "Verordening parkeren", status="withdrawn", **kwargs)
    young = make_record(woo_ctx, "Verordening 2020", status="published", category=kwargs["category"],
                        resultaat="2.1.1", document_date=datetime(2020, 1, 1, tzinfo=timezone.utc))
    destroyable = make_record(woo_ctx, "Woo-besluit 2001", resultaat="6.1", document_date=OLD, status="published")

    sel = tr.select_records(woo_ctx, today=date(2026, 6, 1))
    assert sel.cutoff == date(2006, 6, 1) and set(sel.document_ids) == {old, withdrawn}
    assert young not in sel.document_ids and destroyable not in sel.document_ids

    woo_ctx.settings = woo_ctx.settings.replace(transfer_years=10)  # the new Archiefwet
    assert young not in tr.select_records(woo_ctx, today=date(2026, 6, 1)).document_ids
    assert tr.cutoff(date(2026, 6, 1), 10) == date(2016, 6, 1)

    with pytest.raises(tr.TransferError, match="Archivaris"):
        tr.prepare(woo_ctx, u["beoordelaar-r"], tmp_path, sel.document_ids)
    with pytest.raises(tr.TransferError, match="niet blijvend te bewaren"):
        tr.prepare(woo_ctx, u["archivaris-a"], tmp_path, [destroyable])
    package = tr.prepare(woo_ctx, u["archivaris-a"], tmp_path, sel.document_ids)
    root = tmp_path / package.id
    bag = bagit.Bag(str(root))
    assert bag.is_valid() and "sha256" in bag.algorithms
    pakbon = pkg.read_pakbon(root)
    assert pakbon["aantalInformatieobjecten"] == "2" and pakbon["aantalBestanden"] == "4"
    assert pakbon["aantalMdtoBestanden"] == "6" and "aantalBestandenZonderMdto" not in pakbon  # honest names
    tree = etree.parse(str(root / pkg.PAKBON))
    assert tree.getroot().tag == f"{{{pkg.PAKBON_NS}}}pakbon" and pkg.pakbon_schema().validate(tree)
    assert "410" in pakbon["openbaarheidNaOverbrenging"]
    assert pakbon["sipChecksum"] == package.checksum and int(pakbon["omvangInBytes"]) == package.bytes
    sidecars = sorted(p for p in (root / "data").rglob("*.mdto.xml"))
    assert len([p for p in sidecars if p.name.endswith(".bestand.mdto.xml")]) == 4
    records = [p for p in sidecars if not p.name.endswith(".bestand.mdto.xml")]
    assert len(records) == 2
    for path in sidecars:
        validate_mdto(etree.parse(str(path)).getroot())
        assert not set(path.name) & set('<>:"\\|?*#& ')
    io = mdto.parse_informatieobject(records[0].read_bytes())
    assert io.waardering == "B" and io.selectielijst.code == "2.1.1"
    assert io.bewaartermijn is None  # B: no bewaartermijn ending 20 years on (that is the overbrengingstermijn)
    raw = etree.parse(str(records[0])).getroot()
    assert raw.find(f".//{{{mdto.MDTO_NS}}}bewaartermijn") is None

    # nothing changes before the archive confirms, except that nothing can delete the records any more
    with woo_ctx.unit_of_work() as s:
        d = s.get(Document, old)
        assert d.status == "published" and d.legal_hold and package.id in d.legal_hold_reason
    from woo.services import destruction as ds

    with pytest.raises(ds.DestructionError, match="bewaarplicht"):
        ds.create_list(woo_ctx, u["archivaris-a"], "Poging", [old])
    # the same records do not go into a second package while this one waits for the archive
    assert set(tr.select_records(woo_ctx, today=date(2026, 6, 1)).not_transferable) >= {old, withdrawn}
    with pytest.raises(tr.TransferError, match=f"al in overbrengingspakket {package.id}"):
        tr.prepare(woo_ctx, u["archivaris-b"], tmp_path / "tweede", [old])
    # the archive cannot confirm what it was never sent
    with pytest.raises(tr.TransferError, match="nog niet verzonden"):
        tr.confirm(woo_ctx, u["archivaris-b"], package.id, "Stadsarchief Amsterdam e-Depot")
    with pytest.raises(tr.TransferError, match="Archivaris"):
        tr.mark_sent(woo_ctx, u["beoordelaar-r"], package.id, "Stadsarchief Amsterdam e-Depot")
    assert tr.mark_sent(woo_ctx, u["archivaris-a"], package.id, "Stadsarchief Amsterdam e-Depot").status == tr.SENT
    with pytest.raises(tr.TransferError, match="al verzonden"):
        tr.mark_sent(woo_ctx, u["archivaris-a"], package.id, "Stadsarchief Amsterdam e-Depot")
    with pytest.raises(tr.TransferError, match="vier ogen"):  # the one who prepared it cannot confirm it
        tr.confirm(woo_ctx, u["archivaris-a"], package.id)
    result = tr.confirm(woo_ctx, u["archivaris-b"], package.id)  # where it was sent
    assert result.archived == 2 and result.legal_holds + result.legal_hold_unsupported == 4
    with woo_ctx.unit_of_work() as s:
        d = s.get(Document, old)
        assert d.status == "archived" and not is_mutable(d.status)
        assert "Stadsarchief Amsterdam" in d.transferred_to and package.id in d.transferred_to
        assert d.legal_hold
    # the documented public choice: gone from woo's public side, the page says where it went
    from woo.app import create_app

    page = create_app(ctx=woo_ctx).test_client().get(f"/publicaties/{old}")
    assert page.status_code == 410 and "overgebracht naar de archiefbewaarplaats" in page.get_data(as_text=True)
    assert "Stadsarchief Amsterdam" in page.get_data(as_text=True)
    with pytest.raises(retsvc.RetentionError, match="kan niet meer worden gewijzigd"):
        retsvc.override(woo_ctx, u["archivaris-a"], old, "2.1", "Toch niet")
    with pytest.raises(tr.TransferError, match="al bevestigd"):
        tr.confirm(woo_ctx, u["archivaris-b"], package.id, "x")
