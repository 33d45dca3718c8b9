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


class _Main(click.Group):
    """A refusal of the services' unit check (``--user`` of another unit) is a Dutch error, not a traceback."""

    def invoke(self, ctx):
        from woo.services.organisations import UnitRefused

        try:
            return super().invoke(ctx)
        except UnitRefused as exc:
            raise click.ClickException(str(exc)) from exc


@click.group(cls=_Main, help="woo: actieve openbaarmaking (Woo) en archivering. English help: see README.")
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
@click.option("--queue", "queues", multiple=True, type=click.Choice(["woo", "woo-heavy", "woo-sync"]),
              help="Queue(s) to take jobs from, in order of preference (default: woo, woo-heavy, woo-sync). "
                   "woo = text layers, privacy, classification; woo-heavy = OCR and PDF/A; woo-sync = the "
                   "files of source syncs.")
@click.option("--no-maintenance", is_flag=True, help="Leave fixity/retention housekeeping to another worker.")
@click.option("--worker-class", type=click.Choice(["simple", "fork"]), default=None,
              help="How a worker on the light queue only runs its jobs: in its own process (simple, the "
                   "default; WOO_LIGHT_WORKER) or in a forked work-horse per job (fork). A worker that also "
                   "takes the heavy queue always forks.")
def worker(data_dir, burst, queues, no_maintenance, worker_class):
    from woo.worker import work

    work(load_settings(data_dir), burst=burst, queues=queues or None, maintenance=not no_maintenance,
         worker_class=worker_class)


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
        name = label if label is not None else path.name
        try:
            results.append(ingest_one(ctx, actor, org_id, name, path=path, source="cli"))
        except RejectedFile as exc:  # a bad name inside a ZIP: refused with its reason, the rest goes on
            results.append(IngestResult(name or "(zonder naam)", "rejected", reason=exc.reason, code=exc.code))

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
                        ("checksum wijkt af", report.mismatches),
                        ("metagegevens zonder vastgelegde checksum", report.unrecorded),
                        ("hersteld", report.repaired)):
        for key in keys:
            click.echo(f"  {label}: {key}")
    remaining_orphans = [k for k in report.orphans if k not in report.repaired]
    problems = report.missing or report.mismatches or remaining_orphans or \
        [k for k in report.unrecorded if k not in report.repaired]
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
        if report.broken is not None:
            click.echo(f"{report.reason} {report.checked} gebeurtenissen daarvoor zijn in orde.")
        else:  # forked or cut short: every event was walked
            click.echo(f"{report.reason} {report.checked} gebeurtenissen gecontroleerd.")
        sys.exit(1)
    click.echo(f"Keten in orde: {report.checked} gebeurtenissen.")
    if report.notice:  # forks from before migration 0009, found and recorded by it
        click.echo(report.notice)


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


@main.group(help="Archival retention: Selectielijst classes, due list, destruction lists, transfer.")
def retention():
    pass


def _date_opt(value):
    from datetime import date

    return date.fromisoformat(value) if value else None


@retention.command("classify", help="Give documents without a retention class the default for their Woo category.")
@instance_option
@click.option("--recompute", is_flag=True, help="Also recompute dates of existing classes (e.g. after WOO_TRANSFER_YEARS).")
@click.option("--user", "username", help="Act as this woo user.")
def retention_classify(data_dir, recompute, username):
    from woo.services import retention as retsvc

    ctx = _context(data_dir)
    with click.progressbar(length=0, label="Classificeren", file=sys.stderr) as bar:
        report = retsvc.classify_defaults(ctx, _cli_actor(ctx, username), recompute=recompute, progress=bar.update)
    click.echo(f"Geclassificeerd: {report.classified}; zonder (bekende) categorie, waardering N: {report.unmapped}")


@retention.command("due", help="Documents whose archiefactiedatum has passed (or will within N days).")
@instance_option
@click.option("--within", "within_days", default=0, show_default=True, type=int, help="Days ahead.")
@click.option("--category", "categories", multiple=True, help="Woo category (label, slug or TOOI URI).")
@click.option("--resultaat", "resultaten", multiple=True, help="Selectielijst resultaat, e.g. 6.1.")
@click.option("--organisation", "organisations", multiple=True, help="TOOI code, e.g. gm0363.")
@click.option("--before", help="Archiefactiedatum before this date (YYYY-MM-DD).")
@click.option("--waardering", type=click.Choice(["B", "V"]), help="V: to destroy, B: to transfer.")
@click.option("--csv", "csv_path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--xlsx", "xlsx_path", type=click.Path(dir_okay=False, path_type=Path))
def retention_due(data_dir, within_days, categories, resultaten, organisations, before, waardering, csv_path,
                  xlsx_path):
    from woo.services import retention as retsvc

    ctx = _context(data_dir)
    flt = retsvc.DueFilter(within_days, tuple(categories), tuple(resultaten), tuple(organisations),
                           _date_opt(before), waardering)
    try:
        with ctx.unit_of_work() as s:
            rows = retsvc.due_rows(s, flt)
            if csv_path or xlsx_path:
                with click.progressbar(length=0, label="Exporteren", file=sys.stderr) as bar:
                    writer = retsvc.write_xlsx if xlsx_path else retsvc.write_csv
                    n = writer(rows, xlsx_path or csv_path, bar.update)
                click.echo(f"{n} records geschreven naar {xlsx_path or csv_path}.")
            else:
                n = 0
                for r in rows:
                    click.echo(f"{r.archiefactiedatum}  {r.waardering} {r.resultaat:<8} {r.archiefactie:<11} "
                               f"{r.id}  {r.title[:70]}{'  [legal hold]' if r.legal_hold else ''}")
                    n += 1
                click.echo(f"{n} records.", err=True)
    except retsvc.RetentionError as exc:
        raise click.ClickException(str(exc))


@retention.command("set", help="Override a document's Selectielijst resultaat (archivist, with a reason).")
@instance_option
@click.argument("document_id")
@click.argument("resultaat")
@click.option("--reason", required=True)
@click.option("--user", "username", required=True, help="The archivist (woo user).")
def retention_set(data_dir, document_id, resultaat, reason, username):
    from woo.services import retention as retsvc

    ctx = _context(data_dir)
    try:
        ret = retsvc.override(ctx, _cli_actor(ctx, username), document_id, resultaat, reason)
    except retsvc.RetentionError as exc:
        raise click.ClickException(str(exc))
    click.echo(f"Resultaat {ret.resultaat} ({ret.waardering}); brondatum {ret.brondatum}, "
               f"archiefactiedatum {ret.archiefactiedatum} ({ret.archiefactie}).")


