"""``--workers N``: N scoring helper processes behind one ``submit``.

One helper scores on one core; a run with thousands of answers and ROUGE,
faithfulness and extractiveness to compute is then bound by that core. The
pool sends each answer to the live helper with the fewest open jobs rather
than round-robin, so one slow item (a long article with eleven references)
holds up only the helper scoring it, not every job queued behind it. One
exception: an answer whose article a helper was sent recently goes to that
helper unless it is more than ``AFFINITY_SLACK`` jobs behind the least
loaded. Scorers build per-article indexes once and reuse them for each
summary of the article (faithfulness: ~8 ms per news article, more than it
then spends per summary); an item's answers spread over N helpers would
build them N times.

Records are still made and written by the runner's one writer thread, in
completion order; a pair is scored by exactly one helper, with scorers that
keep no order-dependent state (their caches only memoise pure functions), so
the scores do not depend on N. When a helper stops, its open jobs fail with
``HelperStopped`` and the runner submits them again: to another live helper,
or, once none is left, to its own scorers.
"""

from __future__ import annotations

import math
import os
import sys
from collections import deque
from concurrent.futures import Future
from typing import Any

from harness.run.scoring_process import AUTO_PROCESS_PAIRS, ScoringProcess

# Each helper gets at least this many pairs: its start-up (~0.3 s of a core, imports and warm-up)
# is then a small share of its work, and a 300-pair run on a 64-core machine starts 3, not 64.
PAIRS_PER_HELPER = 100
AFFINITY_SLACK = 8  # extra open jobs a helper may have and still get its recent article's answers
RECENT_ARTICLES = 4  # per helper: as many as the scorers' per-article caches keep


def usable_cpus() -> int:
    """CPUs this process may run on (its affinity mask or cgroup share where the OS says so)."""
    if hasattr(os, "process_cpu_count"):  # Python 3.13+
        n = os.process_cpu_count()
    elif hasattr(os, "sched_getaffinity"):
        n = len(os.sched_getaffinity(0))
    else:
        n = os.cpu_count()
    return max(1, n or 1)


def _env_wanted() -> bool | None:
    env = os.environ.get("SUMBENCH_SCORING_PROCESS", "").strip().lower()
    return {"1": True, "on": True, "0": False, "off": False}.get(env)


def helpers_wanted(n_todo: int, workers: int | None = None, scoring_process: bool | None = None,
                   network: bool = False) -> int:
    """How many helpers to start for ``n_todo`` pairs.

    ``workers`` (``--workers N``) is taken as asked, but never more than the pairs to score;
    0 scores in-process. Otherwise ``scoring_process`` (else ``$SUMBENCH_SCORING_PROCESS``)
    False means none and True at least one; left open, runs under ``AUTO_PROCESS_PAIRS`` pairs
    get none. Then: the usable CPUs, at most one per ``PAIRS_PER_HELPER`` pairs. A run whose
    systems call the network (``network``) keeps one CPU for this process: its request threads
    and record writer need a core of their own (on 2 CPUs a second helper, ~0.8 s of a core
    to start, made a 400-request run at concurrency 64 0.6 s slower, start-up and requests alike).
    """
    if n_todo <= 0:
        return 0
    if workers is not None:
        return min(workers, n_todo)
    wanted = scoring_process if scoring_process is not None else _env_wanted()
    if wanted is False or (wanted is None and n_todo < AUTO_PROCESS_PAIRS):
        return 0
    cpus = usable_cpus() - 1 if network else usable_cpus()
    return max(1, min(cpus, math.ceil(n_todo / PAIRS_PER_HELPER)))


class ScoringPool:
    """Started helpers; ``submit`` picks the least-loaded live one."""

    def __init__(self, helpers: list[ScoringProcess]):
        self.helpers = helpers
        self._recent = {h: deque(maxlen=RECENT_ARTICLES) for h in helpers}  # hashes of articles sent
        self._reported: set[int] = set()  # helpers whose stop was already returned by newly_stopped()
        self.reasons: list[str] = []  # why each stopped helper stopped, in the order they were noticed

    @property
    def live(self) -> list[ScoringProcess]:
        return [h for h in self.helpers if h.stopped is None]

    def submit(self, item: Any, article: str, texts: list[str | None]) -> Future | None:
        """A job on the helper that has ``article`` or else on the least-loaded one; None when no
        helper is left. The job may still fail with ``HelperStopped`` (its helper died after this)."""
        live = self.live
        if not live:
            return None
        key = hash(article)  # computed once per string object, and an item's answers share one
        least = min(live, key=lambda h: h.open_jobs)
        chosen = next((h for h in live if key in self._recent[h]
                       and h.open_jobs <= least.open_jobs + AFFINITY_SLACK), least)
        if key not in self._recent[chosen]:
            self._recent[chosen].append(key)
        return chosen.submit(item, article, texts)

    def newly_stopped(self) -> list[str]:
        """A warning for each helper that stopped since the last call (each is said once)."""
        notes = []
        for i, helper in enumerate(self.helpers):
            if helper.stopped is None or i in self._reported:
                continue
            self._reported.add(i)
            self.reasons.append(helper.stopped)
            which = f" {i + 1} of {len(self.helpers)} (pid {helper.pid})" if len(self.helpers) > 1 else ""
            left = len(self.live)
            then = f"its jobs go to the {left} still running" if left else "scoring in this process instead"
            notes.append(f"the scoring helper process{which} {helper.stopped}; {then}")
        return notes

    def close(self) -> None:
        for helper in self.helpers:
            helper.close()


def pool_status(pool: ScoringPool | None) -> dict[str, Any]:
    """The manifest's ``scoring_process``: how many helpers started, and why the first one stopped."""
    helpers, reasons = (pool.helpers, pool.reasons) if pool is not None else ([], [])
    return {"used": bool(helpers), "workers": len(helpers), "stopped": reasons[0] if reasons else None,
            "workers_stopped": len(reasons)}


def start_pool(suite: Any, scorer_list: list[tuple[str, Any]], n_todo: int, workers: int | None = None,
               scoring_process: bool | None = None, network: bool = False) -> ScoringPool | None:
    """Helpers for the CPU-bound scorers (see ``helpers_wanted``), or None to score in-process.

    Started one after another, but ``Popen`` returns once each child is running: their
    start-ups (interpreter, imports, scorer warm-up) overlap, on the other cores.
    """
    cpu = [(name, sc) for name, sc in scorer_list if not sc.calls_network]
    n = helpers_wanted(n_todo, workers, scoring_process, network) if cpu and sys.executable else 0
    helpers = []
    for _ in range(n):
        try:
            helpers.append(ScoringProcess(suite, cpu))
        except OSError:  # no interpreter to start (an embedded or frozen Python): score in-process
            break
    return ScoringPool(helpers) if helpers else None
