"""Everything the HTML report shows, gathered from a run folder.

Reads manifest.json, metrics.json and records.jsonl (never calls a model)
and, when the suite is still where the manifest says, the articles and
references. Older runs may lack fields: every lookup degrades to "n/a".
Tables and plots come from one scan of every record (compact columns); the
per-item payload holds at most ``HTML_ITEMS`` items (``report.selection``),
compact too (scores as arrays aligned with the metric list, claim texts once
per item), so a 100,000-item run's page stays a few megabytes.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

from harness.core.metrics import Catalog, catalog_of
from harness.core.models import Item, Record
from harness.core.text import (
    find_duplicate_paragraphs,
    remove_duplicate_paragraphs,
    sha256_text,
    split_paragraphs,
)
from harness.report.faith_spans import faithfulness_spans
from harness.report.highlight import place_span, segments, to_original
from harness.report.selection import HTML_ITEMS, Selection, select_items
from harness.results.metrics import read_metrics
from harness.results.scan import RunScan, read_selected, scan_run
from harness.results.store import seal_problem


def direction(metric: str, catalog: Catalog, gate: dict[str, Any] | None = None) -> int:
    """+1 higher is better, -1 lower is better, 0 no direction (no 'best' marked).

    The metric's declared direction, as ``sumbench compare`` and ``check`` use it,
    with a ``better = "..."`` override in the suite's [gate] table winning.
    """
    rule = (gate or {}).get(metric)
    better = rule.get("better") if isinstance(rule, dict) else None
    d = better if better in ("higher", "lower") else catalog.direction(metric)
    return {"higher": 1, "lower": -1}.get(d or "", 0)


@dataclass
class ReportData:
    run_dir: Path
    manifest: dict[str, Any]
    metrics: dict[str, Any]
    scan: RunScan  # every record, as columns: the tables and plots
    systems: list[str]
    metric_names: list[str]
    catalog: Catalog
    records: list[Record] = field(default_factory=list)  # the shown items' records, in full
    selection: Selection | None = None
    dirs: dict[str, int] = field(default_factory=dict)
    header: dict[str, Any] = field(default_factory=dict)
    table: list[dict[str, Any]] = field(default_factory=list)
    items: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def primary(self) -> str | None:
        return primary_metric(self.metric_names, self.catalog, self.dirs)


def primary_metric(names: list[str], catalog: Catalog, dirs: dict[str, int]) -> str | None:
    """The metric the comparison, first scatter and item selection focus on: the most preferred
    declared primary, else the first metric with a direction."""
    return catalog.primary(names) or next((m for m in names if dirs.get(m)), names[0] if names else None)


def gate_rules(manifest: dict[str, Any]) -> dict[str, Any]:
    return ((manifest.get("suite") or {}).get("config") or {}).get("gate") or {}


def report_metrics(scan: RunScan, metrics: dict[str, Any], catalog: Catalog) -> list[str]:
    """Every metric of metrics.json or of any record, in the catalog's order."""
    names: set[str] = set()
    for s in (metrics.get("systems") or {}).values():
        names |= set(s.get("metrics") or {})
    for cols in scan.systems.values():
        names |= cols.names
    return catalog.order(names)


def select_shown(scan: RunScan, names: list[str], catalog: Catalog, limit: int) -> Selection:
    """The items a report shows one by one, chosen on the run's primary metric (both reports alike)."""
    dirs = {m: direction(m, catalog, gate_rules(scan.manifest)) for m in names}
    primary = primary_metric(names, catalog, dirs)
    seed = scan.manifest.get("seed", 0)
    seed = seed if isinstance(seed, int) and not isinstance(seed, bool) else 0
    return select_items(scan, primary, dirs.get(primary, 0) if primary else 0, limit, seed)


def records_warning(run_dir: Path, manifest: dict[str, Any], scan: RunScan | None = None) -> str | None:
    """A sentence when records.jsonl changed after the run: reports still show it, gates refuse it."""
    problem = scan.seal_problem() if scan is not None else seal_problem(run_dir, manifest)
    return None if problem is None else (
        f"{run_dir / 'records.jsonl'} {problem}: what this report shows may not be what the run "
        "produced (check and compare refuse this run; re-run the suite, or restore the file).")


