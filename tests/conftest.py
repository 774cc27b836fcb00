"""Shared test helpers: paths to the repo's seed data and small file builders."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.paths import SEED_SUITE


@pytest.fixture
def write(tmp_path: Path):
    """write("a/b.toml", text) -> Path under tmp_path."""
    def _write(rel: str, text: str) -> Path:
        p = tmp_path / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text, encoding="utf-8")
        return p
    return _write


@pytest.fixture(scope="session")
def seed_run(tmp_path_factory):
    """One complete `sumbench run datasets/seed` folder, shared read-only by the tests that inspect it."""
    from harness.cli import main

    out = tmp_path_factory.mktemp("runs") / "seed"
    assert main(["run", str(SEED_SUITE), "--out", str(out)]) == 0
    return out