@retention.command("dossier", help="A dossier's Selectielijst class and dates; with RESULTAAT (archivist, "
                                   "--reason) set it for the whole dossier, its documents inherit it.")
@instance_option
@click.argument("dossier_id")
@click.argument("resultaat", required=False)
@click.option("--reason", help="Why this class (required when setting one).")
@click.option("--brondatum", help="The dossier's brondatum (YYYY-MM-DD); default: from the dossier.")
@click.option("--user", "username", help="The archivist (woo user); required when setting.")
@click.option("--json", "as_json", is_flag=True)
def retention_dossier(data_dir, dossier_id, resultaat, reason, brondatum, username, as_json):
    from woo.services import retention as retsvc

    ctx = _context(data_dir)
    try:
        if resultaat:
            if not username:
                raise click.UsageError("Geef --user (de archivaris).")
            retsvc.set_dossier_class(ctx, _cli_actor(ctx, username), dossier_id, resultaat, reason or "",
                                     _date_opt(brondatum))
        with ctx.unit_of_work() as s:
            d = s.get(retsvc.Publication, dossier_id)
            if d is None:
                raise click.ClickException(f"Dossier {dossier_id} bestaat niet.")
            ret = retsvc.dossier_retention(s, d, retsvc.transfer_years(ctx.settings))
            docs = retsvc.dossier_documents(s, dossier_id)
            info = {"dossier": d.id, "title": d.title, "resultaat": ret.resultaat if ret else None,
                    "waardering": ret.waardering if ret else None, "source": d.retention_source,
                    "brondatum": ret.brondatum.isoformat() if ret else None,
                    "brondatum_bron": d.retention_brondatum_bron,
                    "archiefactiedatum": ret.archiefactiedatum.isoformat() if ret else None,
                    "documents": len(docs),
                    "inherited": sum(1 for doc in docs if ret and doc.retention_resultaat == ret.resultaat)}
    except (ValueError, retsvc.RetentionError) as exc:
        raise click.ClickException(str(exc))
    if as_json:
        click.echo(json.dumps(info, ensure_ascii=False))
    elif info["resultaat"] is None:
        click.echo(f"Dossier {dossier_id}: nog geen selectielijstklasse.")
    else:
        click.echo(f"Dossier {dossier_id}: resultaat {info['resultaat']} ({info['waardering']}); brondatum "
                   f"{info['brondatum']}, archiefactiedatum {info['archiefactiedatum']}; {info['inherited']} van "
                   f"{info['documents']} documenten volgen het dossier.")


@retention.command("hold", help="Put documents under a legal hold (or --release it).")
@instance_option
@click.argument("document_ids", nargs=-1, required=True)
@click.option("--reason", required=True)
@click.option("--release", is_flag=True)
@click.option("--user", "username", required=True)
def retention_hold(data_dir, document_ids, reason, release, username):
    from woo.services import retention as retsvc

    ctx = _context(data_dir)
    try:
        n = retsvc.set_legal_hold(ctx, _cli_actor(ctx, username), list(document_ids), not release, reason)
    except retsvc.RetentionError as exc:
        raise click.ClickException(str(exc))
    click.echo(f"{n} document(en) {'vrijgegeven' if release else 'onder legal hold'}.")


@retention.group("list", help="Destruction lists: create, review, approve, cancel, execute.")
def retention_list():
    pass


def _destruction(fn, *args, **kwargs):
    from woo.services.destruction import DestructionError

    try:
        return fn(*args, **kwargs)
    except DestructionError as exc:
        raise click.ClickException(str(exc))


@retention_list.command("create", help="New list from document ids, or --from-due (due V-records).")
@instance_option
@click.argument("name")
@click.argument("document_ids", nargs=-1)
@click.option("--from-due", is_flag=True, help="Every eligible due V-record (see woo retention due).")
@click.option("--category", "categories", multiple=True)
@click.option("--resultaat", "resultaten", multiple=True)
@click.option("--limit", default=10_000, show_default=True, type=int)
@click.option("--dossier", "dossier_ids", multiple=True, help="Put every record of this dossier on the list "
                                                               "(a dossier is destroyed whole).")
@click.option("--user", "username", required=True)
def retention_list_create(data_dir, name, document_ids, from_due, categories, resultaten, limit, dossier_ids,
                          username):
    from woo.services import destruction as ds
    from woo.services import retention as retsvc

    ctx = _context(data_dir)
    ids = list(document_ids)
    if from_due:
        ids += ds.eligible_due_ids(ctx, retsvc.DueFilter(categories=tuple(categories),
                                                         resultaten=tuple(resultaten)), limit)
    list_id = _destruction(ds.create_list, ctx, _cli_actor(ctx, username), name, ids,
                           dossier_ids=list(dossier_ids))
    with ctx.unit_of_work() as s:
        n = len(ds.items(s, list_id))
    click.echo(f"Vernietigingslijst {list_id} aangemaakt met {n} records; ter beoordeling.")


@retention_list.command("review", help="Accept or exclude one record on a list (reviewer).")
@instance_option
@click.argument("list_id", type=int)
@click.argument("document_id")
@click.option("--exclude", is_flag=True, help="Exclude (needs --reason); default: accept.")
@click.option("--reason", default="")
@click.option("--user", "username", required=True)
def retention_list_review(data_dir, list_id, document_id, exclude, reason, username):
    from woo.services import destruction as ds

    ctx = _context(data_dir)
    _destruction(ds.review_item, ctx, _cli_actor(ctx, username), list_id, document_id,
                 ds.UITGEZONDERD if exclude else ds.AKKOORD, reason)
    click.echo("Oordeel vastgelegd.")


@retention_list.command("finish-review", help="Close the review of a list (reviewer).")
@instance_option
@click.argument("list_id", type=int)
@click.option("--user", "username", required=True)
def retention_list_finish(data_dir, list_id, username):
    from woo.services import destruction as ds

    ctx = _context(data_dir)
    _destruction(ds.finish_review, ctx, _cli_actor(ctx, username), list_id)
    click.echo("Beoordeling afgerond.")


@retention_list.command("approve", help="Approve a reviewed list (another archivist); starts the window.")
@instance_option
@click.argument("list_id", type=int)
@click.option("--user", "username", required=True)
def retention_list_approve(data_dir, list_id, username):
    from woo.services import destruction as ds

    ctx = _context(data_dir)
    after = _destruction(ds.approve, ctx, _cli_actor(ctx, username), list_id)
    click.echo(f"Goedgekeurd; vernietigen kan vanaf {after:%Y-%m-%d %H:%M} (UTC).")


