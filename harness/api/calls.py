"""The Python API: run a suite, read a run, compare two systems, apply a gate.

The CLI and the pytest plugin (``harness.api.pytest_plugin``) use it alike; ``harness``
re-exports it lazily (``from harness import run_suite``). Bad input raises
``harness.core.errors.UserError`` (the CLI's exit 2); a gate that fails is a
``GateResult`` with ``failures`` (``RunResult.check`` raises ``AssertionError``
with the check table instead, for tests).
"""

from __future__ import annotations

import contextlib
import functools
import json
import math
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator, Literal

from harness.core.errors import UserError


@dataclass
class RunResult:
    """A run folder and how its run ended (``exit_code``: what ``sumbench run`` exits with)."""

    run_dir: Path
    exit_code: int = 0
    status: str = "complete"
    stopped: str | None = None  # why it stopped early (--max-cost, --no-wait), else None
    messages: list[str] = field(default_factory=list)  # what the CLI prints on stderr about the outcome

    @functools.cached_property
    def metrics(self) -> dict[str, Any]:
        """metrics.json (per system: records, errors, cost, and per metric mean, n, ci_low, ci_high)."""
        from harness.results.metrics import read_metrics

        return read_metrics(self.run_dir)

    @property
    def records(self) -> list[Any]:
        """Every record of records.jsonl (``harness.core.models.Record``), in file order."""
        from harness.results.store import read_records

        return list(read_records(self.run_dir / "records.jsonl"))

    def mean(self, system: str, metric: str) -> float:
        """The system's mean of ``metric`` over its scored items (NaN when no item has a value)."""
        systems = self.metrics.get("systems", {})
        if system not in systems:
            raise KeyError(f"no system {system!r} in {self.run_dir}; systems: {', '.join(systems)}")
        known = systems[system].get("metrics", {})
        if metric not in known:
            raise KeyError(f"system {system!r} has no metric {metric!r}; metrics: {', '.join(known)}")
        mean = known[metric].get("mean")
        return math.nan if mean is None else float(mean)

    def check(self, baseline: str | Path | None = None, rules: dict[str, Any] | None = None, *,
              systems: list[str] | None = None, seed: int | None = None) -> Any:
        """Apply the suite's ``[gate]`` (or ``rules``, the same format); raise ``AssertionError`` whose
        message is the check table when a rule fails. Returns the ``GateResult`` otherwise."""
        from harness.analysis.gate_output import console

        result = check(self.run_dir, baseline, rules, systems=systems, seed=seed)
        if result.failures:
            raise AssertionError(console(result))
        return result


def run_suite(suite: str | Path, *, out: str | Path | None = None, systems: list[str] | None = None,
              limit: int | None = None, concurrency: int | None = None, cache_dir: str | Path | None = None,
              no_cache: bool = False, max_cost: float | None = None, workers: int | None = None,
              keep_duplicates: bool = False, strict: bool = False, results_dir: str | Path = "results",
              cassette: str | Path | None = None, record: bool = False,
              progress: Literal["off", "auto", "live", "log"] = "off") -> RunResult:
    """Run a suite (a folder with suite.toml, a suite file, or a dataset name) into ``out`` (default: a
    new folder under ``results_dir``); the same run as ``sumbench run``. ``cassette``: replay HTTP from
    that file (recording it first when absent, or with ``record=True``)."""
    from harness.run.plan import RunOptions, plan_run
    from harness.suite.datasets import load_suite

    if cassette is not None and cache_dir is None:  # every exchange must reach the cassette
        no_cache = True
    opts = RunOptions(systems=list(systems or []), limit=limit, concurrency=concurrency,
                      out=Path(out) if out is not None else None, results_dir=Path(results_dir),
                      keep_duplicates=keep_duplicates, progress=progress, no_cache=no_cache,
                      cache_dir=Path(cache_dir) if cache_dir is not None else None, max_cost=max_cost,
                      strict=strict, workers=workers, argv=["(python)", "run_suite", str(suite)])
    with cassette_session(cassette, record, suite):  # before planning: a replay needs no key
        return run_planned(plan_run(load_suite(suite), opts), opts)


@contextlib.contextmanager
def cassette_session(cassette: str | Path | None, record: bool, suite: Any, echo: bool = False) -> Iterator[Any]:
    """Record or replay every HTTP exchange inside the block (``harness.testing.user_cassette``); nothing
    when ``cassette`` is None. ``echo``: say on stderr what was replayed or recorded."""
    if cassette is None:
        yield None
        return
    from harness.testing.user_cassette import use_run_cassette

    with use_run_cassette(Path(cassette), record=record, suite=str(suite) if suite else None) as session:
        yield session
    if echo:
        print(session.summary(), file=sys.stderr)


