"""Checklist: required claims a summary must carry, forbidden ones it must not assert.

Deterministic: a claim is present when any of its patterns matches the
summary (case-insensitive, whitespace-normalised). Claims without patterns
are left undecided (an LLM judge decides those when configured) and do not
count towards the metrics.

Metrics: ``checklist.recall`` — share of decided required claims present;
``checklist.violations`` — share of decided forbidden claims present
(0 = no violation; the count is in details).
"""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict

from harness.models import Claim, Item
from harness.patterns import first_match
from harness.registry import scorers
from harness.scorers.base import Score
from harness.text import normalize_ws


class ChecklistOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")


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
    req = [v for v in verdicts if v["kind"] == "required" and v["verdict"] in ("present", "absent")]
    forb = [v for v in verdicts if v["kind"] == "forbidden" and v["verdict"] in ("present", "absent")]
    metrics: dict[str, float] = {}
    if req:
        metrics["checklist.recall"] = sum(v["verdict"] == "present" for v in req) / len(req)
    if forb:
        metrics["checklist.violations"] = sum(v["verdict"] == "present" for v in forb) / len(forb)
    return metrics


@scorers.register("checklist")
class Checklist:
    """Required/forbidden claims decided by the item's regex patterns."""

    Options: ClassVar[type[BaseModel]] = ChecklistOptions

    def __init__(self, options: ChecklistOptions):
        self.options = options

    def score(self, item: Item, summary: str, article: str) -> Score:
        text = normalize_ws(summary)
        verdicts = [check_claim(c, text) for c in item.checklist]
        details = {
            "claims": verdicts,
            "missed": [v["id"] for v in verdicts if v["kind"] == "required" and v["verdict"] == "absent"],
            "violated": [v["id"] for v in verdicts if v["kind"] == "forbidden" and v["verdict"] == "present"],
            "undecided": [v["id"] for v in verdicts if v["verdict"] == "undecided"],
        }
        return Score(checklist_metrics(verdicts), details)

    def settings(self) -> dict[str, Any]:
        return {"matching": "regex module, IGNORECASE, whitespace-normalised summary, 1s timeout per pattern",
                "recall": "present required / decided required",
                "violations": "present forbidden / decided forbidden"}
