"""The steps after a run: metrics.json, report.md and report.html from the run folder.

The runner writes records only; this is the one place that turns a finished run
into its metrics and reports after ``sumbench run``; ``sumbench report`` rebuilds
the same files, from the folder alone, with its own options.
"""

from __future__ import annotations

import sys
import threading
from dataclasses import replace
from pathlib import Path
from typing import Any, Callable

from harness.run.execute import RunResult, execute
from harness.run.pair import one_line
from harness.run.plan import Plan, RunOptions, prepare_article, suite_items


def write_outputs(run_dir: Path, warn: Callable[[str], None]) -> None:
    """metrics.json, then the reports; a report that fails is a warning (records and metrics are safe)."""
    from harness.report.html import write_html_report
    from harness.report.markdown import write_markdown_report
    from harness.results.metrics import write_metrics
    from harness.results.scan import scan_run

    scan = scan_run(run_dir)  # one read of records.jsonl for all three (the reports re-read only what they show)
    write_metrics(run_dir, scan)
    try:
        write_markdown_report(run_dir, scan)
        write_html_report(run_dir, scan=scan)
    except Exception as exc:  # the reports can be rebuilt from the folder
        warn(f"could not write the reports ({one_line(exc)}); "
             f"records are complete — rebuild with `sumbench report {run_dir}`")


def _preload() -> None:
    """Import what the reports need (numpy, jinja2: ~0.2 s) while the run waits on the network:
    not before the first request (that would delay it), not after the last answer."""
    import harness.report.html  # noqa: F401
    import harness.report.markdown  # noqa: F401
    import harness.results.metrics  # noqa: F401
    import jinja2  # noqa: F401  (report.html imports it only when it renders: ~25 ms)

    from harness.core.stats import bootstrap_ci

    bootstrap_ci([0.0, 1.0], 0)  # numpy.random and what np.quantile loads (numpy.ma): ~20 ms


def _preload_in_background() -> None:
    threading.Thread(target=_preload, name="sumbench-preload", daemon=True).start()


def judge_run(run_dir: Path, suite: Any, judge: Any, opts: RunOptions, systems: list[str],
              only: tuple[str, str] | None = None, spent_usd: float = 0.0) -> Any:
    """The ``[pairwise]`` judge over a run's pairs (``only``: just that one), on its items as the run
    sent them; returns ``harness.run.pairwise.PairwiseResult``."""
    from harness.run.pairwise import pairs_of, run_pairwise

    pairs = [only] if only else pairs_of(suite.config.pairwise, systems)
    articles = ((item.id, prepare_article(item, opts)[0]) for item in suite_items(suite, opts))
    concurrency = opts.concurrency or suite.config.run.concurrency
    budget = None if opts.max_cost is None else max(0.0, opts.max_cost - spent_usd)
    return run_pairwise(run_dir, judge, pairs, articles, concurrency, budget, no_wait=opts.no_wait, say=opts.status)


def run_plan(plan: Plan, opts: RunOptions) -> RunResult:
    """Execute the plan; a complete run then gets its pairwise judgements, metrics and reports."""
    if opts.on_first_request is None:
        opts = replace(opts, on_first_request=_preload_in_background)
    result = execute(plan, opts)
    if result.complete and plan.pairwise is not None:
        judged = judge_run(result.run_dir, plan.suite, plan.pairwise, opts, [c.name for c, _ in plan.systems],
                           spent_usd=result.spent_usd)
        result.pairwise_undecided = judged.undecided
        if judged.stopped:
            how = "" if judged.waiting else " --max-cost <more>"
            result.stopped = f"{judged.stopped}; finish with: sumbench judge {result.run_dir}{how}"
            result.waiting = judged.waiting
    if result.complete:
        write_outputs(result.run_dir, opts.warn)
    return result


def rejudge(run: Path, only: tuple[str, str] | None, *, concurrency: int | None, max_cost: float | None,
            cache_dir: str | None) -> int:
    """``sumbench judge``: the run's suite's [pairwise] judge over its summaries, then its figures.
    ``cache_dir``: None = no cache, "" = the default one."""
    from harness.analysis.pairwise import pairwise_stats, pairwise_text
    from harness.backends.cache import Cache, default_cache_dir
    from harness.core.errors import UserError
    from harness.results.pairwise import read_pairwise
    from harness.results.store import read_manifest
    from harness.run.pairwise import PairwiseJudge, pairs_of
    from harness.run.resume import resume_selection
    from harness.suite.datasets import load_suite

    sel = resume_selection(run, None)
    suite = load_suite(sel["suite"])
    if suite.config.pairwise is None:
        raise UserError("the run's suite has no [pairwise] table", file=suite.path,
                        fix='add [pairwise] with judge = {backend = "openai", model = "..."}')
    systems = list(read_manifest(run).get("systems", {}))
    for name in only or ():
        if name not in systems:
            raise UserError(f"no system '{name}' in this run", file=run / "manifest.json",
                            fix=f"choose from: {', '.join(systems)}")
    cache = None if cache_dir is None else Cache(Path(cache_dir) if cache_dir else default_cache_dir())
    judge = PairwiseJudge(suite.config.pairwise, suite, cache)
    opts = RunOptions(limit=sel["limit"], shard=sel["shard"], keep_duplicates=sel["keep_duplicates"],
                      concurrency=concurrency, max_cost=max_cost)
    res = judge_run(run, suite, judge, opts, systems, only)
    write_outputs(run, opts.warn)  # metrics and reports show the new judgements
    lines = read_pairwise(run)
    for a, b in [only] if only else pairs_of(suite.config.pairwise, systems):
        stats = pairwise_stats(lines, a, b, suite.config.run.seed)
        if stats is not None:
            print("\n".join([f"A: {a}  B: {b}", *pairwise_text(stats, a, b), ""]))
    print(f"{res.lines} judgement(s) written to {run / 'pairwise.jsonl'}")
    if res.stopped:
        print(f"stopped early: {res.stopped}", file=sys.stderr)
        return 1
    return 1 if res.undecided > suite.config.run.judge_error_budget else 0
