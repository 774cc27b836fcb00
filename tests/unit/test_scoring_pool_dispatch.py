"""How many scoring helpers a run starts, and which helper gets each answer (no process is started)."""

from __future__ import annotations

from concurrent.futures import Future

import pytest

from harness.run import scoring_pool
from harness.run.scoring_pool import AFFINITY_SLACK, ScoringPool, helpers_wanted, pool_status


@pytest.fixture
def cpus(monkeypatch):
    def set_cpus(n: int) -> None:
        monkeypatch.setattr(scoring_pool, "usable_cpus", lambda: n)
    monkeypatch.delenv("SUMBENCH_SCORING_PROCESS", raising=False)
    set_cpus(8)
    return set_cpus


@pytest.mark.parametrize("n_todo, workers, scoring_process, want", [
    (3000, None, None, 8),    # default: the usable CPUs
    (300, None, None, 3),     # ... but at most one per PAIRS_PER_HELPER pairs
    (199, None, None, 0),     # a small run scores in-process
    (199, None, True, 2),     # unless asked
    (10, None, True, 1),      # asked: at least one
    (3000, None, False, 0),   # scoring_process False == --workers 0
    (3000, 0, True, 0),       # --workers wins
    (10, 3, None, 3),         # --workers N is taken as asked, small run or not
    (2, 5, None, 2),          # never more helpers than pairs
    (0, 4, True, 0),          # nothing to do (a resumed run that was complete)
])
def test_helpers_wanted(cpus, n_todo, workers, scoring_process, want):
    assert helpers_wanted(n_todo, workers, scoring_process) == want


def test_a_network_run_keeps_a_cpu_for_its_requests(cpus):
    cpus(2)
    assert helpers_wanted(400) == 2 and helpers_wanted(400, network=True) == 1
    cpus(1)
    assert helpers_wanted(400, network=True) == 1  # still one helper: ROUGE off the request threads' GIL
    assert helpers_wanted(400, workers=2, network=True) == 2  # --workers is taken as asked


def test_env_var_works_like_scoring_process(cpus, monkeypatch):
    cpus(64)
    monkeypatch.setenv("SUMBENCH_SCORING_PROCESS", "0")
    assert helpers_wanted(5000) == 0 and helpers_wanted(5000, workers=2) == 2
    monkeypatch.setenv("SUMBENCH_SCORING_PROCESS", "1")
    assert helpers_wanted(50) == 1 and helpers_wanted(300) == 3
    assert helpers_wanted(5000, scoring_process=False) == 0  # the option beats the environment


def test_usable_cpus_is_at_least_one():
    assert scoring_pool.usable_cpus() >= 1


class FakeHelper:
    """What the pool reads of a ScoringProcess: open jobs, whether it stopped, its pid."""

    def __init__(self, pid: int, open_jobs: int = 0):
        self.pid, self.open_jobs, self.stopped = pid, open_jobs, None
        self.got: list[str] = []

    def submit(self, item, article, texts) -> Future:
        self.got.append(article)
        self.open_jobs += 1
        return Future()


def test_each_answer_goes_to_the_least_loaded_live_helper():
    a, b, c = FakeHelper(1, open_jobs=5), FakeHelper(2, open_jobs=2), FakeHelper(3, open_jobs=0)
    pool = ScoringPool([a, b, c])
    c.stopped = "exited (code 1)"  # the least loaded, but dead
    for n in range(4):
        pool.submit(None, f"article {n}", ["summary"])
    assert (a.got, b.got, c.got) == (["article 3"], ["article 0", "article 1", "article 2"], [])


def test_an_article_stays_with_its_helper_within_the_slack():
    a, b = FakeHelper(1), FakeHelper(2)
    pool = ScoringPool([a, b])
    pool.submit(None, "X", ["s"])  # X goes to a; a is now one job ahead of b
    for _ in range(AFFINITY_SLACK):
        pool.submit(None, "X", ["s"])  # a's article: a, while it is at most AFFINITY_SLACK jobs behind
    assert len(a.got) == AFFINITY_SLACK + 1 and not b.got
    pool.submit(None, "X", ["s"])  # now too far behind: the least loaded one
    pool.submit(None, "Y", ["s"])
    assert b.got == ["X", "Y"]


def test_no_live_helper_means_no_job():
    a = FakeHelper(1)
    pool = ScoringPool([a])
    a.stopped = "exited (code -9)"
    assert pool.submit(None, "X", ["s"]) is None


def test_each_stopped_helper_is_reported_once():
    a, b = FakeHelper(11), FakeHelper(12)
    pool = ScoringPool([a, b])
    assert pool.newly_stopped() == []
    a.stopped = "exited (code -9)"
    assert pool.newly_stopped() == [
        "the scoring helper process 1 of 2 (pid 11) exited (code -9); its jobs go to the 1 still running"]
    assert pool.newly_stopped() == []
    b.stopped = "exited (code 3)"
    assert pool.newly_stopped() == [
        "the scoring helper process 2 of 2 (pid 12) exited (code 3); scoring in this process instead"]
    assert pool_status(pool) == {"used": True, "workers": 2, "stopped": "exited (code -9)", "workers_stopped": 2}
    assert pool_status(None) == {"used": False, "workers": 0, "stopped": None, "workers_stopped": 0}
