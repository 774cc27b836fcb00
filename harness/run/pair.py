"""Summarize and score one (item, system) pair, with ``repeats`` samples when asked.

Two steps, so the runner can keep its request threads on requests: ``draw``
(backend calls, plus scorers that call a model themselves, e.g. the LLM
judge; runs in the thread pool) and ``score_drawn`` (the CPU-bound scorers,
run by the thread that writes records, or before that by
``harness.run.scoring_process`` through ``score_texts``, so ROUGE's CPU time does
not delay responses waiting for the GIL). ``run_pair`` does both.
Never raises: a backend or scorer failure becomes the record's one-line
``error``. With ``repeats = N`` the pair is sampled N times (``sample=k`` is
passed to the backend, and is part of its cache key); the record's
``scores`` are the per-metric means over the successful samples, ``spread``
their standard deviations, and ``samples`` keeps every sample.
"""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from harness.core.errors import ERROR_CHARS, BackendError
from harness.core.models import Item, Record, Sample, Usage
from harness.core.text import clip, sha256_text
from harness.suite.config import SystemConfig


def one_line(exc: BaseException) -> str:
    """A record's error: a sentence for an expected failure (a BackendError says what failed and
    what to check), the exception's class too for anything else (that is a bug worth naming)."""
    text = " ".join(str(exc).split())
    if not isinstance(exc, BackendError) or not text:
        text = f"{type(exc).__name__}: {text}" if text else type(exc).__name__
    return clip(text, ERROR_CHARS)


class Result(NamedTuple):
    """One scorer's outcome for one text (pickled to and from the scoring process)."""

    metrics: dict[str, Any] | None
    details: Any
    error: str | None
    undecided: dict[str, int]
    judge_cost_usd: float = 0.0  # what the scorer's LLM judge calls cost (uncached)


def _score_one(name: str, scorer: Any, item: Item, text: str, article: str) -> Result:
    try:
        res = scorer.score(item, text, article)
    except Exception as exc:
        error = f"scorer {name} failed: {one_line(exc)}"
        return Result(None, {"error": error}, error, {})
    return Result(res.metrics, res.details, None, dict(res.undecided), float(getattr(res, "judge_cost_usd", 0.0)))


@dataclass
class Scored:
    """Every scorer's outcome for one text, merged in suite order."""

    scores: dict[str, float | None] = field(default_factory=dict)
    details: dict[str, Any] = field(default_factory=dict)
    error: str | None = None
    undecided: dict[str, int] = field(default_factory=dict)
    judge_cost_usd: float = 0.0


def _score(item: Item, text: str, article: str, scorer_list: list[tuple[str, Any]],
           done: dict[str, Result] | None = None) -> Scored:
    """Scores in suite order; ``done`` holds results already computed in the pool."""
    out = Scored()
    for name, scorer in scorer_list:
        res = (done or {}).get(name) or _score_one(name, scorer, item, text, article)
        out.details[name] = res.details
        if res.error:
            out.error = res.error
        else:
            out.scores.update(res.metrics or {})
        for reason, n in res.undecided.items():
            out.undecided[reason] = out.undecided.get(reason, 0) + n
        out.judge_cost_usd += res.judge_cost_usd
    return out


@dataclass
class Drawn:
    """Backend output for one pair, before scoring: (summary or None, error, latency ms) per sample."""

    item: Item
    article: str
    dups: list[int]
    sys_cfg: SystemConfig
    outs: list[tuple[Any, str | None, float]]
    early: list[dict[str, Result]]  # per sample: results of the network scorers
    prompt_sha256: str | None = None  # the system's prompt, recorded even when the call failed

    @property
    def texts(self) -> list[str | None]:
        """Each sample's summary text (None where the backend failed)."""
        return [out.text if out is not None else None for out, _, _ in self.outs]

    @property
    def spent_usd(self) -> float:
        """Dollars these answers and their judges cost (cached ones are free): what ``resume.spent_by``
        reads from the record."""
        judges = sum(r.judge_cost_usd for per in self.early for r in per.values())
        return judges + sum(out.cost_usd or 0.0 for out, _, _ in self.outs if out is not None and not out.cached)


def draw(item: Item, article: str, dups: list[int], sys_cfg: SystemConfig, backend: Any,
         net_scorers: list[tuple[str, Any]] = ()) -> Drawn:  # type: ignore[assignment]
    """Call the backend once per sample (``sample=k`` only when repeats > 1), then network scorers."""
    outs, early = [], []
    for k in range(sys_cfg.repeats):
        t0 = time.perf_counter()
        try:
            out = backend.summarize(article, item) if sys_cfg.repeats == 1 else \
                backend.summarize(article, item, sample=k)
            err = None
        except Exception as exc:  # any backend failure is this record's error, not the run's
            out, err = None, one_line(exc)
        outs.append((out, err, round((time.perf_counter() - t0) * 1000, 3)))
        early.append({name: _score_one(name, sc, item, out.text, article) for name, sc in net_scorers}
                     if out is not None else {})
    return Drawn(item, article, dups, sys_cfg, outs, early, backend.prompt_sha256)


