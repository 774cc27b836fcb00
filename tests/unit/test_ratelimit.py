"""Adaptive in-flight cap (AIMD) and RPM/TPM windows, with a fake clock (no waiting)."""

from __future__ import annotations

import threading

from harness.backends.limits import AdaptiveLimit, WindowLimit


def test_429_halves_once_per_generation():
    lim = AdaptiveLimit(ceiling=32)
    gens = [lim.acquire() for _ in range(32)]
    for g in gens[:10]:  # a burst of 429s from requests that were all in flight together
        lim.release(g, rate_limited=True)
    assert lim.limit == 16 and lim.decreases == 1
    for g in gens[10:]:
        lim.release(g, rate_limited=False)
    g = lim.acquire()  # a request started after the decrease...
    lim.release(g, rate_limited=True)  # ...that is also limited halves again
    assert lim.limit == 8 and lim.decreases == 2


def test_successes_raise_limit_back_to_ceiling():
    lim = AdaptiveLimit(ceiling=4)
    lim.release(lim.acquire(), rate_limited=True)
    assert lim.limit == 2
    for _ in range(2):
        lim.release(lim.acquire(), rate_limited=False)
    assert lim.limit == 3
    for _ in range(20):
        lim.release(lim.acquire(), rate_limited=False)
    assert lim.limit == 4  # never above the ceiling


def test_acquire_blocks_at_limit_until_release():
    lim = AdaptiveLimit(ceiling=1)
    g = lim.acquire()
    got = threading.Event()
    t = threading.Thread(target=lambda: (lim.acquire(), got.set()), daemon=True)
    t.start()
    assert not got.wait(0.05)
    lim.release(g, rate_limited=False)
    assert got.wait(2)


class FakeClock:
    def __init__(self):
        self.now = 0.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, s: float) -> None:
        self.slept.append(s)
        self.now += s


def test_rpm_window():
    clock = FakeClock()
    w = WindowLimit(rpm=2, clock=clock, sleep=clock.sleep)
    assert w.reserve() == 0 and w.reserve() == 0
    clock.now = 10.0
    assert w.reserve() == 50.0  # the first start leaves the 60 s window at t=60
    assert clock.now == 60.0


def test_tpm_window_and_oversized_request():
    clock = FakeClock()
    w = WindowLimit(tpm=1000, clock=clock, sleep=clock.sleep)
    w.reserve(600)
    clock.now = 5.0
    w.reserve(300)
    assert w.reserve(300) == 55.0  # must wait for the 600-token request to age out
    clock.now = 500.0
    assert w.reserve(5000) == 0  # bigger than the whole limit: runs alone rather than never


def test_no_limits_never_waits():
    clock = FakeClock()
    w = WindowLimit(clock=clock, sleep=clock.sleep)
    assert all(w.reserve(10**6) == 0 for _ in range(100)) and clock.slept == []
