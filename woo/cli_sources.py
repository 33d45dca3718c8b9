"""`woo source add|list|sync|status|enable|disable|configure`: thin, every command calls woo.services.sources."""
from __future__ import annotations

import json
import os
import sys

import click

from woo.cli_shims import _actor, _ctx, _instance


def _fail(exc: Exception):
    raise click.ClickException(str(exc)) from exc


@click.group("source", help="Sources: council information systems (OpenBesluitvorming) and zaaksystemen (ZGW "
                            "Documenten API) synced into woo.")
def source_group():
    pass


@source_group.command("add", help="Register a source. OpenBesluitvorming: --key (source key, e.g. soest). ZGW: "
                                  "--base-url, --client-id, --type (informatieobjecttype URL, repeatable); the "
                                  "client secret from --secret-env VAR or stdin (--secret-stdin), never on the "
                                  "command line.")
@_instance
@click.option("--name", required=True, help="A name for this source (unique).")
@click.option("--kind", required=True, type=click.Choice(["openbesluitvorming", "zgw-drc"]))
@click.option("--organisation", required=True, help="TOOI code of the organisation, e.g. gm0363.")
@click.option("--key", "source_key", help="OpenBesluitvorming source key (see /api/sources).")
@click.option("--base-url", help="Base URL of the remote (default for OpenBesluitvorming: https://openbesluitvorming.nl).")
@click.option("--client-id", help="ZGW client id.")
@click.option("--type", "types", multiple=True, help="ZGW informatieobjecttype URL to import (repeatable).")
@click.option("--secret-env", help="Name of an environment variable holding the client secret.")
@click.option("--secret-stdin", is_flag=True, help="Read the client secret from standard input.")
@click.option("--interval", "interval_minutes", type=int, default=240, show_default=True,
              help="Minutes between incremental syncs.")
@click.option("--auto-publish", "auto_publish", multiple=True,
              help="Category (e.g. 2c) whose documents are published without review once every check passes "
                   "(repeatable; off by default).")
@click.option("--rate", "rate_per_minute", type=float, help="Requests per minute to the remote API (default 60).")
@click.option("--page-size", type=int, help="Records per page (OpenBesluitvorming: default 500).")
@click.option("--disabled", is_flag=True, help="Register without starting syncs.")
@click.option("--user", "username")
def source_add(data_dir, name, kind, organisation, source_key, base_url, client_id, types, secret_env, secret_stdin,
               interval_minutes, auto_publish, rate_per_minute, page_size, disabled, username):
    from woo.services import sources

    secret = None
    if secret_env:
        secret = os.environ.get(secret_env)
        if not secret:
            raise click.ClickException(f"Omgevingsvariabele {secret_env} is leeg of bestaat niet.")
    elif secret_stdin:
        secret = sys.stdin.readline().strip() or None
    if kind == "openbesluitvorming":
        config = {"source_key": source_key, "base_url": base_url, "rate_per_minute": rate_per_minute,
                  "page_size": page_size}
    else:
        config = {"base_url": base_url, "client_id": client_id, "informatieobjecttypen": list(types),
                  "rate_per_minute": rate_per_minute, "page_size": page_size}
    ctx = _ctx(data_dir)
    try:
        source_id = sources.add(ctx, _actor(ctx, username), organisation, kind, name, config, secret=secret,
                                interval_minutes=interval_minutes, auto_publish=list(auto_publish),
                                enabled=not disabled)
    except sources.SourceError as exc:
        _fail(exc)
    click.echo(f"Bron '{name}' geregistreerd (nummer {source_id}). Start de eerste synchronisatie met "
               f"`woo source sync {name}`, of wacht op de planning.")


@source_group.command("list", help="All sources with their state.")
@_instance
@click.option("--json", "as_json", is_flag=True)
def source_list(data_dir, as_json):
    from woo.services import sources

    ctx = _ctx(data_dir)
    with ctx.unit_of_work() as session:
        rows = sources.list_sources(session)
    if as_json:
        click.echo(json.dumps(rows, default=str, ensure_ascii=False, indent=2))
        return
    if not rows:
        click.echo("Nog geen bronnen.")
    for r in rows:
        onoff = "aan" if r["enabled"] else "uit"
        last = r["last_finished_at"].strftime("%Y-%m-%d %H:%M") if r["last_finished_at"] else "nog nooit"
        click.echo(f"{r['id']:>3}  {r['name']}  [{r['kind']}, {r['organisation']}, {onoff}]  {r['state_label']}; "
                   f"laatst klaar: {last}" + (f"; FOUT: {r['last_error']}" if r["last_error"] else ""))


@source_group.command("sync", help="Start a sync now (an rq job per page); --wait runs it in this process.")
@_instance
@click.argument("name")
@click.option("--full", is_flag=True, help="Forget the cursors and import everything again (nothing is duplicated).")
@click.option("--wait", is_flag=True, help="Run the sync here until it is done and print the status.")
@click.option("--user", "username")
def source_sync(data_dir, name, full, wait, username):
    from woo.services import sources

    ctx = _ctx(data_dir)
    try:
        sources.sync(ctx, _actor(ctx, username), name, full=full)
        if wait:
            view = sources.run_until_done(ctx, name)
            click.echo(_status_text(view))
            sys.exit(1 if view["state"] == "error" else 0)
    except sources.SourceError as exc:
        _fail(exc)
    click.echo(f"Synchronisatie van '{name}' staat in de wachtrij.")


