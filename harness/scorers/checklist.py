"""Checklist: required claims a summary must carry, forbidden ones it must not assert.

Deterministic first: a claim is present when any of its patterns matches
the summary (case-insensitive, whitespace-normalised). Claims without
patterns, or with ``judge = true``, are decided by the LLM judge when one is
configured (``[scorer.checklist] judge = {backend = "openai", ...}``, see
``harness.scorers.judge``); otherwise they stay undecided and do not count.
A judge verdict "supported" makes the claim present; "contradicted" and
"absent" make it absent (the judge's own word is kept in details).

Metrics: ``checklist.recall`` — share of decided required claims present;
``checklist.violations`` — share of decided forbidden claims present
(0 = no violation; the count is in details). Claims the judge could not
decide (malformed answer, failed call) are ``nan`` verdicts: excluded from
both means, counted in ``checklist.judge_errors`` (a count); if every claim
of a kind is ``nan`` the metric itself is NaN. With ``judge_repeats = N``,
``checklist.judge_agreement`` is the mean agreement of the judged claims.
"""

from __future__ import annotations

import math
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field

from harness.core.models import Claim, Item
from harness.core.patterns import first_match
from harness.core.registry import scorers
from harness.core.text import normalize_ws, sha256_text
from harness.scorers.base import BaseScorer, Metric, Score
from harness.scorers.judge import UNSET


class ChecklistOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")
    judge: dict[str, Any] | None = Field(
        default=None, description='judge backend and its options, e.g. {backend = "openai", model = "gpt-4o-mini"}')
    judge_repeats: int = Field(default=1, ge=1, le=20)
    judge_prompt: str | None = None  # template with {claims} and {summary}; default prompts/judge/checklist.txt


def check_claim(claim: Claim, text: str) -> dict[str, Any]:
    """Verdict for one claim against normalised ``text``: present/absent/undecided."""
    if not claim.patterns:
        return {"id": claim.id, "kind": claim.kind, "claim": claim.claim, "verdict": "undecided",
                "reason": "no patterns (needs the LLM judge)"}
    try:
        m = first_match(claim.patterns, text)
    except TimeoutError as exc:
        return {"id": claim.id, "kind": claim.kind, "claim": claim.claim, "verdict": "undecided",
                "reason": str(exc)}
    out: dict[str, Any] = {"id": claim.id, "kind": claim.kind, "claim": claim.claim,
                           "verdict": "present" if m else "absent"}
    if m:
        out["evidence"] = {"text": m.text, "start": m.start, "end": m.end, "pattern": m.pattern}
    return out


def checklist_metrics(verdicts: list[dict[str, Any]]) -> dict[str, float]:
    metrics: dict[str, float] = {}
    for kind, name in (("required", "checklist.recall"), ("forbidden", "checklist.violations")):
        decided = [v for v in verdicts if v["kind"] == kind and v["verdict"] in ("present", "absent")]
        if decided:
            metrics[name] = sum(v["verdict"] == "present" for v in decided) / len(decided)
        elif any(v["kind"] == kind and v["verdict"] == "nan" for v in verdicts):
            metrics[name] = math.nan  # the judge failed on every such claim: counted, not hidden
    return metrics


def build_judge(options: ChecklistOptions, suite: Any, cache: Any) -> Any:
    """The judge from ``[scorer.checklist] judge = {...}`` (validated now, so typos fail before the run)."""
    if options.judge is None:
        return None
    from harness.scorers.judge import Judge, judge_backend, load_judge_prompt

    backend = judge_backend(options.judge, who="checklist", where="[scorer.checklist]", suite=suite, cache=cache)
    template, where = load_judge_prompt(options.judge_prompt, getattr(suite, "dir", None))
    judge = Judge(backend, template, repeats=options.judge_repeats)
    judge.prompt_path = where
    return judge


def apply_judge(verdicts: list[dict[str, Any]], claims: list[Claim], judge: Any, summary: str
                ) -> dict[str, Any]:
    """Replace undecided (or ``judge = true``) verdicts by the judge's; returns the judge details."""
    from harness.scorers.judge import locate

    todo = [c for c in claims if c.judge or not c.patterns]
    if not todo:
        return {}
    decisions, usage = judge.decide(summary, todo)
    by_id = {v["id"]: v for v in verdicts}
    for c in todo:
        d, v = decisions[c.id], by_id[c.id]
        if c.patterns:
            v["pattern_verdict"] = v["verdict"]
        v.pop("reason", None)
        v["decided_by"] = "judge"
        v["judge_verdict"] = d["verdict"]
        if d["verdict"] == "nan" and v.get("pattern_verdict") in ("present", "absent"):
            v["decided_by"], v["judge_error"] = "pattern", d["reason"]  # the judge failed: its own match stands
            v["verdict"] = v["pattern_verdict"]
            continue
        if d["verdict"] == "nan":
            v["verdict"], v["reason"] = "nan", d["reason"]
            continue
        v["verdict"] = "present" if d["verdict"] == "supported" else "absent"
        for key in ("agreement", "votes", "invalid_votes"):
            if key in d:
                v[key] = d[key]
        ev = locate(d.get("evidence", ""), summary)
        if ev:
            v["evidence"] = ev
    return {"usage": usage, "repeats": judge.repeats, "prompt": judge.prompt_path,
            "claims": len(todo), "nan": sum(decisions[c.id]["verdict"] == "nan" for c in todo)}


