"""Pure parts of the sources work (issue 16): the token bucket, NDJSON reading, the context rules, the registry."""
from __future__ import annotations

import json

import pytest

from woo.domain import sources as rules
from woo.domain.dossiers import Role
from woo.intake.connectors import base, registry
from woo.intake.connectors.openbesluitvorming import TokenBucket, parse_ndjson


def test_token_bucket_spends_then_waits_at_the_refill_rate():
    now = [0.0]
    slept = []

    def sleep(s):
        slept.append(s)
        now[0] += s

    bucket = TokenBucket(60, clock=lambda: now[0], sleep=sleep)
    for _ in range(60):
        bucket.take()
    assert slept == []  # a full bucket: 60 at once
    bucket.take()
    assert slept == [pytest.approx(1.0)]  # then one per second
    bucket.drain()
    bucket.take(2)
    assert slept[-1] == pytest.approx(2.0)


def _line(**kw):
    rec = {"seq": 1, "op": "upsert", "time": "2026-11-30T12:00:00Z", "entity_id": "document:x:1",
           "entity_type": "Document", "source_key": "x",
           "payload": {"id": "document:x:1", "type": "Document", "name": "Raadsvoorstel",
                       "original_url": "https://example.org/f.pdf", "file_name": "f.pdf",
                       "content_type": "application/pdf", "size_in_bytes": 10,
                       "date_modified": "2026-11-01T10:00:00Z", "is_referenced_by": "meeting:x:9",
                       "classification": ["Raadsvoorstel"]}}
    rec.update(kw)
    return json.dumps(rec)


def test_ndjson_lines_are_read_one_by_one_and_bad_ones_become_problems():
    lines = [_line(), "{not json", "[1, 2]", "",
             json.dumps({"op": "upsert", "entity_id": "document:x:2", "entity_type": "Document",
                         "payload": {"id": "document:x:2", "type": "Document"}}),
             json.dumps({"op": "delete", "entity_id": "document:x:3", "entity_type": "Document"}),
             json.dumps({"op": "upsert", "entity_id": "motion:x:4", "entity_type": "Motion",
                         "payload": {"id": "motion:x:4", "type": "Motion", "name": "M1", "source_info": {}}}),
             json.dumps({"op": "upsert", "entity_id": "meeting:x:5", "entity_type": "Meeting",
                         "payload": {"id": "meeting:x:5", "type": "Meeting", "name": "Raad", "start_date": "gisteren"}})]
    records, problems = parse_ndjson(lines, "gm0363")
    doc, deletion, motion = records
    assert isinstance(doc, base.RemoteDocument) and doc.meeting_id == "meeting:x:9" and doc.kind == "Raadsvoorstel"
    assert doc.file.url == "https://example.org/f.pdf" and doc.organisation_code == "gm0363"
    assert doc.modified.isoformat() == "2026-11-01T10:00:00+00:00"
    assert isinstance(deletion, base.RemoteDeletion) and deletion.remote_id == "document:x:3"
    where = {p.where: p.message for p in problems}
    assert "regel 2" in where and "regel 3" in where  # malformed JSON, not an object
    assert "name" in where["document:x:2"]  # schema-invalid: named, skipped
    assert "start_date" in where["meeting:x:5"]  # not a date-time
    assert "motion:x:4" not in where  # a valid motion is read: no outcome, no votes, no meeting
    assert isinstance(motion, base.RemoteMotion) and motion.title == "M1" and motion.in_favour is None
    assert motion.meeting_id is None and motion.fractions == ()


def test_context_rules():
    assert rules.place("Ingekomen stukken", "Brief", None, "Raad").role == Role.INGEKOMEN_STUK
    assert rules.place("Besluiten", "Besluitenlijst college", None, "College").role == Role.BESLUITENLIJST
    assert rules.place("Punt 4", "Motie woningbouw", "Motie", "Raad").role == Role.VERGADERSTUK
    assert "agendapunt 'Punt 4'" in rules.place("Punt 4", "Raadsvoorstel", None, "Raad").reason
    assert rules.meeting_category_code("College van B&W", None) == "2d"
    assert rules.meeting_category_code("Gemeenteraad", "Raadsvergadering") == "2c"
    assert rules.meeting_category_code(None, "Commissie Ruimte") == "2c"
    assert rules.loose_hint("Amendement A3", None, False)[0] == "2c"
    assert rules.loose_hint("Nieuwsbrief", None, False) is None


def test_registry_imports_lazily_and_says_what_is_missing():
    assert registry.MODULES["zgw-drc"] == "woo.intake.connectors.zgw_drc"
    obv = registry.build("openbesluitvorming", {"source_key": "soest"})
    assert obv.kind == "openbesluitvorming" and obv.source_key == "soest"
    with pytest.raises(registry.UnknownKind, match="Onbekend soort bron"):
        registry.module("iets-anders")
    with pytest.raises(ValueError, match="bronsleutel"):
        registry.build("openbesluitvorming", {})
