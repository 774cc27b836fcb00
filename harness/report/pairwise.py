"""The ``[pairwise]`` judge in the reports: one row per judged pair, and each shown item's verdicts.

The figures are those of ``sumbench compare`` (``harness.analysis.pairwise``: the same
statistics, seed and warning sentences); this module gathers them for report.md
(``markdown.pairwise_table``) and report.html (its "Pairwise judge" section and the
item drill-down). A run without ``pairwise.jsonl`` gets nothing from here, so its reports
are what they were before the judge existed. Per-item verdicts go only with the items
report.html embeds (``report.selection``), each reason and error cut at ``TEXT_CHARS``,
so the page stays bounded however many items were judged. A pairwise.jsonl that does
not load is said in the reports, never a failed report.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.analysis.pairwise import LOW_CONSISTENCY, pairwise_stats, pairwise_text
from harness.core.errors import UserError
from harness.results.pairwise import PAIRWISE, PairwiseLine, read_pairwise

TEXT_CHARS = 1000  # a judge's reason (or an order's error) at most, per order, in report.html
WARNING = "warning: "  # how pairwise_text starts the sentences compare prints as warnings


@dataclass
class PairwiseView:
    pairs: list[dict[str, Any]] = field(default_factory=list)  # one row per judged pair, in suite order
    lines: list[PairwiseLine] = field(default_factory=list)
    note: str | None = None  # said instead of the table: the file does not load, or holds no verdict


def run_seed(manifest: dict[str, Any]) -> int:
    seed = manifest.get("seed", 0)
    return seed if isinstance(seed, int) and not isinstance(seed, bool) else 0


def load_pairwise(run_dir: Path, manifest: dict[str, Any]) -> PairwiseView | None:
    """The judge's pairs with their statistics; None when the run has no pairwise.jsonl."""
    if not (run_dir / PAIRWISE).is_file():
        return None
    try:
        lines = read_pairwise(run_dir)
    except UserError as exc:
        return PairwiseView(note=f"{PAIRWISE} could not be read ({exc}); the judge's verdicts are not shown.")
    if not lines:
        return PairwiseView(note=f"{PAIRWISE} holds no verdicts yet (judge the run: sumbench judge {run_dir}).")
    seed = run_seed(manifest)
    rows = []
    for a, b in judged_pairs(lines, manifest):
        stats = pairwise_stats(lines, a, b, seed)
        if stats is None:
            continue
        warnings = [t[len(WARNING):] for t in pairwise_text(stats, a, b) if t.startswith(WARNING)]
        pc = stats["position_consistency"]
        rows.append({"a": a, "b": b, **stats, "warnings": warnings,
                     "low": pc is not None and pc < LOW_CONSISTENCY})
    return PairwiseView(pairs=rows, lines=lines)


def judged_pairs(lines: list[PairwiseLine], manifest: dict[str, Any]) -> list[tuple[str, str]]:
    """Each pair once, as it was judged, in the order of the suite's systems."""
    rank = {name: k for k, name in enumerate(manifest.get("systems") or {})}
    seen: dict[frozenset[str], tuple[str, str]] = {}
    for x in lines:
        seen.setdefault(frozenset((x.a, x.b)), (x.a, x.b))
    return sorted(seen.values(), key=lambda p: (rank.get(p[0], len(rank)), rank.get(p[1], len(rank))))


def _cut(text: str | None) -> str | None:
    if text is None or len(text) <= TEXT_CHARS:
        return text
    return text[:TEXT_CHARS] + f"… ({len(text) - TEXT_CHARS:,} more characters in {PAIRWISE})"


def item_verdicts(view: PairwiseView, shown: set[str]) -> dict[str, list[dict[str, Any]]]:
    """item id -> its lines (both orders, reasons cut), for the shown items only, pairs in table order."""
    order = {frozenset((p["a"], p["b"])): k for k, p in enumerate(view.pairs)}
    out: dict[str, list[dict[str, Any]]] = {}
    for x in sorted((x for x in view.lines if x.item_id in shown),
                    key=lambda x: (order.get(frozenset((x.a, x.b)), len(order)), x.item_id)):
        out.setdefault(x.item_id, []).append({
            "a": x.a, "b": x.b, "outcome": x.outcome, "consistent": x.consistent,
            "orders": [{"first": o.first, "second": o.second, "verdict": o.verdict, "reason": _cut(o.reason),
                        "error": _cut(o.error), "cached": o.cached} for o in x.orders]})
    return out


def html_payload(view: PairwiseView, shown: set[str]) -> dict[str, Any]:
    """What report.html's pairwise script reads: [item id, lines] pairs (a list: any id is safe as data)."""
    return {"items": list(item_verdicts(view, shown).items())}
