"""``sumbench merge RUN... --out DIR``: the run folders of one suite's shards as one run folder.

Each shard (``sumbench run --shard I/N``, on any machine) leaves a complete, sealed run
folder. Merging checks that they belong together (same suite and dataset, systems,
scorer settings, ``--limit`` and N; each shard once; no item in two) and writes one
folder: the shards' records.jsonl lines as they are, in shard order, streamed (runs can
hold 100k+ records), and a manifest whose ``merged`` key lists where each shard came
from. Its records equal the unsharded run's (up to order and latency), so metrics,
reports, ``compare`` and ``check`` give the same answers.

A merge of only some shards (``--allow-partial``) gets status ``partial``: reports and
``compare`` read it, ``check`` refuses it. The folder is built next to ``--out`` and
renamed into place, so a failure leaves nothing half-written. metrics.json and the
reports are the caller's next step (``harness.pipeline.write_outputs``), as after a run.
"""

from __future__ import annotations

import copy
import json
import os
import secrets
import shutil
from argparse import ArgumentTypeError
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable

from harness.core.errors import UserError
from harness.results.store import read_manifest, seal, verify_seal, write_json
from harness.run.shard import parse_shard, shard_label

# What must agree between shards: how to read it, and how a difference reads (then "than <first shard>").
SAME = (
    (lambda m: m.get("format_version"), "was written in another run-folder format", "format_version differs"),
    (lambda m: (m.get("suite") or {}).get("sha256"), "is from another suite file", "suite sha256 differs"),
    (lambda m: (m.get("suite") or {}).get("dataset_sha256"), "is from another dataset", "dataset sha256 differs"),
    (lambda m: m.get("systems"), "ran other systems", "manifest 'systems' differ"),
    (lambda m: m.get("scoring"), "was scored with other scorer settings", "manifest 'scoring' differs"),
    (lambda m: (m.get("selection") or {}).get("limit"), "ran with another --limit", "selection.limit differs"),
    (lambda m: (m.get("duplicates") or {}).get("policy"), "ran with another --keep-duplicates setting",
     "duplicates.policy differs"),
)
SAME_FIX = "merge only the shards of one run: the same suite, dataset, systems, scorers, --limit and N"
RUN_ONLY = ("shard", "resumed", "scoring_process", "max_cost_usd")  # about one execution, not the merge


@dataclass
class ShardRun:
    """One shard's run folder, checked: its manifest and which shard it is."""

    path: Path
    manifest: dict[str, Any]
    index: int  # I
    count: int  # N

    @property
    def label(self) -> str:
        return shard_label((self.index, self.count))


@dataclass
class MergeResult:
    run_dir: Path
    shards: list[str]
    missing: list[str]
    records: int = 0
    errors: int = 0
    per_shard: dict[str, int] = field(default_factory=dict)  # shard label -> records copied

    def summary(self) -> str:
        """What was merged, for the console."""
        done = ", ".join(f"{k} ({n} records)" for k, n in self.per_shard.items())
        text = f"merged {len(self.shards)} shard(s): {done}; {self.records} records, {self.errors} failed"
        if self.missing:
            text += (f"\npartial: shard(s) {', '.join(self.missing)} missing — status 'partial'; "
                     "`sumbench check` refuses it until every shard is merged")
        return text


def open_shard(path: Path) -> ShardRun:
    """A shard's run folder, refused unless it is sealed, complete and says which shard it is."""
    manifest = read_manifest(path)
    where = path / "manifest.json"
    if manifest.get("merged") is not None:
        raise UserError("this folder is already a merge of shards", file=path,
                        fix="merge the shards' own run folders (those of `sumbench run --shard I/N`)")
    if manifest.get("shard") is None:
        raise UserError("not a shard: an unsharded run cannot be merged (its manifest has no 'shard')",
                        file=path, fix="pass the run folders of `sumbench run SUITE --shard I/N`")
    try:
        index, count = parse_shard(manifest["shard"])
    except ArgumentTypeError as exc:
        raise UserError(f"the manifest's shard is not I/N: {exc}", file=where,
                        fix="pass run folders written by `sumbench run --shard I/N`") from None
    verify_seal(path, manifest)
    status = manifest.get("status")
    if status != "complete":
        raise UserError(f"shard {index}/{count} has status {status!r}, not 'complete'", file=path,
                        fix=f"finish it first: sumbench run --resume {path}")
    return ShardRun(path, manifest, index, count)


def check_together(shards: list[ShardRun]) -> None:
    """Refuse shards of different runs, and any shard (or folder) given twice."""
    first, by_index, folders = shards[0], {}, {}
    for s in shards:
        folder = s.path.resolve()
        if folder in folders:
            raise UserError("this run folder is given twice", file=s.path, fix="name each shard's folder once")
        folders[folder] = s
        if s.index in by_index:
            raise UserError(f"shard {s.label} is given twice (also {by_index[s.index].path})", file=s.path,
                            fix="merge each shard once: leave out one of the two folders")
        by_index[s.index] = s
        if s.count != first.count:
            raise UserError(f"shard {s.label} is one of {s.count}, but {first.path} is shard {first.label}",
                            file=s.path, fix=SAME_FIX)
        for value, what, why in SAME:
            if value(s.manifest) != value(first.manifest):
                raise UserError(f"shard {s.label} {what} than {first.path} (shard {first.label}): {why}",
                                file=s.path, fix=SAME_FIX)


