"""`woo publish`, `woo withdraw`, `woo correct`, `woo search` and `woo sitemaps`: the publisher's actions from
the shell (same services as UI and API). Beside woo/cli.py, at the top: woo.publish is a lower layer and must
not import woo.services."""
from __future__ import annotations

import sys
from pathlib import Path

import click


def instance_option(fn):
    # Same option as woo.cli's; not imported from there because woo.cli imports this module.
    return click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path), envvar="WOO_DATA_DIR",
                        default=None, help="Instance folder (as given to `woo up`); env WOO_DATA_DIR.")(fn)


@click.command(help="Publish documents that are ready (category confirmed, text extracted). "
                    "Exit code 1 if any was refused.")
@instance_option
@click.argument("document_ids", nargs=-1)
@click.option("--all-ready", is_flag=True, help="Every document whose category is confirmed.")
@click.option("--title", help="Confirm this public title while publishing (one document; needed when "
                              "no one confirmed a title yet).")
@click.option("--date", "doc_date", help="Confirm the document's own date while publishing (one document; "
                                        "needed when none was found in the text).")
@click.option("--handeling", type=click.Choice(["vaststelling", "ondertekening", "ontvangst"]),
              default="vaststelling", show_default=True, help="What happened on --date.")
@click.option("--language", help="Confirm the language (nl, en, Nederlands, ...; needed when not detected).")
@click.option("--user", "username", help="Act as this woo user (recorded in the history).")
def publish_command(data_dir, document_ids, all_ready, title, doc_date, handeling, language, username):
    from woo.cli import _cli_actor, _context
    from woo.services import publication

    ctx = _context(data_dir)
    actor = _cli_actor(ctx, username)
    ids = list(document_ids)
    if all_ready:
        with ctx.unit_of_work() as s:
            ids += publication.ready_document_ids(s)
    if not ids:
        raise click.UsageError("Geef documentnummers of --all-ready.")
    fields = publication.publish_fields(title, doc_date, handeling if doc_date else None, language)
    if fields and len(ids) != 1:
        raise click.UsageError("--title, --date en --language gelden voor één document.")
    result = publication.publish(ctx, actor, ids, metadata={ids[0]: fields} if fields else None)
    click.echo(f"Gepubliceerd: {len(result.published)}, geweigerd: {len(result.refused)}")
    for doc_id, reasons in result.refused.items():
        click.echo(f"  geweigerd  {doc_id}: {' '.join(reasons)}")
    sys.exit(1 if result.refused else 0)


@click.command(help="Withdraw published documents; REASON is a TOOI redenVerwijderingVervanging "
                    "(code, label or URI).")
@instance_option
@click.argument("document_ids", nargs=-1, required=True)
@click.option("--reason", required=True,
              help="correctie_privacygevoelige_gegevens or correctie_procedurele_fout (or the TOOI URI).")
@click.option("--user", "username", help="Act as this woo user (recorded in the history).")
def withdraw_command(data_dir, document_ids, reason, username):
    from woo.cli import _cli_actor, _context
    from woo.services import publication

    ctx = _context(data_dir)
    try:
        done = publication.withdraw(ctx, _cli_actor(ctx, username), list(document_ids), reason)
    except publication.PublicationError as exc:
        raise click.ClickException(str(exc))
    click.echo(f"Ingetrokken: {len(done)}")


@click.command(help="Replace the public file of a published document (same URL, later lastmod); REASON is a "
                    "TOOI redenVerwijderingVervanging (code, label or URI).")
@instance_option
@click.argument("document_id")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--reason", required=True,
              help="correctie_privacygevoelige_gegevens or correctie_procedurele_fout (or the TOOI URI).")
@click.option("--user", "username", help="Act as this woo user (recorded in the history).")
def correct_command(data_dir, document_id, path, reason, username):
    from woo.cli import _cli_actor, _context
    from woo.services import publication

    ctx = _context(data_dir)
    try:
        result = publication.correct(ctx, _cli_actor(ctx, username), document_id, path, path.name, reason)
    except publication.PublicationError as exc:
        raise click.ClickException(str(exc))
    if result.published:
        click.echo(f"Gecorrigeerd: {document_id} ({path.name})")
    else:
        click.echo(f"Correctie ingediend: {document_id} ({path.name}); het huidige bestand blijft openbaar tot de "
                   "controle is afgerond en niets meer openstaat:")
        for reason_text in result.blockers:
            click.echo(f"  - {reason_text}")


@click.group(help="The public full-text search index (woo.publish.search).")
def search_group():
    pass


@search_group.command("reindex", help="Index every published document again (after an upgrade from before the "
                                      "search index, or when it is suspect).")
@instance_option
def search_reindex_command(data_dir):
    from woo.cli import _context
    from woo.publish import search

    click.echo(f"Opnieuw geïndexeerd: {search.rebuild(_context(data_dir))}")


@click.group(help="The stored DiWoo sitemaps the Woo-index harvests (woo.services.feeds).")
def sitemaps_group():
    pass


@sitemaps_group.command("rebuild", help="Write every sitemap page anew: after an upgrade, a restore, a changed host, "
                                        "or documents written into the database by other means.")
@instance_option
@click.option("--processes", type=click.IntRange(1, 64), default=None,
              help="Worker processes for rendering (default: the number of CPU cores).")
def sitemaps_rebuild_command(data_dir, processes):
    import os

    from woo.cli import _context
    from woo.services import feeds

    ctx = _context(data_dir)
    labels = {"placed": "Organisaties/categorieën geplaatst", "rendered": "Sitemaps geschreven"}
    last = {"stage": None}

    def progress(stage: str, done: int, total: int) -> None:
        if last["stage"] not in (None, stage):
            click.echo()
        last["stage"] = stage
        click.echo(f"\r{labels[stage]}: {done:,} van {total:,}".replace(",", "."), nl=False)

    result = feeds.rebuild(ctx, processes or os.cpu_count() or 1, progress)
    click.echo()
    click.echo(f"Klaar: {result.placed} documenten nieuw geplaatst, {result.pages} sitemaps geschreven.")
    for doc_id, reason in sorted(result.skipped.items()):
        click.echo(f"  niet opgenomen  {doc_id}: {reason}")
    sys.exit(1 if result.skipped else 0)


@sitemaps_group.command("refresh", help="Work off pending changes now (what the worker does after each publish).")
@instance_option
def sitemaps_refresh_command(data_dir):
    from woo.cli import _context
    from woo.services import feeds

    result = feeds.refresh_pending(_context(data_dir))
    click.echo(f"{result.placed} wijzigingen verwerkt, {result.pages} sitemaps geschreven.")
