"""What the command groups outside woo/cli.py (cli_sources, cli_organisations) borrow from it. woo.cli imports
those groups at its end to register them, so they reach back into it only when a command runs."""
from __future__ import annotations


def _ctx(data_dir):
    from woo.cli import _context

    return _context(data_dir)


def _actor(ctx, username):
    from woo.cli import _cli_actor

    return _cli_actor(ctx, username)


def _instance(fn):
    from woo.cli import instance_option

    return instance_option(fn)
