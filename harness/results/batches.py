"""``batches.jsonl``: every Batch API batch of a run, written before anything waits on it.

One line per batch in its latest state, the whole file replaced atomically on each
change (it stays small: one line per up to 50,000 requests). The states run
``prepared`` (input file written under ``batches/``, nothing sent) → ``uploaded``
(``input_file_id`` known) → the provider's status once the batch exists
(``batch_id`` known: ``validating``, ``in_progress``, ``finalizing``, ``completed``,
``expired``, ``failed``, ``cancelling``, ``cancelled``) → ``collected`` once its
output and error files were read. A resumed run reads this file to re-attach to its
batches: a prepared input is looked up by name before it is uploaded again, an
uploaded one by file id before a batch is created from it, so nothing is sent twice.
"""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import Field, ValidationError

from harness.core.errors import UserError
from harness.core.files import validation_error, write_atomic
from harness.core.models import Strict

JOURNAL = "batches.jsonl"
INPUTS = "batches"  # folder of the input files, as uploaded
FINAL = frozenset({"completed", "expired", "failed", "cancelled"})  # the provider is done with it


class BatchEntry(Strict):
    n: int = Field(ge=1)  # 1, 2, ... in the order batches were prepared
    group: str  # whose requests: "system:<name>" or "judge:<scorer>"
    attempt: int = Field(default=1, ge=1)  # 2+: failed lines of earlier batches, submitted again
    name: str  # the input file, in batches/ and as uploaded
    custom_ids: list[str]
    bytes: int = 0
    estimated_usd: float | None = None  # at batch prices, when the system has a price
    input_file_id: str | None = None
    batch_id: str | None = None
    status: str = "prepared"
    request_counts: dict[str, int] = Field(default_factory=dict)
    output_file_id: str | None = None
    error_file_id: str | None = None
    created: str = ""  # UTC, when prepared
    updated: str = ""

    @property
    def provider_done(self) -> bool:
        return self.status in FINAL or self.status == "collected"


class Journal:
    """The run's batches, loaded once and saved (atomically) after each change."""

    def __init__(self, run_dir: Path):
        self.path = run_dir / JOURNAL
        self.inputs = run_dir / INPUTS
        self.entries: list[BatchEntry] = self._load()

    def _load(self) -> list[BatchEntry]:
        if not self.path.is_file():
            return []
        text = self.path.read_text(encoding="utf-8")
        out = []
        for no, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            try:
                out.append(BatchEntry.model_validate(json.loads(line)))
            except ValueError as exc:
                if isinstance(exc, ValidationError):
                    raise validation_error(exc, self.path, None, line=no) from None
                raise UserError("not a JSON line", file=self.path, line=no,
                                fix="restore batches.jsonl; it lists the run's batches") from None
        return out

    def add(self, entry: BatchEntry) -> None:
        self.entries.append(entry)
        self.save()

    def save(self) -> None:
        write_atomic(self.path, "".join(e.model_dump_json() + "\n" for e in self.entries))

    def next_n(self) -> int:
        return max((e.n for e in self.entries), default=0) + 1

    def write_input(self, name: str, data: bytes) -> Path:
        """The input file as it will be uploaded (no key is ever in a body), written whole."""
        self.inputs.mkdir(exist_ok=True)
        path = self.inputs / name
        tmp = path.with_name(f".{name}.tmp")
        tmp.write_bytes(data)
        tmp.replace(path)
        return path
