"""G-Eval: an LLM judge's 1-5 rubric scores per criterion (Liu et al. 2023).

One structured-output call per summary asks, for every criterion, a short reason
and then an integer 1-5 (``prompts/judge/geval.txt`` filled with the rubrics of
``prompts/judge/<criterion>.txt`` or your own ``{name, rubric}``). Integers are
coarse and tie a lot, so, as in G-Eval, the score is the probability-weighted
mean of the digits: ``logprobs = true`` asks for the top-5 token logprobs, and the
token that generated a criterion's digit gives ``sum(d * p(d)) / sum(p(d))`` over
d in 1..5 (renormalised). Without logprobs the integers are averaged over the
``judge_repeats`` samples (their spread in details). Cache, retries and schema
fallbacks are the checklist judge's. An unusable answer (no JSON, a missing
criterion, a score outside 1-5, a failed call) makes that criterion NaN with its
reason, counted in ``undecided`` (the run's ``judge_error_budget``); never raises.
"""

from __future__ import annotations

import math
import re
import statistics
from pathlib import Path
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, field_validator

from harness.core.errors import BackendError, UserError
from harness.core.models import Item
from harness.core.notices import warn_once
from harness.core.registry import scorers
from harness.core.shipped import shipped
from harness.core.text import sha256_text
from harness.scorers.base import BaseScorer, Metric, Score
from harness.scorers.judge import UNSET, judge_backend, tolerant_json
from harness.scorers.logprobs import weighted_scores
from harness.suite.prompts import load_judge_template

BUILT_IN = ("consistency", "coherence", "fluency", "relevance")
DEFAULT_PROMPT = "prompts/judge/geval.txt"
TOP_LOGPROBS = 5
_PLACEHOLDER = re.compile(r"\{(criteria|article|summary)\}")


