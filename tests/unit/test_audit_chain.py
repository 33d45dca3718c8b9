"""The hash-chained audit log: tampering by SQL is found and named; export; reads of unpublished content."""
from __future__ import annotations

import csv
import io
import json

from click.testing import CliRunner
from sqlalchemy import text

from tests.conftest import cli_env
from woo.cli import main
from woo.services import audit


def _fill(ctx, n=6) -> list[int]:
    ids = []
    for i in range(n):
        with ctx.unit_of_work() as s:
            ids.append(audit.record(s, "user:tester", "test.step", None, step=i, note="één stap").id)
    return ids


def _verify(ctx, tmp_path):
    return CliRunner().invoke(main, ["audit", "verify", "--data-dir", str(tmp_path / "d")], env=cli_env(ctx.settings))


def test_intact_chain_verifies(woo_ctx, tmp_path):
    _fill(woo_ctx)
    result = _verify(woo_ctx, tmp_path)
    assert result.exit_code == 0, result.output
    assert "Keten in orde" in result.output


def test_changed_row_is_named(woo_ctx, tmp_path):
    ids = _fill(woo_ctx)
    with woo_ctx.unit_of_work() as s:
        s.execute(text("UPDATE events SET actor = 'user:mallory' WHERE id = :id"), {"id": ids[2]})
    result = _verify(woo_ctx, tmp_path)
    assert result.exit_code == 1
    assert f"Gebeurtenis {ids[2]} (test.step" in result.output and "gewijzigd" in result.output


def test_rehashed_row_breaks_the_next_link(woo_ctx, tmp_path):
    """An attacker who recomputes the changed row's own hash still breaks the link to the next row."""
    ids = _fill(woo_ctx)
    with woo_ctx.unit_of_work() as s:
        row = s.execute(text("SELECT prev_hash, at, actor, action, document_id, detail FROM events WHERE id = :id"),
                        {"id": ids[3]}).one()
        detail = row.detail if isinstance(row.detail, dict) else json.loads(row.detail)
        detail["note"] = "vervalst"
        from woo.adapters.models import Event
        ev = s.get(Event, ids[3])
        forged = audit._digest(row.prev_hash, ev.at, row.actor, row.action, row.document_id, detail)
        s.execute(text("UPDATE events SET detail = :d, hash = :h WHERE id = :id"),
                  {"d": json.dumps(detail), "h": forged, "id": ids[3]})
    result = _verify(woo_ctx, tmp_path)
    assert result.exit_code == 1
    assert f"Schakel verbroken bij gebeurtenis {ids[4]}" in result.output


def test_deleted_rows_are_found_in_the_middle_and_at_the_end(woo_ctx, tmp_path):
    ids = _fill(woo_ctx)
    with woo_ctx.unit_of_work() as s:
        s.execute(text("DELETE FROM events WHERE id = :id"), {"id": ids[1]})
    result = _verify(woo_ctx, tmp_path)
    assert result.exit_code == 1 and f"gebeurtenis {ids[2]}" in result.output

    with woo_ctx.unit_of_work() as s:  # put the middle back by re-chaining? no: cut the tail instead
        s.execute(text("DELETE FROM events WHERE id >= :id"), {"id": ids[1]})
    result = _verify(woo_ctx, tmp_path)
    assert result.exit_code == 1 and "ingekort" in result.output


def test_export_jsonl_and_csv_can_be_checked_outside_woo(woo_ctx, tmp_path):
    _fill(woo_ctx, 4)
    out = CliRunner().invoke(main, ["audit", "export", "--data-dir", str(tmp_path / "d")], env=cli_env(woo_ctx.settings))
    assert out.exit_code == 0, out.output
    rows = [json.loads(line) for line in out.stdout.splitlines() if line.startswith("{")]
    assert len(rows) >= 4 and rows[-1]["detail"]["note"] == "één stap"
    prev = audit.GENESIS
    for r in rows:  # recompute the chain from the export alone
        from datetime import datetime
        assert r["prev_hash"] == prev
        assert audit._digest(prev, datetime.fromisoformat(r["at"]), r["actor"], r["action"], r["document_id"],
                             r["detail"]) == r["hash"]
        prev = r["hash"]

    csv_out = tmp_path / "log.csv"
    res = CliRunner().invoke(main, ["audit", "export", "--format", "csv", "--output", str(csv_out),
                                    "--data-dir", str(tmp_path / "d")], env=cli_env(woo_ctx.settings))
    assert res.exit_code == 0
    parsed = list(csv.DictReader(io.StringIO(csv_out.read_text(encoding="utf-8"))))
    assert [int(p["id"]) for p in parsed] == [r["id"] for r in rows]

    future = CliRunner().invoke(main, ["audit", "export", "--since", "2999-01-01", "--data-dir", str(tmp_path / "d")],
                                env=cli_env(woo_ctx.settings))
    assert future.exit_code == 0 and not [x for x in future.stdout.splitlines() if x.startswith("{")]
    past = CliRunner().invoke(main, ["audit", "export", "--since", rows[-1]["at"], "--data-dir", str(tmp_path / "d")],
                              env=cli_env(woo_ctx.settings))
    assert [json.loads(x)["id"] for x in past.stdout.splitlines() if x.startswith("{")][-1] == rows[-1]["id"]