def load_report_data(run_dir: Path, scan: RunScan | None = None, limit: int = HTML_ITEMS) -> ReportData:
    """The report's data: figures from every record, full records for at most ``limit`` items."""
    scan = scan or scan_run(run_dir)
    manifest = scan.manifest
    metrics = read_metrics(run_dir, scan)
    catalog = catalog_of(manifest)
    data = ReportData(run_dir=run_dir, manifest=manifest, metrics=metrics, scan=scan, systems=list(scan.systems),
                      metric_names=report_metrics(scan, metrics, catalog), catalog=catalog)
    data.dirs = {m: direction(m, catalog, gate_rules(manifest)) for m in data.metric_names}
    data.header = build_header(run_dir, manifest, scan)
    if tampered := records_warning(run_dir, manifest, scan):
        data.notes.append(tampered)  # the first note: the first thing a reader sees
    missing = (manifest.get("merged") or {}).get("missing") or []
    if manifest.get("shard"):
        data.notes.append(f"This run is shard {manifest['shard']} of a sharded run: it covers only that part of "
                          "the suite's items (join the shards with `sumbench merge`).")
    if missing:
        data.notes.append(f"This run is a partial merge: shard(s) {', '.join(map(str, missing))} are missing, so "
                          f"the numbers cover only the {scan.n_records} record(s) of the merged shards.")
    elif manifest.get("status") != "complete":
        data.notes.append(f"This run's status is {manifest.get('status', 'unknown')!r}: the numbers cover only "
                          f"the {scan.n_records} record(s) written so far (resume it with `sumbench run --resume "
                          f"{run_dir}`).")
    data.table = build_table(data)
    data.selection = select_shown(scan, data.metric_names, catalog, limit)
    data.records = read_selected(run_dir, data.selection.ids)
    suite_items = load_suite_items(manifest, data.selection.ids, data.notes)
    data.items = build_items(data, suite_items)
    return data


def _short(value: Any, n: int = 12) -> str:
    return str(value)[:n] if value else "n/a"


def build_header(run_dir: Path, manifest: dict[str, Any], scan: RunScan) -> dict[str, Any]:
    suite = manifest.get("suite") or {}
    git = manifest.get("git") or {}
    systems = {name: describe_system(desc) for name, desc in (manifest.get("systems") or {}).items()}
    cols = list(scan.systems.values())
    costs = [v for c in cols for v in c.cost if not math.isnan(v)]
    dups = manifest.get("duplicates") or {}
    return {
        "suite": suite.get("name", "n/a"),
        "description": (suite.get("config") or {}).get("description", ""),
        "run": run_dir.name,
        "status": manifest.get("status", "n/a"),
        "started": manifest.get("started") or "n/a",
        "finished": manifest.get("finished") or "n/a",
        "dataset_sha256": _short(suite.get("dataset_sha256")),
        "suite_sha256": _short(suite.get("sha256")),
        "n_items": suite.get("n_items", len(scan.items)),
        "git": _short(git.get("commit")) + (" (dirty)" if git.get("dirty") else ""),
        "command": " ".join(manifest.get("command") or []) or "n/a",
        "systems": systems,
        "records": scan.n_records,
        "errors": sum(sum(c.error) for c in cols),
        "cached": sum(sum(c.cached) for c in cols),
        "prompt_tokens": sum(sum(c.prompt_tokens) for c in cols),
        "completion_tokens": sum(sum(c.completion_tokens) for c in cols),
        "cost_usd": round(math.fsum(costs), 6) if costs else None,
        "duplicates_policy": dups.get("policy", "n/a"),
        "duplicates": dups.get("items") or {},
        "versions": manifest.get("versions") or {},
    }


