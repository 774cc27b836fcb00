"""Run every (item, system) pair on a bounded thread pool and write the run folder.

Everything that can fail because of user input (suite, items, options,
system names) is checked before the run folder is created, so a config
error leaves nothing behind. Records are written by this thread only, in
completion order, one flushed line each.
"""

from __future__ import annotations

import hashlib
import sys
import time
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from harness.datasets import Suite
from harness.errors import UserError
from harness.models import Item, Record, SystemConfig, Usage
from harness.provenance import git_info, package_versions
from harness.registry import backends, scorers
from harness.store import FORMAT_VERSION, RecordWriter, new_run_dir, utc_now, write_json
from harness.text import describe_duplicates, remove_duplicate_paragraphs


@dataclass
class RunOptions:
    systems: list[str] = field(default_factory=list)  # empty = all
    limit: int | None = None
    concurrency: int | None = None
    out: Path | None = None
    results_dir: Path = Path("results")
    keep_duplicates: bool = False
    argv: list[str] = field(default_factory=list)
    progress: bool = False
    warn: Callable[[str], None] = lambda msg: print(f"warning: {msg}", file=sys.stderr)


@dataclass
class RunResult:
    run_dir: Path
    n_records: int
    n_errors: int
    error_budget: int


@dataclass
class Plan:
    suite: Suite
    systems: list[tuple[SystemConfig, Any]]
    scorers: list[tuple[str, Any]]
    n_items: int


def plan_run(suite: Suite, opts: RunOptions) -> Plan:
    """Validate everything and build backends and scorers (no files written)."""
    import harness.backends  # noqa: F401  (register built-ins)
    import harness.scorers  # noqa: F401

    n_items = suite.validate()
    known = [s.name for s in suite.config.systems]
    for name in opts.systems:
        if name not in known:
            raise UserError(f"unknown system {name!r}", file=suite.path,
                            fix=f"use one of: {', '.join(known)}")
    chosen = [s for s in suite.config.systems if not opts.systems or s.name in opts.systems]
    systems = []
    for i, sys_cfg in enumerate(suite.config.systems):
        if sys_cfg not in chosen:
            continue
        try:
            systems.append((sys_cfg, backends.create(sys_cfg.backend, sys_cfg.options, suite=suite)))
        except UserError as exc:
            raise UserError(f"system '{sys_cfg.name}': {exc.what}", file=suite.path,
                            line=suite.line_of("systems", i), fix=exc.fix) from None
    built = []
    for name in suite.config.scorers:
        try:
            built.append((name, scorers.create(name, suite.config.scorer.get(name, {}))))
        except UserError as exc:
            raise UserError(exc.what, file=suite.path, line=suite.line_of("scorers"), fix=exc.fix) from None
    for name in suite.config.scorer:
        if name not in suite.config.scorers:
            raise suite.error(f"[scorer.{name}] configures a scorer that is not in 'scorers'", "scorer",
                              fix=f"add {name!r} to scorers = [...] or remove the table")
    if opts.limit is not None:
        n_items = min(n_items, opts.limit)
    return Plan(suite=suite, systems=systems, scorers=built, n_items=n_items)


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return f"{type(exc).__name__}: {text}"[:500]


def run_one(item: Item, article: str, dups: list[int], sys_cfg: SystemConfig, backend: Any,
            scorer_list: list[tuple[str, Any]]) -> Record:
    """Summarize and score one pair. Never raises: failures become ``error``."""
    base = dict(item_id=item.id, system=sys_cfg.name, duplicates_removed=dups,
                article_sha256=sha256(article))
    t0 = time.perf_counter()
    try:
        out = backend.summarize(article, item)
    except Exception as exc:  # any backend failure is this record's error, not the run's
        return Record(summary=None, error=one_line(exc),
                      latency_ms=round((time.perf_counter() - t0) * 1000, 3), **base)
    latency = round((time.perf_counter() - t0) * 1000, 3)
    scores: dict[str, float | None] = {}
    details: dict[str, Any] = {}
    error = None
    for name, scorer in scorer_list:
        try:
            res = scorer.score(item, out.text, article)
        except Exception as exc:
            error = f"scorer {name} failed: {one_line(exc)}"
            details[name] = {"error": error}
            continue
        scores.update(res.metrics)
        details[name] = res.details
    usage = Usage(**out.usage) if out.usage else None
    return Record(summary=out.text, error=error, cached=out.cached, usage=usage, cost_usd=out.cost_usd,
                  latency_ms=latency, scores=scores, details=details, **base)