@scorers.register("checklist")
class Checklist(BaseScorer):
    """Required/forbidden claims: regex patterns first, an optional LLM judge for the rest."""

    Options: ClassVar[type[BaseModel]] = ChecklistOptions
    metrics = (
        Metric("checklist.recall", "higher", "share", "share of decided required claims the summary carries",
               headline=40, primary=20),
        Metric("checklist.violations", "lower", "share", "share of decided forbidden claims the summary asserts",
               headline=50),
        Metric("checklist.judge_errors", "lower", "count", "claims the LLM judge failed on (NaN verdicts, and "
               "judge = true claims that kept their pattern's verdict)"),
        Metric("checklist.judge_agreement", "higher", "share", "mean agreement of the judge's repeated verdicts"),
    )

    def __init__(self, options: ChecklistOptions, suite: Any = None, cache: Any = UNSET, **context: Any):
        self.options = options
        self.judge = build_judge(options, suite, cache)

    @property
    def calls_network(self) -> bool:  # type: ignore[override]
        """With an LLM judge it waits on a model, so it is scored on the request threads."""
        return self.judge is not None

    def judge_backends(self) -> list[Any]:
        return [self.judge.backend] if self.judge is not None else []

    def judge_estimates(self, item: Item, article: str, summary_chars: int) -> list[tuple[Any, int, int]]:
        from harness.core.text import estimate_tokens
        from harness.scorers.judge import render

        todo = [c for c in item.checklist if c.judge or not c.patterns]
        if self.judge is None or not todo:
            return []
        prompt = estimate_tokens(render(self.judge.template, "x" * summary_chars, todo)[0]["content"])
        out = self.judge.backend.params().get("max_tokens") or 40 * len(todo)  # a verdict and a span per claim
        return [(self.judge.backend, prompt, out)] * self.options.judge_repeats

    def score(self, item: Item, summary: str, article: str) -> Score:
        text = normalize_ws(summary)
        verdicts = [check_claim(c, text) for c in item.checklist]
        judged = apply_judge(verdicts, item.checklist, self.judge, summary) if self.judge else {}
        details: dict[str, Any] = {
            "claims": verdicts,
            "missed": [v["id"] for v in verdicts if v["kind"] == "required" and v["verdict"] == "absent"],
            "violated": [v["id"] for v in verdicts if v["kind"] == "forbidden" and v["verdict"] == "present"],
            "undecided": [v["id"] for v in verdicts if v["verdict"] == "undecided"],
        }
        metrics = checklist_metrics(verdicts)
        undecided: dict[str, int] = {}
        for v in verdicts:
            if v["verdict"] == "nan":
                undecided[v["reason"]] = undecided.get(v["reason"], 0) + 1
        if judged:
            details["judge"] = judged
            details["nan"] = [v["id"] for v in verdicts if v["verdict"] == "nan"]
            metrics["checklist.judge_errors"] = float(judged["nan"])
            agreement = [v["agreement"] for v in verdicts if "agreement" in v]
            if self.options.judge_repeats > 1 and agreement:
                metrics["checklist.judge_agreement"] = sum(agreement) / len(agreement)
        spent = judged.get("usage", {}).get("spent_usd", 0.0) if judged else 0.0
        return Score(metrics, details, undecided, judge_cost_usd=spent)

    def settings(self) -> dict[str, Any]:
        judge = None
        if self.judge is not None:
            judge = {**self.judge.backend.describe(), "repeats": self.options.judge_repeats,
                     "prompt": self.judge.prompt_path, "prompt_sha256": sha256_text(self.judge.template)}
        return {"judge": judge,
                "matching": "regex module, IGNORECASE, whitespace-normalised summary, typographic quotes and "
                            "hyphens folded to ASCII, 1s timeout per pattern",
                "recall": "present required / decided required",
                "violations": "present forbidden / decided forbidden"}
