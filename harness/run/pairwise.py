"""``[pairwise]``: judge each item's summaries of two systems in both orders, into pairwise.jsonl.

Runs once a run's records are complete (``sumbench run``), or on an existing run
(``sumbench judge RUN [--a X --b Y]``) without summarizing again. Every order is
one structured-output call (``verdict`` first/second/tie and a short ``reason``)
through the judge backend's call path, so it is cached like any call: a second
run makes no judge call. A failed or unusable answer is that order's ``error``,
never an exception; ``--max-cost`` stops starting judge calls once the budget is
spent (the lines judged so far are kept; the rest are judged on the next try).
"""

from __future__ import annotations

import itertools
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.core.errors import UserError
from harness.core.text import estimate_tokens
from harness.results.pairwise import (
    OrderVerdict,
    PairwiseLine,
    outcome,
    read_pairwise,
    write_pairwise,
)
from harness.results.store import read_records
from harness.scorers.judge import judge_backend
from harness.suite.config import PairwiseConfig
from harness.suite.prompts import load_judge_template

DEFAULT_PROMPT = "prompts/judge/pairwise.txt"
_PLACEHOLDER = re.compile(r"\{(article|first|second)\}")
SCHEMA = {"name": "pairwise_verdict", "strict": True, "schema": {
    "type": "object", "additionalProperties": False, "required": ["verdict", "reason"],
    "properties": {"verdict": {"type": "string", "enum": ["first", "second", "tie"]},
                   "reason": {"type": "string"}}}}


def load_template(path: str | None, base: Path | None) -> str:
    return load_judge_template(path, DEFAULT_PROMPT, base, ("article", "first", "second"), "pairwise judge")[0]


def pairs_of(cfg: PairwiseConfig, systems: list[str]) -> list[tuple[str, str]]:
    """The configured pairs, else every pair of the run's systems in suite order."""
    if cfg.pairs:
        return [(a, b) for a, b in cfg.pairs]
    return list(itertools.combinations(systems, 2))


class PairwiseJudge:
    def __init__(self, cfg: PairwiseConfig, suite: Any, cache: Any):
        try:
            self.backend = judge_backend(cfg.judge, who="pairwise", where="[pairwise]", suite=suite, cache=cache)
        except UserError as exc:  # named at the [pairwise] table of the suite
            raise exc.located(suite.path, suite.line_of("pairwise")) from None
        self.template = load_template(cfg.judge_prompt, getattr(suite, "dir", None))

    def render(self, article: str, first: str, second: str) -> str:
        """The prompt of one order (placeholders filled once: a summary quoting "{second}" stays as it is)."""
        values = {"article": article, "first": first, "second": second}
        return _PLACEHOLDER.sub(lambda m: values[m.group(1)], self.template)

    def ask(self, article: str, first: tuple[str, str], second: tuple[str, str]) -> OrderVerdict:
        """One order: ``first``/``second`` are (system, summary). Never raises."""
        messages = [{"role": "user", "content": self.render(article, first[1], second[1])}]
        head = {"first": first[0], "second": second[0]}
        try:
            c = self.backend.complete(messages, json_schema=SCHEMA)
        except Exception as exc:
            return OrderVerdict(**head, verdict=None, error=f"judge call failed: {' '.join(str(exc).split())}"[:300])
        data = c.data if isinstance(c.data, dict) else {}
        verdict = data.get("verdict")
        spend = dict(usage=c.usage, cost_usd=c.cost_usd, cached=c.cached)
        if verdict not in ("first", "second", "tie"):
            return OrderVerdict(**head, verdict=None, error=f"judge gave no verdict ({c.text[:120]!r})", **spend)
        return OrderVerdict(**head, verdict=verdict, reason=str(data.get("reason", ""))[:500], **spend)

    def estimate(self, article: str, summary_chars: tuple[int, int]) -> tuple[int, int]:
        """(prompt tokens, completion tokens) of one order, for --dry-run."""
        text = self.render(article, "x" * summary_chars[0], "x" * summary_chars[1])
        return estimate_tokens(text), self.backend.params().get("max_tokens") or 60

    def judge(self, item_id: str, article: str, a: tuple[str, str], b: tuple[str, str]) -> PairwiseLine:
        orders = [self.ask(article, a, b), self.ask(article, b, a)]
        result, consistent = outcome(a[0], b[0], orders)
        return PairwiseLine(item_id=item_id, a=a[0], b=b[0], outcome=result, consistent=consistent, orders=orders)


