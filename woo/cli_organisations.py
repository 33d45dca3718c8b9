"""`woo organisation add|list|set|theme|unit-add|unit-rename|unit-delete|member-add|member-remove|hand-over`: thin, every
command calls woo.services.organisations (as the admin page /beheer/organisaties does)."""
from __future__ import annotations

import json

import click

from woo.cli_shims import _actor, _ctx, _instance


def _run(fn):
    from woo.services.organisations import OrganisationError

    try:
        return fn()
    except OrganisationError as exc:
        raise click.ClickException(str(exc)) from exc


def _contact(email, phone, address, url) -> dict | None:
    given = {"email": email, "phone": phone, "address": address, "url": url}
    return None if all(v is None for v in given.values()) else given


def _contact_options(fn):
    for name, help_ in (("--url", "Contact page (bereikbaarheidsgegevens), https://..."),
                        ("--address", "Visiting address."), ("--phone", "Telephone number."),
                        ("--email", "E-mail address.")):
        fn = click.option(name, help=help_ + ' "" clears it.')(fn)
    return fn


@click.group("organisation", help="Organisations (TOOI) of this installation and their units (afdelingen).")
def organisation_group():
    pass


@organisation_group.command("add", help="Add an organisation by its TOOI code (gm0363, ws0636, ...) or URI.")
@_instance
@click.argument("tooi_code")
@click.option("--name", help="Display name (default: the TOOI name).")
@click.option("--public-url", help="The public site's address, e.g. https://open.example.nl.")
@click.option("--theme-css", help="Same-site path of the NL Design System token CSS, e.g. /thema/org.css.")
@click.option("--logo", help="Same-site path of the logo, e.g. /thema/logo.svg.")
@_contact_options
@click.option("--user", "username", help="Act as this woo user.")
def organisation_add(data_dir, tooi_code, name, public_url, theme_css, logo, email, phone, address, url, username):
    from woo.services import organisations as orgsvc

    ctx = _ctx(data_dir)
    actor = _actor(ctx, username)
    org_id = _run(lambda: orgsvc.add(ctx, actor, tooi_code, name=name, public_base_url=public_url,
                                     theme_css_url=theme_css, logo_url=logo,
                                     contact=_contact(email, phone, address, url)))
    with ctx.unit_of_work() as s:
        view = orgsvc.get(s, org_id)
    click.echo(f"Organisatie toegevoegd: {view.name} ({view.code}), {view.tooi_uri}")


@organisation_group.command("list", help="List organisations with their units.")
@_instance
@click.option("--json", "as_json", is_flag=True)
def organisation_list(data_dir, as_json):
    from dataclasses import asdict

    from woo.services import organisations as orgsvc

    ctx = _ctx(data_dir)
    with ctx.unit_of_work() as s:
        views = orgsvc.list_organisations(s)
    if as_json:
        click.echo(json.dumps([asdict(v) for v in views], ensure_ascii=False, indent=2))
        return
    if not views:
        click.echo("Nog geen organisaties.")
    for v in views:
        click.echo(f"{v.code}\t{v.name}\t{v.public_base_url or '-'}")
        for u in v.units:
            members = ", ".join(u.members) or "geen leden"
            click.echo(f"  afdeling {u.id}: {u.name} ({members}; {u.documents} documenten)")


@organisation_group.command("set", help="Change an organisation's name, public address, theme or contact details.")
@_instance
@click.argument("code")
@click.option("--name")
@click.option("--public-url", help='The public site\'s address; "" clears it.')
@click.option("--theme-css", help='Same-site path of the token CSS; "" clears it.')
@click.option("--logo", help='Same-site path of the logo; "" clears it.')
@_contact_options
@click.option("--user", "username", help="Act as this woo user.")
def organisation_set(data_dir, code, name, public_url, theme_css, logo, email, phone, address, url, username):
    from woo.services import organisations as orgsvc

    ctx = _ctx(data_dir)
    actor = _actor(ctx, username)
    contact = _contact(email, phone, address, url)
    if contact is not None:  # a partial change keeps the other contact fields
        with ctx.unit_of_work() as s:
            current = _run(lambda: orgsvc.get(s, code)).contact
        contact = {k: (v if v is not None else current.get(k)) for k, v in contact.items()}
    changed = _run(lambda: orgsvc.change(ctx, actor, code, name=name, public_base_url=public_url,
                                         theme_css_url=theme_css, logo_url=logo, contact=contact))
    click.echo(f"Gewijzigd: {', '.join(changed)}." if changed else "Niets gewijzigd.")


@organisation_group.command("theme", help="Upload an organisation's logo (PNG or SVG) and/or set its design tokens "
                                          "from a file of '--name: value' lines (an empty file: the default theme).")
