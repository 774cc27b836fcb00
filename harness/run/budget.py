"""``--max-cost``: stop starting new requests once a run has spent its budget.

Only money actually spent counts (cached answers are free). Requests already
started when the budget runs out still finish and are recorded (a paid answer
is never thrown away), so a run can overshoot by the requests in flight or
queued at that moment (at most 2 x ``concurrency``); queued ones that have not
started are cancelled. The run then stops with status ``interrupted`` and can
be resumed with a larger ``--max-cost``.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Budget:
    max_usd: float | None = None
    spent_usd: float = 0.0

    def add_usd(self, usd: float) -> None:
        """Count money as soon as an answer arrives (``Drawn.spent_usd``, the same sum
        ``resume.spent_by`` takes from the record)."""
        self.spent_usd += usd

    @property
    def exhausted(self) -> bool:
        return self.max_usd is not None and self.spent_usd >= self.max_usd