@retention_list.command("cancel", help="Cancel a list before execution.")
@instance_option
@click.argument("list_id", type=int)
@click.option("--reason", required=True)
@click.option("--user", "username", required=True)
def retention_list_cancel(data_dir, list_id, reason, username):
    from woo.services import destruction as ds

    ctx = _context(data_dir)
    _destruction(ds.cancel, ctx, _cli_actor(ctx, username), list_id, reason)
    click.echo("Geannuleerd.")


@retention_list.command("execute", help="Dry run: what would be destroyed. --execute queues it (resumes too).")
@instance_option
@click.argument("list_id", type=int)
@click.option("--execute", "do_it", is_flag=True, help="Really destroy (after the cancellation window).")
@click.option("--wait", is_flag=True, help="Run here instead of in the worker, with a progress bar.")
@click.option("--user", "username")
def retention_list_execute(data_dir, list_id, do_it, wait, username):
    from woo.services import destruction as ds

    ctx = _context(data_dir)
    p = _destruction(ds.plan, ctx, list_id)
    for item in p.items:
        click.echo(f"  {item['document_id']}  {item['resultaat']} {item['waardering']}  {item['titel'][:70]}")
    click.echo(f"{len(p.items)} record(s) te vernietigen.")
    for item in p.skipped:
        click.echo(f"  overslaan: {item['document_id']}  {item['titel'][:60]}: {item['reden']}")
    if p.skipped:
        click.echo(f"{len(p.skipped)} record(s) worden overgeslagen (niet vernietigd).")
    for reason in p.refused:
        click.echo(f"Nog niet: {reason}")
    if not do_it:
        click.echo("Proefdraai: er is niets vernietigd. Geef --execute om te vernietigen.")
        return
    if not username:
        raise click.UsageError("Geef --user (de archivaris die de vernietiging start).")
    actor = _cli_actor(ctx, username)
    if wait:
        with click.progressbar(length=len(p.items), label="Vernietigen", file=sys.stderr) as bar:
            _destruction(ds.start, ctx, actor, list_id, inline=True, progress=bar.update)
        click.echo("Vernietigd; de verklaring van vernietiging is opgeslagen.")
    else:
        _destruction(ds.start, ctx, actor, list_id)
        click.echo("Vernietiging ingepland bij de worker.")


@retention.command("transfer", help="Transfer (overbrenging) of B-records older than WOO_TRANSFER_YEARS. Dry run "
                                    "by default; --execute writes the package; --sent PACKAGE_ID records that it "
                                    "went to the archive; --confirm PACKAGE_ID marks its records transferred; "
                                    "--cancel PACKAGE_ID --reason TEXT cancels an unconfirmed package (its records "
                                    "are released for a new one).")
@instance_option
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path))
@click.option("--execute", "do_it", is_flag=True)
@click.option("--sent", "sent_id", help="This package was handed to the archive.")
@click.option("--confirm", "package_id", help="The archive received this package: mark its records transferred.")
@click.option("--queue", "queued", is_flag=True, help="With --dossier --execute: a worker on the heavy queue writes "
                                                     "the package to WOO_TRANSFER_DIR (as the archivist's page does).")
@click.option("--cancel", "cancel_id", help="Cancel this package (not yet confirmed): its records are released.")
@click.option("--reason", default="", help="Why the package is cancelled (required with --cancel).")
@click.option("--destination", help="The archive (default: where the package was sent, else archiefbewaarplaats).")
@click.option("--dossier", "dossier_ids", multiple=True, help="Only this dossier, whole (repeatable); without it the "
                                                               "selection of due B-records.")
@click.option("--user", "username")
def retention_transfer(data_dir, out_dir, do_it, sent_id, package_id, queued, cancel_id, reason, destination,
                       dossier_ids, username):
    from woo.services import transfer as tr

    ctx = _context(data_dir)
    try:
        if cancel_id:
            if not do_it:
                click.echo(f"Proefdraai: pakket {cancel_id} zou worden geannuleerd en zijn records vrijgegeven. Geef "
                           "--execute om dat vast te leggen.")
                return
            n = tr.cancel(ctx, _cli_actor(ctx, username), cancel_id, reason)
            click.echo(f"Pakket {cancel_id} geannuleerd; {n} records zijn vrijgegeven voor een nieuw pakket.")
            return
        if sent_id or package_id:
            if not do_it:
                click.echo(f"Proefdraai: pakket {sent_id or package_id} zou als "
                           f"{'verzonden' if sent_id else 'overgebracht'} worden gemarkeerd. Geef --execute om dat "
                           "vast te leggen.")
                return
            if sent_id:
                sent = tr.mark_sent(ctx, _cli_actor(ctx, username), sent_id, destination)
                click.echo(f"Pakket {sent.id} verzonden naar {sent.destination}; wacht op de ontvangstbevestiging.")
                return
            res = tr.confirm(ctx, _cli_actor(ctx, username), package_id, destination)
            click.echo(f"{res.archived} records overgebracht en alleen-lezen; legal hold op {res.legal_holds} "
                       f"objecten ({res.legal_hold_unsupported} niet ondersteund door de opslag).")
            return
        if dossier_ids:
            from woo.services import retention as retsvc

            with ctx.unit_of_work() as s:
                for did in dossier_ids:
                    d = s.get(retsvc.Publication, did)
                    if d is None:
                        raise tr.TransferError(f"Dossier {did} bestaat niet.")
                    n = len(retsvc.dossier_documents(s, did))
                    click.echo(f"Dossier {did} ({d.title}): {n} records, in zijn geheel.")
            ids, total = [], None
        else:
            sel = tr.select_records(ctx)
            click.echo(f"{len(sel.document_ids)} records (B, brondatum op of voor {sel.cutoff}, termijn "
                       f"{sel.years} jaar) komen in aanmerking.")
            for doc_id, reason in sel.not_transferable.items():
                click.echo(f"  niet: {doc_id}: {reason}")
            ids, total = sel.document_ids, len(sel.document_ids)
        if not do_it:
            click.echo("Proefdraai: er is geen pakket gemaakt. Geef --execute --out MAP.")
            return
        if queued:
            if not dossier_ids:
                raise click.UsageError("--queue werkt per dossier: geef --dossier DOSSIER.")
            for did in dossier_ids:
                job_id = tr.start(ctx, _cli_actor(ctx, username), did)
                click.echo(f"Dossier {did}: het pakket wordt door de worker gemaakt in {tr.default_out_dir(ctx)} "
                           f"(taak {job_id}); de voortgang staat op de dossierpagina van de archivaris.")
            return
        if not out_dir:
            raise click.UsageError("Geef --out MAP voor het pakket.")
        with click.progressbar(length=total or 0, label="Pakket maken", file=sys.stderr) as bar:
            package = tr.prepare(ctx, _cli_actor(ctx, username), out_dir, ids if not dossier_ids else None,
                                 progress=bar.update, dossier_ids=list(dossier_ids) or None)
        click.echo(f"Pakket {package.id}: {package.records} records, {package.files} bestanden, {package.bytes} "
                   f"bytes, SHA-256 {package.checksum}\n  {package.path}")
    except tr.TransferError as exc:
        raise click.ClickException(str(exc))