@source_group.command("reconcile", help="Compare the remote's full document list now (ZGW) and withdraw what is gone. "
                      "Stops when more than half would go; --force withdraws them anyway.")
@_instance
@click.argument("name")
@click.option("--force", is_flag=True, help="Withdraw even when more than half of the documents would go.")
@click.option("--user", "username")
def source_reconcile(data_dir, name, force, username):
    from woo.services import sources

    ctx = _ctx(data_dir)
    try:
        out = sources.reconcile(ctx, name, force=force, actor=_actor(ctx, username))
    except sources.SourceError as exc:
        _fail(exc)
    if "refused" in out:
        raise click.ClickException(out["refused"])
    click.echo(f"Vergeleken: {out['checked']} documenten, {out['withdrawn']} ingetrokken.")


@source_group.command("status", help="The true state of one source: last sync, cursor, counts, problems, freshness.")
@_instance
@click.argument("name")
@click.option("--json", "as_json", is_flag=True)
def source_status(data_dir, name, as_json):
    from woo.services import sources

    ctx = _ctx(data_dir)
    try:
        view = sources.status(ctx, name)
    except sources.SourceError as exc:
        _fail(exc)
    if as_json:
        click.echo(json.dumps(view, default=str, ensure_ascii=False, indent=2))
    else:
        click.echo(_status_text(view))


@source_group.command("enable", help="Switch a source on (scheduled syncs run again).")
@_instance
@click.argument("name")
@click.option("--user", "username")
def source_enable(data_dir, name, username):
    _set_enabled(data_dir, name, username, True)


@source_group.command("disable", help="Switch a source off (a running sync stops after its current page).")
@_instance
@click.argument("name")
@click.option("--user", "username")
def source_disable(data_dir, name, username):
    _set_enabled(data_dir, name, username, False)


def _set_enabled(data_dir, name, username, enabled):
    from woo.services import sources

    ctx = _ctx(data_dir)
    try:
        sources.set_enabled(ctx, _actor(ctx, username), name, enabled)
    except sources.SourceError as exc:
        _fail(exc)
    click.echo(f"Bron '{name}' staat nu {'aan' if enabled else 'uit'}.")


@source_group.command("configure", help="Change the interval, the auto-published categories or the secret.")
@_instance
@click.argument("name")
@click.option("--interval", "interval_minutes", type=int)
@click.option("--auto-publish", "auto_publish", multiple=True, help="Category (repeatable); 'geen' switches it off.")
@click.option("--secret-env", help="Environment variable holding the new client secret.")
@click.option("--user", "username")
def source_configure(data_dir, name, interval_minutes, auto_publish, secret_env, username):
    from woo.services import sources

    ctx = _ctx(data_dir)
    auto = None
    if auto_publish:
        auto = [] if list(auto_publish) == ["geen"] else list(auto_publish)
    secret = os.environ.get(secret_env) if secret_env else None
    try:
        sources.configure(ctx, _actor(ctx, username), name, interval_minutes=interval_minutes, auto_publish=auto,
                          secret=secret)
    except sources.SourceError as exc:
        _fail(exc)
    click.echo(f"Bron '{name}' bijgewerkt.")


def _fmt(value) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S") if hasattr(value, "strftime") else (str(value) if value else "-")


def _status_text(v: dict) -> str:
    from woo.services.sources import COUNT_LABELS_NL

    lines = [f"Bron {v['name']} ({v['kind_label']}, organisatie {v['organisation']}): "
             f"{'aan' if v['enabled'] else 'uit'}",
             f"  Toestand:        {v['state_label']}",
             f"  Fase:            {v['phase_label']}",
             f"  Cursor:          {v['cursor'] or '-'}",
             f"  Wijzigingen vanaf: {v['changes_cursor'] or '-'}",
             f"  Laatst gestart:  {_fmt(v['last_started_at'])}",
             f"  Laatst klaar:    {_fmt(v['last_finished_at'])}",
             f"  Volgende:        {_fmt(v['next_run_at'])} (elke {v['interval_minutes']} minuten)",
             "  Automatisch publiceren: " + (", ".join(c["label"] for c in v["auto_publish"]) or "uit")]
    counts = v.get("counts") or {}
    if counts:
        lines.append("  Laatste synchronisatie: " + ", ".join(f"{n} {COUNT_LABELS_NL.get(k, k)}"
                                                              for k, n in counts.items()))
    items = v.get("items") or {}
    if items:
        lines.append(f"  In woo: {items.get('document', 0)} documenten, {items.get('meeting', 0)} vergaderingen, "
                     f"{items.get('deleted', 0)} verwijderd bij de bron")
    if v.get("fetch_label"):
        lines.append(f"  Bestanden:       {v['fetch_label']}")
    if v.get("note"):
        lines.append(f"  Let op: {v['note']}")
    if v.get("last_error"):
        lines.append(f"  FOUT: {v['last_error']}")
    fresh = v.get("freshness") or {}
    if fresh:
        lines.append("  Actualiteit bij de bron: " + ", ".join(f"{k}={val}" for k, val in fresh.items()))
    problems = v.get("problems") or []
    if problems:
        lines.append(f"  Problemen ({len(problems)}, nieuwste eerst):")
        lines += [f"    - {p.get('where')}: {p.get('message')}" for p in problems[:20]]
    return "\n".join(lines)
