"""One streaming pass over records.jsonl into compact per-system columns.

metrics.json and the reports of a 100,000-record run need every score, but
not every record as a Python object (~15 KB each with its details). A scan
keeps, per system and record, the item id and fixed-size numbers in
``array`` columns (8 bytes a value), hashes the file's bytes as it reads them
(so the seal is checked without a second read), and forgets the record.
Records are kept in file order; whoever needs another order (metrics: item-id
order) sorts positions, not records. Texts are fetched later, for the few
items a report shows, by ``read_selected``.
"""

from __future__ import annotations

import hashlib
import math
from array import array
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

from harness.core.models import Record
from harness.results.store import SEAL_KEY, parse_record, read_manifest, record_lines, seal_mismatch

NAN = math.nan


def _floats(n: int) -> array:
    return array("d", bytes(8 * n)) if n else array("d")


@dataclass
class Column:
    """One metric of one system: a value per record (NaN for None) and whether the record had it."""

    values: array = field(default_factory=lambda: array("d"))
    present: bytearray = field(default_factory=bytearray)

    def put(self, pos: int, value: float | None) -> None:
        if len(self.values) < pos:  # records before this one lacked the metric
            gap = pos - len(self.values)
            self.values.extend(_floats(gap))
            self.present.extend(bytes(gap))
        self.values.append(NAN if value is None else float(value))
        self.present.append(1)

    def pad(self, n: int) -> None:
        gap = n - len(self.values)
        if gap > 0:
            self.values.extend(_floats(gap))
            self.present.extend(bytes(gap))


@dataclass
class SystemColumns:
    """Everything metrics.json and the reports' tables need of one system's records, in file order."""

    name: str
    ids: list[str] = field(default_factory=list)
    error: bytearray = field(default_factory=bytearray)  # 1: the record failed
    error_text: dict[int, str] = field(default_factory=dict)  # position -> the failed record's error
    cached: bytearray = field(default_factory=bytearray)
    flagged: bytearray = field(default_factory=bytearray)  # 1: a checklist violation or an undecided judgement
    prompt_tokens: array = field(default_factory=lambda: array("q"))
    completion_tokens: array = field(default_factory=lambda: array("q"))
    cost: array = field(default_factory=lambda: array("d"))  # NaN: no cost recorded
    judge_cost: array = field(default_factory=lambda: array("d"))  # NaN: no LLM judge spent anything
    latency: array = field(default_factory=lambda: array("d"))  # NaN: none, or the record has no summary
    sampled: bytearray = field(default_factory=bytearray)  # 1: the record has samples (repeats > 1)
    undecided: int = 0
    samples_per_item: int = 0
    names: set[str] = field(default_factory=set)  # every score name in any record, failed ones too
    scores: dict[str, Column] = field(default_factory=dict)  # records without a summary: absent
    spread: dict[str, Column] = field(default_factory=dict)  # records with samples only

    def __len__(self) -> int:
        return len(self.ids)

    def add(self, r: Record) -> None:
        pos = len(self.ids)
        self.ids.append(r.item_id)
        self.error.append(r.error is not None)
        if r.error is not None:
            self.error_text[pos] = r.error
        self.cached.append(bool(r.cached))
        ck = r.details.get("checklist") if isinstance(r.details.get("checklist"), dict) else {}
        self.flagged.append(bool(ck.get("violated")) or bool(r.undecided))
        self.prompt_tokens.append(r.usage.prompt_tokens if r.usage else 0)
        self.completion_tokens.append(r.usage.completion_tokens if r.usage else 0)
        self.cost.append(NAN if r.cost_usd is None else r.cost_usd)
        self.judge_cost.append(NAN if r.judge_cost_usd is None else r.judge_cost_usd)
        self.latency.append(r.latency_ms if r.latency_ms is not None and r.summary is not None else NAN)
        self.undecided += sum(r.undecided.values())
        self.sampled.append(bool(r.samples))
        self.names.update(r.scores)
        if r.summary is not None:
            for k, v in r.scores.items():
                self.scores.setdefault(k, Column()).put(pos, v)
        if r.samples:
            self.samples_per_item = max(self.samples_per_item, len(r.samples))
            for k, v in r.spread.items():
                self.spread.setdefault(k, Column()).put(pos, v)

    def finish(self) -> None:
        for col in (*self.scores.values(), *self.spread.values()):
            col.pad(len(self.ids))

    def item_order(self) -> list[int]:
        """Record positions sorted by item id; a retried item keeps its lines' file order."""
        ids = self.ids
        return sorted(range(len(ids)), key=ids.__getitem__)

    def latest(self) -> dict[str, int]:
        """item id -> position of its last record (a later line wins, as in compare and check)."""
        return {item: pos for pos, item in enumerate(self.ids)}

    def values(self, metric: str, positions: Iterable[int]) -> list[float]:
        """The metric's values (NaN for None) at the given positions, where the record has it."""
        col = self.scores.get(metric)
        if col is None:
            return []
        vals, present = col.values, col.present
        return [vals[p] for p in positions if present[p]]


@dataclass
class RunScan:
    path: Path
    manifest: dict[str, Any]
    systems: dict[str, SystemColumns]  # the manifest's systems first, then any others in file order
    sha256: str | None  # of records.jsonl as read (None: no file)
    items: dict[str, None] = field(default_factory=dict)  # item ids in file order of first appearance

    @property
    def n_records(self) -> int:
        return sum(len(s) for s in self.systems.values())

    def seal_problem(self) -> str | None:
        """As ``store.seal_problem``, from the hash taken while scanning (no second read)."""
        expected = self.manifest.get(SEAL_KEY)
        return None if expected is None else seal_mismatch(expected, self.sha256)


def scan_run(run_dir: Path) -> RunScan:
    """Manifest and columns of a run folder, reading records.jsonl once."""
    manifest = read_manifest(run_dir)
    systems = {name: SystemColumns(name) for name in manifest.get("systems") or {}}
    scan = RunScan(path=run_dir, manifest=manifest, systems=systems, sha256=None)
    path = run_dir / "records.jsonl"
    if not path.exists():
        return scan
    digest = hashlib.sha256()
    for n, line, last in record_lines(path, digest):
        r = parse_record(path, n, line, last)
        if r is None:
            continue
        cols = systems.get(r.system)
        if cols is None:
            cols = systems[r.system] = SystemColumns(r.system)
        cols.add(r)
        scan.items.setdefault(r.item_id)
    for cols in systems.values():
        cols.finish()
    scan.sha256 = digest.hexdigest()
    return scan


def read_selected(run_dir: Path, item_ids: set[str]) -> list[Record]:
    """The records (file order) of the given items: the few a report shows in full."""
    path = run_dir / "records.jsonl"
    if not item_ids or not path.exists():
        return []
    out = []
    for n, line, last in record_lines(path):
        quick = _item_id_of(line)
        if quick is not None and quick not in item_ids:
            continue  # most lines of a big run: skipped without parsing
        r = parse_record(path, n, line, last)
        if r is not None and r.item_id in item_ids:
            out.append(r)
    return out


_ID_PREFIX = b'{"item_id":"'


def _item_id_of(line: bytes) -> str | None:
    """The item id of a records.jsonl line without parsing it (sumbench writes item_id first);
    None when the line is not in that shape, so the caller parses it."""
    if not line.startswith(_ID_PREFIX):
        return None
    end = line.find(b'"', len(_ID_PREFIX))
    raw = line[len(_ID_PREFIX):end]
    if end < 0 or b"\\" in raw:
        return None
    return raw.decode("utf-8", "replace")
