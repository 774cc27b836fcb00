"""A run folder indexed for comparisons: per system, per item, the scores.

Shared by ``compare``, ``check`` and baselines so all three agree on what
counts: a record with an ``error`` is a failed item (its partial scores are
not used), a None/NaN score is missing for that metric only, and if a
records file holds the same (item, system) twice the later line wins (a
resume that retried a failure appends the retry). A run whose records.jsonl
changed after sumbench sealed it is refused here, before any line is read, so
no gate or comparison ever judges hand-edited numbers.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.core.errors import UserError
from harness.core.metrics import Catalog, catalog_of
from harness.results.store import read_manifest, read_records, verify_seal


@dataclass
class SystemScores:
    name: str
    items: list[str] = field(default_factory=list)  # every item with a record, sorted by id
    failed: list[str] = field(default_factory=list)  # items whose record has an error
    undecided: int = 0  # judgements a scorer (an LLM judge) could not make, over the latest records
    scores: dict[str, dict[str, float]] = field(default_factory=dict)  # item -> metric -> finite value

    def values(self, metric: str) -> dict[str, float]:
        """item -> value for the items scored on ``metric`` (failed/missing/NaN excluded)."""
        return {i: s[metric] for i, s in self.scores.items() if metric in s}

    @property
    def metrics(self) -> set[str]:
        return {m for s in self.scores.values() for m in s}


@dataclass
class RunData:
    path: Path
    manifest: dict[str, Any]
    systems: dict[str, SystemScores]  # manifest order first, then any others

    @property
    def seed(self) -> int:
        seed = self.manifest.get("seed", 0)
        return seed if isinstance(seed, int) and not isinstance(seed, bool) else 0

    @property
    def suite(self) -> dict[str, Any]:
        return self.manifest.get("suite") or {}

    @functools.cached_property
    def catalog(self) -> Catalog:
        """What the run's metrics mean: as its scorers declared them, else as installed scorers do."""
        return catalog_of(self.manifest)

    @property
    def metrics(self) -> list[str]:
        return self.catalog.order({m for s in self.systems.values() for m in s.metrics})

    def system(self, name: str) -> SystemScores:
        if name not in self.systems:
            raise UserError(f"system {name!r} is not in this run", file=self.path,
                            fix=f"use one of: {', '.join(self.systems) or '(the run has no records)'}")
        return self.systems[name]

    def require_complete(self) -> None:
        status = self.manifest.get("status")
        missing = (self.manifest.get("merged") or {}).get("missing") if status == "partial" else None
        if isinstance(missing, list) and missing:  # merge --allow-partial: reports read it, gates must not
            raise UserError(f"run is a partial merge: shard(s) {', '.join(map(str, missing))} missing",
                            file=self.path / "manifest.json", fix="run the missing shards (sumbench run SUITE "
                            "--shard I/N) and merge them all, without --allow-partial")
        if self.manifest.get("shard"):  # a complete shard is still only part of the suite's items
            raise UserError(f"run is shard {self.manifest['shard']} of a sharded run: a gate would judge only "
                            "its part of the items", file=self.path / "manifest.json",
                            fix="merge every shard (sumbench merge RUN... --out DIR) and check the merged folder")
        if status != "complete":
            raise UserError(f"run status is {status!r}, not 'complete'", file=self.path / "manifest.json",
                            fix="finish the run first (run the suite again, or resume it) so every item is scored")
        if not any(s.items for s in self.systems.values()):  # nothing scored must never pass a gate
            raise UserError("the run has no records", file=self.path / "records.jsonl",
                            fix="run the suite again; records.jsonl was emptied or removed")


def _finite(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def load_run_data(path: str | Path) -> RunData:
    """The run's scores per system and item; UserError if records.jsonl changed after the run."""
    run_dir = Path(path)
    manifest = read_manifest(run_dir)
    if not isinstance(manifest.get("systems", {}), (dict, list)):
        raise UserError("manifest.json is not a sumbench run manifest", file=run_dir / "manifest.json",
                        fix="pass a folder created by `sumbench run` (see results/)")
    verify_seal(run_dir, manifest)  # before parsing: an edited line must not read as a corrupt one
    records = read_records(run_dir / "records.jsonl")
    latest: dict[tuple[str, str], Any] = {}
    for r in records:
        latest.pop((r.system, r.item_id), None)  # re-insert: later lines win and keep file order
        latest[(r.system, r.item_id)] = r
    names = list(manifest.get("systems") or {})
    names += sorted({s for s, _ in latest} - set(names))
    systems = {n: SystemScores(n) for n in names}
    for (name, item), r in latest.items():
        s = systems[name]
        s.items.append(item)
        s.undecided += sum(r.undecided.values())
        if r.error is not None:
            s.failed.append(item)
            continue
        s.scores[item] = {k: float(v) for k, v in r.scores.items() if _finite(v)}
    for s in systems.values():  # records arrive in completion order; resampling needs a canonical one
        s.items.sort()
        s.failed.sort()
        s.scores = {i: s.scores[i] for i in sorted(s.scores)}
    return RunData(path=run_dir, manifest=manifest, systems=systems)
