"""Headless Debian Chromium for the browser tests (Playwright drives it; no browser download)."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"  # vendored, test-only
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
               "--disable-sync", "--no-first-run", "--disable-quic"]
needs_chromium = [pytest.mark.browser,
                  pytest.mark.skipif(not CHROMIUM,
                                     reason="Debian chromium is not installed (scripts/setup --test installs it)")]


def login(page, base_url: str, username: str, password: str) -> None:
    page.goto(base_url + "/login")
    page.get_by_label("Gebruikersnaam").fill(username)
    page.get_by_label("Wachtwoord").fill(password)
    page.get_by_role("button", name="Inloggen").click()


def axe(page) -> list[dict]:
    """axe-core's WCAG 2.1 A/AA violations on the page as it is (the context needs bypass_csp=True: the CSP
    would refuse the injected script)."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("opts => axe.run(document, opts)", {"runOnly": {"type": "tag", "values": WCAG},
                                                              "resultTypes": ["violations"]})
    return [{"id": v["id"], "impact": v["impact"], "help": v["help"],
             "targets": [n["target"] for n in v["nodes"][:3]]} for v in result["violations"]]