@_instance
@click.argument("code")
@click.option("--logo", "logo", type=click.Path(exists=True, dir_okay=False), help="PNG or SVG file.")
@click.option("--tokens", "tokens", type=click.Path(exists=True, dir_okay=False), help="Design tokens file.")
@click.option("--user", "username", help="Act as this woo user.")
def organisation_theme(data_dir, code, logo, tokens, username):
    from pathlib import Path

    from woo.domain.organisations import LOGO_MAX_BYTES
    from woo.services import organisations as orgsvc

    if not logo and not tokens:
        raise click.ClickException("Geef --logo of --tokens (of beide).")
    ctx = _ctx(data_dir)
    actor = _actor(ctx, username)
    if logo:
        with open(logo, "rb") as fh:
            data = fh.read(LOGO_MAX_BYTES + 1)
        click.echo(f"Logo opgeslagen: {_run(lambda: orgsvc.set_logo(ctx, actor, code, data))}")
    if tokens:
        n = _run(lambda: orgsvc.set_tokens(ctx, actor, code, Path(tokens).read_text(encoding="utf-8")))
        click.echo(f"Thema opgeslagen: {n} ontwerptokens." if n else "Thema gewist (standaardthema).")


@organisation_group.command("unit-add", help="Add a unit (afdeling) to an organisation.")
@_instance
@click.argument("code")
@click.argument("name")
@click.option("--user", "username", help="Act as this woo user.")
def unit_add(data_dir, code, name, username):
    from woo.services import organisations as orgsvc

    ctx = _ctx(data_dir)
    unit_id = _run(lambda: orgsvc.add_unit(ctx, _actor(ctx, username), code, name))
    click.echo(f"Afdeling {unit_id} toegevoegd: {name.strip()}")


@organisation_group.command("unit-rename", help="Rename a unit.")
@_instance
@click.argument("unit_id", type=int)
@click.argument("name")
@click.option("--user", "username", help="Act as this woo user.")
def unit_rename(data_dir, unit_id, name, username):
    from woo.services import organisations as orgsvc

    ctx = _ctx(data_dir)
    _run(lambda: orgsvc.rename_unit(ctx, _actor(ctx, username), unit_id, name))
    click.echo(f"Afdeling {unit_id} heet nu {name.strip()}")


@organisation_group.command("unit-delete", help="Delete a unit that holds no documents or dossiers (hand them "
                                                "over first); its members leave it.")
@_instance
@click.argument("unit_id", type=int)
@click.option("--user", "username", help="Act as this woo user.")
def unit_delete(data_dir, unit_id, username):
    from woo.services import organisations as orgsvc

    ctx = _ctx(data_dir)
    name = _run(lambda: orgsvc.delete_unit(ctx, _actor(ctx, username), unit_id))
    click.echo(f"Afdeling {unit_id} ({name}) verwijderd.")


@organisation_group.command("member-add", help="Put a user in a unit (a user may be in several).")
@_instance
@click.argument("unit_id", type=int)
@click.argument("member")
@click.option("--user", "username", help="Act as this woo user.")
def member_add(data_dir, unit_id, member, username):
    from woo.services import organisations as orgsvc

    ctx = _ctx(data_dir)
    added = _run(lambda: orgsvc.add_member(ctx, _actor(ctx, username), unit_id, member))
    click.echo(f"{member} is lid van afdeling {unit_id}." if added else f"{member} was al lid van afdeling {unit_id}.")


@organisation_group.command("member-remove", help="Take a user out of a unit.")
@_instance
@click.argument("unit_id", type=int)
@click.argument("member")
@click.option("--user", "username", help="Act as this woo user.")
def member_remove(data_dir, unit_id, member, username):
    from woo.services import organisations as orgsvc

    ctx = _ctx(data_dir)
    removed = _run(lambda: orgsvc.remove_member(ctx, _actor(ctx, username), unit_id, member))
    click.echo(f"{member} is geen lid meer van afdeling {unit_id}." if removed
               else f"{member} was geen lid van afdeling {unit_id}.")


@organisation_group.command("hand-over", help="Hand a document or a dossier (with its documents) over to another "
                                              "unit of its organisation.")
@_instance
@click.option("--document", "document_id")
@click.option("--dossier", "dossier_id")
@click.option("--unit", "unit_id", type=int, required=True)
@click.option("--user", "username", help="Act as this woo user.")
def hand_over(data_dir, document_id, dossier_id, unit_id, username):
    from woo.services import organisations as orgsvc

    if bool(document_id) == bool(dossier_id):
        raise click.ClickException("Geef --document of --dossier (één van beide).")
    ctx = _ctx(data_dir)
    actor = _actor(ctx, username)
    if document_id:
        moved = _run(lambda: orgsvc.hand_over_document(ctx, actor, document_id, unit_id))
        click.echo(f"Document overgedragen aan afdeling {unit_id}." if moved
                   else f"Het document hoort al bij afdeling {unit_id}.")
    else:
        n = _run(lambda: orgsvc.hand_over_dossier(ctx, actor, dossier_id, unit_id))
        click.echo(f"Dossier overgedragen aan afdeling {unit_id}, met {n} documenten.")
