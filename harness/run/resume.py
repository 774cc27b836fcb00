"""Pick up an interrupted run folder where it stopped.

A run killed at any moment (even ``kill -9``) leaves a manifest saying
``running`` or ``interrupted`` and a records.jsonl whose last line may be cut
short. Resuming drops that partial line, keeps every complete record (errors
included: they are results too), and asks the runner for the missing
(item, system) pairs only, so nothing is requested or written twice. The
suite must be unchanged: a different suite or dataset would mix two
experiments in one folder. The run resumes as it was started, from its manifest's
``selection``: the same systems, ``--limit`` and ``--shard``.

A run interrupted by Ctrl-C or --max-cost was sealed (manifest ``records_sha256``)
as it stopped. If its records.jsonl changed since, resuming is refused: the
resumed run would be sealed again over the edited lines, turning hand-made
numbers into a run that every later check accepts. A killed run has no seal
(null) and resumes without a check, as does a run made before seals existed.
"""

from __future__ import annotations

from argparse import ArgumentTypeError
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.core.errors import UserError
from harness.core.text import sha256_text
from harness.results.store import (
    ensure_not_running,
    read_manifest,
    read_records,
    verify_seal,
)
from harness.run.plan import RunOptions
from harness.run.shard import Shard, parse_shard
from harness.run.tally import Tally


@dataclass
class ResumeState:
    run_dir: Path
    manifest: dict[str, Any]
    done: set[tuple[str, str]] = field(default_factory=set)
    n_records: int = 0
    n_errors: int = 0
    spent_usd: float = 0.0  # cost of uncached calls already made by this run
    tally: Tally = field(default_factory=Tally)  # cut-off answers and undecided judgements so far


def drop_partial_line(path: Path) -> int:
    """Cut a final line that has no newline (a write interrupted by a kill); returns bytes removed."""
    if not path.exists():
        return 0
    data = path.read_bytes()
    if not data or data.endswith(b"\n"):
        return 0
    keep = data.rfind(b"\n") + 1
    with path.open("r+b") as fh:
        fh.truncate(keep)
    return len(data) - keep


def load_resume(run_dir: Path) -> ResumeState:
    ensure_not_running(run_dir)  # before reading or trimming anything another process is writing
    manifest = read_manifest(run_dir)
    verify_seal(run_dir, manifest)  # before parsing or trimming: the file must be as it was sealed
    records = list(read_records(run_dir / "records.jsonl"))
    _refuse_partial_merge(run_dir, manifest)
    status = manifest.get("status")
    if status == "complete":
        raise UserError("this run is already complete; nothing to resume", file=run_dir / "manifest.json",
                        fix="start a new run (leave out --resume), or `sumbench report` it")
    if status not in ("running", "interrupted"):
        raise UserError(f"cannot resume a run with status {status!r}", file=run_dir / "manifest.json",
                        fix="resume only runs whose status is 'running' or 'interrupted'")
    drop_partial_line(run_dir / "records.jsonl")
    state = ResumeState(run_dir=run_dir, manifest=manifest)
    for r in records:
        state.done.add((r.item_id, r.system))
        state.n_records += 1
        state.n_errors += r.error is not None
        state.spent_usd += spent_by(r)
        state.tally.add(r)
    return state


def _refuse_partial_merge(run_dir: Path, manifest: dict[str, Any]) -> None:
    """`merge --allow-partial` wrote it: its missing shards are other run folders' to finish."""
    if manifest.get("status") == "partial":
        raise UserError("this run is a partial merge of shards; it cannot be resumed", file=run_dir / "manifest.json",
                        fix="run the missing shards (sumbench run SUITE --shard I/N) and merge them all again")


def spent_by(record: Any) -> float:
    """Dollars a record actually cost this run (cached answers cost nothing)."""
    judges = record.judge_cost_usd or 0.0  # already only the judge calls that were not cached
    if record.samples:
        return judges + sum(s.cost_usd or 0.0 for s in record.samples if not s.cached)
    return judges + (0.0 if record.cached else (record.cost_usd or 0.0))


def check_same_suite(state: ResumeState, suite_text: str, dataset_sha256: str) -> None:
    """Refuse to resume with a suite or dataset that changed since the run started."""
    recorded = state.manifest.get("suite", {})
    where = state.run_dir / "manifest.json"
    if sha256_text(suite_text) != recorded.get("sha256"):
        raise UserError(f"the suite file {recorded.get('path')} changed since this run started", file=where,
                        fix="restore it, or start a new run without --resume")
    if dataset_sha256 != recorded.get("dataset_sha256"):
        raise UserError("the dataset's items changed since this run started", file=where,
                        fix="restore them, or start a new run without --resume")


def resume_selection(run_dir: Path, suite_arg: str | None) -> dict[str, Any]:
    """What the interrupted run was started with: suite path, systems, limit, shard, duplicate policy."""
    manifest = read_manifest(run_dir)  # the records are read (and their seal checked) by load_resume
    _refuse_partial_merge(run_dir, manifest)  # before the suite is loaded and validated
    sel = manifest.get("selection") or {}
    recorded = sel.get("suite") or manifest.get("suite", {}).get("path")
    if not recorded:
        raise UserError("the manifest does not say which suite this run used", file=run_dir / "manifest.json",
                        fix="start a new run without --resume")
    if suite_arg is not None:
        from harness.suite.datasets import resolve_suite_path

        if resolve_suite_path(suite_arg).resolve() != Path(recorded).resolve():
            raise UserError(f"this run used the suite {recorded}, not {suite_arg}", file=run_dir / "manifest.json",
                            fix="leave out the suite argument when resuming (the run remembers it)")
    return {"suite": recorded, "systems": list(sel.get("systems") or manifest.get("systems", {})),
            "limit": sel.get("limit"), "shard": _recorded_shard(run_dir, sel),
            "keep_duplicates": manifest.get("duplicates", {}).get("policy") == "keep",
            "cache": manifest.get("cache") or {}}


def _recorded_shard(run_dir: Path, selection: dict[str, Any]) -> Shard | None:
    if selection.get("shard") is None:
        return None
    try:
        return parse_shard(selection["shard"])
    except ArgumentTypeError as exc:
        raise UserError(f"the manifest's selection.shard is not a shard: {exc}", file=run_dir / "manifest.json",
                        fix="start a new run without --resume") from None


def apply_resume(opts: RunOptions, run_dir: Path, suite_arg: str | None, own_cache: bool) -> str:
    """Set ``opts`` as the interrupted run was started (systems, limit, shard, duplicate policy);
    returns its suite path. ``own_cache``: use the run's own response cache (the user named none)."""
    sel = resume_selection(run_dir, suite_arg)
    opts.resume = run_dir
    opts.systems, opts.limit, opts.keep_duplicates = sel["systems"], sel["limit"], sel["keep_duplicates"]
    opts.shard = sel["shard"]
    if own_cache:  # same cache as the interrupted run, unless told otherwise
        opts.no_cache = sel["cache"].get("enabled") is False
        if sel["cache"].get("dir"):
            opts.cache_dir = Path(sel["cache"]["dir"])
    opts.strict = True  # a system of the run that can no longer run must not be silently left unfinished
    return sel["suite"]
