"""metrics.json: per system and metric, mean / n / 95% bootstrap CI / NaN count.

Computed from records.jsonl alone, so it can be rebuilt for any run folder
(after a resume, or by `sumbench report`) without calling a model.
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path
from typing import Any

from harness.core.metrics import Catalog, catalog_of
from harness.core.models import Record
from harness.core.stats import describe
from harness.results.store import FORMAT_VERSION, load_run, write_json


def compute_metrics(records: list[Record], systems: list[str], seed: int, catalog: Catalog) -> dict[str, Any]:
    """Per system: counts, usage, and per metric (in the catalog's order) mean / n / CI / NaN count.

    Values are taken in item-id order, not file order: records arrive in completion order, which
    changes from run to run with concurrency, and both the bootstrap's resamples and a float sum
    depend on the order. Same records and seed, same numbers.
    """
    by_sys: dict[str, list[Record]] = defaultdict(list)
    for r in sorted(records, key=lambda r: r.item_id):  # stable: a retried item keeps its lines' order
        by_sys[r.system].append(r)
    out: dict[str, Any] = {"format_version": FORMAT_VERSION, "seed": seed, "confidence": 0.95,
                           "ci_method": "percentile bootstrap of the mean, 2000 resamples", "systems": {}}
    for name in systems + sorted(set(by_sys) - set(systems)):
        recs = by_sys.get(name, [])
        values: dict[str, list[float | None]] = defaultdict(list)
        for r in recs:
            if r.summary is None:
                continue
            for k, v in r.scores.items():
                values[k].append(v)
        usage_p = sum(r.usage.prompt_tokens for r in recs if r.usage)
        usage_c = sum(r.usage.completion_tokens for r in recs if r.usage)
        costs = [r.cost_usd for r in recs if r.cost_usd is not None]
        out["systems"][name] = {
            "records": len(recs),
            "errors": sum(r.error is not None for r in recs),
            "cached": sum(r.cached for r in recs),
            "prompt_tokens": usage_p,
            "completion_tokens": usage_c,
            "cost_usd": round(sum(costs), 6) if costs else None,
            "metrics": {m: describe(values[m], seed) for m in catalog.order(values)},
        }
        spreads = [r.spread for r in recs if r.samples]
        if spreads:  # repeats > 1: mean over items of the per-item std. dev. across samples
            out["systems"][name]["samples_per_item"] = max(len(r.samples) for r in recs)
            out["systems"][name]["spread"] = {
                m: round(sum(sp.get(m, 0.0) for sp in spreads) / len(spreads), 6)
                for m in catalog.order({k for sp in spreads for k in sp})}
    return out


def write_metrics(run_dir: Path) -> dict[str, Any]:
    manifest, records = load_run(run_dir)
    systems = list(manifest.get("systems", {}))
    metrics = compute_metrics(records, systems, int(manifest.get("seed", 0)), catalog_of(manifest))
    write_json(run_dir / "metrics.json", metrics)
    return metrics


def read_metrics(run_dir: Path) -> dict[str, Any]:
    path = run_dir / "metrics.json"
    if not path.exists():
        return write_metrics(run_dir)
    return json.loads(path.read_text(encoding="utf-8"))
