"""``sumbench run --dry-run``: what a run would request and cost, without requesting anything.

Per system: requests still to make, answers already in the cache, estimated
input and output tokens (about four characters a token; output is the
``max_tokens`` cap when one is set, else 200 a request) and the estimated
cost from the system's ``price``. Offline systems are listed as such.
"""

from __future__ import annotations

from typing import Any

from harness.core.table import render_text_table
from harness.run.dryrun_judges import JudgeTally
from harness.run.plan import Plan, RunOptions, planned_items, prepare_article
from harness.run.shard import shard_label


def dry_run_text(plan: Plan, opts: RunOptions) -> str:
    """The whole ``--dry-run`` answer: the run's own items (``--limit``, then ``--shard``), each
    article as the run would send it."""
    judges = JudgeTally(plan)

    def prepare(item: Any) -> str:
        article = prepare_article(item, opts)[0]
        judges.add(item, article)
        return article
    rows = dry_run_rows(plan, planned_items(plan, opts), prepare)
    text = render_dry_run(rows, plan.skipped, judges.table())
    return text + (f"\nshard {shard_label(opts.shard)}: {plan.n_items} item(s)" if opts.shard else "")


def dry_run_rows(plan: Any, items: Any, prepare: Any) -> list[dict[str, Any]]:
    """Totals per system; ``prepare(item)`` gives the article exactly as the run would send it."""
    rows = {cfg.name: {"system": cfg.name, "offline": not backend.calls_network, "pairs": 0,
                       "requests": 0, "cached": 0, "input": 0, "output": 0, "cost": None, "cap": False,
                       "batch": backend.batched, "batch_cost": None}
            for cfg, backend in plan.systems}
    for item in items:
        article = prepare(item)
        for cfg, backend in plan.systems:
            row = rows[cfg.name]
            row["pairs"] += 1
            if row["offline"]:
                continue
            for k in range(cfg.repeats):
                est = backend.estimate(article, item, sample=k)
                if est["cached"]:
                    row["cached"] += 1
                    continue
                row["requests"] += 1
                row["input"] += est["usage"]["prompt_tokens"]
                row["output"] += est["usage"]["completion_tokens"]
                row["cap"] = row["cap"] or est["output_is_cap"]
                if est["cost_usd"] is not None:
                    row["cost"] = (row["cost"] or 0.0) + est["cost_usd"]
                    row["batch_cost"] = (row["batch_cost"] or 0.0) + est["batch_cost_usd"]
    return list(rows.values())


def _usd(r: dict[str, Any], key: str) -> str:
    return "no price" if r[key] is None and r["requests"] else f"{r[key] or 0:.4f}"


def render_dry_run(rows: list[dict[str, Any]], skipped: dict[str, str], judges: list[dict[str, Any]] = ()) -> str:
    """One row per system, then one per LLM judge; with ``batch = true`` somewhere, each row's cost at
    batch prices next to the interactive cost of the same requests."""
    batch = any(r["batch"] and not r["offline"] for r in rows) or any(j["batch"] for j in judges)
    header = ["system", "pairs", "requests", "cached", "input tok", "output tok", "cost USD"]
    header += ["mode", "interactive USD"] if batch else []
    body = []
    for r in rows:
        if r["offline"]:
            body.append([r["system"], str(r["pairs"]), "offline", "–", "–", "–", "–"] + (["–", "–"] if batch else []))
            continue
        out = f"{'≤' if r['cap'] else '~'}{r['output']}"
        row = [r["system"], str(r["pairs"]), str(r["requests"]), str(r["cached"]), f"~{r['input']}", out,
               _usd(r, "batch_cost" if r["batch"] else "cost")]
        body.append(row + ([("batch" if r["batch"] else "interactive"), _usd(r, "cost")] if batch else []))
    lines = ["dry run: no request was made", "", render_text_table(header, body)]
    if judges:
        jhead = ["judge", "model", "requests", "input tok", "output tok", "cost USD"]
        jhead += ["mode", "interactive USD"] if batch else []
        jbody = [[j["judge"], j["model"], f"≤{j['requests']}", f"~{j['input']}", f"~{j['output']}",
                  _usd(j, "batch_cost" if j["batch"] else "cost")]
                 + ([("batch" if j["batch"] else "interactive"), _usd(j, "cost")] if batch else []) for j in judges]
        lines += ["", render_text_table(jhead, jbody),
                  "judge requests are an upper bound: answers already cached are known only once the summaries exist"]
    every = [*rows, *judges]
    total = sum((r["batch_cost"] if r["batch"] else r["cost"]) or 0.0 for r in every)
    n_judge = sum(j["requests"] for j in judges)
    lines += ["", f"estimated total: {sum(r['requests'] for r in rows) + n_judge} requests"
              + (f" ({n_judge} of them judges')" if n_judge else "") + f", ~{total:.4f} USD "
              "(tokens ≈ characters/4; output = max_tokens cap (≤) or 200 per request (~))"]
    if batch:
        lines.append(f"all interactive instead: ~{sum(r['cost'] or 0.0 for r in every):.4f} USD (batch = true "
                     "requests are priced at price.batch_input/batch_output, else half the interactive price)")
    lines += [f"note: a real run would skip {name}: {why}" for name, why in skipped.items()]
    return "\n".join(lines)
