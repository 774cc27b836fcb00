"""The Batch API execution mode: submit what is not cached, wait, and hand each answer to its backend.

Runs before the interactive execution (``harness.run.execute``), once for the systems
with ``batch = true`` and once more for judges with ``batch = true`` (their requests
depend on the summaries). For every request not in the cache, in order:

1. its line goes into an input file under ``batches/``, noted ``prepared`` in
   ``batches.jsonl`` (``harness.results.batches``) before anything is sent;
2. ``--max-cost`` refuses the lot, with nothing sent, if the estimate is over budget;
3. upload (``uploaded``), create (the batch id and status), each noted at once, so a
   resumed run looks up what a killed one may have sent instead of sending it again;
4. polling with back-off up to ``batch_poll`` s; ``--no-wait`` stops after one look;
5. the output and error files become ``BatchAnswer``s in the backend's ``BatchAnswers``,
   which ``LLMBackend.complete`` takes as the wire's answer (parse checks, cache, cost);
   a retryable failed line (5xx, 429, expiry) goes into a new batch up to ``max_attempts``.

The records are then written by the ordinary execution: every request finds its answer.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from harness.core.errors import BackendError
from harness.results.batches import FINAL, BatchEntry, Journal
from harness.results.store import utc_now
from harness.run.batch_collect import collect
from harness.run.batch_submit import Group, key_prefix, write_chunks

SLEEP: Callable[[float], None] = time.sleep  # looked up at call time: tests replace it
FIRST_POLL = 1.0  # seconds before the first look; doubled each time up to batch_poll


class BatchMode:
    def __init__(self, run_dir: Path, *, budget_left: float | None, say: Callable[[str], None]):
        self.journal = Journal(run_dir)
        self.run_name = run_dir.name
        self.budget_left, self.say = budget_left, say
        self.open: dict[int, tuple[Group, BatchEntry]] = {}  # entry n -> its group and entry
        self.owed: dict[int, list[tuple[str, int]]] = {}  # entry n -> (cache key, attempt) it must answer
        self.fresh: set[int] = set()  # entries prepared by this execution (no earlier upload to look up)
        self.shown: dict[int, str] = {}
        self._latest_batch: dict[int, dict[str, Any]] = {}  # entry n -> the batch as last retrieved
        self.waiting = False  # stopped by --no-wait with batches still running

    # -- planning ------------------------------------------------------
    def _plan(self, g: Group) -> dict[str, int]:
        """Keys of ``g`` to put in new batches (key -> attempt); the rest re-attach to the journal's."""
        g.wire = g.backend.batch_wire()
        cache = g.backend.cache
        for req in g.source():
            if req.key[:40] not in g.needed and not (cache is not None and cache.contains(req.key)):
                g.needed[req.key[:40]] = req.key
        latest: dict[str, tuple[BatchEntry, int]] = {}
        for e in self.journal.entries:
            if e.group != g.label:
                continue
            for cid in e.custom_ids:
                parsed = key_prefix(cid)
                if parsed and parsed[0] in g.needed:
                    key = g.needed[parsed[0]]
                    if key not in latest or parsed[1] >= latest[key][1]:
                        latest[key] = (e, parsed[1])
        for key, (e, attempt) in latest.items():
            self._owe(g, e, key, attempt)
        return {key: 1 for key in g.needed.values() if key not in latest}

    def _owe(self, g: Group, e: BatchEntry, key: str, attempt: int) -> None:
        self.open[e.n] = (g, e)
        self.owed.setdefault(e.n, []).append((key, attempt))

    def _prepare(self, g: Group, todo: dict[str, int]) -> list[BatchEntry]:
        entries = write_chunks(g, self.journal, self.run_name, todo)
        for e in entries:
            self.fresh.add(e.n)
            for cid in e.custom_ids:
                prefix, attempt = key_prefix(cid)  # type: ignore[misc]
                self._owe(g, e, g.needed[prefix], attempt)
        return entries

    def _refuse_over_budget(self, new: list[BatchEntry]) -> str | None:
        estimate = sum(e.estimated_usd or 0.0 for e in new)
        if self.budget_left is None or estimate <= self.budget_left:
            if self.budget_left is not None:
                self.budget_left -= estimate  # the judges' batches come out of what is left
            return None
        for e in new:  # nothing was sent: forget them, so a resume with more budget starts clean
            self.journal.entries.remove(e)
            (self.journal.inputs / e.name).unlink(missing_ok=True)
            self.open.pop(e.n, None)
            self.owed.pop(e.n, None)
        self.journal.save()
        return (f"the batch requests would cost about {estimate:.4f} USD at batch prices, over what is left of "
                f"--max-cost ({self.budget_left:.4f} USD); nothing was submitted — raise --max-cost or "
                "--limit the run")

    # -- the run -------------------------------------------------------
    def run(self, groups: list[Group], *, no_wait: bool) -> str | None:
        """None once every request of ``groups`` has its answer or error; else why the run stops here."""
        new: list[BatchEntry] = []
        for g in groups:
            new += self._prepare(g, self._plan(g))
        refusal = self._refuse_over_budget(new)
        if refusal:
            return refusal
        if new:
            self.say(f"batch: {sum(len(e.custom_ids) for e in new)} request(s) in {len(new)} new batch(es)")
        cap = min((g.options.batch_poll for g in groups), default=30.0)
        delay, looks = min(FIRST_POLL, cap), 0
        while self.open:
            try:
                for n in list(self.open):
                    self._step(n)
            except BackendError as exc:
                return f"{exc} — the batches are noted in {self.journal.path}, nothing is lost"
            looks += 1
            if not self.open:
                break
            if no_wait and looks >= 2:  # one pass to submit, one look at what is done
                self.waiting = True
                return (f"{len(self.open)} batch(es) still running at the provider (--no-wait); they keep "
                        "running for up to 24 h with no process kept alive")
            SLEEP(delay)
            delay = min(cap, delay * 2)
        return None

    def _step(self, n: int) -> None:
        g, e = self.open[n]
        if e.status == "prepared":
            e.input_file_id = None if n in self.fresh else g.wire.find_upload(e.name)
            if e.input_file_id is None:
                e.input_file_id = g.wire.upload(e.name, (self.journal.inputs / e.name).read_bytes())
            self._note(e, "uploaded")
        if e.status == "uploaded":
            found = None if n in self.fresh else g.wire.find_batch(e.input_file_id)
            batch = found or g.wire.create(e.input_file_id, {"sumbench_run": self.run_name[:512],
                                                             "sumbench_input": e.name[:512]})
            self._update(e, batch)
            return
        batch = g.wire.retrieve(e.batch_id) if e.status not in FINAL else None
        if batch is not None:
            self._update(e, batch)
        if e.status in FINAL or e.status == "collected":
            self._collect(n, g, e, batch)

    def _note(self, e: BatchEntry, status: str) -> None:
        e.status, e.updated = status, utc_now()
        self.journal.save()

    def _update(self, e: BatchEntry, batch: dict[str, Any]) -> None:
        counts = {k: int(v) for k, v in (batch.get("request_counts") or {}).items() if isinstance(v, int)}
        changed = (batch.get("id"), batch.get("status"), counts) != (e.batch_id, e.status, e.request_counts)
        e.batch_id, e.request_counts = batch.get("id"), counts
        e.output_file_id, e.error_file_id = batch.get("output_file_id"), batch.get("error_file_id")
        self._latest_batch[e.n] = batch
        if changed:
            self._note(e, str(batch.get("status") or "unknown"))
            self._show(e, batch)

    def _show(self, e: BatchEntry, batch: dict[str, Any]) -> None:
        c = e.request_counts
        n = len(e.custom_ids)
        line = (f"batch {e.n} ({e.group.split(':', 1)[-1]}, {n} request{'s' if n != 1 else ''}) {e.batch_id}: "
                f"{e.status}, {c.get('completed', 0)} done, {c.get('failed', 0)} failed")
        started = batch.get("in_progress_at") or batch.get("created_at")
        done = c.get("completed", 0) + c.get("failed", 0)
        if e.status == "in_progress" and started and 0 < done < len(e.custom_ids):
            rate = done / max(1.0, time.time() - float(started))
            line += f", about {round((len(e.custom_ids) - done) / rate / 60) + 1} min to go"
        if self.shown.get(e.n) != line:
            self.shown[e.n] = line
            self.say(line)

    def _collect(self, n: int, g: Group, e: BatchEntry, batch: dict[str, Any] | None) -> None:
        batch = batch or self._latest_batch.get(n) or (g.wire.retrieve(e.batch_id) if e.batch_id else {})
        answers, again = collect(g, e, batch, self.owed.pop(n, []))
        for key, answer in answers.items():
            g.backend.batch_answers.put(key, answer)
        del self.open[n]
        if e.status != "collected":
            self._note(e, "collected")
        if again:
            self.say(f"batch {e.n}: {len(again)} failed request(s) go into a new batch")
            self._prepare(g, again)


__all__ = ["BatchMode"]
