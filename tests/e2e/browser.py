"""Headless Debian Chromium for the browser tests (Playwright drives it; no browser download)."""
from __future__ import annotations

import shutil

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
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
