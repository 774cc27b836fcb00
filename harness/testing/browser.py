"""Headless Chromium for the report's browser tests and benchmark.

Uses the distribution's ``chromium`` (Debian package) through Playwright
for Python; Playwright's own browser download is never used (no network).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

INSTALL_HINT = "apt-get install -y chromium && pip install '.[test]'"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-extensions",
        "--disable-default-apps", "--mute-audio"]


def chromium_path() -> str | None:
    """The system Chromium, or $SUMBENCH_CHROMIUM if set."""
    env = os.environ.get("SUMBENCH_CHROMIUM")
    if env and Path(env).is_file():
        return env
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


def missing_reason() -> str | None:
    """Why the browser cannot run here (None when it can)."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return f"playwright is not installed; install with: {INSTALL_HINT}"
    if chromium_path() is None:
        return f"chromium is not installed; install with: {INSTALL_HINT}"
    return None


def launch(playwright):
    """A headless browser from a started ``sync_playwright()`` context."""
    return playwright.chromium.launch(executable_path=chromium_path(), args=ARGS, headless=True)
