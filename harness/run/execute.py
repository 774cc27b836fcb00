"""Run every (item, system) pair on a bounded thread pool and write its record.

Records are written by this thread only, in completion order, one flushed line
each. The runner writes the manifest and records; metrics and reports are the
next step's (``harness.pipeline``), so a run whose report fails still has every
record. The steps share their state in one ``Execution`` object.
"""

from __future__ import annotations

import sys
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from harness.core.models import Item, Record
from harness.results.store import utc_now
from harness.run.batch_sources import preflight, run_batches
from harness.run.interrupt import SigintGate, deferred_sigint
from harness.run.jobs import Jobs
from harness.run.manifest import RunFolder, open_run
from harness.run.pair import Drawn, draw, score_drawn
from harness.run.plan import Plan, RunOptions, planned_items, prepare_article
from harness.run.progress import Progress
from harness.run.scoring_pool import ScoringPool, pool_status, start_pool
from harness.run.scoring_process import HelperStopped
from harness.run.tally import Tally


@dataclass
class RunResult:
    run_dir: Path
    n_records: int
    n_errors: int
    error_budget: int
    stopped: str | None = None  # why the run stopped early (max cost), else None
    complete: bool = False  # every pair has its record: metrics and reports can be written
    tally: Tally = field(default_factory=Tally)  # cut-off answers and undecided judgements, for the summary
    judge_error_budget: int = 0
    waiting: bool = False  # --no-wait: batches were submitted and run on; resume collects them
    spent_usd: float = 0.0  # what this run has spent so far (all executions)
    pairwise_undecided: int = 0  # [pairwise] judgements that decided nothing


