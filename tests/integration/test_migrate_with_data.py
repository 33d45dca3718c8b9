"""Upgrading an installation that already holds documents: from revision 0008 with rows in it, through 0009,
0013, 0010 (dossiers), 0011 (archive integrity) and on to head, on SQLite and PostgreSQL. Every row survives
unchanged and the new columns get their documented defaults, so the application works on the old data."""
from __future__ import annotations

from datetime import date, datetime, timezone

import sqlalchemy as sa
from sqlalchemy import select

from woo.adapters import db
from woo.adapters.models import Document, DossierDocument, PrivacyFinding, Publication
from woo.domain.auditchain import GENESIS

AT = datetime(2024, 3, 18, 9, 30, tzinfo=timezone.utc)
PUB, DOC_IN, DOC_OUT = "a" * 32, "b" * 32, "c" * 32


def _rows(engine) -> None:
    """Rows as an installation at revision 0008 wrote them (Core inserts on the reflected 0008 schema)."""
    md = sa.MetaData()
    md.reflect(engine)
    t = md.tables
    with engine.begin() as conn:
        conn.execute(t["organisations"].insert().values(
            id=1, tooi_uri="https://identifier.overheid.nl/tooi/id/gemeente/gm0363", code="gm0363",
            name="gemeente Amsterdam", created_at=AT))
        conn.execute(t["publications"].insert().values(id=PUB, organisation_id=1, title="Raadsvergadering maart",
                                                       kind="dossier", reference="RV-2024-3", created_at=AT))
        for doc_id, pub, status in ((DOC_IN, PUB, "published"), (DOC_OUT, None, "concept")):
            conn.execute(t["documents"].insert().values(
                id=doc_id, organisation_id=1, publication_id=pub, title=f"Stuk {doc_id[:4]}", status=status,
                source="ui", category=None, metadata={"pages": 2}, document_date=AT, created_at=AT, updated_at=AT,
                published_at=AT if status == "published" else None, retention_resultaat="6.1",
                retention_waardering="V", retention_brondatum=date(2024, 3, 18), legal_hold=False))
            conn.execute(t["files"].insert().values(
                document_id=doc_id, role="original", object_key=f"documents/{doc_id}/orig", filename="stuk.pdf",
                size=1234, sha256="0" * 64, mime_type="application/pdf", created_at=AT))
        conn.execute(t["privacy_findings"].insert().values(
            document_id=DOC_IN, type="bsn", page=1, start=10, end=19, text="123456782", masked="1234*****",
            decision="redact", ground="5.1.1e", created_at=AT))


def test_upgrade_from_0008_keeps_the_data(make_settings, backend):
    url = make_settings(backend).database_url
    db.upgrade(url, "0008")
    engine = db.engine_for(url)
    _rows(engine)
    db.upgrade(url, "head")

    with engine.connect() as conn:
        version = conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar_one()
        checks = conn.execute(sa.text("SELECT checked, ok FROM audit_chain_checks")).all()
        head = conn.execute(sa.text("SELECT last_hash, last_event_id FROM chain_head")).all()
    from alembic.script import ScriptDirectory

    assert version == ScriptDirectory.from_config(db.alembic_config(url)).get_current_head()
    assert head == [(GENESIS, 0)] and checks == []  # no events before: a fresh chain head, nothing to check

    from sqlalchemy.orm import Session

    with Session(engine) as s:
        pub = s.get(Publication, PUB)
        # 0010: the old publication became a dossier in status concept with the documented defaults
        assert (pub.title, pub.kind, pub.reference) == ("Raadsvergadering maart", "dossier", "RV-2024-3")
        assert (pub.status, pub.extended, pub.suspension_days) == ("concept", False, 0)
        assert pub.category is None and pub.topics is None and pub.decision is None
        assert pub.retention_resultaat is None and pub.retention_brondatum is None
        assert s.execute(select(DossierDocument)).scalars().all() == []  # judgements are made, never guessed
        docs = {d.id: d for d in s.execute(select(Document)).scalars()}
        assert set(docs) == {DOC_IN, DOC_OUT}
        d = docs[DOC_IN]
        assert (d.publication_id, d.status, d.metadata_, d.retention_resultaat, d.retention_brondatum) == \
            (PUB, "published", {"pages": 2}, "6.1", date(2024, 3, 18))
        assert d.retention_reason is None and d.legal_hold is False  # 0011
        assert [f.object_key for f in d.files] == [f"documents/{DOC_IN}/orig"]
        finding = s.execute(select(PrivacyFinding)).scalar_one()
        assert (finding.text, finding.decision, finding.ground) == ("123456782", "redact", "5.1.1e")
        assert finding.location is None and finding.file_role is None  # 0013 and 0011: the text of the original
        # 0022: old work belongs to no unit, the organisation has no theme or contact details yet
        assert {x.unit_id for x in docs.values()} == {None} and pub.unit_id is None
        assert (pub.organisation.theme_css_url, pub.organisation.contact) == (None, None)
        # the dossier code reads the migrated rows
        from woo.services import dossiers

        assert dossiers.items(s, PUB) == [] and dossiers.get(s, PUB).title == "Raadsvergadering maart"
    engine.dispose()
