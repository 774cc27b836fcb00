"""Writing Batch API input files: requests → JSONL chunks under the provider's limits.

A ``Group`` is one backend's requests in a run (a system's summaries, or one judge's
calls): where they go (``wire``), how to list them again (``source``, re-read for a
resubmission instead of holding every body in memory), and its limits. ``Chunker``
writes the lines of new requests into input files of at most ``batch_max_requests``
lines and ``batch_max_mb`` megabytes, each noted in the journal as ``prepared``
before anything is sent.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from harness.backends.batch import Request
from harness.results.batches import BatchEntry, Journal
from harness.results.store import utc_now

DEFAULT_OUTPUT = 200  # tokens a request is assumed to answer when it has no max_tokens (as --dry-run)


def custom_id(key: str, attempt: int) -> str:
    """A line's id in its batch: the attempt and the request's cache key (40 hex digits of it)."""
    return f"sb{attempt}-{key[:40]}"


def key_prefix(cid: str) -> tuple[str, int] | None:
    """(cache-key prefix, attempt) of one of our custom ids, else None."""
    head, _, prefix = cid.partition("-")
    if not head.startswith("sb") or not head[2:].isdigit() or len(prefix) != 40:
        return None
    return prefix, int(head[2:])


@dataclass
class Group:
    label: str  # "system:<name>" or "judge:<scorer>"
    backend: Any  # an LLMBackend whose ``supports_batch`` is true
    source: Callable[[], Iterator[Request]]  # every request this run needs of it (cached ones included)
    wire: Any = None
    needed: dict[str, str] = field(default_factory=dict)  # key prefix -> cache key, not cached yet

    @property
    def options(self) -> Any:
        return self.backend.options

    def estimate_usd(self, req: Request) -> float | None:
        output = req.output_cap or DEFAULT_OUTPUT
        prompt = max(1, req.tokens - (req.output_cap or 0))
        return self.backend.cost({"prompt_tokens": prompt, "completion_tokens": output}, batch=True)


class Chunker:
    """Input files of one group: lines appended, a new file begun at either limit."""

    def __init__(self, group: Group, journal: Journal, run_name: str):
        self.group, self.journal, self.run_name = group, journal, run_name
        self.max_lines = group.options.batch_max_requests
        self.max_bytes = int(group.options.batch_max_mb * 1_000_000)
        self.entries: list[BatchEntry] = []
        self._lines: list[bytes] = []
        self._ids: list[str] = []
        self._bytes = 0
        self._usd: float | None = None
        self._attempt = 1

    def add(self, req: Request, attempt: int) -> None:
        line = self.group.wire.line(custom_id(req.key, attempt), req.body)
        if self._lines and (len(self._lines) >= self.max_lines or self._bytes + len(line) > self.max_bytes):
            self.close()
        self._lines.append(line)
        self._ids.append(custom_id(req.key, attempt))
        self._bytes += len(line)
        self._attempt = max(self._attempt, attempt)
        usd = self.group.estimate_usd(req)
        if usd is not None:
            self._usd = (self._usd or 0.0) + usd

    def close(self) -> None:
        """Write the current file and note it as ``prepared`` (nothing is sent yet)."""
        if not self._lines:
            return
        n = self.journal.next_n()
        safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in self.group.label)
        name = f"sumbench-{self.run_name}-{n:03d}-{safe}.jsonl"
        self.journal.write_input(name, b"".join(self._lines))
        now = utc_now()
        entry = BatchEntry(n=n, group=self.group.label, attempt=self._attempt, name=name,
                           custom_ids=self._ids, bytes=self._bytes,
                           estimated_usd=round(self._usd, 6) if self._usd is not None else None,
                           created=now, updated=now)
        self.journal.add(entry)
        self.entries.append(entry)
        self._lines, self._ids, self._bytes, self._usd, self._attempt = [], [], 0, None, 1


def write_chunks(group: Group, journal: Journal, run_name: str, todo: dict[str, int]) -> list[BatchEntry]:
    """Input files for the requests whose keys are in ``todo`` (key -> attempt), in source order."""
    chunker = Chunker(group, journal, run_name)
    seen: set[str] = set()
    for req in group.source():
        if req.key in todo and req.key not in seen:
            seen.add(req.key)
            chunker.add(req, todo[req.key])
    chunker.close()
    return chunker.entries
