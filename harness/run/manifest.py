"""Opening a run folder: a new one with its manifest, or an interrupted one to resume.

The manifest says everything needed to trust and redo a run: the suite (resolved),
systems, scorer settings and the metrics they declare, hashes, versions, git
revision, command line and status. It is written before the first record, with
``records_sha256`` null (records are about to change, and a kill must not leave
a stale hash), and sealed with the hash of records.jsonl when the execution ends.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.core.errors import UserError
from harness.core.provenance import git_info, package_versions
from harness.core.text import sha256_text
from harness.results.store import (
    FORMAT_VERSION,
    RecordWriter,
    new_run_dir,
    seal,
    unseal,
    utc_now,
    write_json,
)
from harness.run.budget import Budget
from harness.run.plan import Plan, RunOptions
from harness.run.resume import check_same_suite, load_resume
from harness.run.shard import shard_label
from harness.run.tally import Tally


@dataclass
class RunFolder:
    """A run folder ready for records: what is done already, and the one writer of records.jsonl."""

    path: Path
    manifest: dict[str, Any]
    budget: Budget
    finished: set[tuple[str, str]] = field(default_factory=set)  # (item id, system) with a record
    records: int = 0
    errors: int = 0
    writer: RecordWriter | None = None
    tally: Tally = field(default_factory=Tally)  # for the run's summary lines (resume: from earlier records)

    def save_manifest(self) -> None:
        write_json(self.path / "manifest.json", self.manifest)

    def seal(self) -> None:
        """Put records.jsonl's sha256 in the manifest (saved next), so later edits are evident.
        Call it with the writer closed: every record this execution wrote is in the hash."""
        seal(self.manifest, self.path)


def manifest_for(plan: Plan, opts: RunOptions, run_dir: Path) -> dict[str, Any]:
    """A new run's manifest. A sharded run says ``"shard": "I/N"`` (top level, for `merge`; and in
    ``selection``, so `--resume` runs the same shard); an unsharded one has no such key."""
    suite = plan.suite
    shard = {"shard": shard_label(opts.shard)} if opts.shard else {}
    return {
        "format_version": FORMAT_VERSION,
        "status": "running",
        "started": utc_now(),
        "finished": None,
        "run_dir": str(run_dir),
        "command": ["sumbench", *opts.argv],
        **shard,
        "suite": {
            "name": suite.config.name,
            "path": str(suite.path),
            "abs_path": str(suite.path.resolve()),  # lets `report` find articles from any folder
            "sha256": sha256_text(suite.text),
            "dataset_sha256": suite.dataset_hash(),
            "n_items": plan.n_items,
            "config": suite.config.model_dump(mode="json"),
        },
        "systems": {cfg.name: {**backend.describe(), "repeats": cfg.repeats} for cfg, backend in plan.systems},
        "selection": {"suite": str(suite.path.resolve()), "systems": [cfg.name for cfg, _ in plan.systems],
                      "limit": opts.limit, **shard},
        "skipped": plan.skipped,
        "cache": {"enabled": plan.cache is not None, "dir": str(plan.cache.root) if plan.cache else None},
        "scoring": {name: sc.settings() for name, sc in plan.scorers},
        "metrics": plan.metrics.as_json(),  # what each metric means, so the folder reads the same anywhere
        "duplicates": {"policy": "keep" if opts.keep_duplicates else "remove", "items": {}},
        "seed": suite.config.run.seed,
        "versions": package_versions(),
        "git": git_info(Path.cwd()),
    }


def open_run(plan: Plan, opts: RunOptions) -> RunFolder:
    """The folder to fill: resumed (``opts.resume``) or new (``opts.out`` or a fresh results/<run>)."""
    if opts.resume:
        state = load_resume(opts.resume)
        check_same_suite(state, plan.suite.text, plan.suite.dataset_hash())
        manifest = state.manifest
        manifest["status"] = "running"
        manifest.setdefault("resumed", []).append({"at": utc_now(), "command": ["sumbench", *opts.argv]})
        folder = RunFolder(opts.resume, manifest, Budget(opts.max_cost, state.spent_usd), finished=state.done,
                           records=state.n_records, errors=state.n_errors, tally=state.tally)
    else:
        run_dir = opts.out or new_run_dir(opts.results_dir, plan.suite.config.name)
        if run_dir.exists() and any(run_dir.iterdir()):
            raise UserError("output folder is not empty", file=run_dir,
                            fix="choose a new --out folder, or leave --out off for a fresh results/<run> folder")
        run_dir.mkdir(parents=True, exist_ok=True)
        folder = RunFolder(run_dir, manifest_for(plan, opts, run_dir), Budget(opts.max_cost))
    folder.manifest["max_cost_usd"] = opts.max_cost
    unseal(folder.manifest)  # saved before the writer opens: while records change, no hash holds
    folder.save_manifest()
    folder.writer = RecordWriter(folder.path / "records.jsonl")
    return folder
