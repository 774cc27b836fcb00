"""LLM judge for checklist claims that patterns cannot decide.

All undecided claims of one summary go to the judge in ONE structured-output
call (JSON schema from the ``JudgeAnswer`` pydantic model). The judge may be
any configured backend that offers ``complete(messages, json_schema=...)``
(the ``openai`` backend: OpenAI, vLLM, Ollama, llama.cpp, gateways), so its
answers go through the same cache and retry path as summaries: a repeated
run re-uses them, and errors are never cached.

Robustness: a server that ignores ``response_format`` and wraps JSON in
prose or code fences gets one more call without the schema, parsed
tolerantly; a server that refuses ``response_format`` (a 400 naming it, a 422
listing it as an unexpected field) is asked without the schema from then on,
for the rest of the run. Anything still unusable — a missing claim, an unknown verdict,
no JSON at all, a failed request — gives that claim verdict ``nan`` with the
reason; it never raises. With ``repeats = N`` each claim is judged N times
(samples 0..N-1, each cached) and the plurality verdict is kept with its
agreement rate (share of valid answers that agree with it).
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, ValidationError

from harness.core.errors import BackendError, UserError
from harness.core.models import Claim
from harness.core.protocols import LLM
from harness.suite.prompts import load_judge_template
from harness.core.text import fold

Verdict = Literal["supported", "contradicted", "absent"]
DEFAULT_PROMPT = "prompts/judge/checklist.txt"
UNSET: Any = object()  # "no cache given": a judge backend then uses its default cache
_PLACEHOLDER = re.compile(r"\{(claims|summary)\}")


class ClaimVerdict(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str
    verdict: Verdict
    evidence: str


class JudgeAnswer(BaseModel):
    """What the judge must return: one verdict per claim."""

    model_config = ConfigDict(extra="forbid")
    claims: list[ClaimVerdict]


def answer_schema() -> dict[str, Any]:
    return {"name": "checklist_verdicts", "schema": JudgeAnswer.model_json_schema(), "strict": True}


def judge_backend(table: dict[str, Any], *, who: str, where: str, suite: Any, cache: Any = UNSET) -> Any:
    """The LLM backend of a judge from its ``judge = {backend = "...", ...}`` table (``who``: "checklist",
    "geval", "pairwise"; ``where``: the table it is written in), validated now: a typo, an offline
    backend or a missing key fails before the run, not on its first claim."""
    from harness.core.registry import backends

    cfg = dict(table)
    kind = cfg.pop("backend", None)
    if not isinstance(kind, str):
        raise UserError(f"{where} judge has no 'backend'", fix=f'write judge = {{backend = "openai", model = "..."}} '
                        f"in {where}")
    try:
        backend = backends.create(kind, cfg, suite=suite, **({"cache": cache} if cache is not UNSET else {}))
    except UserError as exc:
        raise UserError(f"{who} judge: {exc.what}", fix=exc.fix) from None
    if not backend.can_complete:
        raise UserError(f"{who} judge backend '{kind}' cannot answer prompts",
                        fix='use an LLM backend for the judge (backend = "openai")')
    missing = backend.missing_key()
    if missing:
        raise UserError(f"the {who} judge needs ${missing}, which is not set",
                        fix=f"export it, point the judge's base_url at a server that needs none, or remove it from {where}")
    return backend


def load_judge_prompt(path: str | None, base: Path | None) -> tuple[str, str]:
    """(template text, where it came from): see ``harness.suite.prompts.load_judge_template``."""
    return load_judge_template(path, DEFAULT_PROMPT, base, ("claims", "summary"), "judge")


def render(template: str, summary: str, claims: list[Claim]) -> list[dict[str, str]]:
    listing = "\n".join(json.dumps({"id": c.id, "claim": c.claim}, ensure_ascii=False) for c in claims)
    values = {"claims": listing, "summary": summary}
    return [{"role": "user", "content": _PLACEHOLDER.sub(lambda m: values[m.group(1)], template)}]


def tolerant_json(text: str) -> Any:
    """JSON from a reply that may wrap it in code fences or prose; None if there is none."""
    text = re.sub(r"^```(?:json)?\s*|\s*```$", "", text.strip(), flags=re.IGNORECASE)
    try:
        return json.loads(text)
    except ValueError:
        pass
    for open_, close in (("{", "}"), ("[", "]")):
        start, end = text.find(open_), text.rfind(close)
        if start != -1 and end > start:
            try:
                return json.loads(text[start:end + 1])
            except ValueError:
                continue
    return None


def parse_answer(data: Any, claims: list[Claim]) -> dict[str, dict[str, Any]]:
    """Per claim id: {"verdict", "evidence"} or {"verdict": "nan", "reason"}. Never raises."""
    if isinstance(data, dict) and isinstance(data.get("claims"), list):
        entries = data["claims"]
    elif isinstance(data, list):
        entries = data
    else:
        return {c.id: {"verdict": "nan", "reason": "judge answer has no 'claims' list"} for c in claims}
    by_id: dict[str, Any] = {}
    for e in entries:
        if isinstance(e, dict) and isinstance(e.get("id"), str):
            by_id.setdefault(e["id"], e)
    out: dict[str, dict[str, Any]] = {}
    for c in claims:
        raw = by_id.get(c.id)
        if raw is None:
            out[c.id] = {"verdict": "nan", "reason": "judge gave no verdict for this claim"}
            continue
        fields = {k: raw[k] for k in ("id", "verdict", "evidence") if k in raw}
        if isinstance(fields.get("verdict"), str):
            fields["verdict"] = fields["verdict"].strip().lower()
        if fields.get("evidence") is None:
            fields["evidence"] = ""
        try:
            v = ClaimVerdict.model_validate(fields)
        except ValidationError as exc:
            err = exc.errors()[0]
            out[c.id] = {"verdict": "nan", "reason": f"malformed verdict: {'.'.join(map(str, err['loc']))}: "
                                                      f"{err['msg']}"[:200]}
            continue
        out[c.id] = {"verdict": v.verdict, "evidence": v.evidence.strip()}
    return out


def combine(votes: list[dict[str, Any]]) -> dict[str, Any]:
    """Plurality over valid votes (ties: the earliest repeat's verdict), with the agreement rate."""
    valid = [v for v in votes if v["verdict"] != "nan"]
    if not valid:
        return {"verdict": "nan", "reason": votes[0].get("reason", "no valid verdict"), "repeats": len(votes)}
    counts = Counter(v["verdict"] for v in valid)
    top = max(counts.values())
    verdict = next(v["verdict"] for v in valid if counts[v["verdict"]] == top)
    evidence = next((v.get("evidence", "") for v in valid if v["verdict"] == verdict), "")
    out = {"verdict": verdict, "evidence": evidence, "agreement": top / len(valid), "repeats": len(votes),
           "votes": dict(sorted(counts.items()))}
    if len(valid) < len(votes):
        out["invalid_votes"] = len(votes) - len(valid)
    return out


def locate(evidence: str, summary: str) -> dict[str, Any] | None:
    """Where the quoted evidence sits in the summary (case/space-insensitive), or that it does not."""
    if not evidence:
        return None
    idx = fold(summary).find(fold(evidence))
    found: dict[str, Any] = {"text": evidence, "found": idx != -1}
    if idx != -1 and summary.find(evidence) != -1:
        found.update(start=summary.find(evidence), end=summary.find(evidence) + len(evidence))
    return found


def _cost(c: Any) -> dict[str, float]:
    return {"prompt_tokens": c.usage.get("prompt_tokens", 0), "completion_tokens": c.usage.get("completion_tokens", 0),
            "cost_usd": c.cost_usd or 0.0, "cached": int(c.cached)}


class Judge:
    """Decides claims with ``backend.complete``; ``repeats`` calls per summary."""

    def __init__(self, backend: LLM, template: str, *, repeats: int = 1, params: dict[str, Any] | None = None):
        if not backend.can_complete:
            raise UserError(f"judge backend '{backend.name}' cannot answer prompts",
                            fix="use an LLM backend for the judge (backend = \"openai\")")
        self.backend, self.template, self.repeats, self.params = backend, template, repeats, params or {}
        # structured output until the endpoint refuses it; then plain prompts, parsed tolerantly
        self.use_schema = backend.supports_json_schema

    def _ask(self, messages: list[dict[str, str]], k: int) -> tuple[Any, dict[str, float]]:
        if self.use_schema:
            try:
                c = self.backend.complete(messages, json_schema=answer_schema(), sample=k, **self.params)
                return (c.data if c.data is not None else tolerant_json(c.text)), _cost(c)
            except BackendError as exc:
                if exc.reason == "schema_rejected":
                    self.use_schema = False  # remember for this endpoint: no more doomed requests
                elif exc.reason != "invalid_json":  # "invalid_json": the server ignored the schema
                    raise
        c = self.backend.complete(messages, sample=k, **self.params)
        return tolerant_json(c.text), _cost(c)

    def decide(self, summary: str, claims: list[Claim]) -> tuple[dict[str, dict[str, Any]], dict[str, Any]]:
        """Verdict per claim id, and the calls' usage. Failures become ``nan`` verdicts."""
        messages = render(self.template, summary, claims)
        votes: dict[str, list[dict[str, Any]]] = {c.id: [] for c in claims}
        usage = {"calls": 0, "cached": 0, "prompt_tokens": 0, "completion_tokens": 0, "cost_usd": 0.0,
                 "spent_usd": 0.0}
        for k in range(self.repeats):
            try:
                data, cost = self._ask(messages, k)
            except Exception as exc:  # a failed call is a NaN for these claims, not a failed run
                reason = f"judge call failed: {' '.join(str(exc).split())}"[:300]
                for c in claims:
                    votes[c.id].append({"verdict": "nan", "reason": reason})
                continue
            usage["calls"] += 1
            for key in ("cached", "prompt_tokens", "completion_tokens", "cost_usd"):
                usage[key] += cost[key]
            usage["spent_usd"] += 0.0 if cost["cached"] else cost["cost_usd"]  # what --max-cost counts
            if data is None:
                parsed = {c.id: {"verdict": "nan", "reason": "judge answer is not JSON"} for c in claims}
            else:
                parsed = parse_answer(data, claims)
            for c in claims:
                votes[c.id].append(parsed[c.id])
        return {cid: combine(v) for cid, v in votes.items()}, usage