@main.command(help="Fixity: re-hash every stored object (resumable); exit 1 on mismatches or missing objects.")
@instance_option
@click.option("--chunk", default=500, show_default=True, type=int, help="Files per checkpoint.")
@click.option("--threads", default=8, show_default=True, type=int, help="Objects hashed at the same time.")
@click.option("--limit", default=None, type=int, help="Stop after this many files (the next run resumes).")
def fixity(data_dir, chunk, threads, limit):
    from woo.services.fixity import run_fixity

    ctx = _context(data_dir)
    bar = click.progressbar(length=1, label="Controlegetallen", file=sys.stderr)

    def start(remaining: int) -> None:
        bar.length = max(1, remaining if limit is None else min(limit, remaining))

    with bar:
        report = run_fixity(ctx, _cli_actor(ctx, None), chunk=chunk, threads=threads, limit=limit,
                            progress=bar.update, on_start=start)
    click.echo(f"Gecontroleerd: {report.checked}{' (hervat)' if report.resumed else ''}; "
               f"afwijkend: {report.mismatch_count}; ontbrekend: {report.missing_count}")
    for key in report.mismatches:
        click.echo(f"  checksum wijkt af: {key}")
    for key in report.missing:
        click.echo(f"  ontbreekt: {key}")
    if report.finished:
        click.echo(f"Archiefmetagegevens (MDTO, toestand) gecontroleerd: {report.metadata_checked}; "
                   f"ongeldig: {len(report.invalid)}; onbekende objecten in de bucket: {report.unknown_count}")
    for key in report.invalid:
        click.echo(f"  ongeldige metagegevens (geen geldige MDTO 1.0.1 / JSON): {key}")
    for key in report.unknown[:50]:
        click.echo(f"  onbekend object (niet door woo vastgelegd): {key}")
    if report.unknown_count > 50:
        click.echo(f"  ... en nog {report.unknown_count - 50} onbekende objecten")
    if not report.finished:
        click.echo("Nog niet klaar: de volgende `woo fixity` gaat verder waar deze stopte.")
    sys.exit(0 if report.ok else 1)


@main.command(help="Rebuild documents, files, categories and states from the bucket's MDTO sidecars.")
@instance_option
@click.option("--from-storage", "from_storage", is_flag=True, required=True,
              help="Read everything from the bucket (required; the database must be empty).")
def rebuild(data_dir, from_storage):
    from woo.adapters import db as dbmod
    from woo.services.rebuild import RebuildError, rebuild_from_storage

    settings = load_settings(data_dir)
    dbmod.upgrade(settings.database_url)
    ctx = _context(data_dir)
    try:
        with click.progressbar(length=0, label="Herbouwen", file=sys.stderr) as bar:
            report = rebuild_from_storage(ctx, _cli_actor(ctx, None), progress=bar.update)
    except RebuildError as exc:
        raise click.ClickException(str(exc))
    click.echo(f"Documenten: {report.documents}, bestanden: {report.files}, publicaties: {report.publications}")
    for key in report.foreign:
        click.echo(f"  genegeerd (niet van woo): {key}")
    for key in report.unreferenced:
        click.echo(f"  genegeerd (geen MDTO-verwijzing): {key}")
    for problem in report.problems:
        click.echo(f"  probleem: {problem}")
    sys.exit(1 if report.problems else 0)


@main.group(help="Archive metadata: MDTO sidecars in the bucket.")
def archive():
    pass


@archive.command("describe", help="Rewrite MDTO sidecars of changed documents (or --all).")
@instance_option
@click.option("--all", "all_docs", is_flag=True, help="Every document, not only the changed ones.")
def archive_describe(data_dir, all_docs):
    from woo.services import preservation

    ctx = _context(data_dir)
    done, problems = (preservation.describe_all if all_docs else preservation.describe_pending)(ctx)
    click.echo(f"Beschreven documenten: {done}")
    for p in problems:
        click.echo(f"  probleem: {p}")
    sys.exit(1 if problems else 0)


@main.command(help="Show a document's suggested and confirmed metadata, or confirm/correct fields with "
                   "--set field=value (fields: title, date.creatie, date.vaststelling, date.ondertekening, "
                   "date.ontvangst, documentsoort, organisation, identifiers; an empty value clears).")
@instance_option
@click.argument("document_id")
@click.option("--set", "assignments", multiple=True, metavar="FIELD=VALUE",
              help="Repeatable. identifiers takes several kenmerken separated by ';'.")
@click.option("--user", "username", help="Act as this woo user.")
def describe(data_dir, document_id, assignments, username):
    from woo.adapters.models import Document
    from woo.services import describe as describesvc

    ctx = _context(data_dir)
    if assignments:
        values = {}
        for item in assignments:
            field, sep, value = item.partition("=")
            if not sep:
                raise click.UsageError(f"Gebruik --set veld=waarde (niet ‘{item}’).")
            values[field.strip()] = value
        try:
            describesvc.set_metadata(ctx, _cli_actor(ctx, username), document_id, values)
        except describesvc.DescribeError as exc:
            raise click.ClickException(str(exc))
        click.echo(f"Vastgelegd: {', '.join(values)}")
    with ctx.unit_of_work() as s:
        doc = s.get(Document, document_id)
        if doc is None:
            raise click.ClickException(f"Document {document_id} bestaat niet.")
        for row in describesvc.view(doc):
            best = row["best"]
            line = f"{row['field']:<20} "
            line += f"vastgelegd: {row['confirmed_label']}" if row["confirmed"] is not None else "niet vastgelegd"
            if best:
                line += (f"; voorstel: {best.get('label') or best['value']} "
                         f"({round((best.get('confidence') or 0) * 100)}%, {best['reason']})")
            click.echo(line)


