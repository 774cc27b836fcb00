"""``--dry-run``'s judges: what the LLM judges (checklist, geval, pairwise) would ask and cost.

A judge's requests depend on summaries that do not exist yet, so each is estimated
from a summary of the expected length: an offline system's own summary (made now,
it is cheap), else the system's ``max_tokens`` cap or 200 tokens. Judge answers in
the cache cannot be looked up before the summaries exist: every judge request is
counted as new, so the figures are an upper bound.
"""

from __future__ import annotations

from typing import Any

DEFAULT_SUMMARY_TOKENS = 200


def summary_chars(backend: Any, article: str, item: Any, sample: int) -> int:
    if not backend.calls_network:
        try:
            return len(backend.summarize(article, item, sample=sample).text)
        except Exception:  # the run would record this failure; nothing to judge
            return 0
    return 4 * (backend.params().get("max_tokens") or DEFAULT_SUMMARY_TOKENS)


class JudgeTally:
    """Rows per judge, filled item by item as the dry run reads the suite."""

    def __init__(self, plan: Any):
        self.plan = plan
        # no judge, nothing to estimate: offline summaries (an oracle's is slow) are made only for judges
        self.active = plan.pairwise is not None or any(s.judge_backends() for _, s in plan.scorers)
        self.rows: dict[str, dict[str, Any]] = {}

    def _row(self, label: str, backend: Any) -> dict[str, Any]:
        return self.rows.setdefault(label, {"judge": label, "model": backend.options.model, "requests": 0,
                                            "input": 0, "output": 0, "cost": None, "batch_cost": None,
                                            "batch": backend.batched})

    def _add(self, label: str, backend: Any, prompt: int, output: int) -> None:
        row = self._row(label, backend)
        row["requests"] += 1
        row["input"] += prompt
        row["output"] += output
        usage = {"prompt_tokens": prompt, "completion_tokens": output}
        cost = backend.cost(usage)
        if cost is not None:
            row["cost"] = (row["cost"] or 0.0) + cost
            row["batch_cost"] = (row["batch_cost"] or 0.0) + backend.cost(usage, batch=True)

    def add(self, item: Any, article: str) -> None:
        if not self.active:
            return
        lengths: dict[str, int] = {}
        for cfg, backend in self.plan.systems:
            for k in range(cfg.repeats):
                chars = summary_chars(backend, article, item, k if cfg.repeats > 1 else 0)
                lengths.setdefault(cfg.name, chars)
                for name, scorer in self.plan.scorers:
                    for judge, prompt, output in scorer.judge_estimates(item, article, chars):
                        self._add(f"{name} judge", judge, prompt, output)
        pw = self.plan.pairwise
        if pw is None:
            return
        from harness.run.pairwise import pairs_of

        for a, b in pairs_of(self.plan.suite.config.pairwise, [c.name for c, _ in self.plan.systems]):
            if a in lengths and b in lengths:
                prompt, output = pw.estimate(article, (lengths[a], lengths[b]))
                for _ in range(2):  # both orders
                    self._add("pairwise judge", pw.backend, prompt, output)

    def table(self) -> list[dict[str, Any]]:
        return list(self.rows.values())