def run_planned(plan: Any, opts: Any, *, echo: bool = False) -> RunResult:
    """Execute a plan (``harness.run.plan``) into its folder; ``echo``: print what ``sumbench run``
    prints (the table, usage, the run folder, and on stderr why it stopped)."""
    from harness.pipeline import run_plan

    if opts.out is None and opts.resume is None:
        from harness.results.store import new_run_dir

        opts.out = new_run_dir(opts.results_dir, plan.suite.config.name)
    result = run_plan(plan, opts)
    out = outcome(result)
    if echo:
        _echo(result, out)
    return out


def outcome(result: Any) -> RunResult:
    """``harness.run.execute.RunResult`` -> exit code and the lines that explain it."""
    res = RunResult(result.run_dir, status="complete" if result.complete else "interrupted", stopped=result.stopped)
    if result.waiting:  # --no-wait: nothing is wrong, the batches run at the provider
        res.messages.append(f"batches submitted: {result.stopped}")
        return res
    if result.stopped:
        res.exit_code = 1
        res.messages.append(f"stopped early: {result.stopped}")
        return res
    res.messages += result.tally.lines(result.judge_error_budget)
    if result.n_errors > result.error_budget:
        res.messages.append(f"error: {result.n_errors} of {result.n_records} records failed (error budget "
                            f"{result.error_budget}); see 'error' in {result.run_dir / 'records.jsonl'}")
        res.exit_code = 1
    if result.tally.n_undecided > result.judge_error_budget:
        res.exit_code = 1  # a recall computed from fewer claims must not pass as a clean run
    if result.pairwise_undecided > result.judge_error_budget:
        res.messages.append(f"error: {result.pairwise_undecided} pairwise judgement(s) undecided "
                            f"(judge_error_budget {result.judge_error_budget}); see 'error' in "
                            f"{result.run_dir / 'pairwise.jsonl'}")
        res.exit_code = 1
    return res


def _echo(result: Any, res: RunResult) -> None:
    from harness.report.markdown import console_table
    from harness.report.usage import usage_lines

    if result.waiting or result.stopped:
        for line in res.messages:
            print(line, file=sys.stderr)
        label = "interrupted, waiting on batches" if result.waiting else \
            ("complete" if result.complete else "interrupted")
        print(f"run folder ({label}): {result.run_dir}")
        return
    print(console_table(result.run_dir))
    print(usage_lines(result.run_dir), end="")
    print(f"\nrun folder: {result.run_dir}")
    for line in res.messages:
        print(line, file=sys.stderr)


def load_run(run_dir: str | Path) -> RunResult:
    """A run folder as a ``RunResult`` (its status from the manifest; exit_code 0)."""
    from harness.results.store import read_manifest

    path = Path(run_dir)
    manifest = read_manifest(path)
    return RunResult(path, status=str(manifest.get("status")), stopped=manifest.get("stopped"))


def compare(run: str | Path, a: str, b: str, *, run_b: str | Path | None = None, metrics: list[str] | None = None,
            seed: int | None = None, alpha: float = 0.05) -> dict[str, Any]:
    """``sumbench compare RUN [RUN_B] --a A --b B --json``, as a dict."""
    from harness.analysis.compare import pair, resolve_sides
    from harness.analysis.compare_output import pair_json
    from harness.results.rundata import load_run_data

    data_a = load_run_data(run)
    data_b = load_run_data(run_b) if run_b is not None else None
    sides = resolve_sides(data_a, data_b, a, b)
    if sides is None:
        raise UserError("compare needs both systems", fix="pass a and b")
    return json.loads(pair_json(pair(*sides, metrics, data_a.seed if seed is None else seed, alpha)))


def check(run: str | Path, baseline: str | Path | None = None, rules: dict[str, Any] | None = None, *,
          systems: list[str] | None = None, seed: int | None = None) -> Any:
    """The gate on a run: the suite's ``[gate]``, or ``rules`` in the same format (``{"rougeLsum": {"min":
    0.2}}``). Returns ``harness.analysis.gate.GateResult`` (``.failures`` empty when it passes)."""
    from dataclasses import replace

    from pydantic import ValidationError

    from harness.analysis.gate import evaluate, load_rules
    from harness.core.files import validation_error
    from harness.results.baseline import load_baseline
    from harness.results.rundata import load_run_data
    from harness.suite.gate_config import GateConfig

    data = load_run_data(run)
    gate_rules = load_rules(data)
    if rules is not None:
        try:
            gate = GateConfig.model_validate(rules)
        except ValidationError as exc:
            raise validation_error(exc, Path("<rules>"), None, what="rules") from None
        gate_rules = replace(gate_rules, gate=gate, source=Path("<rules given to check()>"), text=None)
    base = Path(baseline) if baseline is not None else None
    return evaluate(data, gate_rules, load_baseline(base) if base else None, base, systems=systems, seed=seed)


__all__ = ["RunResult", "check", "compare", "load_run", "run_suite"]
