"""Paired differences for the HTML report's comparison section.

Pairs are (item, system A) against (item, system B), from one run
(``--a/--b``) or two runs (``--compare RUN_B``). Only items with a finite
value on both sides count. Differences are B − A with a seeded paired
bootstrap CI of the mean difference.
"""

from __future__ import annotations

import math
from typing import Any

from harness.errors import UserError
from harness.models import Record
from harness.stats import bootstrap_ci

TOP_CHANGED = 10


def _finite(v: float | None) -> bool:
    return v is not None and not (isinstance(v, float) and math.isnan(v))


def pair_plan(systems_a: list[str], systems_b: list[str], sys_a: str | None, sys_b: str | None,
              two_runs: bool, run_a: str, run_b: str) -> list[tuple[str, str]]:
    """Which (system in A, system in B) pairs to compare; UserError for unknown names."""
    if (sys_a is None) != (sys_b is None):
        raise UserError("--a and --b go together", fix="give both, e.g. --a lead3 --b textrank")
    if sys_a is not None and sys_b is not None:
        if sys_a not in systems_a:
            raise UserError(f"unknown system {sys_a!r} for --a", file=run_a, fix=f"use one of: {', '.join(systems_a)}")
        if sys_b not in systems_b:
            raise UserError(f"unknown system {sys_b!r} for --b", file=run_b, fix=f"use one of: {', '.join(systems_b)}")
        return [(sys_a, sys_b)]
    if not two_runs:
        return []
    common = [s for s in systems_a if s in systems_b]
    if not common:
        raise UserError("the two runs have no system in common", file=run_b,
                        fix="name the systems to compare with --a SYSTEM_IN_RUN --b SYSTEM_IN_RUN_B")
    return [(s, s) for s in common]


def paired(recs_a: list[Record], recs_b: list[Record], metric: str) -> list[tuple[str, float, float]]:
    a = {r.item_id: r.scores.get(metric) for r in recs_a if r.summary is not None}
    b = {r.item_id: r.scores.get(metric) for r in recs_b if r.summary is not None}
    return [(i, float(a[i]), float(b[i])) for i in a if i in b and _finite(a[i]) and _finite(b[i])]  # type: ignore[arg-type]


def metric_diff(pairs: list[tuple[str, float, float]], seed: int) -> dict[str, Any]:
    diffs = [y - x for _, x, y in pairs]
    n = len(diffs)
    if not n:
        return {"n": 0, "mean_a": None, "mean_b": None, "diff": None, "lo": None, "hi": None,
                "wins": 0, "ties": 0, "losses": 0}
    lo, hi = bootstrap_ci(diffs, seed)
    return {"n": n, "mean_a": sum(x for _, x, _ in pairs) / n, "mean_b": sum(y for _, _, y in pairs) / n,
            "diff": sum(diffs) / n, "lo": lo, "hi": hi,
            "wins": sum(d > 1e-12 for d in diffs), "ties": sum(abs(d) <= 1e-12 for d in diffs),
            "losses": sum(d < -1e-12 for d in diffs)}


def compare_pair(recs_a: list[Record], recs_b: list[Record], metrics: list[str], primary: str,
                 seed: int) -> dict[str, Any]:
    rows = [{"metric": m, **metric_diff(paired(recs_a, recs_b, m), seed)} for m in metrics]
    pairs = paired(recs_a, recs_b, primary)
    by_a = {r.item_id: r for r in recs_a}
    by_b = {r.item_id: r for r in recs_b}
    top = sorted(pairs, key=lambda p: (-abs(p[2] - p[1]), p[0]))[:TOP_CHANGED]
    changed = [{"item": i, "a": x, "b": y, "diff": y - x,
                "summary_a": by_a[i].summary or "", "summary_b": by_b[i].summary or ""} for i, x, y in top]
    return {"metrics": [r for r in rows if r["n"]], "changed": changed, "primary": primary}


def build_comparison(records_a: list[Record], records_b: list[Record], plan: list[tuple[str, str]],
                     metrics: list[str], primary: str, seed: int, label_a: str, label_b: str) -> list[dict[str, Any]]:
    out = []
    for sa, sb in plan:
        ra = [r for r in records_a if r.system == sa]
        rb = [r for r in records_b if r.system == sb]
        res = compare_pair(ra, rb, metrics, primary, seed)
        res.update({"a": f"{sa} ({label_a})" if label_a != label_b else sa,
                    "b": f"{sb} ({label_b})" if label_a != label_b else sb})
        out.append(res)
    return out
