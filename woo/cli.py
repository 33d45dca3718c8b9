"""The `woo` command line. Thin: every command builds the context and calls a service."""
from __future__ import annotations

import getpass
import json
import sys
from collections import Counter
from pathlib import Path

import click

from woo.config import load_settings


def instance_option(fn):
    """--data-dir on every command that acts on an instance (same folder as `woo up`)."""
    return click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path), envvar="WOO_DATA_DIR",
                        default=None, help="Instance folder (as given to `woo up`); env WOO_DATA_DIR.")(fn)


def _context(data_dir):
    from woo.services.context import build_context

    return build_context(load_settings(data_dir))


def _cli_actor(ctx, username: str | None):
    """The acting user: a named woo account, else the operating-system user at this shell."""
    from sqlalchemy import select

    from woo.adapters.models import User
    from woo.services.context import Actor

    if username:
        with ctx.unit_of_work() as s:
            user = s.execute(select(User).where(User.username == username)).scalar_one_or_none()
            if user is None:
                raise click.ClickException(f"Onbekende gebruiker: {username}")
            return Actor("user", user.id, user.username)
    return Actor("cli", None, getpass.getuser())


@click.group(help="woo: actieve openbaarmaking (Woo) en archivering. English help: see README.")
@click.version_option(package_name="woo")
def main():
    pass


@main.command(help="Start the embedded stack (S3, Redis, worker, web) in the foreground; Ctrl-C stops it.")
@instance_option
@click.option("--port", default=8000, show_default=True, type=int)
def up(data_dir, port):
    from woo.embedded.stack import run_stack

    settings = load_settings(data_dir)
    sys.exit(run_stack(settings.data_dir, port=port) or 0)


@main.group(help="Database schema.")
def db():
    pass


@db.command("upgrade", help="Apply the Alembic migrations (create or update the schema).")
@instance_option
def db_upgrade(data_dir):
    from woo.adapters import db as dbmod

    settings = load_settings(data_dir)
    dbmod.upgrade(settings.database_url)
    click.echo(f"Schema bijgewerkt tot revisie {dbmod.current_revision(settings.database_url)}.")


@main.command(help="Run the rq worker that does extraction, classification and other background jobs.")
@instance_option
@click.option("--burst", is_flag=True, help="Process what is queued, then stop.")
def worker(data_dir, burst):
    from woo.worker import work

    work(load_settings(data_dir), burst=burst)


def _expand(paths: list[Path]) -> list[Path]:
    out: list[Path] = []
    for p in paths:
        if p.is_dir():
            out.extend(sorted(q for q in p.rglob("*") if q.is_file()))
        else:
            out.append(p)
    return out


