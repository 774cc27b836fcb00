"""Client-side throttles for one system: an adaptive in-flight cap and RPM/TPM windows.

``AdaptiveLimit`` is additive-increase / multiplicative-decrease: a 429
halves the number of requests allowed in flight (once per "generation", so
a burst of 429s from requests that were already in flight counts once), and
every ``limit`` successes raise it by one until it is back at the ceiling.
A rate-limited run therefore slows down instead of burning its retries.

``WindowLimit`` keeps at most ``rpm`` request starts and ``tpm`` (estimated)
tokens in any 60-second window; a request waits until it fits. The clock
and sleep are injectable so tests never wait.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from typing import Callable


class AdaptiveLimit:
    def __init__(self, ceiling: int | None = None):
        self.ceiling = ceiling  # None: only the runner's thread pool bounds concurrency
        self.limit = ceiling
        self.in_flight = 0
        self.generation = 0
        self.decreases = 0
        self._successes = 0
        self._cond = threading.Condition()

    def set_ceiling(self, ceiling: int) -> None:
        with self._cond:
            self.ceiling = ceiling
            self.limit = ceiling if self.limit is None else min(self.limit, ceiling)
            self._cond.notify_all()

    def acquire(self) -> int:
        """Wait for a slot; returns the generation to pass to ``release``."""
        with self._cond:
            while self.limit is not None and self.in_flight >= self.limit:
                self._cond.wait()
            self.in_flight += 1
            return self.generation

    def release(self, generation: int, rate_limited: bool) -> None:
        with self._cond:
            self.in_flight -= 1
            if rate_limited:
                if generation == self.generation:  # first 429 of this generation
                    current = self.limit if self.limit is not None else self.in_flight + 1
                    self.limit = max(1, current // 2)
                    self.generation += 1
                    self.decreases += 1
                    self._successes = 0
            elif self.limit is not None and (self.ceiling is None or self.limit < self.ceiling):
                self._successes += 1
                if self._successes >= self.limit:
                    self.limit += 1
                    self._successes = 0
            self._cond.notify_all()


class WindowLimit:
    WINDOW = 60.0

    def __init__(self, rpm: int | None = None, tpm: int | None = None,
                 clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep):
        self.rpm, self.tpm = rpm, tpm
        self.clock, self.sleep = clock, sleep
        self._starts: deque[float] = deque()
        self._tokens: deque[tuple[float, int]] = deque()
        self._token_sum = 0
        self._lock = threading.Lock()

    def _expire(self, now: float) -> None:
        while self._starts and now - self._starts[0] >= self.WINDOW:
            self._starts.popleft()
        while self._tokens and now - self._tokens[0][0] >= self.WINDOW:
            self._token_sum -= self._tokens.popleft()[1]

    def _wait_needed(self, now: float, tokens: int) -> float:
        wait = 0.0
        if self.rpm and len(self._starts) >= self.rpm:
            wait = max(wait, self._starts[len(self._starts) - self.rpm] + self.WINDOW - now)
        if self.tpm and self._tokens:
            tokens = min(tokens, self.tpm)  # one request bigger than the limit still runs, alone
            excess, i = self._token_sum + tokens - self.tpm, 0
            while excess > 0 and i < len(self._tokens):
                excess -= self._tokens[i][1]
                wait = max(wait, self._tokens[i][0] + self.WINDOW - now)
                i += 1
        return wait

    def reserve(self, tokens: int = 0) -> float:
        """Block until a request of ``tokens`` fits; returns the seconds waited."""
        if not self.rpm and not self.tpm:
            return 0.0
        waited = 0.0
        while True:
            with self._lock:
                now = self.clock()
                self._expire(now)
                wait = self._wait_needed(now, tokens)
                if wait <= 0:
                    self._starts.append(now)
                    if self.tpm:
                        self._tokens.append((now, tokens))
                        self._token_sum += tokens
                    return waited
            self.sleep(wait)
            waited += wait