def manifest_for(plan: Plan, opts: RunOptions, run_dir: Path) -> dict[str, Any]:
    suite = plan.suite
    return {
        "format_version": FORMAT_VERSION,
        "status": "running",
        "started": utc_now(),
        "finished": None,
        "run_dir": str(run_dir),
        "command": ["sumbench", *opts.argv],
        "suite": {
            "name": suite.config.name,
            "path": str(suite.path),
            "sha256": sha256(suite.text),
            "dataset_sha256": suite.dataset_hash(),
            "n_items": plan.n_items,
            "config": suite.config.model_dump(mode="json"),
        },
        "systems": {cfg.name: backend.describe() for cfg, backend in plan.systems},
        "scoring": {name: sc.settings() for name, sc in plan.scorers},
        "duplicates": {"policy": "keep" if opts.keep_duplicates else "remove", "items": {}},
        "seed": suite.config.run.seed,
        "versions": package_versions(),
        "git": git_info(Path.cwd()),
    }


def _items(plan: Plan, opts: RunOptions):
    for n, item in enumerate(plan.suite.iter_items()):
        if opts.limit is not None and n >= opts.limit:
            return
        yield item


def execute(plan: Plan, opts: RunOptions) -> RunResult:
    """Create the run folder and fill it; returns counts for the exit code."""
    from harness.metrics import write_metrics
    from harness.report import write_markdown_report
    from harness.html_report import write_html_report

    run_dir = opts.out or new_run_dir(opts.results_dir, plan.suite.config.name)
    if run_dir.exists() and any(run_dir.iterdir()):
        raise UserError("output folder is not empty", file=run_dir,
                        fix="choose a new --out folder, or leave --out off for a fresh results/<run> folder")
    run_dir.mkdir(parents=True, exist_ok=True)
    manifest = manifest_for(plan, opts, run_dir)
    write_json(run_dir / "manifest.json", manifest)
    writer = RecordWriter(run_dir / "records.jsonl")
    concurrency = opts.concurrency or plan.suite.config.run.concurrency
    total = plan.n_items * len(plan.systems)
    done = errors = 0
    try:
        with ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="sumbench") as pool:
            pending: set[Future] = set()

            def drain(block_until: int) -> None:
                nonlocal done, errors, pending
                while len(pending) > block_until:
                    finished, pending = wait(pending, return_when=FIRST_COMPLETED)
                    for fut in finished:
                        rec = fut.result()
                        writer.append(rec)
                        done += 1
                        errors += rec.error is not None
                        if opts.progress:
                            print(f"\r  {done}/{total} records", end="", file=sys.stderr, flush=True)

            for item in _items(plan, opts):
                article, dups = item.article, []
                if not opts.keep_duplicates:
                    article, found = remove_duplicate_paragraphs(item.article)
                    dups = [d.index for d in found]
                    if found:
                        note = describe_duplicates(found)
                        manifest["duplicates"]["items"][item.id] = note
                        opts.warn(f"{item.source}: item '{item.id}': {note}; removed before summarizing "
                                  "(--keep-duplicates keeps them)")
                for sys_cfg, backend in plan.systems:
                    pending.add(pool.submit(run_one, item, article, dups, sys_cfg, backend, plan.scorers))
                    drain(concurrency * 2)
            drain(0)
        if opts.progress:
            print(file=sys.stderr)
        manifest["status"] = "complete"
    except BaseException:
        manifest["status"] = "interrupted"
        raise
    finally:
        writer.close()
        manifest["finished"] = utc_now()
        manifest["counts"] = {"records": done, "errors": errors}
        write_json(run_dir / "manifest.json", manifest)
        if manifest["status"] == "complete":
            write_metrics(run_dir)
            write_markdown_report(run_dir)
            write_html_report(run_dir)
    return RunResult(run_dir=run_dir, n_records=done, n_errors=errors,
                     error_budget=plan.suite.config.run.error_budget)
