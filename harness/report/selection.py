"""Which items a report shows one by one, when a run has too many to show them all.

Every system-level figure (tables, bars, distributions) is computed from all
records; only the per-item part is bounded. A run with at most ``limit`` items
shows every item, as it always did. A bigger run shows, in this order and each
group capped: every failed item, the worst items of each system on the primary
metric, the items where the systems differ most on it, flagged items (a
checklist violation or an undecided judgement), and a seeded random sample of
the rest up to the limit. Each shown item says why it was picked; the report
says how many were left out (all of them are in records.jsonl).
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from typing import Iterable

from harness.results.scan import RunScan

HTML_ITEMS = 500  # report.html: items with their article, summaries and highlights
MD_ITEMS = 300  # report.md: items listed with their summaries...
MD_RECORDS = 900  # ...and at most this many records (items x systems): ~1 MB with 100-word summaries


def md_item_limit(n_systems: int) -> int:
    """Items report.md lists one by one: fewer when each comes with many systems' summaries."""
    return max(50, min(MD_ITEMS, MD_RECORDS // max(1, n_systems)))


@dataclass
class Selection:
    total: int  # items in the run
    reasons: dict[str, list[str]] = field(default_factory=dict)  # item id -> why it is shown, in pick order
    complete: bool = True  # every item is shown
    groups: dict[str, int] = field(default_factory=dict)  # why -> how many items it picked
    failed_total: int = 0  # items with a failed record (all shown when the failed group is not capped)

    @property
    def ids(self) -> set[str]:
        return set(self.reasons)

    @property
    def left_out(self) -> int:
        return self.total - len(self.reasons)


def select_items(scan: RunScan, metric: str | None, sign: int, limit: int, seed: int,
                 failed_cap: int | None = None) -> Selection:
    """Every item when there are at most ``limit``; else the documented groups, each capped."""
    total = len(scan.items)
    if total <= limit:
        return Selection(total=total, reasons={i: [] for i in scan.items})
    sel = Selection(total=total, complete=False)
    latest = {name: cols.latest() for name, cols in scan.systems.items()}
    failed = sorted({i for name, cols in scan.systems.items() for i, p in latest[name].items() if cols.error[p]})
    sel.failed_total = len(failed)
    per_group = max(10, limit // 5)
    _pick(sel, "failed", failed, failed_cap if failed_cap is not None else per_group)
    if metric is not None:
        values = {name: _finite_values(cols, latest[name], metric) for name, cols in scan.systems.items()}
        share = max(5, per_group // max(1, len(values)))
        for name, vals in values.items():
            worst = sorted(vals, key=lambda i: (vals[i] * (sign or 1), i))
            _pick(sel, f"worst {metric} of {name}", worst, share)
        if len(values) > 1:
            _pick(sel, f"largest spread of {metric} between systems", _by_spread(values), per_group)
    flagged = sorted({i for name, cols in scan.systems.items() for i, p in latest[name].items() if cols.flagged[p]})
    random.Random(seed).shuffle(flagged)
    _pick(sel, "flagged (checklist violation or undecided judgement)", flagged, per_group)
    rest = [i for i in scan.items if i not in sel.reasons]
    random.Random(seed + 1).shuffle(rest)
    _pick(sel, "random sample", rest, limit - len(sel.reasons))
    return sel


def _pick(sel: Selection, why: str, candidates: Iterable[str], cap: int) -> None:
    n = 0
    for item in candidates:
        if n >= cap:
            break
        first = item not in sel.reasons
        sel.reasons.setdefault(item, []).append(why)
        n += first  # an item already shown for another reason does not use up this group's room
    if n:
        sel.groups[why] = n


def _finite_values(cols, latest: dict[str, int], metric: str) -> dict[str, float]:
    col = cols.scores.get(metric)
    if col is None:
        return {}
    out = {}
    for item, p in latest.items():
        if col.present[p] and not cols.error[p] and math.isfinite(col.values[p]):
            out[item] = col.values[p]
    return out


def _by_spread(values: dict[str, dict[str, float]]) -> list[str]:
    """Items scored by two or more systems, the largest max - min first."""
    spread: dict[str, tuple[float, float]] = {}  # item -> (lowest, highest); hi > lo needs two systems
    for vals in values.values():
        for item, v in vals.items():
            lo, hi = spread.get(item, (v, v))
            spread[item] = (min(lo, v), max(hi, v))
    ranked = [(hi - lo, item) for item, (lo, hi) in spread.items() if hi > lo]
    return [item for _, item in sorted(ranked, key=lambda t: (-t[0], t[1]))]