@main.group(help="The category classifier's model.")
def classifier():
    pass


@classifier.command("retrain", help="Train on the corpus plus confirmed documents; switch only if not worse.")
@instance_option
@click.option("--corpus", type=click.Path(file_okay=False, path_type=Path),
              help="Development corpus folder with manifest.csv (default: ../shared/corpus when present).")
@click.option("--min-held-out", default=5, show_default=True, type=int)
@click.option("--user", "username", help="Act as this woo user.")
def classifier_retrain(data_dir, corpus, min_held_out, username):
    from woo.services import classifier_models

    if corpus is None:
        default = Path(__file__).resolve().parents[1].parent / "shared" / "corpus"
        corpus = default if (default / "manifest.csv").exists() else None
    ctx = _context(data_dir)
    try:
        result = classifier_models.retrain(ctx, _cli_actor(ctx, username), corpus, min_held_out=min_held_out)
    except classifier_models.RetrainError as exc:
        raise click.ClickException(str(exc))
    cmp = result["comparison"]
    for name in ("old", "new"):
        m = cmp[name]
        click.echo(f"{'huidig' if name == 'old' else 'nieuw '}: accuracy {m['accuracy']:.3f}, "
                   f"macro-F1 {m['macro_f1']:.3f}, top-3 {m['top3_accuracy']:.3f}")
    click.echo(f"getraind op {result['trained_on']}, vergeleken op {result['held_out']} apart gehouden documenten")
    cal = result["calibration"]
    click.echo(f"kalibratie op de apart gehouden documenten: temperatuur {cal['temperature']}, 'onzeker' onder "
               f"{cal['uncertain_below']:.2f}; " + (
                   f"automatisch accepteren vanaf {cal['auto_accept']:.3f} (precisie {cal['auto_accept_precision']:.3f})"
                   if cal.get("auto_accept") is not None else
                   "automatisch accepteren staat uit voor dit model (te weinig apart gehouden documenten of "
                   "precisie niet gehaald)"))
    click.echo(f"Nieuw model in gebruik: {result['model']}" if result["switched"]
               else "Het nieuwe model is niet beter; het huidige blijft in gebruik.")


@click.group("privacy", help="Personal data: scan files (no server), review a document's findings.")
def privacy_group():
    pass


@privacy_group.command("findings", help="A document's findings, their decisions and what blocks publication.")
@instance_option
@click.argument("document_id")
def privacy_findings(data_dir, document_id):
    from woo.adapters.models import Document
    from woo.services import privacy

    ctx = _context(data_dir)
    with ctx.unit_of_work() as s:
        doc = s.get(Document, document_id)
        if doc is None:
            raise click.ClickException(f"Document {document_id} bestaat niet.")
        for f in privacy.findings(s, document_id):
            decided = {"open": f"nog beoordelen (standaard {privacy.default_ground(f.type)})",
                       "redact": f"lakken ({f.ground})", "allow": f"openbaar: {f.reason}",
                       privacy.PROPOSED_OFFICIAL: f"voorstel publiek ambtsdrager: {f.reason}",
                       privacy.REMOVED: f.reason}.get(f.decision, f.decision)
            click.echo(f"{f.id:>6}  {privacy.TYPE_LABELS_NL.get(f.type, f.type):<18} p.{f.page or '-':<4} "
                       f"{f.masked[:50]:<50}  {decided}")
        for reason in privacy.blockers(s, doc):
            click.echo(f"blokkeert publicatie: {reason}")


@privacy_group.command("decide", help="Redact findings with a Woo ground, or allow them with a reason.")
@instance_option
@click.argument("document_id")
@click.option("--finding", "finding_ids", multiple=True, type=int, help="Finding number (repeatable).")
@click.option("--all-open", is_flag=True, help="Every finding still open.")
@click.option("--redact", "ground", is_flag=False, flag_value="standaard",
              help="Redact with this Woo ground, e.g. 5.1.2e; without a value each kind's default ground.")
@click.option("--allow", "reason", help="May be published, for this reason.")
@click.option("--officials", is_flag=True, help="Allow every proposed public official (publiek ambtsdrager).")
@click.option("--user", "username", help="Act as this woo user.")
def privacy_decide(data_dir, document_id, finding_ids, all_open, ground, reason, officials, username):
    from woo.services import privacy

    if officials:
        ctx = _context(data_dir)
        n = privacy.allow_officials(ctx, _cli_actor(ctx, username), document_id)
        click.echo(f"{n} publieke ambtsdrager(s) toegestaan.")
        return
    if bool(ground) == bool(reason):
        raise click.UsageError("Kies --redact [GROND], --allow REDEN of --officials.")
    if ground == "standaard":
        ground = None  # the default ground per kind of finding (woo.privacy.grounds)
    ctx = _context(data_dir)
    ids = list(finding_ids)
    if all_open:
        with ctx.unit_of_work() as s:
            ids += [f.id for f in privacy.findings(s, document_id) if f.decision == privacy.OPEN]
    if not ids:
        raise click.UsageError("Geef --finding N of --all-open.")
    try:
        privacy.decide(ctx, _cli_actor(ctx, username), document_id, ids, "allow" if reason else "redact",
                       ground=ground, reason=reason)
    except privacy.PrivacyError as exc:
        raise click.ClickException(str(exc))
    click.echo(f"Vastgelegd voor {len(ids)} bevinding(en).")


@privacy_group.command("override", help="Go on without a successful scan (reason recorded).")
@instance_option
@click.argument("document_id")
@click.option("--reason", required=True)
@click.option("--user", "username", help="Act as this woo user.")
def privacy_override(data_dir, document_id, reason, username):
    from woo.services import privacy

    ctx = _context(data_dir)
    try:
        privacy.override_failed_scan(ctx, _cli_actor(ctx, username), document_id, reason)
    except privacy.PrivacyError as exc:
        raise click.ClickException(str(exc))
    click.echo("Vastgelegd.")


def _register_optional() -> None:
    """Commands that live beside their capability (classification, privacy)."""
    from woo.cli_publish import correct_command, publish_command, search_group, sitemaps_group, withdraw_command
    main.add_command(publish_command, "publish")
    main.add_command(withdraw_command, "withdraw")
    main.add_command(correct_command, "correct")
    main.add_command(search_group, "search")
    main.add_command(sitemaps_group, "sitemaps")
    try:
        from woo.classify.cli import classify_command
        main.add_command(classify_command, "classify")
    except ImportError:
        pass
    try:
        from woo.privacy.cli import privacy_scan_command

        main.add_command(privacy_group)
        privacy_group.add_command(privacy_scan_command, "scan")
    except ImportError:
        pass