def describe_system(desc: Any) -> str:
    """'openai · gpt-4o-mini · prompts/concise.txt (sha256 1a2b3c4d5e6f)' from a manifest entry."""
    if not isinstance(desc, dict):
        return ""
    parts = [str(desc[k]) for k in ("backend", "model") if desc.get(k)]
    for k, v in desc.items():
        if k in ("backend", "model") or not isinstance(v, (str, int, float)) or isinstance(v, bool):
            continue
        if "sha" in k or "hash" in k:
            parts.append(f"{k} {str(v)[:12]}")
        elif k in ("prompt", "sentences", "base_url", "field", "command") or (k == "repeats" and v != 1):
            parts.append(f"{k} {v}")
    return " · ".join(parts)


def build_table(data: ReportData) -> list[dict[str, Any]]:
    """Rows per system: mean/CI per metric with the best value(s) flagged."""
    msys = data.metrics.get("systems") or {}
    rows = []
    for name in data.systems:
        s = msys.get(name) or {}
        cells = {}
        for m in data.metric_names:
            d = (s.get("metrics") or {}).get(m) or {}
            cells[m] = {"mean": d.get("mean"), "lo": d.get("ci_low"), "hi": d.get("ci_high"),
                        "n": d.get("n", 0), "best": False}
        c = data.scan.systems[name]
        costs = [v for v in c.cost if not math.isnan(v)]
        lat = [v for v in c.latency if not math.isnan(v)]
        rows.append({"system": name, "cells": cells, "records": len(c),
                     "errors": s.get("errors", sum(c.error)),
                     "cost_usd": sum(costs) if costs else None,
                     "cost_per_item": sum(costs) / len(costs) if costs else None,
                     "latency_ms": sum(lat) / len(lat) if lat else None})
    if len(rows) > 1:
        for m in data.metric_names:
            sign = data.dirs.get(m, 0)
            vals = [r["cells"][m]["mean"] for r in rows if r["cells"][m]["mean"] is not None]
            if sign == 0 or len(vals) < 2 or max(vals) == min(vals):
                continue
            best = max(vals) if sign > 0 else min(vals)
            for r in rows:
                r["cells"][m]["best"] = r["cells"][m]["mean"] == best
    return rows


def resolve_suite_file(manifest: dict[str, Any]) -> Path | None:
    suite = manifest.get("suite") or {}
    for raw in (suite.get("path"), suite.get("abs_path")):
        if raw and Path(raw).is_file():
            return Path(raw)
    return None


def load_suite_items(manifest: dict[str, Any], wanted: set[str], notes: list[str]) -> dict[str, Item]:
    """Items of the run's suite (for article and reference text), or {} with a note."""
    from harness.core.errors import UserError
    from harness.suite.datasets import load_suite

    raw = (manifest.get("suite") or {}).get("path")
    path = resolve_suite_file(manifest)
    if path is None:
        notes.append(f"Article and reference text are not shown: the suite file {raw or '(unknown)'} "
                     "was not found from this folder (run `sumbench report` from where the run started).")
        return {}
    found: dict[str, Item] = {}
    try:
        for item in load_suite(path).iter_items(only=wanted):
            found[item.id] = item
    except (UserError, OSError, ValueError) as exc:
        notes.append(f"Article and reference text are not shown: the suite at {raw} no longer loads ({exc}).")
        return {}
    if len(found) < len(wanted):
        notes.append(f"{len(wanted) - len(found)} item(s) of this run are no longer in the suite; "
                     "their article and reference are not shown.")
    return found


def article_view(item: Item | None, recs: list[Record], policy: str) -> dict[str, Any]:
    """Paragraphs with duplicates marked, and whether the text still matches the run."""
    if item is None:
        return {"paras": [], "dup": {}, "status": "missing"}
    paras = split_paragraphs(item.article)
    removed = set()
    for r in recs:
        removed |= set(r.duplicates_removed)
    dup = {str(d.index): {"first": d.first, "removed": d.index in removed}
           for d in find_duplicate_paragraphs(paras)}
    seen_text = item.article if policy == "keep" else remove_duplicate_paragraphs(item.article)[0]
    digest = sha256_text(seen_text)
    hashes = {r.article_sha256 for r in recs if r.article_sha256}
    status = "changed" if hashes and digest not in hashes else "ok"
    return {"paras": paras, "dup": dup, "status": status}