def missing_shards(shards: list[ShardRun], allow_partial: bool) -> list[str]:
    """Labels of the shards not given; an error unless ``allow_partial``."""
    n, have = shards[0].count, {s.index for s in shards}
    missing = [shard_label((i, n)) for i in range(1, n + 1) if i not in have]
    if missing and not allow_partial:
        raise UserError(f"missing shard(s) {', '.join(missing)} of {n}",
                        fix="run them (sumbench run SUITE --shard I/N), or pass --allow-partial to merge "
                            "what is there (status 'partial': `sumbench check` refuses it)")
    return missing


def merge_runs(paths: Iterable[Path], out: Path, argv: list[str], allow_partial: bool = False,
               warn: Callable[[str], None] = lambda msg: None) -> MergeResult:
    """Check the shards, then write the merged, sealed run folder at ``out`` (new or empty)."""
    _check_out(out)
    shards = [open_shard(Path(p)) for p in paths]
    if not shards:
        raise UserError("no run folders to merge", fix="name the shards' run folders: sumbench merge RUN... --out DIR")
    check_together(shards)
    shards.sort(key=lambda s: s.index)
    missing = missing_shards(shards, allow_partial)
    _warn_provenance(shards, warn)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.parent / f".{out.name}.merging-{secrets.token_hex(4)}"
    tmp.mkdir()  # a hidden sibling: the rename below is then within one file system
    try:
        result = MergeResult(out, [s.label for s in shards], missing)
        _copy_records(shards, tmp / "records.jsonl", result)
        manifest = merged_manifest(shards, out, argv, result)
        seal(manifest, tmp)
        write_json(tmp / "manifest.json", manifest)
        if out.exists():
            out.rmdir()  # checked empty above
        tmp.rename(out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return result


def _check_out(out: Path) -> None:
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise UserError("output folder is not empty" if out.is_dir() else "--out names a file", file=out,
                        fix="choose a new --out folder for the merged run")


def _warn_provenance(shards: list[ShardRun], warn: Callable[[str], None]) -> None:
    """Shards may run on different machines: say so when their code or packages differ."""
    first = shards[0]
    for key, what in (("git", "git commits"), ("versions", "package versions")):
        odd = [s.label for s in shards if s.manifest.get(key) != first.manifest.get(key)]
        if odd:
            warn(f"shard(s) {', '.join(odd)} ran with other {what} than shard {first.label}; "
                 f"the merged manifest records shard {first.label}'s")


def _copy_records(shards: list[ShardRun], dest: Path, result: MergeResult) -> None:
    """Append every shard's record lines to ``dest`` byte for byte, one line in memory at a time;
    refuse an item that two shards both have."""
    owner: dict[str, str] = {}  # item id -> label of the shard whose records have it
    with dest.open("wb") as fh:
        for s in shards:
            n = 0
            with (s.path / "records.jsonl").open("rb") as src:
                for lineno, line in enumerate(src, start=1):
                    if not line.strip():
                        continue
                    item_id, failed = _item_of(line, s.path / "records.jsonl", lineno)
                    if owner.setdefault(item_id, s.label) != s.label:
                        raise UserError(f"item {item_id!r} is in shard {owner[item_id]} and in shard {s.label}",
                                        file=s.path / "records.jsonl", line=lineno,
                                        fix="merge shards of one run only (the same N splits items apart)")
                    fh.write(line if line.endswith(b"\n") else line + b"\n")
                    n += 1
                    result.errors += failed
            result.per_shard[s.label] = n
            result.records += n
        fh.flush()
        os.fsync(fh.fileno())


def _item_of(line: bytes, path: Path, lineno: int) -> tuple[str, bool]:
    """(item id, failed) of one records.jsonl line."""
    try:
        rec = json.loads(line)
        return str(rec["item_id"]), rec.get("error") is not None
    except (ValueError, KeyError, TypeError):
        raise UserError("corrupt record", file=path, line=lineno,
                        fix="re-run this shard; its records.jsonl is damaged") from None


def merged_manifest(shards: list[ShardRun], out: Path, argv: list[str], result: MergeResult) -> dict[str, Any]:
    """The first shard's manifest (suite, systems, scoring, metrics, seed, versions) made the merge's."""
    manifest = copy.deepcopy(shards[0].manifest)
    for key in RUN_ONLY:
        manifest.pop(key, None)
    (manifest.get("selection") or {}).pop("shard", None)
    started = [s.manifest["started"] for s in shards if s.manifest.get("started")]
    finished = [s.manifest["finished"] for s in shards if s.manifest.get("finished")]
    manifest.update(status="partial" if result.missing else "complete", started=min(started, default=None),
                    finished=max(finished, default=None), run_dir=str(out), command=["sumbench", *argv],
                    stopped=None, counts={"records": result.records, "errors": result.errors})
    manifest.setdefault("suite", {})["n_items"] = sum(_part(s, "suite").get("n_items") or 0 for s in shards)
    manifest.setdefault("duplicates", {})["items"] = {  # item id -> what was removed: the shards' union
        k: v for s in shards for k, v in (_part(s, "duplicates").get("items") or {}).items()}
    manifest["merged"] = {
        "shards": [{"shard": s.label, "run": str(s.path), "records_sha256": s.manifest.get("records_sha256"),
                    "records": result.per_shard[s.label], "started": s.manifest.get("started"),
                    "finished": s.manifest.get("finished")} for s in shards],
        "missing": result.missing,
        "partial": bool(result.missing),
    }
    return manifest


def _part(shard: ShardRun, key: str) -> dict[str, Any]:
    value = shard.manifest.get(key)
    return value if isinstance(value, dict) else {}
