"""Jobs hands finished futures back in finishing order, once each, including cancelled ones."""

from __future__ import annotations

import threading
from concurrent.futures import Future, ThreadPoolExecutor

from harness.run.jobs import Jobs


def test_finished_jobs_come_back_in_the_order_they_finish():
    jobs = Jobs()
    futs = [Future() for _ in range(4)]
    for f in futs:
        jobs.add(f)
    assert len(jobs) == 4 and jobs.next_done(timeout=0.01) is None  # nothing finished yet
    for i in (2, 0, 3):
        futs[i].set_result(i)
    assert [jobs.next_done(timeout=1).result() for _ in range(3)] == [2, 0, 3]
    assert len(jobs) == 1 and set(jobs) == {futs[1]}
    futs[1].cancel()
    got = jobs.next_done(timeout=1)
    assert got is futs[1] and got.cancelled() and len(jobs) == 0
    assert jobs.next_done(timeout=0.01) is None  # each job is handed back once


def test_a_job_already_done_when_added_is_handed_back():
    jobs = Jobs()
    f: Future = Future()
    f.set_result("early")
    jobs.add(f)
    assert jobs.next_done(timeout=1).result() == "early"


def test_jobs_from_many_threads_each_come_back_once():
    jobs = Jobs()
    gate = threading.Event()
    with ThreadPoolExecutor(8) as pool:
        for i in range(200):
            jobs.add(pool.submit(lambda i=i: gate.wait(5) and i))
        gate.set()
        got = [jobs.next_done(timeout=5).result() for _ in range(200)]
    assert sorted(got) == list(range(200)) and len(jobs) == 0
