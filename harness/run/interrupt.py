"""Ctrl-C that never tears a record: the first SIGINT is deferred to a safe point.

The runner writes each record from its main thread. A KeyboardInterrupt
raised in the middle of that (while scoring or appending a line) could
drop an answer that was already paid for. Inside ``deferred_sigint()`` the
first Ctrl-C only sets a flag; ``check()`` raises KeyboardInterrupt at a
point where no record is half-handled. A second Ctrl-C interrupts at once.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from typing import Iterator


class SigintGate:
    def __init__(self) -> None:
        self.requested = False
        self._raised = False

    def _handler(self, signum, frame) -> None:  # noqa: ANN001
        if self.requested:
            raise KeyboardInterrupt  # pressed twice: stop now
        self.requested = True

    def check(self) -> None:
        """Raise KeyboardInterrupt once, if Ctrl-C was pressed since the last check."""
        if self.requested and not self._raised:
            self._raised = True
            raise KeyboardInterrupt


@contextlib.contextmanager
def deferred_sigint() -> Iterator[SigintGate]:
    gate = SigintGate()
    if threading.current_thread() is not threading.main_thread():
        yield gate  # signals are only delivered to the main thread; nothing to defer
        return
    previous = signal.signal(signal.SIGINT, gate._handler)
    try:
        yield gate
    finally:
        signal.signal(signal.SIGINT, previous)