# --------------------------------------------------------------------------- dossiers (issue 13)

def _organisation_id(ctx, organisation: str | None) -> int:
    from sqlalchemy import select

    from woo.adapters.models import Organisation
    from woo.services import accounts

    with ctx.unit_of_work() as s:
        if organisation:
            org = s.execute(select(Organisation).where((Organisation.code == organisation)
                                                       | (Organisation.tooi_uri == organisation))).scalar_one_or_none()
            if org is None:
                raise click.ClickException(f"Onbekende organisatie: {organisation}")
            return org.id
        return accounts.default_organisation(s).id


def _dossier_values(title, kind, category, reference, summary, topics, received, decided, extended, suspension,
                    decision) -> dict:
    values = {"title": title, "kind": kind, "category": category, "reference": reference, "summary": summary,
              "received_date": received, "decision_date": decided, "extended": extended,
              "suspension_days": suspension, "decision": decision,
              "topics": [t for t in (topics or "").split(",") if t.strip()]}
    return {k: v for k, v in values.items() if v not in (None, "")}


def _dossier_options(fn):
    for opt in reversed([
        click.option("--title", required=True, help="Titel van het dossier."),
        click.option("--kind", default="woo-besluit", show_default=True,
                     type=click.Choice(["woo-besluit", "vergadering", "publicatie"])),
        click.option("--category", help="Informatiecategorie (TOOI URI, label of artikel); Woo-besluit: altijd 2i."),
        click.option("--reference", help="Dossier- of zaaknummer."),
        click.option("--summary", help="Samenvatting."),
        click.option("--topics", help="Onderwerpen, komma-gescheiden (uit de lijst van de organisatie)."),
        click.option("--received", help="Datum van ontvangst van het verzoek."),
        click.option("--decided", help="Besluitdatum."),
        click.option("--extended", is_flag=True, help="Beslistermijn verdaagd (2 weken)."),
        click.option("--suspension-days", "suspension", type=int, default=0, help="Dagen opgeschort."),
        click.option("--decision", help="openbaar / deels-openbaar / niet-openbaar / reeds-openbaar."),
        click.option("--organisation", help="TOOI code or URI (default: the instance's organisation)."),
        click.option("--user", "username", help="Act as this woo user (audit log)."),
    ]):
        fn = opt(fn)
    return fn


@click.group("dossier", help="Dossiers: Woo-besluiten, vergaderingen en publicaties als één geheel.")
def dossier_group():
    pass


@dossier_group.command("create", help="Create an empty dossier (status concept); prints its id.")
@instance_option
@_dossier_options
def dossier_create(data_dir, title, kind, category, reference, summary, topics, received, decided, extended,
                   suspension, decision, organisation, username):
    from woo.services import dossiers

    ctx = _context(data_dir)
    actor = _cli_actor(ctx, username)
    values = _dossier_values(title, kind, category, reference, summary, topics, received, decided, extended,
                             suspension, decision)
    try:
        click.echo(dossiers.create(ctx, actor, _organisation_id(ctx, organisation), values))
    except dossiers.DossierError as exc:
        raise click.ClickException(str(exc)) from exc


@dossier_group.command("import", help="Import a dossier: ZIP of documents + inventory (XLSX/CSV) + decision "
                                      "letter, as a background job (the worker runs it; see `woo up`). Everything "
                                      "is checked first; all or nothing. Shows progress and waits, unless --no-wait "
                                      "(prints the import id; `woo dossier import-status ID`).")
