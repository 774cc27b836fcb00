"""The call path's side of the Batch API execution mode: prepared requests and fetched answers.

Interactive and batch requests are the same ``Request``: the cache key, the body and
a token estimate, built once by ``LLMBackend.prepare``. The batch mode
(``harness.run.batches``) sends many bodies at once through a provider's batch wire
and puts each answer (or the reason it failed) into the backend's ``BatchAnswers``;
``LLMBackend.complete`` then takes it where an interactive answer would have come from
the wire, so parsing checks, the cache, usage and cost stay the call path's, once.

A backend that is *collecting* (``Collecting``) answers nothing: a request that is
neither cached nor fetched is noted and refused with ``DEFERRED``. The batch mode runs
the judges over the summaries it already has this way, to learn which judge requests
to put in a batch before any of them is sent.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

DEFERRED = "deferred"  # BackendError.reason of a request noted by a collecting backend


@dataclass(frozen=True)
class Request:
    """One chat request as the call path sends it: cache key, wire body, estimated tokens."""

    key: str
    body: dict[str, Any]
    tokens: int  # estimated prompt tokens + the output cap (the RPM/TPM window's unit)
    output_cap: int | None = None  # max_tokens when set


@dataclass(frozen=True)
class BatchAnswer:
    """A parsed answer (``answer``: text, usage, finish_reason, model) or why there is none."""

    answer: dict[str, Any] | None
    error: str | None = None
    latency_ms: float | None = None  # batch created -> answer available: what the run waited
    batch_id: str | None = None


class BatchAnswers:
    """Answers fetched from batches, by cache key; read by request threads, filled by the batch mode."""

    def __init__(self) -> None:
        self._answers: dict[str, BatchAnswer] = {}
        self._lock = threading.Lock()

    def put(self, key: str, answer: BatchAnswer) -> None:
        with self._lock:
            self._answers[key] = answer

    def get(self, key: str) -> BatchAnswer | None:
        return self._answers.get(key)


@dataclass
class Collecting:
    """Requests a collecting backend was asked for (deduplicated by key, in first-asked order)."""

    requests: dict[str, Request] = field(default_factory=dict)

    def note(self, req: Request) -> None:
        self.requests.setdefault(req.key, req)