def score_texts(item: Item, article: str, texts: list[str | None],
                scorer_list: list[tuple[str, Any]]) -> list[dict[str, Result]]:
    """Every scorer's result for each sample's text ({} where there is no text); never raises."""
    return [{name: _score_one(name, sc, item, text, article) for name, sc in scorer_list} if text is not None
            else {} for text in texts]


def _scored(d: Drawn, k: int, scorer_list: list[tuple[str, Any]],
            computed: dict[str, Result]) -> tuple[Sample, dict[str, Any], str | None]:
    out, err, latency = d.outs[k]
    if out is None:
        return Sample(summary=None, error=err, latency_ms=latency), {}, None
    s = _score(d.item, out.text, d.article, scorer_list, {**computed, **d.early[k]})
    usage = Usage(**out.usage) if out.usage else None
    meta = out.meta or {}
    if meta.get("batch") and meta.get("request_ms") is not None:
        latency = meta["request_ms"]  # what the answer took: its batch's time at the provider
    return (Sample(summary=out.text, error=s.error, cached=out.cached, usage=usage, cost_usd=out.cost_usd,
                   latency_ms=latency, finish_reason=meta.get("finish_reason"), model=meta.get("model"),
                   batch=bool(meta.get("batch")), scores=s.scores, undecided=s.undecided,
                   judge_cost_usd=round(s.judge_cost_usd, 8) if s.judge_cost_usd else None),
            s.details, meta.get("prompt_sha256"))


def run_pair(item: Item, article: str, dups: list[int], sys_cfg: SystemConfig, backend: Any,
             scorer_list: list[tuple[str, Any]]) -> Record:
    return score_drawn(draw(item, article, dups, sys_cfg, backend), scorer_list)  # all scorers here


def score_drawn(d: Drawn, scorer_list: list[tuple[str, Any]],
                computed: list[dict[str, Result]] | None = None) -> Record:
    """The record for ``d``; scorers with a result in ``computed`` (per sample, e.g. from the
    scoring process) or in ``d.early`` are not run again."""
    item, sys_cfg = d.item, d.sys_cfg
    base = dict(item_id=item.id, system=sys_cfg.name, duplicates_removed=d.dups, article_sha256=sha256_text(d.article))
    runs = [_scored(d, k, scorer_list, computed[k] if computed else {}) for k in range(len(d.outs))]
    if sys_cfg.repeats == 1:
        s, details, prompt_hash = runs[0]
        return Record(**s.model_dump(exclude={"usage"}), usage=s.usage, details=details,
                      prompt_sha256=prompt_hash or d.prompt_sha256, **base)
    samples = [r[0] for r in runs]
    ok = [i for i, s in enumerate(samples) if s.summary is not None]
    failed = [s for s in samples if s.error is not None]
    error = clip(f"{len(failed)} of {len(samples)} samples failed; first: {failed[0].error}", ERROR_CHARS) \
        if failed else None
    scores, spread = _mean_and_spread([samples[i].scores for i in ok])
    usages = [s.usage for s in samples if s.usage]
    costs = [s.cost_usd for s in samples if s.cost_usd is not None]
    first = ok[0] if ok else None
    undecided: dict[str, int] = {}
    for s in samples:
        for reason, n in s.undecided.items():
            undecided[reason] = undecided.get(reason, 0) + n
    return Record(summary=samples[first].summary if first is not None else None, error=error,
                  finish_reason=samples[first].finish_reason if first is not None else None,
                  model=samples[first].model if first is not None else None, undecided=undecided,
                  cached=all(s.cached for s in samples), batch=any(s.batch for s in samples),
                  judge_cost_usd=round(sum(s.judge_cost_usd or 0 for s in samples), 8) or None,
                  usage=Usage(prompt_tokens=sum(u.prompt_tokens for u in usages),
                              completion_tokens=sum(u.completion_tokens for u in usages)) if usages else None,
                  cost_usd=round(sum(costs), 8) if costs else None,
                  latency_ms=round(sum(s.latency_ms or 0 for s in samples), 3),
                  scores=scores, spread=spread, samples=samples,
                  details=runs[first][1] if first is not None else {},
                  prompt_sha256=next((r[2] for r in runs if r[2]), d.prompt_sha256), **base)


def _mean_and_spread(per_sample: list[dict[str, float | None]]) -> tuple[dict[str, float | None], dict[str, float]]:
    names = sorted({k for s in per_sample for k in s})
    means: dict[str, float | None] = {}
    spread: dict[str, float] = {}
    for name in names:
        values = [s[name] for s in per_sample if s.get(name) is not None]
        means[name] = statistics.fmean(values) if values else None
        if len(values) >= 2:
            spread[name] = statistics.stdev(values)
    return means, spread