@instance_option
@click.argument("zip_path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--inventory", required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--decision-letter", "letter", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@_dossier_options
@click.option("--no-wait", is_flag=True, help="Print the import id and return at once.")
@click.option("--timeout", type=click.FloatRange(min=0), default=None,
              help="Stop waiting after this many seconds (exit 3); the import itself goes on in the background.")
@click.option("--json", "as_json", is_flag=True)
def dossier_import(data_dir, zip_path, inventory, letter, title, kind, category, reference, summary, topics,
                   received, decided, extended, suspension, decision, organisation, username, no_wait, timeout,
                   as_json):
    from woo.services import dossier_import as imp

    ctx = _context(data_dir)
    actor = _cli_actor(ctx, username)
    values = _dossier_values(title, kind, category, reference, summary, topics, received, decided, extended,
                             suspension, decision)
    try:
        import_id = imp.start_import(ctx, actor, _organisation_id(ctx, organisation), values, zip_path, inventory,
                                     inventory.name, letter, letter.name if letter else None)
    except imp.DossierError as exc:
        raise click.ClickException(str(exc)) from exc
    if no_wait:
        click.echo(json.dumps({"import": import_id, "status": "wachtend"}) if as_json else import_id)
        return
    _wait_for_import(ctx, import_id, as_json, timeout=timeout)


def _import_report(ctx, import_id: str, as_json: bool) -> None:
    from woo.services import dossier_import as imp

    with ctx.unit_of_work() as s:
        st = imp.import_status(s, import_id)
    if st is None:
        raise click.ClickException(f"Import {import_id} bestaat niet.")
    if as_json:
        click.echo(json.dumps({"import": import_id, "status": st["status"], "dossier": st["dossier_id"],
                               "documents": st["total"] if st["dossier_id"] else 0, "problems": st["problems"],
                               "error": st["error"]}, ensure_ascii=False))
    elif st["status"] == imp.DONE:
        click.echo(f"Dossier {st['dossier_id']} aangemaakt met {st['total']} documenten.")
    elif st["status"] == imp.FAILED:
        problems = st["problems"] or [st["error"] or "onbekende fout"]
        click.echo(f"Niets opgeslagen: {len(problems)} probleem/problemen gevonden:", err=True)
        for p in problems:
            click.echo(f"  - {p}", err=True)
    else:
        click.echo(f"Import {import_id}: {st['status_label']}"
                   + (f" ({st['phase_label']} {st['done']}/{st['total']})" if st["phase"] else ""))
    if st["status"] == imp.FAILED:
        sys.exit(1)


WAIT_TIMEOUT_EXIT = 3  # `woo dossier import --timeout`: stopped waiting, the import is not finished


def _wait_for_import(ctx, import_id: str, as_json: bool, poll: float = 0.5, timeout: float | None = None,
                     hint_after: float = 10) -> None:
    """Poll the import's row, showing phase and done/total on stderr, until the job has finished or
    ``timeout`` seconds have passed (exit WAIT_TIMEOUT_EXIT; the job is not touched and goes on)."""
    import time

    from woo.services import dossier_import as imp

    shown, waiting_since, hinted = None, time.monotonic(), False
    while True:
        with ctx.unit_of_work() as s:
            st = imp.import_status(s, import_id)
        if st is None:
            raise click.ClickException(f"Import {import_id} bestaat niet.")
        if st["finished"]:
            break
        line = (st["phase_label"] or st["status_label"], st["done"], st["total"])
        if not as_json and line != shown:
            shown = line
            click.echo(f"\r{line[0]}: {line[1]}" + (f"/{line[2]}" if line[2] else "") + " " * 10, nl=False, err=True)
        waited = time.monotonic() - waiting_since
        timed_out = timeout is not None and waited >= timeout
        if st["status"] == imp.WAITING and not hinted and (waited > hint_after or timed_out):
            hinted = True
            click.echo(f"\nDe import is na {waited:.0f} s nog niet begonnen: er lijkt geen worker te draaien. Start "
                       f"er een met `woo up` of `woo worker`; de import begint dan vanzelf. Stoppen met wachten mag "
                       f"(Ctrl-C, of --timeout): de import blijft staan. Import-id: {import_id}", err=True)
        if timed_out:
            if as_json:
                click.echo(json.dumps({"import": import_id, "status": st["status"], "finished": False}))
            click.echo(f"\nNiet langer gewacht na {timeout:g} s: import {import_id} is nog niet klaar "
                       f"({st['status_label']}) en gaat op de achtergrond door. Volg hem met "
                       f"`woo dossier import-status {import_id} --wait`.", err=True)
            sys.exit(WAIT_TIMEOUT_EXIT)
        time.sleep(poll)
    if not as_json and shown:
        click.echo("", err=True)
    _import_report(ctx, import_id, as_json)


@dossier_group.command("import-status", help="Status of a dossier import (see `woo dossier import --no-wait`); "
                                             "--wait waits for it to finish.")
@instance_option
@click.argument("import_id")
@click.option("--wait", is_flag=True)
@click.option("--timeout", type=click.FloatRange(min=0), default=None,
              help="With --wait: stop waiting after this many seconds (exit 3).")
@click.option("--json", "as_json", is_flag=True)
def dossier_import_status(data_dir, import_id, wait, timeout, as_json):
    ctx = _context(data_dir)
    if wait:
        _wait_for_import(ctx, import_id, as_json, timeout=timeout)
    else:
        _import_report(ctx, import_id, as_json)


@dossier_group.command("show", help="A dossier, its documents with their judgement, and what blocks publication.")
@instance_option
@click.argument("dossier_id")
@click.option("--json", "as_json", is_flag=True)
def dossier_show(data_dir, dossier_id, as_json):
    from woo.domain import dossiers as rules
    from woo.services import dossiers

    ctx = _context(data_dir)
    with ctx.unit_of_work() as s:
        d = dossiers.get(s, dossier_id)
        if d is None:
            raise click.ClickException(f"Dossier {dossier_id} bestaat niet.")
        rows = [{"document": i.document_id, "role": i.role, "number": i.number, "judgement": i.judgement,
                 "grounds": i.grounds or [], "status": i.document.status, "title": i.document.title}
                for i in dossiers.items(s, d.id)]
        found = dossiers.blockers(s, d.id)
        term = rules.decision_term(d.received_date, d.decision_date, d.extended, d.suspension_days)
        info = {"id": d.id, "title": d.title, "kind": d.kind, "status": d.status, "category": d.category,
                "reference": d.reference, "decision": d.decision, "topics": d.topics or [],
                "term": term.label if term else None, "documents": rows, "blockers": found.as_dict()}
    if as_json:
        click.echo(json.dumps(info, ensure_ascii=False, default=str))
        return
    click.echo(f"{info['title']} ({rules.KIND_LABELS_NL[rules.Kind(d.kind)]}, {rules.STATUS_LABELS_NL[rules.Status(d.status)]})")
    if info["term"]:
        click.echo(f"Beslistermijn: {info['term']}")
    for r in rows:
        click.echo(f"  {r['number'] or '-':>8}  {r['role']:<15} {r['judgement'] or 'onbeoordeeld':<15} "
                   f"{';'.join(r['grounds']):<16} {r['title']}")
    if not found.empty:
        click.echo("Wat publicatie tegenhoudt:")
        for r in found.dossier:
            click.echo(f"  - {r}")
        for doc_id, reasons in found.documents.items():
            click.echo(f"  - {doc_id}: {' '.join(reasons)}")


@dossier_group.command("status", help="Move a dossier between concept and gereed (judgements change only in a "
                                       "concept); publishing and withdrawing have their own commands.")
@instance_option
@click.argument("dossier_id")
@click.argument("target", type=click.Choice(["concept", "gereed"]))
@click.option("--user", "username")
def dossier_status(data_dir, dossier_id, target, username):
    from woo.services import dossiers

    ctx = _context(data_dir)
    try:
        dossiers.set_status(ctx, _cli_actor(ctx, username), dossier_id, target)
    except dossiers.DossierError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Dossier is nu {target}.")


@dossier_group.command("judge", help="Judge documents of a dossier (openbaar, deels openbaar, niet openbaar, reeds "
                                      "openbaar): the same judgement for every DOCUMENT_ID given, all or none.")
@instance_option
@click.argument("dossier_id")
@click.argument("document_ids", nargs=-1, required=True)
@click.option("--judgement", required=True, help="openbaar, deels-openbaar, niet-openbaar or reeds-openbaar.")
@click.option("--ground", "grounds", multiple=True, help="Woo refusal ground, e.g. 5.1.2e (repeatable).")
@click.option("--remark", help="Toelichting for the inventarislijst.")
@click.option("--public-link", help="Where a document that is reeds openbaar can be found.")
@click.option("--user", "username")
def dossier_judge(data_dir, dossier_id, document_ids, judgement, grounds, remark, public_link, username):
    from woo.services import dossiers

    ctx = _context(data_dir)
    try:
        n = dossiers.judge_bulk(ctx, _cli_actor(ctx, username), dossier_id, list(document_ids), judgement,
                                list(grounds), remark, public_link)
    except dossiers.DossierError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"{n} {'document' if n == 1 else 'documenten'} beoordeeld.")


