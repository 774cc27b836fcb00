"""Which requests of a run go to the Batch API: the systems' summaries, then the judges' calls.

A system with ``batch = true`` contributes the summary request of every pair the run
still has to do (the same ``summary_request`` its ``summarize`` sends). A judge with
``batch = true`` contributes the calls it would make for every summary already known
without a network call — batch answers, cached answers, offline systems — learnt by
scoring those summaries with the judge's backend *collecting* (it notes requests and
answers none). Summaries of interactive systems that are not cached yet are judged
interactively during the run.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from harness.backends.batch import Request
from harness.core.errors import BackendError, UserError
from harness.run.batch_submit import Group
from harness.run.batches import BatchMode
from harness.run.plan import Plan, RunOptions, planned_items, prepare_article


def _pairs(plan: Plan, opts: RunOptions, finished: set[tuple[str, str]], systems: list[tuple[Any, Any]]
           ) -> Iterator[tuple[Any, str, Any, Any, int]]:
    """(item, article, system config, backend, sample) of every pair still to do, in run order."""
    for item in planned_items(plan, opts):
        todo = [(c, b) for c, b in systems if (item.id, c.name) not in finished]
        if not todo:
            continue
        article, _ = prepare_article(item, opts)
        for cfg, backend in todo:
            for k in range(cfg.repeats):
                yield item, article, cfg, backend, (k if cfg.repeats > 1 else 0)


def summary_groups(plan: Plan, opts: RunOptions, finished: set[tuple[str, str]]) -> list[Group]:
    groups = []
    for cfg, backend in plan.systems:
        if not backend.batched:
            continue
        backend.batch_only = True  # every summary request of this system is answered by a batch

        def source(cfg: Any = cfg, backend: Any = backend) -> Iterator[Request]:
            for _, article, _, _, k in _pairs(plan, opts, finished, [(cfg, backend)]):
                yield backend.summary_request(article, sample=k)[0]
        groups.append(Group(f"system:{cfg.name}", backend, source))
    return groups


def known_summary(backend: Any, article: str, item: Any, sample: int) -> str | None:
    """The summary a pair will get, if no network call is needed to know it."""
    if not backend.calls_network:
        try:
            return backend.summarize(article, item, sample=sample).text
        except Exception:  # the run will record this failure; nothing to judge
            return None
    req = backend.summary_request(article, sample=sample)[0]
    fetched = backend.batch_answers.get(req.key)
    if fetched is not None:
        return fetched.answer["text"] if fetched.answer else None
    hit = backend.cache.get(req.key) if backend.cache is not None else None
    return hit["text"] if hit else None


def judge_groups(plan: Plan, opts: RunOptions, finished: set[tuple[str, str]]) -> list[Group]:
    groups = []
    for name, scorer in plan.scorers:
        for judge in scorer.judge_backends():
            if not judge.batched:
                continue

            def source(scorer: Any = scorer, judge: Any = judge) -> Iterator[Request]:
                for item, article, _, backend, k in _pairs(plan, opts, finished, plan.systems):
                    text = known_summary(backend, article, item, k)
                    if text is None:
                        continue
                    with judge.noting_requests() as noted:
                        scorer.score(item, text, article)
                    yield from noted.requests.values()
            groups.append(Group(f"judge:{name}", judge, source))
    return groups


def preflight(plan: Plan) -> None:
    """Before the run folder exists: every ``batch = true`` backend reaches a Batch API (one read
    of its files route, nothing spent), else one line naming the fix."""
    from harness.backends.openai_batch import NoBatchApi

    index = {s.name: i for i, s in enumerate(plan.suite.config.systems)}
    users = [(f"system '{c.name}'", b, ("systems", index.get(c.name, 0), "batch")) for c, b in plan.systems
             if b.batched]
    users += [(f"the {n} judge", j, ("scorer", n, "judge")) for n, s in plan.scorers for j in s.judge_backends()
              if j.batched]
    if plan.pairwise is not None and plan.pairwise.backend.batched:
        users.append(("the pairwise judge", plan.pairwise.backend, ("pairwise", "judge")))
    for who, backend, where in users:
        line = plan.suite.line_of(*where)
        if not backend.supports_batch:
            raise UserError(f"{who}: backend '{backend.name}' has no Batch API", file=plan.suite.path,
                            line=line, fix="remove batch = true")
        try:
            backend.batch_wire().probe()
        except NoBatchApi as exc:
            raise UserError(f"{who}: {exc}", file=plan.suite.path, line=line,
                            fix="set batch = false for it (vLLM, Ollama and most gateways have no Batch API)") \
                from None
        except BackendError as exc:
            raise UserError(f"{who}: cannot reach the Batch API: {exc}", file=plan.suite.path, line=line,
                            fix="check base_url and the key, or set batch = false") from None


def run_batches(plan: Plan, opts: RunOptions, run_dir: Any, finished: set[tuple[str, str]],
                budget_left: float | None) -> tuple[str | None, bool]:
    """Both batch phases: (None, False) when the run can go on to write its records, else why it
    stops and whether that is --no-wait leaving batches running."""
    if not any(b.batched for _, b in plan.systems) and \
            not any(j.batched for _, s in plan.scorers for j in s.judge_backends()):
        return None, False
    mode = BatchMode(run_dir, budget_left=budget_left, say=opts.status)
    stopped = mode.run(summary_groups(plan, opts, finished), no_wait=opts.no_wait)
    if stopped is None:
        stopped = mode.run(judge_groups(plan, opts, finished), no_wait=opts.no_wait)
    if stopped is not None:
        stopped += f"; resume with: sumbench run --resume {run_dir}"
    return stopped, mode.waiting
