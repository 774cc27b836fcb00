"""Reading a finished batch: each request it owed becomes an answer, an error, or a retry.

Output and error lines are matched to requests by ``custom_id`` (lines come in no
promised order). A request with no line at all was left undone by its batch: an
``expired`` batch's are retried (so is a ``completed`` one that skipped a line), a
``cancelled`` one's are not (someone cancelled it), a ``failed`` batch (its input
was refused) gives every request the provider's reason. A retryable failure goes
into a new batch while the system's ``max_attempts`` allows; otherwise the error,
naming the batch and the reason, becomes that record's error. Nothing is dropped:
every owed request ends with exactly one of the three.
"""

from __future__ import annotations

import json
from typing import Any

from harness.backends.batch import BatchAnswer
from harness.run.batch_submit import Group, key_prefix

RETRY_UNDONE = frozenset({"expired", "completed"})


def read_lines(g: Group, file_id: str | None) -> list[dict[str, Any]]:
    if not file_id:
        return []
    rows = []
    for line in g.wire.content(file_id).decode("utf-8", "replace").splitlines():
        try:
            row = json.loads(line)
        except ValueError:
            continue  # a torn line answers nothing: its request counts as undone
        if isinstance(row, dict):
            rows.append(row)
    return rows


def _latency_ms(batch: dict[str, Any]) -> float | None:
    start = batch.get("created_at")
    end = next((batch.get(k) for k in ("completed_at", "expired_at", "cancelled_at", "failed_at")
                if batch.get(k)), None)
    return float(end - start) * 1000 if isinstance(start, (int, float)) and isinstance(end, (int, float)) else None


def _why_failed(batch: dict[str, Any]) -> str:
    data = (batch.get("errors") or {}).get("data") or []
    said = "; ".join(f"line {d.get('line')}: {d.get('message')}" if d.get("line") else str(d.get("message"))
                     for d in data[:3] if isinstance(d, dict))
    return said or "no reason given"


def collect(g: Group, e: Any, batch: dict[str, Any],
            owed: list[tuple[str, int]]) -> tuple[dict[str, BatchAnswer], dict[str, int]]:
    """(answers or final errors by cache key, keys to submit again -> their next attempt)."""
    attempt_of = dict(owed)
    by_prefix = {key[:40]: key for key in attempt_of}
    max_attempts = g.options.max_attempts
    latency, bid = _latency_ms(batch), e.batch_id or "(no id)"
    answers: dict[str, BatchAnswer] = {}
    again: dict[str, int] = {}

    def fail(key: str, why: str, retry: bool) -> None:
        attempt = attempt_of[key]
        if retry and attempt < max_attempts:
            again[key] = attempt + 1
            return
        tries = f" (attempt {attempt} of {max_attempts})" if attempt > 1 or retry else ""
        answers[key] = BatchAnswer(None, f"batch {bid}{tries}: {why}", latency, bid)

    for row in read_lines(g, e.output_file_id) + read_lines(g, e.error_file_id):
        parsed = key_prefix(str(row.get("custom_id", "")))
        key = by_prefix.get(parsed[0]) if parsed else None
        if key is None or key in answers or key in again or parsed[1] != attempt_of[key]:
            continue  # not ours, answered already, or a line of an earlier attempt
        answer, error, retry = g.wire.parse_line(row)
        if answer is not None:
            answers[key] = BatchAnswer(answer, None, latency, bid)
        else:
            fail(key, error or "failed", retry)
    status = str(batch.get("status") or e.status)
    for key in attempt_of:
        if key in answers or key in again:
            continue
        if status == "failed":
            fail(key, f"the batch failed: {_why_failed(batch)}", False)
        elif status == "cancelled":
            fail(key, "the batch was cancelled before this request ran", False)
        else:
            fail(key, f"the batch ended '{status}' before this request ran", status in RETRY_UNDONE)
    return answers, again