@dossier_group.command("publish", help="Mark ready (if concept) and publish the whole dossier, or nothing.")
@instance_option
@click.argument("dossier_id")
@click.option("--user", "username")
def dossier_publish(data_dir, dossier_id, username):
    from woo.services import dossiers

    ctx = _context(data_dir)
    actor = _cli_actor(ctx, username)
    try:
        with ctx.unit_of_work() as s:
            d = dossiers.get(s, dossier_id)
            status = d.status if d else None
        if status == "concept":
            dossiers.set_status(ctx, actor, dossier_id, "gereed")
        result = dossiers.publish(ctx, actor, dossier_id)
    except dossiers.DossierError as exc:
        raise click.ClickException(str(exc)) from exc
    if result.ok:
        click.echo(f"Dossier gepubliceerd: {len(result.published)} bestanden openbaar.")
        return
    click.echo("Niets gepubliceerd. Eerst oplossen:", err=True)
    for r in result.blockers.dossier:
        click.echo(f"  - {r}", err=True)
    for doc_id, reasons in result.blockers.documents.items():
        click.echo(f"  - {doc_id}: {' '.join(reasons)}", err=True)
    sys.exit(1)


@dossier_group.command("withdraw", help="Withdraw the dossier and all its published documents (410).")
@instance_option
@click.argument("dossier_id")
@click.option("--reason", "reason_code", required=True, help="TOOI reden verwijdering (code).")
@click.option("--user", "username")
def dossier_withdraw(data_dir, dossier_id, reason_code, username):
    from woo.services import dossiers, publication

    ctx = _context(data_dir)
    try:
        done = dossiers.withdraw(ctx, _cli_actor(ctx, username), dossier_id, reason_code)
    except (dossiers.DossierError, publication.PublicationError) as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Dossier ingetrokken; {len(done)} documenten niet langer openbaar.")


main.add_command(dossier_group)


@main.group(help="Harvesting by the Woo-index, checked from outside.")
def harvest():
    pass


@harvest.command("check", help="Crawl the public host as the Woo-index does (robots.txt, indexes, sitemaps, every "
                               "file); exit code 1 on any problem.")
@instance_option
@click.option("--base", "base_url", help="Public base URL to crawl (default: WOO_BASE_URL).")
def harvest_check(data_dir, base_url):
    from woo.publish import harvest_check as hc

    report = hc.check(base_url or load_settings(data_dir).base_url)
    click.echo(report.text())
    try:  # kept for the compliance dashboard (woo.services.dashboard); the check itself needs no database
        from woo.services import dashboard

        ctx = _context(data_dir)
        dashboard.record_harvest_check(ctx, _cli_actor(ctx, None), report)
    except Exception as exc:  # noqa: BLE001 - the crawl's answer stands; only keeping it failed
        click.echo(f"Let op: de uitkomst is niet vastgelegd voor het dashboard ({type(exc).__name__}).", err=True)
    sys.exit(0 if report.ok else 1)


# --------------------------------------------------------------------------- subscriptions (issue 20)

@main.group("subscriptions", help="Citizens' e-mail subscriptions (digests of new publications).")
def subscriptions_group():
    pass


@subscriptions_group.command("send-digests", help="Queue the digest run of one frequency (one rq job per 500 "
                                                  "subscribers on the light queue; a worker sends them).")
@instance_option
@click.option("--frequency", type=click.Choice(["daily", "weekly"]), required=True)
def subscriptions_send_digests(data_dir, frequency):
    from woo.services import subscriptions

    ctx = _context(data_dir)
    planned = subscriptions.send_digests(ctx, frequency)
    click.echo(f"Nieuwsbrieven ({'dagelijks' if frequency == 'daily' else 'wekelijks'}): {planned.subscriptions} "
               f"abonnees in {planned.batches} taken ingepland; {planned.removed_unconfirmed} onbevestigde "
               "aanmeldingen verwijderd.")


@subscriptions_group.command("status", help="Number of subscriptions per status (never an address).")
@instance_option
def subscriptions_status(data_dir):
    from woo.services import subscriptions

    ctx = _context(data_dir)
    labels = {"pending": "wacht op bevestiging", "active": "actief", "unsubscribed": "afgemeld",
              "bouncing": "gestopt (adres weigert)"}
    with ctx.unit_of_work() as s:
        found = subscriptions.counts(s)
    for key, label in labels.items():
        click.echo(f"{label}: {found.get(key, 0)}")


# --------------------------------------------------------------------------- reports (issue 20)
@main.group(help="Compliance figures: the annual Woo figures, recounting the dashboard's counters.")
def report():
    pass


@report.command("annual", help="The Woo figures of one organisation for a calendar year (PDF/A is also stored "
                               "as a record of the organisation).")
@instance_option
@click.option("--year", required=True, help="Calendar year, e.g. 2026.")
@click.option("--format", "fmt", type=click.Choice(["pdf", "xlsx", "csv"]), default="pdf", show_default=True)
@click.option("--org", "organisation", help="Organisation code or TOOI URI (default: WOO_ORGANISATION).")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path),
              help="File to write (default: jaarcijfers-woo-YEAR-ORG.EXT here).")
@click.option("--user", "username", help="Act as this woo user.")
def report_annual(data_dir, year, fmt, organisation, output, username):
    from woo.services import dashboard

    ctx = _context(data_dir)
    try:
        with ctx.unit_of_work() as s:
            org = dashboard.resolve_organisation(s, organisation or ctx.settings.organisation)
            org_id = org.id
        result = dashboard.annual_report(ctx, _cli_actor(ctx, username), org_id, year, fmt)
    except dashboard.ReportError as exc:
        raise click.ClickException(str(exc))
    path = output or Path(result.filename)
    path.write_bytes(result.data)
    click.echo(f"Jaarcijfers geschreven naar {path} ({len(result.data)} bytes).")
    if result.document_id:
        click.echo(f"Bewaard als archiefstuk {result.document_id} (Selectielijst {dashboard.REPORT_RESULTAAT}).")


@report.command("recount", help="Count the dashboard's counters again from the documents.")
@instance_option
def report_recount(data_dir):
    from woo.services import dashboard

    ctx = _context(data_dir)
    with ctx.unit_of_work() as s:
        rows = dashboard.recount(s)
    click.echo(f"Tellingen opnieuw bepaald: {rows} tellers.")


_register_optional()

from woo.cli_sources import source_group  # noqa: E402  (issue 16: `woo source ...`)

main.add_command(source_group)

from woo.cli_organisations import organisation_group  # noqa: E402  (issue 14: `woo organisation ...`)

main.add_command(organisation_group)

if __name__ == "__main__":
    main()