@dataclass
class PairwiseResult:
    lines: int = 0
    undecided: int = 0  # lines with an order that decided nothing
    spent_usd: float = 0.0
    stopped: str | None = None
    waiting: bool = False  # batch = true with --no-wait: the judge's batches run at the provider


def _summaries(run_dir: Path, wanted: set[str]) -> dict[str, dict[str, str]]:
    out: dict[str, dict[str, str]] = {}
    for rec in read_records(run_dir / "records.jsonl"):
        if rec.system in wanted and rec.summary is not None:
            out.setdefault(rec.item_id, {})[rec.system] = rec.summary
    return out


def _batch_first(run_dir: Path, judge: PairwiseJudge, todo: list[Any], summaries: dict[str, dict[str, str]],
                 max_usd: float | None, no_wait: bool, say: Any) -> tuple[str | None, bool]:
    """``batch = true`` on the judge: every order not in the cache goes through the Batch API first
    (learnt by judging with the backend collecting), so the judging pass below finds its answers."""
    from harness.run.batch_submit import Group
    from harness.run.batches import BatchMode

    def source() -> Any:
        with judge.backend.noting_requests() as noted:
            for item_id, article, a, b in todo:
                judge.judge(item_id, article, (a, summaries[item_id][a]), (b, summaries[item_id][b]))
        yield from noted.requests.values()
    mode = BatchMode(run_dir, budget_left=max_usd, say=say)
    stopped = mode.run([Group("judge:pairwise", judge.backend, source)], no_wait=no_wait)
    return stopped, mode.waiting


def run_pairwise(run_dir: Path, judge: PairwiseJudge, pairs: list[tuple[str, str]], articles: Any,
                 concurrency: int, max_usd: float | None = None, *, no_wait: bool = False,
                 say: Any = lambda line: None) -> PairwiseResult:
    """Judge ``pairs`` for every item where both have a summary; ``articles`` yields (item id, article)
    as the run sent them. Lines of other pairs already in pairwise.jsonl are kept."""
    summaries = _summaries(run_dir, {s for p in pairs for s in p})
    todo = [(item_id, article, a, b) for item_id, article in articles for a, b in pairs
            if {a, b} <= summaries.get(item_id, {}).keys()]
    done: list[PairwiseLine] = []
    res = PairwiseResult()
    if judge.backend.batched:
        res.stopped, res.waiting = _batch_first(run_dir, judge, todo, summaries, max_usd, no_wait, say)
        if res.stopped:
            return res
    with ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="sumbench-pairwise") as pool:
        for start in range(0, len(todo), concurrency):  # a window at a time, so --max-cost can stop it
            if max_usd is not None and res.spent_usd >= max_usd:
                res.stopped = (f"the pairwise judge spent {res.spent_usd:.4f} USD, reaching --max-cost; "
                               f"{len(todo) - start} of {len(todo)} judgements not made")
                break
            window = todo[start:start + concurrency]
            for line in pool.map(lambda t: judge.judge(t[0], t[1], (t[2], summaries[t[0]][t[2]]),
                                                       (t[3], summaries[t[0]][t[3]])), window):
                done.append(line)
                res.spent_usd += sum(o.cost_usd or 0.0 for o in line.orders if not o.cached)
    judged = set(pairs)
    kept = [x for x in read_pairwise(run_dir) if (x.a, x.b) not in judged]
    write_pairwise(run_dir, kept + done)
    res.lines, res.undecided = len(done), sum(x.outcome is None for x in done)
    return res
