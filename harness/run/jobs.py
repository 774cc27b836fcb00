"""Futures in flight, handed back in the order they finish, at O(1) per job.

``concurrent.futures.wait(pending, FIRST_COMPLETED)`` installs and removes a
waiter on every pending future on each call: with 8 x 64 jobs queued that
was more of the record-writing thread's time (under the GIL the request
threads also need) than scoring. Here each future reports itself once, when
it finishes or is cancelled, through a done-callback into a queue.
"""

from __future__ import annotations

import queue
from concurrent.futures import Future
from typing import Iterator


class Jobs:
    def __init__(self) -> None:
        self._pending: set[Future] = set()
        self._finished: queue.SimpleQueue[Future] = queue.SimpleQueue()

    def add(self, fut: Future) -> None:
        self._pending.add(fut)
        fut.add_done_callback(self._finished.put)  # runs at once if it is already done

    def __len__(self) -> int:
        return len(self._pending)

    def __iter__(self) -> Iterator[Future]:
        return iter(list(self._pending))

    def next_done(self, timeout: float) -> Future | None:
        """The next finished (or cancelled) job, no longer pending; None if none within ``timeout`` s."""
        try:
            fut = self._finished.get(timeout=timeout)
        except queue.Empty:
            return None
        self._pending.discard(fut)
        return fut
