"""Fixtures of the end-to-end tests that drive a real browser."""

from __future__ import annotations

import os

import pytest

from harness.testing.browser import launch, missing_reason


@pytest.fixture(scope="module")
def browser():
    """Headless Chromium (the system's); skipped without it, unless SUMBENCH_REQUIRE_BROWSER=1 (CI)."""
    reason = missing_reason()
    if reason and os.environ.get("SUMBENCH_REQUIRE_BROWSER") == "1":
        pytest.fail(f"SUMBENCH_REQUIRE_BROWSER=1 but {reason}")
    if reason:
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = launch(p)
        yield b
        b.close()