class Execution:
    """One execution of a plan into its run folder."""

    def __init__(self, plan: Plan, opts: RunOptions, folder: RunFolder):
        self.plan, self.opts, self.folder = plan, opts, folder
        self.total = plan.n_items * len(plan.systems)
        self.concurrency = opts.concurrency or plan.suite.config.run.concurrency
        # A deep queue keeps the pool busy while this thread scores records; under --max-cost a
        # shallow one bounds what can be spent past the limit (at most 2 x concurrency requests).
        self.queue_depth = self.concurrency * (2 if opts.max_cost is not None else 8)
        self.net_scorers = [(n, s) for n, s in plan.scorers if s.calls_network]  # an LLM judge: in the pool
        self.pending = Jobs()
        self.scoring_of: dict[Future, Drawn] = {}  # jobs of the scoring helpers -> the answers they score
        self.helpers: ScoringPool | None = None
        self.stopped: str | None = None
        self.waiting = False
        self.sigint = SigintGate()
        self.pool: ThreadPoolExecutor | None = None
        self.n_cached = 0  # this execution's cache hits (a resumed folder does not count its earlier ones)
        self.progress = Progress(opts.progress, self.total, sys.stderr, done=folder.records)
        if self.progress.live:  # a warning wipes the live line first instead of starting in its middle
            self.opts = replace(opts, warn=self.progress.around(opts.warn))

    @property
    def manifest(self) -> dict[str, Any]:
        return self.folder.manifest

    def run(self) -> RunResult:
        try:
            self._start()
            with deferred_sigint() as self.sigint, ThreadPoolExecutor(
                    max_workers=self.concurrency, thread_name_prefix="sumbench") as self.pool:
                try:
                    self._submit_all()
                    self._drain(0)
                except BaseException:  # Ctrl-C: drop what has not started, keep what was paid for
                    self._cancel_queued()
                    self._drain(0)
                    raise
            self.manifest["status"] = "interrupted" if self.stopped else "complete"
        except BaseException:
            self.manifest["status"] = "interrupted"
            raise
        finally:
            self.progress.close()  # on a fresh line before any message (Ctrl-C, errors, the table)
            self._finish()
        return RunResult(run_dir=self.folder.path, n_records=self.folder.records, n_errors=self.folder.errors,
                         error_budget=self.plan.suite.config.run.error_budget, stopped=self.stopped,
                         complete=self.manifest["status"] == "complete", tally=self.folder.tally,
                         judge_error_budget=self.plan.suite.config.run.judge_error_budget, waiting=self.waiting,
                         spent_usd=self.folder.budget.spent_usd)

    def _start(self) -> None:
        # first, so the helpers load their scorers on the other cores while this one loads the SDK
        todo = self.total - len(self.folder.finished)
        self.helpers = start_pool(self.plan.suite, self.plan.scorers, todo, self.opts.workers,
                                  self.opts.scoring_process,
                                  network=any(b.calls_network for _, b in self.plan.systems))
        self.manifest["scoring_process"] = pool_status(self.helpers)  # this execution's
        for _, backend in self.plan.systems:
            backend.set_concurrency(self.concurrency)
            backend.warm_up()  # e.g. import the SDK before items are queued
        budget = self.folder.budget
        self.stopped, self.waiting = run_batches(
            self.plan, self.opts, self.folder.path, self.folder.finished,
            None if budget.max_usd is None else budget.max_usd - budget.spent_usd)

    def _submit_all(self) -> None:
        if self.stopped:  # the batch mode stopped the run before any record (--no-wait, --max-cost)
            return
        for item in planned_items(self.plan, self.opts):
            self.sigint.check()
            todo = [(c, b) for c, b in self.plan.systems if (item.id, c.name) not in self.folder.finished]
            if todo:
                self._submit_item(item, todo)
            if self.stopped:
                break

    def _submit_item(self, item: Item, todo: list[tuple[Any, Any]]) -> None:
        article, dups = prepare_article(item, self.opts, self.manifest)
        for sys_cfg, backend in todo:
            if self.folder.budget.exhausted:
                self._stop_for_budget()
                return
            self.pending.add(self.pool.submit(draw, item, article, dups, sys_cfg, backend, self.net_scorers))
            if self.opts.on_first_request is not None:
                self.opts.on_first_request()
                self.opts = replace(self.opts, on_first_request=None)
            self._drain(self.queue_depth)

    def _cancel_queued(self) -> None:
        """Drop requests that have not started (scoring jobs hold paid answers: never those)."""
        for queued in self.pending:
            if queued not in self.scoring_of:
                queued.cancel()

    def _stop_for_budget(self) -> None:
        """Past --max-cost: start nothing more (queued jobs are cancelled, running ones finish)."""
        if self.stopped is None:
            self.stopped = (f"spent {self.folder.budget.spent_usd:.4f} USD, reaching --max-cost "
                            f"{self.opts.max_cost:g}; resume with: sumbench run --resume {self.folder.path} "
                            "--max-cost <more>")
        self._cancel_queued()

    def _drain(self, block_until: int) -> None:
        """Write records until at most ``block_until`` jobs are pending."""
        while len(self.pending) > block_until:
            self.sigint.check()  # a safe point: every finished job is either written or still pending
            fut = self.pending.next_done(timeout=0.25)  # a timeout, so Ctrl-C is seen while requests hang
            if fut is None:  # nothing finished: the display still moves (ETA, a CI log line every 30 s)
                self._show_progress()
                continue
            if fut.cancelled():
                continue
            rec = self._record_for(fut)
            if rec is not None:
                self._write(rec)

    def _record_for(self, fut: Future) -> Record | None:
        """The record a finished job completes, or None when its answer went on to be scored."""
        d = self.scoring_of.pop(fut, None)
        if d is not None:  # the scoring process is done with this answer
            return self._scored_by_helper(d, fut)
        d = fut.result()
        self.folder.budget.add_usd(d.spent_usd)  # spent when the answer arrives, whoever scores it
        if self.folder.budget.exhausted:
            self._stop_for_budget()
        return self._score(d)

    def _score(self, d: Drawn) -> Record | None:
        """Send ``d`` to a scoring helper (its record comes when the job finishes), or score it here
        when there is none left. CPU work stays off the request threads either way."""
        pool = self._live_pool()
        job = pool.submit(d.item, d.article, d.texts) if pool is not None else None
        if job is None:
            return score_drawn(d, self.plan.scorers)
        self.scoring_of[job] = d
        self.pending.add(job)
        return None

    def _scored_by_helper(self, d: Drawn, fut: Future) -> Record | None:
        try:
            return score_drawn(d, self.plan.scorers, fut.result())
        except HelperStopped:  # every open job of a stopped helper lands here: scored again, once
            return self._score(d)

    def _live_pool(self) -> ScoringPool | None:
        """The scoring helpers, after a warning about each one that stopped (said once, also for one
        that died idle); None once none is left: scoring is in-process from then on."""
        pool = self.helpers
        notes = pool.newly_stopped() if pool is not None else []
        for note in notes:
            self.opts.warn(note)
        if notes:
            self.manifest["scoring_process"] = pool_status(pool)
            if not pool.live:
                pool.close()
                self.helpers = None
        return self.helpers

    def _write(self, rec: Record) -> None:
        self.folder.writer.append(rec)
        self.folder.records += 1
        self.folder.errors += rec.error is not None
        self.folder.tally.add(rec)
        self.n_cached += rec.cached
        self._show_progress()

    def _show_progress(self) -> None:
        self.progress.update(self.folder.records, self.folder.errors, self.n_cached, self.folder.budget.spent_usd)

    def _finish(self) -> None:
        if self.helpers is not None:
            self.helpers.close()
        self.folder.writer.close()
        self.manifest["finished"] = utc_now()
        self.manifest["counts"] = {"records": self.folder.records, "errors": self.folder.errors}
        self.manifest["stopped"] = self.stopped
        self.folder.seal()  # complete, interrupted or stopped alike: the records as this execution left them
        self.folder.save_manifest()


def execute(plan: Plan, opts: RunOptions) -> RunResult:
    """Create (or resume) the run folder and fill it with records; returns counts for the exit code."""
    preflight(plan)  # a server with no Batch API is one line before the run folder exists
    return Execution(plan, opts, open_run(plan, opts)).run()
