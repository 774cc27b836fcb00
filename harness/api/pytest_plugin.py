"""The pytest plugin: gate summary quality in your own test suite, with no key in CI.

Installed with sumbench (entry point ``pytest11``), so any project that has sumbench
gets the ``sumbench_run`` fixture::

    def test_summary_quality(sumbench_run):
        run = sumbench_run("evals/news", cassette="cassettes/news.yaml")
        assert run.mean("mini-concise", "rougeLsum") > 0.2
        run.check("results/baselines/news.json")     # the suite's [gate]; AssertionError with the table

Relative suite and cassette paths are taken from the test file's folder (then the
current one). ``pytest --sumbench-record`` records every cassette again (the keys
must be set); without it an absent cassette is recorded once and a present one
replayed, with no network.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import pytest


def pytest_addoption(parser: Any) -> None:
    group = parser.getgroup("sumbench")
    group.addoption("--sumbench-record", action="store_true", default=False,
                    help="record every cassette the sumbench_run fixture uses again (needs the API keys)")


def _suite(test_dir: Path, p: str | Path) -> str | Path:
    """Next to the test file if it is there; else as given (a path from here, or a dataset name)."""
    return test_dir / p if not Path(p).is_absolute() and (test_dir / p).exists() else p


def _cassette(test_dir: Path, p: str | Path) -> Path:
    """As given if absolute or already there; else next to the test file (where a new one is recorded)."""
    path = Path(p)
    return path if path.is_absolute() or path.exists() else test_dir / path


@pytest.fixture
def sumbench_run(request: Any, tmp_path_factory: Any) -> Callable[..., Any]:
    """``sumbench_run(suite, *, cassette=None, systems=None, **options) -> harness.RunResult``: run a suite
    into a temporary run folder (options as ``harness.run_suite``: limit, concurrency, max_cost, ...)."""
    from harness.api.calls import run_suite

    record = bool(request.config.getoption("sumbench_record"))
    test_dir = Path(str(request.path)).parent

    def run(suite: str | Path, *, cassette: str | Path | None = None, systems: list[str] | None = None,
            **options: Any) -> Any:
        tape = _cassette(test_dir, cassette) if cassette is not None else None
        out = tmp_path_factory.mktemp("sumbench") / "run"
        return run_suite(_suite(test_dir, suite), out=out, systems=systems, cassette=tape,
                         record=record and tape is not None, **options)
    return run
