"""Cosmic-Python layering: the lower packages (domain, intake, metadata, publish, archive) never import
the service layer or the web/CLI on top of them. Checked on the import statements themselves (AST), so a
function-local import counts too."""
from __future__ import annotations

import ast
from pathlib import Path

WOO = Path(__file__).resolve().parents[2] / "woo"
LOWER = ("domain", "intake", "metadata", "publish", "archive")
UPPER = ("woo.services", "woo.web", "woo.cli", "woo.cli_publish", "woo.app", "woo.worker")


def _imports(path: Path) -> list[str]:
    names = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
            names += [f"{node.module}.{a.name}" for a in node.names]
    return names


def test_lower_layers_do_not_import_upper_ones():
    offenders = []
    for package in LOWER:
        for path in sorted((WOO / package).rglob("*.py")):
            for name in _imports(path):
                if any(name == up or name.startswith(up + ".") for up in UPPER):
                    offenders.append(f"{path.relative_to(WOO.parent)}: {name}")
    assert offenders == []


# The service layer is what web, API, CLI and worker all call: it never imports any of them (the worker
# registers the context its job entry points run with: woo.services.context.use_for_jobs). Nor do the
# adapters below it.
SERVICE = ("services", "adapters")
ENTRY_POINTS = ("woo.worker", "woo.web", "woo.cli", "woo.cli_publish", "woo.cli_organisations",
                "woo.cli_sources", "woo.cli_shims", "woo.app", "woo.wsgi")


def test_services_do_not_import_the_worker_web_or_cli():
    offenders = []
    for package in SERVICE:
        for path in sorted((WOO / package).rglob("*.py")):
            for name in _imports(path):
                if any(name == up or name.startswith(up + ".") for up in ENTRY_POINTS):  # "from woo import worker" too
                    offenders.append(f"{path.relative_to(WOO.parent)}: {name}")
    assert offenders == []
