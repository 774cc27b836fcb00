"""Run every (item, system) pair on a bounded thread pool and write the run folder.

Everything that can fail because of user input (suite, items, options,
system names) is checked before the run folder is created, so a config
error leaves nothing behind. Records are written by this thread only, in
completion order, one flushed line each.
"""

from __future__ import annotations

import sys
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from harness.budget import Budget
from harness.cache import Cache, default_cache_dir
from harness.datasets import Suite
from harness.errors import UserError
from harness.interrupt import deferred_sigint
from harness.jobs import Jobs
from harness.models import Item, Record, SystemConfig
from harness.pair import Drawn, accepts_sample, calls_network, draw, one_line, score_drawn
from harness.provenance import git_info, package_versions
from harness.registry import backends, scorers
from harness.resume import check_same_suite, load_resume
from harness.scoring_process import HelperStopped, close_helper, start_scoring_process
from harness.store import FORMAT_VERSION, RecordWriter, new_run_dir, utc_now, write_json
from harness.text import describe_duplicates, remove_duplicate_paragraphs, sha256_text


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
    resume: Path | None = None  # an interrupted run folder to finish
    dry_run: bool = False
    no_cache: bool = False
    cache_dir: Path | None = None
    max_cost: float | None = None  # USD; stop starting requests once spent
    strict: bool = False  # a system whose key is missing is an error, not a skip
    scoring_process: bool | None = None  # CPU scorers in a helper process; None = when >= AUTO_PROCESS_PAIRS


@dataclass
class RunResult:
    run_dir: Path
    n_records: int
    n_errors: int
    error_budget: int
    stopped: str | None = None  # why the run stopped early (max cost), else None


@dataclass
class Plan:
    suite: Suite
    systems: list[tuple[SystemConfig, Any]]
    scorers: list[tuple[str, Any]]
    n_items: int
    skipped: dict[str, str] = field(default_factory=dict)  # system -> why it cannot run
    cache: Cache | None = None


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
    cache = None if opts.no_cache else Cache(opts.cache_dir or default_cache_dir())
    systems, skipped = [], {}
    for i, sys_cfg in enumerate(suite.config.systems):
        if sys_cfg not in chosen:
            continue
        where = dict(file=suite.path, line=suite.line_of("systems", i))
        try:
            backend = backends.create(sys_cfg.backend, sys_cfg.options, suite=suite, cache=cache)
        except UserError as exc:
            at = dict(file=exc.file, line=exc.line) if exc.file else where  # e.g. a line of a prompt file
            raise UserError(f"system '{sys_cfg.name}': {exc.what}", fix=exc.fix, **at) from None
        if sys_cfg.repeats > 1 and not accepts_sample(backend):
            raise UserError(f"system '{sys_cfg.name}': repeats = {sys_cfg.repeats}, but backend "
                            f"'{sys_cfg.backend}' cannot draw different samples", fix="remove 'repeats'", **where)
        missing = getattr(backend, "missing_key", lambda: None)()
        if missing and opts.strict and not opts.dry_run:
            raise UserError(f"system '{sys_cfg.name}' needs ${missing}, which is not set",
                            fix="export it, or leave out --strict to skip this system", **where)
        if missing:
            skipped[sys_cfg.name] = f"${missing} is not set"
            opts.warn(f"system '{sys_cfg.name}' " + ("makes no request in a dry run, but a run would skip it"
                      if opts.dry_run else "skipped") + f": ${missing} is not set (export it to run this "
                      "system; --strict makes this an error)")
            if not opts.dry_run:
                continue
        systems.append((sys_cfg, backend))
    if not systems:
        raise UserError("no system can run (" + "; ".join(f"{k}: {v}" for k, v in skipped.items()) + ")",
                        file=suite.path, fix="set the missing key(s), or pick other systems with --system")
    built = [(name, create_scorer(suite, name, cache)) for name in suite.config.scorers]
    for name in suite.config.scorer:
        if name not in suite.config.scorers:
            raise suite.error(f"[scorer.{name}] configures a scorer that is not in 'scorers'", "scorer",
                              fix=f"add {name!r} to scorers = [...] or remove the table")
    if opts.limit is not None:
        n_items = min(n_items, opts.limit)
    return Plan(suite=suite, systems=systems, scorers=built, n_items=n_items, skipped=skipped, cache=cache)


