"""The HTML report's comparison section, built on ``harness.analysis.compare``.

The statistics (paired bootstrap CI, permutation p, Holm, win/tie/loss) are
exactly those of ``sumbench compare``; this module only chooses the pairs
for ``sumbench report RUN [--compare RUN_B] [--a SYS --b SYS]`` and adds
what a page can show that a terminal cannot: the items that changed most,
with both summaries.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from harness.analysis.compare import PairResult, Side, pair, resolve_sides
from harness.results.rundata import load_run_data
from harness.results.scan import read_selected

TOP_CHANGED = 10


def plan_sides(run_a: Path, run_b: Path | None, sys_a: str | None, sys_b: str | None) -> list[tuple[Side, Side]]:
    """The (A, B) pairs to show; [] when no comparison was asked for. UserError on bad names."""
    if run_b is None and sys_a is None and sys_b is None:
        return []
    ra = load_run_data(run_a)
    rb = load_run_data(run_b) if run_b is not None else None
    if rb is not None and sys_a is None and sys_b is None:
        common = [n for n in ra.systems if n in rb.systems]
        if len(common) > 1:  # the report has room for every shared system
            return [(Side(ra, ra.system(n)), Side(rb, rb.system(n))) for n in common]
    sides = resolve_sides(ra, rb, sys_a, sys_b)  # same rules and messages as `sumbench compare`
    return [sides] if sides is not None else []


def _summaries(side: Side, items: set[str]) -> dict[str, str]:
    """item -> the side's summary, for the few items shown (read from the file, not held for all)."""
    return {r.item_id: r.summary or "" for r in read_selected(side.run.path, items) if r.system == side.system.name}


def changed_items(a: Side, b: Side, metric: str) -> list[dict[str, Any]]:
    va, vb = a.system.values(metric), b.system.values(metric)
    common = [i for i in a.system.items if i in va and i in vb]
    top = sorted(common, key=lambda i: (-abs(vb[i] - va[i]), i))[:TOP_CHANGED]
    sa, sb = _summaries(a, set(top)), _summaries(b, set(top))
    return [{"item": i, "a": va[i], "b": vb[i], "diff": vb[i] - va[i],
             "summary_a": sa.get(i, ""), "summary_b": sb.get(i, "")} for i in top]


def _label(side: Side, two_runs: bool) -> str:
    return f"{side.system.name} ({side.run.path.name})" if two_runs else side.system.name


def _verdict(diff: float | None, better: str | None) -> str:
    """'better'/'worse' for B, by the metric's direction ('' when it has none)."""
    if not diff or better is None:
        return ""
    return "better" if (diff > 0) == (better == "higher") else "worse"


def section(result: PairResult, primary: str | None) -> dict[str, Any]:
    two_runs = result.a.run is not result.b.run
    rows = []
    for r in result.rows:
        s = r.stats
        if not s.n:
            continue
        significant = r.p_holm is not None and r.p_holm < result.alpha
        rows.append({"metric": r.metric, "better": r.better, "n": s.n, "mean_a": s.mean_a, "mean_b": s.mean_b,
                     "diff": s.diff, "lo": s.ci_low, "hi": s.ci_high, "p": s.p, "p_holm": r.p_holm,
                     "wins": s.wins, "ties": s.ties, "losses": s.losses, "significant": significant,
                     "verdict": _verdict(s.diff, r.better) if significant else ""})
    shown = [r["metric"] for r in rows]
    metric = primary if primary in shown else (shown[0] if shown else None)
    notes = list(result.notes)
    if result.only_a:
        notes.append(f"{len(result.only_a)} item(s) only in A: {', '.join(result.only_a[:10])}")
    if result.only_b:
        notes.append(f"{len(result.only_b)} item(s) only in B: {', '.join(result.only_b[:10])}")
    return {"a": _label(result.a, two_runs), "b": _label(result.b, two_runs), "metrics": rows,
            "primary": metric, "alpha": result.alpha, "notes": notes,
            "changed": changed_items(result.a, result.b, metric) if metric else []}


def build_comparison(run_a: Path, run_b: Path | None, sys_a: str | None, sys_b: str | None,
                     primary: str | None) -> list[dict[str, Any]]:
    return [section(pair(a, b, None, seed=a.run.seed), primary) for a, b in plan_sides(run_a, run_b, sys_a, sys_b)]
