"""The usage lines ``sumbench run`` prints under its table: tokens, cost and cache hits per system,
judges' cost apart, and the spread of repeated samples."""

from __future__ import annotations

from pathlib import Path


def usage_lines(run_dir: Path) -> str:
    """Tokens, cost and cache hits per system that called a model ('' if none did)."""
    from harness.results.metrics import read_metrics

    out = []
    metrics = read_metrics(run_dir)
    for name, s in metrics["systems"].items():
        judges = f"; its judges {s['judge_cost_usd']:.4f} USD" if s.get("judge_cost_usd") is not None else ""
        if not (s.get("prompt_tokens") or s.get("completion_tokens")):
            if judges:
                out.append(f"{name}: no summarizer cost{judges}")
            continue
        cost = "no price" if s.get("cost_usd") is None else f"{s['cost_usd']:.4f} USD"
        out.append(f"{name}: {s['prompt_tokens']} prompt + {s['completion_tokens']} completion tokens, "
                   f"{cost}, {s.get('cached', 0)} of {s['records']} records from cache{judges}")
    pw = metrics.get("pairwise_judge")
    if pw:
        cost = "no price" if pw["cost_usd"] is None else f"{pw['cost_usd']:.4f} USD"
        out.append(f"pairwise judge: {pw['calls']} calls ({pw['cached']} from cache), {pw['prompt_tokens']} prompt + "
                   f"{pw['completion_tokens']} completion tokens, {cost}")
    for name, s in metrics["systems"].items():
        if s.get("spread"):
            shown = ", ".join(f"{m} {v:.3f}" for m, v in list(s["spread"].items())[:5])
            out.append(f"{name}: {s['samples_per_item']} samples per item; mean per-item std. dev.: {shown}")
    return ("\n" + "\n".join(out) + "\n") if out else ""
