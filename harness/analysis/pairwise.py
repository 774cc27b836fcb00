"""The pairwise judge's verdicts on one pair of systems, as statistics ``compare`` prints.

``win_rate_b`` counts ties as half a win; its 95% interval is a seeded paired
bootstrap over items; ``p`` is an exact two-sided sign test on the decided items
(ties carry no evidence either way). ``position_consistency`` is the share of items
whose two orders agreed and ``first_position_rate`` the share of order-level verdicts
that picked whichever summary was shown first: 0.5 is an unbiased judge, and a
judge below 0.6 consistency is mostly reacting to order.
"""

from __future__ import annotations

from math import comb
from typing import Any

from harness.analysis.paired import bootstrap_mean_ci, metric_seed
from harness.results.pairwise import PairwiseLine

LOW_CONSISTENCY = 0.6


def sign_test_p(wins: int, losses: int) -> float:
    """Exact two-sided binomial test of wins vs losses at p = 0.5."""
    n = wins + losses
    if n == 0:
        return 1.0
    k = min(wins, losses)
    tail = sum(comb(n, i) for i in range(k + 1)) / 2 ** n
    return min(1.0, 2 * tail)


def oriented(lines: list[PairwiseLine], a: str, b: str) -> list[PairwiseLine]:
    """Lines about systems a and b, with ``outcome`` as seen from (a, b) even if judged as (b, a)."""
    swap = {"a": "b", "b": "a", "tie": "tie", None: None}
    out = []
    for x in lines:
        if (x.a, x.b) == (a, b):
            out.append(x)
        elif (x.a, x.b) == (b, a):
            out.append(x.model_copy(update={"a": a, "b": b, "outcome": swap[x.outcome]}))
    return out


def pairwise_stats(lines: list[PairwiseLine], a: str, b: str, seed: int) -> dict[str, Any] | None:
    mine = oriented(lines, a, b)
    if not mine:
        return None
    decided = [x for x in mine if x.outcome is not None]
    wins_a = sum(x.outcome == "a" for x in decided)
    wins_b = sum(x.outcome == "b" for x in decided)
    ties = len(decided) - wins_a - wins_b
    scores = [1.0 if x.outcome == "b" else 0.5 if x.outcome == "tie" else 0.0 for x in decided]
    n = len(decided)
    low, high = bootstrap_mean_ci(scores, metric_seed(seed, f"pairwise:{a}:{b}")) if n else (None, None)
    verdicts = [o.verdict for x in decided for o in x.orders]
    return {"judge_lines": len(mine), "n": n, "undecided": len(mine) - n, "wins_a": wins_a, "wins_b": wins_b,
            "ties": ties, "win_rate_b": (wins_b + 0.5 * ties) / n if n else None, "ci_low": low, "ci_high": high,
            "p": sign_test_p(wins_a, wins_b),
            "position_consistency": sum(bool(x.consistent) for x in decided) / n if n else None,
            "first_position_rate": verdicts.count("first") / len(verdicts) if verdicts else None}


def pairwise_text(s: dict[str, Any], a: str, b: str) -> list[str]:
    def f(v: float | None) -> str:
        return "-" if v is None else f"{v:.3f}"
    lines = [f"pairwise judge ({s['n']} items judged in both orders"
             + (f", {s['undecided']} undecided" if s["undecided"] else "") + "):",
             f"  wins A ({a}) {s['wins_a']}, wins B ({b}) {s['wins_b']}, ties {s['ties']}; "
             f"win rate of B {f(s['win_rate_b'])} [{f(s['ci_low'])}, {f(s['ci_high'])}] (ties count half), "
             f"sign test p {f(s['p'])}",
             f"  position consistency {f(s['position_consistency'])}, "
             f"first-position rate {f(s['first_position_rate'])} (0.5 = no position bias)"]
    pc = s["position_consistency"]
    if pc is not None and pc < LOW_CONSISTENCY:
        lines.append(f"warning: position consistency {pc:.2f} is below {LOW_CONSISTENCY}: this judge is mostly "
                     "reacting to order; its wins mean little")
    if s["undecided"]:
        lines.append(f"warning: {s['undecided']} item(s) undecided (a judge call failed or gave no verdict); "
                     "see errors in pairwise.jsonl")
    return lines
