"""Everything checked before a run folder exists: systems, backends, scorers, options.

Anything that can fail because of user input (suite, items, options, system
names, a missing key under ``--strict``) fails here, so a config error leaves
nothing behind. ``create_scorer`` is also how the scoring helper process rebuilds
the scorers it runs.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator, Literal

from harness.backends.cache import Cache, default_cache_dir
from harness.core.errors import UserError
from harness.core.metrics import Catalog
from harness.core.models import Item
from harness.core.registry import backends, scorers
from harness.core.text import describe_duplicates, remove_duplicate_paragraphs
from harness.run.shard import in_shard, shard_label
from harness.suite.config import SystemConfig
from harness.suite.datasets import Suite


@dataclass
class RunOptions:
    systems: list[str] = field(default_factory=list)  # empty = all
    limit: int | None = None
    concurrency: int | None = None
    out: Path | None = None
    results_dir: Path = Path("results")
    keep_duplicates: bool = False
    argv: list[str] = field(default_factory=list)
    progress: Literal["off", "auto", "live", "log"] = "off"  # on stderr; auto = live on a terminal, else log
    warn: Callable[[str], None] = lambda msg: print(f"warning: {msg}", file=sys.stderr)
    resume: Path | None = None  # an interrupted run folder to finish
    dry_run: bool = False
    no_cache: bool = False
    cache_dir: Path | None = None
    max_cost: float | None = None  # USD; stop starting requests once spent
    strict: bool = False  # a system whose key is missing is an error, not a skip
    scoring_process: bool | None = None  # CPU scorers in a helper process; None = when >= AUTO_PROCESS_PAIRS
    workers: int | None = None  # scoring processes (--workers); None = the usable CPUs, 0 = score in-process
    shard: tuple[int, int] | None = None  # (I, N) with 1 <= I <= N: run only the items of shard I of N
    on_first_request: Callable[[], None] | None = None  # called once the first request is on its way
    no_wait: bool = False  # batch = true: submit the batches and stop; --resume collects them

    def status(self, line: str) -> None:
        """A line about long waits (batches) on stderr, unless progress is off (tests, the API)."""
        if self.progress != "off":
            print(line, file=sys.stderr, flush=True)


@dataclass
class Plan:
    suite: Suite
    systems: list[tuple[SystemConfig, Any]]
    scorers: list[tuple[str, Any]]
    n_items: int
    skipped: dict[str, str] = field(default_factory=dict)  # system -> why it cannot run
    cache: Cache | None = None
    pairwise: Any = None  # harness.run.pairwise.PairwiseJudge when the suite has [pairwise]

    @property
    def metrics(self) -> Catalog:
        """What the run's scorers declare they emit (recorded in the manifest)."""
        return Catalog(m for _, sc in self.scorers for m in type(sc).metrics)


def plan_run(suite: Suite, opts: RunOptions) -> Plan:
    """Validate everything and build backends and scorers (no files written)."""
    n_items = suite.validate()
    known = [s.name for s in suite.config.systems]
    for name in opts.systems:
        if name not in known:
            raise UserError(f"unknown system {name!r}", file=suite.path,
                            fix=f"use one of: {', '.join(known)}")
    cache = None if opts.no_cache else Cache(opts.cache_dir or default_cache_dir())
    systems, skipped = [], {}
    for i, sys_cfg in enumerate(suite.config.systems):
        if opts.systems and sys_cfg.name not in opts.systems:
            continue
        backend = _build_system(suite, i, sys_cfg, cache)
        missing = backend.missing_key()
        where = dict(file=suite.path, line=suite.line_of("systems", i))
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
    _warn_config(systems, opts)
    built = [(name, create_scorer(suite, name, cache)) for name in suite.config.scorers]
    for name in suite.config.scorer:
        if name not in suite.config.scorers:
            raise suite.error(f"[scorer.{name}] configures a scorer that is not in 'scorers'", "scorer",
                              fix=f"add {name!r} to scorers = [...] or remove the table")
    if opts.limit is not None:
        n_items = min(n_items, opts.limit)
    plan = Plan(suite=suite, systems=systems, scorers=built, n_items=n_items, skipped=skipped, cache=cache)
    if suite.config.pairwise is not None:  # built now: a missing key or bad prompt fails before any request
        from harness.run.pairwise import PairwiseJudge

        plan.pairwise = PairwiseJudge(suite.config.pairwise, suite, cache)
    if opts.shard is not None:  # progress and manifest count this shard's items (limit first, as planned_items)
        plan.n_items = sum(in_shard(i, opts.shard) for i in suite.item_ids[:n_items])
        if plan.n_items == 0:
            opts.warn(f"shard {shard_label(opts.shard)} has none of the {n_items} item(s); its run folder will "
                      "have no records (it still counts as a shard for `sumbench merge`)")
    return plan


def _warn_config(systems: list[tuple[SystemConfig, Any]], opts: RunOptions) -> None:
    """Each probably-mistaken setting once, naming every system that has it."""
    by_warning: dict[str, list[str]] = {}
    for cfg, backend in systems:
        for w in backend.config_warnings():
            by_warning.setdefault(w, []).append(cfg.name)
    for w, names in by_warning.items():
        opts.warn(f"{'system' if len(names) == 1 else 'systems'} {', '.join(names)}: {w}")


def _build_system(suite: Suite, index: int, sys_cfg: SystemConfig, cache: Cache | None) -> Any:
    """The backend of ``[[systems]]`` entry ``index``; errors name the system and its line."""
    where = dict(file=suite.path, line=suite.line_of("systems", index))
    try:
        backend = backends.create(sys_cfg.backend, sys_cfg.options, suite=suite, cache=cache)
    except UserError as exc:
        at = dict(file=exc.file, line=exc.line) if exc.file else where  # e.g. a line of a prompt file
        raise UserError(f"system '{sys_cfg.name}': {exc.what}", fix=exc.fix, **at) from None
    if sys_cfg.repeats > 1 and not backend.can_sample:
        raise UserError(f"system '{sys_cfg.name}': repeats = {sys_cfg.repeats}, but backend "
                        f"'{sys_cfg.backend}' cannot draw different samples", fix="remove 'repeats'", **where)
    return backend


def create_scorer(suite: Suite, name: str, cache: Cache | None) -> Any:
    """Scorer ``name`` with its ``[scorer.NAME]`` options (also how the scoring process rebuilds it)."""
    try:
        return scorers.create(name, suite.config.scorer.get(name, {}), suite=suite, cache=cache)
    except UserError as exc:
        line = suite.line_of("scorer", name) or suite.line_of("scorers")
        raise UserError(exc.what, file=suite.path, line=line, fix=exc.fix) from None


def planned_items(plan: Plan, opts: RunOptions) -> Iterator[Item]:
    """The suite's items in order: the first ``--limit`` of them, then of those the ones in ``--shard``.

    Limit first, so the N shards of ``--limit 100`` are together exactly the unsharded ``--limit 100``
    (a limit after sharding would take each shard's first 100, a different set for every N).
    """
    return suite_items(plan.suite, opts)


def suite_items(suite: Suite, opts: RunOptions) -> Iterator[Item]:
    """``planned_items`` of a suite without a plan (re-judging an existing run)."""
    for n, item in enumerate(suite.iter_items()):
        if opts.limit is not None and n >= opts.limit:
            return
        if in_shard(item.id, opts.shard):
            yield item


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