class Criterion(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(pattern=r"^[a-z0-9_]+$")
    rubric: str | None = Field(default=None, min_length=1)  # None: the built-in rubric of that name


class GEvalOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")
    judge: dict[str, Any] | None = None  # the judge backend and its options: {backend = "openai", model = ...}
    criteria: list[Criterion] = Field(default_factory=lambda: [Criterion(name=n) for n in BUILT_IN], min_length=1)
    judge_prompt: str | None = None  # template with {criteria}, {article}, {summary}; default DEFAULT_PROMPT
    judge_repeats: int = Field(default=1, ge=1, le=20)
    logprobs: bool = True  # weight each score by its digit's top-5 token probabilities

    @field_validator("criteria", mode="before")
    @classmethod
    def _names_or_tables(cls, v: Any) -> Any:
        """A built-in's name is short for its table; a table of your own must bring its rubric."""
        if not isinstance(v, list):
            return v
        out = [{"name": c} if isinstance(c, str) else c for c in v]
        for c in out:
            if not isinstance(c, dict):
                raise ValueError(f"{c!r} is neither a criterion name nor a {{name, rubric}} table")
            name = c.get("name")
            if c.get("rubric") is None and name not in BUILT_IN:
                raise ValueError(f"{name!r} is not a built-in criterion ({', '.join(BUILT_IN)}); "
                                 "give your own as {name = \"...\", rubric = \"...\"}")
            if c.get("rubric") is not None and name in BUILT_IN:
                raise ValueError(f"{name!r} is a built-in criterion; give your own rubric another name")
        names = [c.get("name") for c in out]
        twice = sorted({str(n) for n in names if names.count(n) > 1})
        if twice:
            raise ValueError(f"criterion names must be unique: {', '.join(twice)} given twice")
        return out


# -- prompt and schema ------------------------------------------------
def load_template(path: str | None, base: Path | None) -> tuple[str, str]:
    """(template, where it came from); ``{article}`` is optional."""
    return load_judge_template(path, DEFAULT_PROMPT, base, ("criteria", "summary"), "geval judge")


def load_rubric(c: Criterion) -> str:
    """The criterion's rubric: its own, or the built-in one shipped in ``prompts/judge``."""
    if c.rubric is not None:
        return c.rubric.strip()
    path = shipped(f"prompts/judge/{c.name}.txt")
    try:
        return path.read_text(encoding="utf-8").strip()
    except OSError:
        raise UserError(f"the built-in rubric {path} is missing",
                        fix="reinstall sumbench (the rubrics ship with it), or give {name, rubric} tables") from None


def render(template: str, rubrics: dict[str, str], article: str, summary: str) -> list[dict[str, str]]:
    """One user message; placeholders are filled once, so a summary quoting "{criteria}" stays as it is."""
    block = "\n\n".join(f'<criterion name="{n}">\n{r}\n</criterion>' for n, r in rubrics.items())
    values = {"criteria": block, "article": article, "summary": summary}
    return [{"role": "user", "content": _PLACEHOLDER.sub(lambda m: values[m.group(1)], template)}]


def answer_schema(names: list[str]) -> dict[str, Any]:
    """Reason before score (the judge explains, then decides), an integer 1-5 per criterion."""
    entry = {"type": "object", "additionalProperties": False, "required": ["reason", "score"],
             "properties": {"reason": {"type": "string"}, "score": {"type": "integer", "enum": [1, 2, 3, 4, 5]}}}
    return {"name": "geval_scores", "strict": True, "schema": {
        "type": "object", "additionalProperties": False, "required": names,
        "properties": {n: entry for n in names}}}


# -- reading answers --------------------------------------------------
def parse_scores(data: Any, names: list[str]) -> dict[str, dict[str, Any]]:
    """Per criterion {"score": int, "reason"} or {"error": reason}. Never raises."""
    if not isinstance(data, dict):
        why = "is not JSON" if data is None else "is not a JSON object"
        return {n: {"error": f"geval: judge answer {why}"} for n in names}
    out: dict[str, dict[str, Any]] = {}
    for n in names:
        raw = data.get(n)
        score, reason = (raw.get("score"), raw.get("reason")) if isinstance(raw, dict) else (raw, "")
        if isinstance(score, str) and score.strip().isdigit() or isinstance(score, float) and score.is_integer():
            score = int(score)
        if score is None:
            out[n] = {"error": "geval: judge gave no score for this criterion"}
        elif not isinstance(score, int) or isinstance(score, bool):
            out[n] = {"error": "geval: judge score is not an integer"}
        elif not 1 <= score <= 5:
            out[n] = {"error": "geval: judge score is outside 1-5"}
        else:
            out[n] = {"score": score, "reason": " ".join(str(reason or "").split())[:500]}
    return out


def combine(samples: list[dict[str, Any]]) -> dict[str, Any]:
    """One criterion over the judge's samples: the mean value, its source and spread."""
    valid = [s for s in samples if "value" in s]
    if not valid:
        return {"score": None, "reason": samples[0]["error"]}
    values = [s["value"] for s in valid]
    out = {"score": statistics.fmean(values),
           "source": "logprobs" if all(s["source"] == "logprobs" for s in valid) else "samples",
           "reason": valid[0]["reason"], "answers": [s["score"] for s in valid]}
    if len(samples) > 1:
        out["std"] = statistics.pstdev(values)
    if len(valid) < len(samples):
        out["invalid_samples"] = len(samples) - len(valid)
    return out


def build_judge(options: GEvalOptions, suite: Any, cache: Any) -> Any:
    """The judge backend from ``[scorer.geval] judge = {...}`` (validated now: typos fail before the run)."""
    if options.judge is None:
        raise UserError("[scorer.geval] judge is required: the LLM that gives the scores",
                        fix='write judge = {backend = "openai", model = "gpt-4o-mini"} in [scorer.geval]')
    return judge_backend(options.judge, who="geval", where="[scorer.geval]", suite=suite, cache=cache)


@scorers.register("geval")
class GEval(BaseScorer):
    """G-Eval rubric scores (1-5) from an LLM judge, weighted by the score digits' probabilities."""

    Options: ClassVar[type[BaseModel]] = GEvalOptions
    # Kind "ratio": core.metrics has no bounded-score kind; a 1-5 mean is no share and no count.
    metrics = (
        Metric("geval.consistency", "higher", "ratio",
               "G-Eval judge's 1-5 score: every stated fact agrees with the article, nothing invented"),
        Metric("geval.coherence", "higher", "ratio", "G-Eval judge's 1-5 score: reads as one well-ordered account"),
        Metric("geval.fluency", "higher", "ratio", "G-Eval judge's 1-5 score: grammatical, readable sentences"),
        Metric("geval.relevance", "higher", "ratio",
               "G-Eval judge's 1-5 score: carries the article's main points, no padding"),
        Metric("geval.*", "higher", "ratio", "G-Eval judge's 1-5 score on a criterion of [scorer.geval] criteria"),
    )
    calls_network = True  # waits on the judge: scored on the request threads

    def __init__(self, options: GEvalOptions, suite: Any = None, cache: Any = UNSET, **context: Any):
        self.options = options
        self.backend = build_judge(options, suite, cache)
        self.template, self.prompt_path = load_template(options.judge_prompt, getattr(suite, "dir", None))
        self.rubrics = {c.name: load_rubric(c) for c in options.criteria}
        self.names = list(self.rubrics)
        self.schema = answer_schema(self.names)
        self.params = {"logprobs": True, "top_logprobs": TOP_LOGPROBS} if options.logprobs else {}
        self.use_schema = self.backend.supports_json_schema  # until the endpoint refuses it

    def judge_backends(self) -> list[Any]:
        return [self.backend]

    def judge_estimates(self, item: Item, article: str, summary_chars: int) -> list[tuple[Any, int, int]]:
        from harness.core.text import estimate_tokens

        prompt = estimate_tokens(render(self.template, self.rubrics, article, "x" * summary_chars)[0]["content"])
        out = self.backend.params().get("max_tokens") or 60 * len(self.names)  # a reason and a digit each
        return [(self.backend, prompt, out)] * self.options.judge_repeats

    def _ask(self, messages: list[dict[str, str]], k: int) -> tuple[Any, list[dict[str, Any]] | None, Any]:
        """(parsed JSON or None, token logprobs or None, the Completion) of sample ``k``."""
        schema = self.schema if self.use_schema else None
        try:
            c = self.backend.complete(messages, json_schema=schema, sample=k, **self.params)
        except BackendError as exc:
            if schema is None or exc.reason not in ("schema_rejected", "invalid_json"):
                raise
            if exc.reason == "schema_rejected":
                self.use_schema = False  # remember for this endpoint: no more doomed requests
            schema = None  # "invalid_json": this answer ignored the schema; ask once more without
            c = self.backend.complete(messages, sample=k, **self.params)
        data = c.data if c.data is not None else tolerant_json(c.text)
        lp = c.logprobs if self.params else None
        if self.params and lp is None:
            warn_once(f"geval-logprobs:{id(self)}", "the geval judge's answers carry no token logprobs (the server "
                      "ignores them): scores are its integers (details say source \"samples\")")
        return data, lp, c

    def _sample(self, messages: list[dict[str, str]], k: int, usage: dict[str, Any]) -> dict[str, dict[str, Any]]:
        """Per criterion of sample ``k``: {"value", "score", "source", "reason"} or {"error"}."""
        try:
            data, lp, c = self._ask(messages, k)
        except Exception as exc:  # a failed call is NaN for these criteria, not a failed run
            reason = f"geval: judge call failed: {' '.join(str(exc).split())}"[:300]
            return {n: {"error": reason} for n in self.names}
        for key, n in (("calls", 1), ("cached", int(c.cached)), ("prompt_tokens", c.usage.get("prompt_tokens", 0)),
                       ("completion_tokens", c.usage.get("completion_tokens", 0)), ("cost_usd", c.cost_usd or 0.0)):
            usage[key] += n
        usage["spent_usd"] += 0.0 if c.cached else (c.cost_usd or 0.0)  # what --max-cost counts
        parsed = parse_scores(data, self.names)
        weighted = weighted_scores(lp, self.names) if lp else {}
        for n, p in parsed.items():
            if "score" in p:
                w = weighted.get(n)
                p.update(value=float(p["score"]) if w is None else w, source="samples" if w is None else "logprobs")
        return parsed

    def score(self, item: Item, summary: str, article: str) -> Score:
        messages = render(self.template, self.rubrics, article, summary)
        usage = {"calls": 0, "cached": 0, "prompt_tokens": 0, "completion_tokens": 0, "cost_usd": 0.0,
                 "spent_usd": 0.0}
        samples = [self._sample(messages, k, usage) for k in range(self.options.judge_repeats)]
        per = {n: combine([s[n] for s in samples]) for n in self.names}
        metrics = {f"geval.{n}": (math.nan if d["score"] is None else d["score"]) for n, d in per.items()}
        undecided: dict[str, int] = {}
        for d in per.values():
            if d["score"] is None:
                undecided[d["reason"]] = undecided.get(d["reason"], 0) + 1
        details = {"criteria": per, "judge": {"usage": usage, "repeats": self.options.judge_repeats,
                                              "prompt": self.prompt_path, "nan": sum(undecided.values())}}
        return Score(metrics, details, undecided, judge_cost_usd=usage["spent_usd"])

    def settings(self) -> dict[str, Any]:
        return {"judge": self.backend.describe(), "criteria": self.names,
                "rubric_sha256": {n: sha256_text(r) for n, r in self.rubrics.items()},
                "prompt": self.prompt_path, "prompt_sha256": sha256_text(self.template),
                "repeats": self.options.judge_repeats, "logprobs": self.options.logprobs,
                "top_logprobs": TOP_LOGPROBS if self.options.logprobs else None,
                "weighting": "sum(d * p(d)) / sum(p(d)), d in 1-5, over the score token's top logprobs; "
                             "else the integers; mean over the repeats"}
