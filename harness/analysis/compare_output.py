"""Text and JSON output of ``sumbench compare`` (deterministic: same inputs, same bytes)."""

from __future__ import annotations

import json
import math
from typing import Any

from harness.analysis.compare import PairResult, RankResult
from harness.analysis.pairwise import pairwise_text
from harness.analysis.paired import (
    BOOTSTRAP_RESAMPLES,
    EXACT_MAX_N,
    PERMUTATIONS,
    Paired,
)

METHOD = {
    "confidence": 0.95,
    "ci": f"percentile paired bootstrap of the mean difference, {BOOTSTRAP_RESAMPLES} resamples",
    "test": (f"two-sided paired permutation (sign-flip) test; exact up to {EXACT_MAX_N} non-zero "
             f"differences, else {PERMUTATIONS} seeded permutations"),
    "correction": "Holm across the comparisons in this output",
    "wins": "items where B is better than A in the metric's direction",
}
_MAX_LISTED = 20


def _num(v: float | None, signed: bool = False) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "-"
    return f"{v:+.4f}" if signed else f"{v:.4f}"


def _p(p: float | None) -> str:
    if p is None:
        return "-"
    return "<0.0001" if p < 0.0001 else f"{p:.4f}"


def verdict(stats: Paired, p_holm: float | None, alpha: float, better: str | None) -> str:
    if stats.n == 0 or stats.diff is None or p_holm is None:
        return "no data"
    if p_holm >= alpha:
        return "no significant difference"
    if better is None:
        return "B higher" if stats.diff > 0 else "B lower"
    improved = (stats.diff < 0) if better == "lower" else (stats.diff > 0)
    return "B better" if improved else "B worse"


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    fmt = lambda r: "  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip()  # noqa: E731
    return [fmt(header), fmt(["-" * w for w in widths]), *(fmt(r) for r in rows)]


def _listed(ids: list[str]) -> str:
    shown = ", ".join(ids[:_MAX_LISTED])
    return shown + (f", ... ({len(ids) - _MAX_LISTED} more)" if len(ids) > _MAX_LISTED else "")


def pair_text(res: PairResult) -> str:
    a, b = res.a, res.b
    lines = [f"A: {a.system.name}  ({a.run.path})", f"B: {b.system.name}  ({b.run.path})", ""]
    header = ["metric", "better", "mean A", "mean B", "B-A", "95% CI of B-A", "p", "p Holm", "W/T/L", "n", "verdict"]
    rows = []
    for r in res.rows:
        s = r.stats
        ci = f"[{_num(s.ci_low, True)}, {_num(s.ci_high, True)}]" if s.n else "-"
        rows.append([r.metric, r.better or "-", _num(s.mean_a), _num(s.mean_b),
                     _num(s.diff, True), ci, _p(s.p), _p(r.p_holm), f"{s.wins}/{s.ties}/{s.losses}", str(s.n),
                     verdict(s, r.p_holm, res.alpha, r.better)])
    lines += _table(header, rows)
    lines += ["", f"W/T/L: items where B is better/equal/worse (higher/equal/lower if no better direction). p: two-sided paired permutation test; "
                  f"Holm across {len(res.rows)} metric(s); alpha {res.alpha}; seed {res.seed}."]
    for label, ids in ((f"only in A ({a.system.name}), no record in B", res.only_a),
                       (f"only in B ({b.system.name}), no record in A", res.only_b),
                       (f"failed in A ({a.system.name})", a.system.failed),
                       (f"failed in B ({b.system.name})", b.system.failed)):
        if ids:
            lines.append(f"{label}: {len(ids)} item(s): {_listed(ids)}")
    lines += [f"note: {n}" for n in res.notes]
    if res.pairwise is not None:
        lines += ["", *pairwise_text(res.pairwise, a.system.name, b.system.name)]
    return "\n".join(lines)


def rank_text(res: RankResult) -> str:
    lines = [f"ranking of {len(res.run.systems)} systems in {res.run.path} "
             f"({res.n_items} items scored by every system)"]
    for metric, rows in res.tables.items():
        better = res.run.catalog.direction(metric)
        label = f"{metric} ({better} is better)" if better else f"{metric} (no better direction)"
        header = ["rank", "system", label, "diff vs #1", "95% CI", "p Holm", "W/T/L vs #1", "n"]
        body = []
        for k, r in enumerate(rows, start=1):
            s = r.vs_leader
            if s is None:
                body.append([str(k), r.system, _num(r.mean), "", "", "", "", ""])
                continue
            body.append([str(k), r.system, _num(r.mean), _num(s.diff, True),
                         f"[{_num(s.ci_low, True)}, {_num(s.ci_high, True)}]" if s.n else "-",
                         _p(r.p_holm), f"{s.wins}/{s.ties}/{s.losses}", str(s.n)])
        lines += ["", *_table(header, body)]
    lines += ["", "diff vs #1: mean of (system - leader) per item; W/T/L: items where the system beats/ties/"
                  "loses to the leader. p: two-sided paired permutation test, Holm across every comparison "
                  f"above; seed {res.seed}."]
    lines += [f"note: {n}" for n in res.notes]
    return "\n".join(lines)


def _stats_dict(s: Paired) -> dict[str, Any]:
    return {"n": s.n, "mean_a": s.mean_a, "mean_b": s.mean_b, "diff": s.diff, "ci_low": s.ci_low,
            "ci_high": s.ci_high, "p": s.p, "p_exact": s.exact, "wins": s.wins, "ties": s.ties,
            "losses": s.losses}


def _side(side) -> dict[str, Any]:
    return {"run": str(side.run.path), "system": side.system.name, "records": len(side.system.items),
            "failed": side.system.failed}


def pair_json(res: PairResult) -> str:
    out = {"kind": "pair", "seed": res.seed, "alpha": res.alpha, "method": METHOD,
           "a": _side(res.a), "b": _side(res.b), "only_in_a": res.only_a, "only_in_b": res.only_b,
           "metrics": [{"metric": r.metric, "better": r.better,
                        **_stats_dict(r.stats), "p_holm": r.p_holm,
                        "verdict": verdict(r.stats, r.p_holm, res.alpha, r.better)} for r in res.rows],
           "notes": res.notes}
    if res.pairwise is not None:
        out["pairwise"] = res.pairwise
    return json.dumps(out, indent=2, ensure_ascii=False, allow_nan=False)


def rank_json(res: RankResult) -> str:
    out = {"kind": "ranking", "run": str(res.run.path), "seed": res.seed, "alpha": res.alpha,
           "method": {**METHOD, "wins": "items where the system beats the leader"},
           "n_items": res.n_items,
           "metrics": {m: [{"rank": k, "system": r.system, "mean": r.mean,
                            "vs_leader": _stats_dict(r.vs_leader) if r.vs_leader else None, "p_holm": r.p_holm}
                           for k, r in enumerate(rows, start=1)] for m, rows in res.tables.items()},
           "notes": res.notes}
    return json.dumps(out, indent=2, ensure_ascii=False, allow_nan=False)