def create_scorer(suite: Suite, name: str, cache: Cache | None) -> Any:
    """Scorer ``name`` with its ``[scorer.NAME]`` options (also how the scoring process rebuilds it)."""
    import harness.scorers  # noqa: F401  (register built-ins)

    try:
        return scorers.create(name, suite.config.scorer.get(name, {}), suite=suite, cache=cache)
    except UserError as exc:
        line = suite.line_of("scorer", name) or suite.line_of("scorers")
        raise UserError(exc.what, file=suite.path, line=line, fix=exc.fix) from None


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
            "abs_path": str(suite.path.resolve()),  # lets `report` find articles from any folder
            "sha256": sha256_text(suite.text),
            "dataset_sha256": suite.dataset_hash(),
            "n_items": plan.n_items,
            "config": suite.config.model_dump(mode="json"),
        },
        "systems": {cfg.name: {**backend.describe(), "repeats": cfg.repeats} for cfg, backend in plan.systems},
        "selection": {"suite": str(suite.path.resolve()), "systems": [cfg.name for cfg, _ in plan.systems],
                      "limit": opts.limit},
        "skipped": plan.skipped,
        "cache": {"enabled": plan.cache is not None, "dir": str(plan.cache.root) if plan.cache else None},
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

    if opts.resume:
        state = load_resume(opts.resume)
        check_same_suite(state, plan.suite.text, plan.suite.dataset_hash())
        run_dir, manifest, finished = opts.resume, state.manifest, state.done
        manifest["status"] = "running"
        manifest.setdefault("resumed", []).append({"at": utc_now(), "command": ["sumbench", *opts.argv]})
        done, errors, budget = state.n_records, state.n_errors, Budget(opts.max_cost, state.spent_usd)
    else:
        run_dir = opts.out or new_run_dir(opts.results_dir, plan.suite.config.name)
        if run_dir.exists() and any(run_dir.iterdir()):
            raise UserError("output folder is not empty", file=run_dir,
                            fix="choose a new --out folder, or leave --out off for a fresh results/<run> folder")
        run_dir.mkdir(parents=True, exist_ok=True)
        manifest, finished = manifest_for(plan, opts, run_dir), set()
        done, errors, budget = 0, 0, Budget(opts.max_cost)
    manifest["max_cost_usd"] = opts.max_cost
    write_json(run_dir / "manifest.json", manifest)
    writer = RecordWriter(run_dir / "records.jsonl")
    total = plan.n_items * len(plan.systems)
    concurrency = opts.concurrency or plan.suite.config.run.concurrency
    stopped = None
    net_scorers = [(n, s) for n, s in plan.scorers if calls_network(s)]  # e.g. an LLM judge: keep it parallel
    scoring_of: dict[Future, Drawn] = {}  # jobs of the scoring process -> the answers they score
    # A deep queue keeps the pool busy while this thread scores records; under --max-cost a
    # shallow one bounds what can be spent past the limit (at most 2 x concurrency requests).
    queue_depth = concurrency * (2 if opts.max_cost is not None else 8)
    helper = None
    try:
        # first, so the helper loads its scorers on the other core while this one loads the SDK
        helper = start_scoring_process(plan.suite, plan.scorers, total - len(finished), opts.scoring_process)
        manifest["scoring_process"] = {"used": helper is not None, "stopped": None}  # this execution's
        for _, backend in plan.systems:
            if hasattr(backend, "set_concurrency"):
                backend.set_concurrency(concurrency)
            if hasattr(backend, "warm_up"):  # e.g. import the SDK before items are queued
                backend.warm_up()
        with deferred_sigint() as sigint, ThreadPoolExecutor(max_workers=concurrency,
                                                             thread_name_prefix="sumbench") as pool:
            pending = Jobs()

            def cancel_queued() -> None:
                """Drop requests that have not started (scoring jobs hold paid answers: never those)."""
                for queued in pending:
                    if queued not in scoring_of:
                        queued.cancel()

            def stop_for_budget() -> None:
                """Past --max-cost: start nothing more (queued jobs are cancelled, running ones finish)."""
                nonlocal stopped
                if stopped is None:
                    stopped = (f"spent {budget.spent_usd:.4f} USD, reaching --max-cost {opts.max_cost:g}; "
                               f"resume with: sumbench run --resume {run_dir} --max-cost <more>")
                cancel_queued()

            def record_for(fut: Future) -> Record | None:
                """The record a finished job completes, or None when its answer went on to be scored."""
                nonlocal helper
                d = scoring_of.pop(fut, None)
                if d is not None:  # the scoring process is done with this answer
                    try:
                        return score_drawn(d, plan.scorers, fut.result())
                    except HelperStopped as exc:
                        if helper is not None:  # say it once; every open job fails the same way
                            opts.warn(f"the scoring helper process {exc}; scoring in this process instead")
                            manifest["scoring_process"]["stopped"] = str(exc)
                            helper = close_helper(helper)
                        return score_drawn(d, plan.scorers)
                d = fut.result()
                budget.add_usd(d.spent_usd)  # spent when the answer arrives, whoever scores it
                if budget.exhausted:
                    stop_for_budget()
                if helper is not None and helper.stopped is None:
                    job = helper.submit(d.item, d.article, d.texts)
                    scoring_of[job] = d
                    pending.add(job)
                    return None
                return score_drawn(d, plan.scorers)  # CPU work stays off the request threads

            def drain(block_until: int) -> None:
                nonlocal done, errors
                while len(pending) > block_until:
                    sigint.check()  # a safe point: every finished job is either written or still pending
                    fut = pending.next_done(timeout=0.25)  # a timeout, so Ctrl-C is seen while requests hang
                    if fut is None or fut.cancelled():
                        continue
                    rec = record_for(fut)
                    if rec is None:
                        continue
                    writer.append(rec)
                    done += 1
                    errors += rec.error is not None
                    if opts.progress:
                        print(f"\r  {done}/{total} records", end="", file=sys.stderr, flush=True)

            try:
                for item in _items(plan, opts):
                    sigint.check()
                    todo = [(c, b) for c, b in plan.systems if (item.id, c.name) not in finished]
                    if not todo:
                        continue
                    article, dups = prepare_article(item, opts, manifest)
                    for sys_cfg, backend in todo:
                        if budget.exhausted:
                            stop_for_budget()
                            break
                        pending.add(pool.submit(draw, item, article, dups, sys_cfg, backend, net_scorers))
                        drain(queue_depth)
                    if stopped:
                        break
                drain(0)
            except BaseException:  # Ctrl-C: drop what has not started, keep what was paid for
                cancel_queued()
                drain(0)
                raise
        if opts.progress:
            print(file=sys.stderr)
        manifest["status"] = "interrupted" if stopped else "complete"
    except BaseException:
        manifest["status"] = "interrupted"
        raise
    finally:
        close_helper(helper)
        writer.close()
        manifest["finished"] = utc_now()
        manifest["counts"] = {"records": done, "errors": errors}
        manifest["stopped"] = stopped
        write_json(run_dir / "manifest.json", manifest)
        if manifest["status"] == "complete":
            write_metrics(run_dir)
            try:
                write_markdown_report(run_dir)
                write_html_report(run_dir)
            except Exception as exc:  # records and metrics are safe; the reports can be rebuilt
                opts.warn(f"could not write the reports ({one_line(exc)}); "
                          f"records are complete — rebuild with `sumbench report {run_dir}`")
    return RunResult(run_dir=run_dir, n_records=done, n_errors=errors,
                     error_budget=plan.suite.config.run.error_budget, stopped=stopped)


def prepare_article(item: Item, opts: RunOptions, manifest: dict[str, Any] | None = None) -> tuple[str, list[int]]:
    """The article as it is sent to backends (repeated paragraphs removed unless kept)."""
    if opts.keep_duplicates:
        return item.article, []
    article, found = remove_duplicate_paragraphs(item.article)
    if found and manifest is not None:
        note = describe_duplicates(found)
        manifest["duplicates"]["items"][item.id] = note
        opts.warn(f"{item.source}: item '{item.id}': {note}; removed before summarizing "
                  "(--keep-duplicates keeps them)")
    return article, [d.index for d in found]