def test_reads_of_unpublished_content_are_logged(woo_ctx, tmp_path):
    from sqlalchemy import select

    from tests.integration.security_world import build_world
    from woo.adapters.models import Document, Event

    world = build_world(woo_ctx, tmp_path)
    client = world.client("reviewer")

    def accesses():
        with woo_ctx.unit_of_work() as s:
            return [(e.actor, e.action, e.detail.get("role")) for e in s.execute(
                select(Event).where(Event.action.like("access.%")).order_by(Event.id)).scalars()]

    assert client.get(f"/documenten/{world.document_id}").status_code == 200
    resp = client.get(f"/documenten/{world.document_id}/bestand/original")
    resp.get_data()
    resp.close()
    assert accesses() == [("user:reviewer", "access.viewed", None), ("user:reviewer", "access.downloaded", "original")]
    world.client("foreign").get(f"/documenten/{world.document_id}")  # refused: not a read, not logged
    assert len(accesses()) == 2

    with woo_ctx.unit_of_work() as s:
        s.get(Document, world.document_id).status = "published"
    client.get(f"/documenten/{world.document_id}")
    assert len(accesses()) == 2  # published content is public: reading it is not an audited event
    assert audit.verify(woo_ctx.sessions()).ok


def _raw_event(s, prev_hash: str, action: str):
    """An event written the way the pre-0009 race wrote them: linked to whatever head it had read."""
    from woo.adapters.models import Event, utcnow

    at = utcnow()
    ev = Event(at=at, actor="system:woo", action=action, document_id=None, detail={}, prev_hash=prev_hash,
               hash=audit._digest(prev_hash, at, "system:woo", action, None, {}))
    s.add(ev)
    s.flush()
    s.execute(text("UPDATE chain_head SET last_hash = :h, last_event_id = :i WHERE id = 1"),
              {"h": ev.hash, "i": ev.id})
    return ev


def _dump(ctx):
    with ctx.unit_of_work() as s:
        return [tuple(r) for r in s.execute(text("SELECT id, prev_hash, hash, actor, action FROM events "
                                                 "ORDER BY id")).all()]


def test_migration_0009_records_old_forks_without_rewriting_and_verify_accepts_only_those(woo_ctx, tmp_path,
                                                                                          capsys):
    from alembic import command

    from woo.adapters import db
    from woo.adapters.models import ChainCheck, Event

    ids = _fill(woo_ctx, 3)
    url = woo_ctx.settings.database_url
    command.downgrade(db.alembic_config(url), "0008")
    with woo_ctx.unit_of_work() as s:  # the race before 0009: two appends after the same event
        last = s.get(Event, ids[-1])
        worker = _raw_event(s, last.hash, "job.failed")
        read = _raw_event(s, last.hash, "access.viewed")
        _raw_event(s, read.hash, "document.extracted")
        fork, parent = read.id, last.id
    before = _dump(woo_ctx)
    capsys.readouterr()
    db.upgrade(url)
    printed = capsys.readouterr().out
    assert "Auditketen opnieuw gecontroleerd" in printed and "1 vork(en) vastgelegd" in printed
    assert _dump(woo_ctx) == before, "the migration must never rewrite history"
    with woo_ctx.unit_of_work() as s:
        check = s.execute(text("SELECT checked, ok, broken_event_id, forks, reason FROM audit_chain_checks")).one()
        forks = check.forks if isinstance(check.forks, list) else json.loads(check.forks)
        assert (check.checked, bool(check.ok), check.broken_event_id) == (len(before), False, None)
        assert forks == [[fork, parent]] and f"gebeurtenis {fork}" in check.reason
        assert s.query(ChainCheck).count() == 1

    result = _verify(woo_ctx, tmp_path)  # the recorded fork is said, and accepted
    assert result.exit_code == 0, result.output
    assert "Keten in orde" in result.output and "vork" in result.output
    assert f"gebeurtenis {fork}, die verwijst naar gebeurtenis {parent}" in result.output
    assert "migratie 0009" in result.output

    with woo_ctx.unit_of_work() as s:  # any fork made after the migration fails verification
        late = _raw_event(s, worker.hash, "access.viewed").id
    result = _verify(woo_ctx, tmp_path)
    assert result.exit_code == 1, result.output
    assert "gevorkt" in result.output and f"gebeurtenis {late}, die verwijst naar gebeurtenis {worker.id}" \
        in result.output
    with woo_ctx.unit_of_work() as s:  # and appends after all this still continue one chain
        audit.record(s, "user:tester", "test.step", None)


def test_migration_0009_names_where_a_tampered_chain_breaks(woo_ctx, tmp_path, capsys):
    from alembic import command

    from woo.adapters import db

    ids = _fill(woo_ctx, 4)
    url = woo_ctx.settings.database_url
    command.downgrade(db.alembic_config(url), "0008")
    with woo_ctx.unit_of_work() as s:
        s.execute(text("DELETE FROM events WHERE id = :id"), {"id": ids[1]})
    db.upgrade(url)
    assert f"Schakel verbroken bij gebeurtenis {ids[2]}" in capsys.readouterr().out
    with woo_ctx.unit_of_work() as s:
        check = s.execute(text("SELECT ok, broken_event_id FROM audit_chain_checks")).one()
    assert (bool(check.ok), check.broken_event_id) == (False, ids[2])
    assert _verify(woo_ctx, tmp_path).exit_code == 1


def test_csv_export_never_carries_a_formula(woo_ctx, tmp_path):
    """Actors and actions come from outside as well (a user name, a token name): no cell starts a formula."""
    with woo_ctx.unit_of_work() as s:
        audit.record(s, '=HYPERLINK("https://evil.example","klik")', "@SUM(1)", None, note="-1+1")
    out = tmp_path / "log.csv"
    res = CliRunner().invoke(main, ["audit", "export", "--format", "csv", "--output", str(out),
                                    "--data-dir", str(tmp_path / "d")], env=cli_env(woo_ctx.settings))
    assert res.exit_code == 0, res.output
    last = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))[-1]
    assert last["actor"] == '\'=HYPERLINK("https://evil.example","klik")' and last["action"] == "'@SUM(1)"
    assert json.loads(last["detail"]) == {"note": "-1+1"}  # inside the JSON text it is harmless
