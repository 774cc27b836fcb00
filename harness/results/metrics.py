"""metrics.json: per system and metric, mean / n / 95% bootstrap CI / NaN count.

Computed from records.jsonl alone, so it can be rebuilt for any run folder
(after a resume, or by `sumbench report`) without calling a model. It reads
the compact columns of one scan (``harness.results.scan``), never every record
as an object, so a 100,000-record run needs tens of megabytes, not gigabytes.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any, Iterable

from harness.core.metrics import Catalog, catalog_of
from harness.core.models import Record
from harness.core.stats import describe
from harness.results.pairwise import read_pairwise
from harness.results.scan import RunScan, SystemColumns, scan_run
from harness.results.store import FORMAT_VERSION, write_json


def columns_of(records: Iterable[Record]) -> dict[str, SystemColumns]:
    """Columns of records held in memory (tests, notebooks), as a scan of their file would give."""
    cols: dict[str, SystemColumns] = {}
    for r in records:
        cols.setdefault(r.system, SystemColumns(r.system)).add(r)
    for c in cols.values():
        c.finish()
    return cols


def compute_metrics(records: Iterable[Record], systems: list[str], seed: int, catalog: Catalog) -> dict[str, Any]:
    """metrics.json's content for records held in memory."""
    return metrics_of(columns_of(records), systems, seed, catalog)


def metrics_of(columns: dict[str, SystemColumns], systems: list[str], seed: int, catalog: Catalog) -> dict[str, Any]:
    """Per system: counts, usage, and per metric (in the catalog's order) mean / n / CI / NaN count."""
    out: dict[str, Any] = {"format_version": FORMAT_VERSION, "seed": seed, "confidence": 0.95,
                           "ci_method": "percentile bootstrap of the mean, 2000 resamples", "systems": {}}
    for name in systems + sorted(set(columns) - set(systems)):
        out["systems"][name] = system_metrics(columns.get(name) or SystemColumns(name), seed, catalog)
    return out


def system_metrics(c: SystemColumns, seed: int, catalog: Catalog) -> dict[str, Any]:
    """Values are taken in item-id order, not file order: records arrive in completion order, which
    changes from run to run with concurrency, and both the bootstrap's resamples and a float sum
    depend on the order. Same records and seed, same numbers."""
    order = c.item_order()
    costs = [c.cost[p] for p in order if not math.isnan(c.cost[p])]
    out: dict[str, Any] = {
        "records": len(c),
        "errors": sum(c.error),
        "cached": sum(c.cached),
        "prompt_tokens": sum(c.prompt_tokens),
        "completion_tokens": sum(c.completion_tokens),
        "cost_usd": round(sum(costs), 6) if costs else None,
        "metrics": {m: describe(c.values(m, order), seed) for m in catalog.order(c.scores)},
    }
    judges = [c.judge_cost[p] for p in order if not math.isnan(c.judge_cost[p])]
    if judges:  # the LLM judges' calls of this system's records, apart from the summaries' cost
        out["judge_cost_usd"] = round(sum(judges), 6)
    sampled = [p for p in order if c.sampled[p]]
    if sampled:  # repeats > 1: mean over items of the per-item std. dev. across samples
        out["samples_per_item"] = c.samples_per_item
        out["spread"] = {m: round(sum(col.values[p] for p in sampled if col.present[p]) / len(sampled), 6)
                         for m, col in ((m, c.spread[m]) for m in catalog.order(c.spread))}
    return out


def write_metrics(run_dir: Path, scan: RunScan | None = None) -> dict[str, Any]:
    """metrics.json from a scan of the run (one is made when not given)."""
    scan = scan or scan_run(run_dir)
    manifest = scan.manifest
    metrics = metrics_of(scan.systems, list(manifest.get("systems", {})), int(manifest.get("seed", 0)),
                         catalog_of(manifest))
    judged = pairwise_spend(read_pairwise(run_dir))
    if judged:
        metrics["pairwise_judge"] = judged
    write_json(run_dir / "metrics.json", metrics)
    return metrics


def pairwise_spend(lines: list[Any]) -> dict[str, Any] | None:
    """The [pairwise] judge's calls, tokens and cost (uncached calls only), apart from every system's."""
    orders = [o for x in lines for o in x.orders]
    if not orders:
        return None
    return {"judgements": len(lines), "calls": len(orders), "cached": sum(o.cached for o in orders),
            "prompt_tokens": sum(o.usage.get("prompt_tokens", 0) for o in orders),
            "completion_tokens": sum(o.usage.get("completion_tokens", 0) for o in orders),
            "cost_usd": round(sum(o.cost_usd or 0.0 for o in orders if not o.cached), 6)
            if any(o.cost_usd is not None for o in orders) else None}  # None: the judge has no price


def read_metrics(run_dir: Path, scan: RunScan | None = None) -> dict[str, Any]:
    """metrics.json, written first if the folder has none."""
    path = run_dir / "metrics.json"
    if not path.exists():
        return write_metrics(run_dir, scan)
    return json.loads(path.read_text(encoding="utf-8"))