@main.command(help="Ingest files, folders and ZIPs. Exit code 1 if anything was rejected.")
@instance_option
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--organisation", help="TOOI code or URI (default: the instance's organisation).")
@click.option("--user", "username", help="Act as this woo user (recorded in the history).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON line per file instead of a summary.")
def ingest(data_dir, paths, organisation, username, as_json):
    from sqlalchemy import select

    from woo.adapters.models import Organisation
    from woo.intake.archives import iter_zip_members
    from woo.intake.identify import RejectedFile
    from woo.services import accounts
    from woo.services.ingest import IngestResult, ingest as ingest_one

    ctx = _context(data_dir)
    actor = _cli_actor(ctx, username)
    with ctx.unit_of_work() as s:
        if organisation:
            org = s.execute(select(Organisation).where((Organisation.code == organisation)
                                                       | (Organisation.tooi_uri == organisation))).scalar_one_or_none()
            if org is None:
                raise click.ClickException(f"Onbekende organisatie: {organisation}")
        else:
            org = accounts.default_organisation(s)
        org_id = org.id

    files = _expand(list(paths))
    results: list[IngestResult] = []

    def handle(path: Path, label: str | None = None):
        results.append(ingest_one(ctx, actor, org_id, label or path.name, path=path, source="cli"))

    with click.progressbar(files, label="Opnemen", file=sys.stderr, show_pos=True,
                           item_show_func=lambda p: p.name if p else "") as bar:
        for path in bar:
            if path.suffix.lower() == ".zip":
                try:
                    for member, tmp in iter_zip_members(path):
                        try:
                            handle(tmp, Path(member).name)
                        finally:
                            tmp.unlink(missing_ok=True)
                except RejectedFile as exc:
                    results.append(IngestResult(path.name, "rejected", reason=exc.reason, code=exc.code))
            else:
                handle(path)

    counts = Counter(r.status for r in results)
    if as_json:
        for r in results:
            click.echo(json.dumps(r.as_dict(), ensure_ascii=False))
    else:
        click.echo(f"Opgenomen: {counts['accepted']}, duplicaat: {counts['duplicate']}, "
                   f"geweigerd: {counts['rejected']}")
        for r in results:
            if r.status == "rejected":
                click.echo(f"  geweigerd  {r.filename}: {r.reason}")
    sys.exit(1 if counts["rejected"] else 0)


@main.command(help="Compare database and bucket: missing objects, orphans, checksum mismatches.")
@instance_option
@click.option("--verify-checksums", is_flag=True, help="Re-hash every object (slow on large archives).")
@click.option("--repair", is_flag=True, help="Remove orphaned objects (nothing refers to them).")
@click.option("--grace-minutes", default=10, show_default=True, type=int,
              help="Ignore objects younger than this (an ingest may be committing).")
def fsck(data_dir, verify_checksums, repair, grace_minutes):
    from datetime import timedelta

    from woo.services.fsck import fsck as run_fsck

    ctx = _context(data_dir)
    with click.progressbar(length=0, label="Controleren", file=sys.stderr) as bar:
        report = run_fsck(ctx, _cli_actor(ctx, None), verify_checksums=verify_checksums, repair=repair,
                          orphan_grace=timedelta(minutes=grace_minutes), progress=bar.update)
    click.echo(f"Bestanden gecontroleerd: {report.files_checked}, objecten in de bucket: {report.objects_seen}")
    for label, keys in (("ontbreekt", report.missing), ("wees", report.orphans),
                        ("checksum wijkt af", report.mismatches), ("hersteld (verwijderd)", report.repaired)):
        for key in keys:
            click.echo(f"  {label}: {key}")
    remaining_orphans = [k for k in report.orphans if k not in report.repaired]
    problems = report.missing or report.mismatches or remaining_orphans
    click.echo("Geen problemen gevonden." if not problems else "Er zijn problemen gevonden.")
    sys.exit(1 if problems else 0)


@main.group(help="User accounts and API tokens.")
def user():
    pass


@user.command("create")
@instance_option
@click.argument("username")
@click.option("--role", "roles", multiple=True, required=True,
              type=click.Choice(["officer", "publisher", "archivist", "reviewer", "admin"]))
@click.option("--organisation", help="Limit the roles to this organisation (TOOI code); default: all.")
@click.option("--password", help="Default: asked interactively.")
def user_create(data_dir, username, roles, organisation, password):
    from sqlalchemy import select

    from woo.adapters.models import Organisation
    from woo.domain.roles import Role
    from woo.services import accounts

    ctx = _context(data_dir)
    if password is None:
        password = click.prompt("Wachtwoord", hide_input=True, confirmation_prompt=True)
    with ctx.unit_of_work() as s:
        org_id = None
        if organisation:
            org = s.execute(select(Organisation).where(Organisation.code == organisation)).scalar_one_or_none()
            if org is None:
                raise click.ClickException(f"Onbekende organisatie: {organisation}")
            org_id = org.id
        try:
            accounts.create_user(s, _cli_actor(ctx, None), username, password, [(Role(r), org_id) for r in roles])
        except accounts.AccountError as exc:
            raise click.ClickException(str(exc))
    click.echo(f"Gebruiker {username} aangemaakt.")


@user.command("token")
@instance_option
@click.argument("username")
@click.option("--name", required=True, help="What the token is for (e.g. the source system).")
@click.option("--scopes", default="ingest read", show_default=True)
def user_token(data_dir, username, name, scopes):
    from sqlalchemy import select

    from woo.adapters.models import User
    from woo.services import accounts

    ctx = _context(data_dir)
    with ctx.unit_of_work() as s:
        u = s.execute(select(User).where(User.username == username)).scalar_one_or_none()
        if u is None:
            raise click.ClickException(f"Onbekende gebruiker: {username}")
        secret = accounts.create_token(s, _cli_actor(ctx, None), u, name, scopes)
    click.echo(secret)


@user.command("tokens", help="List API tokens (id, prefix, scopes, last use; never the secret).")
@instance_option
@click.option("--user", "username", help="Only this user's tokens.")
def user_tokens(data_dir, username):
    from woo.services import accounts

    ctx = _context(data_dir)
    with ctx.unit_of_work() as s:
        for t in accounts.list_tokens(s, username):
            state = f"ingetrokken {t.revoked_at:%Y-%m-%d}" if t.revoked_at else "actief"
            used = f"{t.last_used_at:%Y-%m-%d %H:%M}" if t.last_used_at else "nooit"
            click.echo(f"{t.id}\t{t.prefix}\t{t.user.username}\t{t.name}\t{t.scopes}\t{state}\tgebruikt: {used}")


@user.command("revoke-token", help="Revoke an API token by id or prefix; it stops working at once.")
@instance_option
@click.argument("token")
def user_revoke_token(data_dir, token):
    from woo.services import accounts

    ctx = _context(data_dir)
    with ctx.unit_of_work() as s:
        found = accounts.find_token(s, token)
        if found is None:
            raise click.ClickException(f"Onbekend token: {token}")
        accounts.revoke_token(s, _cli_actor(ctx, None), found.id)
        click.echo(f"Token {found.prefix} ({found.name}) ingetrokken.")


@user.command("logout-everywhere", help="End every browser session of a user.")
@instance_option
@click.argument("username")
def user_logout_everywhere(data_dir, username):
    from sqlalchemy import select

    from woo.adapters.models import User
    from woo.services import accounts

    ctx = _context(data_dir)
    with ctx.unit_of_work() as s:
        u = s.execute(select(User).where(User.username == username)).scalar_one_or_none()
        if u is None:
            raise click.ClickException(f"Onbekende gebruiker: {username}")
        accounts.logout_everywhere(s, _cli_actor(ctx, None), u)
    click.echo(f"Alle sessies van {username} zijn beëindigd.")


@main.group(help="The tamper-evident audit log.")
def audit():
    pass


@audit.command("verify", help="Check the hash chain; exit 1 at the first broken link.")
@instance_option
def audit_verify(data_dir):
    from woo.services.audit import verify

    ctx = _context(data_dir)
    with ctx.unit_of_work() as s:
        report = verify(s)
    if not report.ok:
        click.echo(f"{report.reason} {report.checked} gebeurtenissen daarvoor zijn in orde.")
        sys.exit(1)
    click.echo(f"Keten in orde: {report.checked} gebeurtenissen.")


@audit.command("export", help="Write the audit log as JSON lines or CSV (to stdout or --output).")
@instance_option
@click.option("--since", help="Only events at or after this date/time (ISO 8601, UTC).")
@click.option("--format", "fmt", type=click.Choice(["jsonl", "csv"]), default="jsonl", show_default=True)
@click.option("--output", type=click.File("w", encoding="utf-8"), default="-")
def audit_export(data_dir, since, fmt, output):
    from datetime import datetime, timezone

    from woo.services.audit import export

    since_at = None
    if since:
        try:
            since_at = datetime.fromisoformat(since)
        except ValueError:
            raise click.BadParameter("Gebruik ISO 8601, bijv. 2025-01-31 of 2025-01-31T12:00:00.")
        if since_at.tzinfo is None:
            since_at = since_at.replace(tzinfo=timezone.utc)
    ctx = _context(data_dir)
    with ctx.unit_of_work() as s:
        n = export(s, output, fmt=fmt, since=since_at)
    click.echo(f"{n} gebeurtenissen geëxporteerd.", err=True)


@main.group(help="Review suggested Woo categories (recorded as decisions of the acting user).")
def review():
    pass


@review.command("accept", help="Accept the suggested category of documents (or --all awaiting review).")
@instance_option
@click.argument("document_ids", nargs=-1)
@click.option("--all", "all_pending", is_flag=True, help="Every document awaiting review.")
@click.option("--user", "username", help="Act as this woo user.")
def review_accept(data_dir, document_ids, all_pending, username):
    from woo.services import classification

    ctx = _context(data_dir)
    if all_pending:
        with ctx.unit_of_work() as s:
            document_ids = [d.id for d in classification.review_queue(s, None, limit=1_000_000)]
    if not document_ids:
        raise click.UsageError("Geef documentnummers of --all.")
    try:
        done = classification.accept(ctx, _cli_actor(ctx, username), list(document_ids))
    except classification.ReviewError as exc:
        raise click.ClickException(str(exc))
    click.echo(f"Geaccepteerd: {len(done)}; zonder voorstel overgeslagen: {len(document_ids) - len(done)}")


@review.command("set", help="Set a document's category (TOOI URI or label).")
@instance_option
@click.argument("document_id")
@click.argument("category")
@click.option("--user", "username", help="Act as this woo user.")
def review_set(data_dir, document_id, category, username):
    from woo.services import classification

    ctx = _context(data_dir)
    try:
        classification.set_category(ctx, _cli_actor(ctx, username), document_id, category)
    except classification.ReviewError as exc:
        raise click.ClickException(str(exc))
    click.echo("Categorie vastgesteld.")


def _register_optional() -> None:
    """Commands that live beside their capability (classification, privacy)."""
    from woo.publish.cli import publish_command, withdraw_command
    main.add_command(publish_command, "publish")
    main.add_command(withdraw_command, "withdraw")
    try:
        from woo.classify.cli import classify_command
        main.add_command(classify_command, "classify")
    except ImportError:
        pass
    try:
        from woo.privacy.cli import privacy_scan_command

        @main.group(help="Personal data: scan files without a server.")
        def privacy():
            pass

        privacy.add_command(privacy_scan_command, "scan")
    except ImportError:
        pass


_register_optional()

if __name__ == "__main__":
    main()