def claim_spans(summary: str, claims: Iterable[dict[str, Any]]) -> tuple[list[tuple[int, int, int]],
                                                                          list[dict[str, Any]]]:
    spans, meta = [], []
    for c in claims:
        ev = c.get("evidence") if isinstance(c, dict) else None
        if c.get("verdict") != "present" or not isinstance(ev, dict):
            continue
        start, end, text = ev.get("start"), ev.get("end"), ev.get("text")
        text = text if isinstance(text, str) else None
        if c.get("decided_by") == "judge":  # the judge's offsets are into the summary as written
            placed = place_span(summary, start, end, text)
        elif isinstance(start, int) and isinstance(end, int):  # patterns: into the normalised summary
            placed = to_original(summary, start, end, text)
        else:
            placed = place_span(summary, None, None, text)
        if placed:
            cls = "bad" if c.get("kind") == "forbidden" else "ev"
            meta.append({"cls": cls, "claim": str(c.get("id", ""))})  # its text is in the item's claims
            spans.append((placed[0], placed[1], len(meta) - 1))
    return spans, meta


def _round(v: float | None) -> float | None:
    return round(v, 4) if isinstance(v, float) and math.isfinite(v) else (None if isinstance(v, float) else v)


def record_view(r: Record, metric_names: list[str]) -> dict[str, Any]:
    # 4 decimals: the report shows 3, and 500-item runs must stay small
    out: dict[str, Any] = {"sc": [_round(r.scores.get(m)) for m in metric_names]}
    if r.error:
        out["err"] = r.error
    if r.cost_usd is not None:
        out["cost"] = r.cost_usd
    if r.cached:
        out["cached"] = True
    ck = r.details.get("checklist") if isinstance(r.details.get("checklist"), dict) else {}
    claims = [c for c in ck.get("claims") or [] if isinstance(c, dict)]
    out["v"] = {str(c.get("id")): c.get("verdict", "undecided") for c in claims}
    judged = [str(c.get("id")) for c in claims if c.get("decided_by") == "judge"]
    if judged:
        out["j"] = judged
    if r.samples:  # repeats > 1: the record's scores are the samples' means
        out["smp"] = [[smp.summary, smp.error, [_round(smp.scores.get(m)) for m in metric_names]]
                      for smp in r.samples]
        out["sd"] = {m: _round(v) for m, v in r.spread.items()}
    if r.summary is None:
        return out
    spans, meta = claim_spans(r.summary, claims)
    fspans, fmeta = faithfulness_spans(r.summary, r.details.get("faithfulness"))
    base = len(meta)
    spans += [(s, e, base + i) for s, e, i in fspans]
    meta += fmeta
    out["segs"] = segments(r.summary, spans)
    out["spans"] = meta
    return out


def build_items(data: ReportData, suite_items: dict[str, Item]) -> list[dict[str, Any]]:
    by_item: dict[str, list[Record]] = defaultdict(list)
    for r in data.records:
        by_item[r.item_id].append(r)
    policy = (data.manifest.get("duplicates") or {}).get("policy", "remove")
    order = [i for i in suite_items if i in by_item] + [i for i in by_item if i not in suite_items]
    items = []
    for item_id in order:
        recs = by_item[item_id]
        item = suite_items.get(item_id)
        claims: dict[str, dict[str, str]] = {}
        for c in item.checklist if item else []:
            claims[c.id] = {"id": c.id, "kind": c.kind, "claim": c.claim}
        for r in recs:
            ck = r.details.get("checklist") if isinstance(r.details.get("checklist"), dict) else {}
            for c in ck.get("claims") or []:
                if isinstance(c, dict) and str(c.get("id")) not in claims:
                    claims[str(c.get("id"))] = {"id": str(c.get("id")), "kind": str(c.get("kind", "required")),
                                                "claim": str(c.get("claim", ""))}
        items.append({"id": item_id, "article": article_view(item, recs, policy),
                      "refs": list(item.references) if item else [],
                      "claims": list(claims.values()),
                      "recs": {r.system: record_view(r, data.metric_names) for r in recs}})
        if data.selection is not None and not data.selection.complete:
            items[-1]["why"] = data.selection.reasons.get(item_id, [])
    return items
