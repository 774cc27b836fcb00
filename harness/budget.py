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

from harness.resume import spent_by


@dataclass
class Budget:
    max_usd: float | None = None
    spent_usd: float = 0.0

    def add(self, record) -> None:  # noqa: ANN001  (a Record)
        self.spent_usd += spent_by(record)

    @property
    def exhausted(self) -> bool:
        return self.max_usd is not None and self.spent_usd >= self.max_usd
