"""Command line: argparse, thin handlers, one place that turns UserError into exit 2.

Exit codes: 0 ok; 1 quality regression, lint errors, or failed records
beyond the error budget; 2 usage/config/input error; 130 interrupted.
Heavy modules are imported inside handlers so `sumbench --help` stays fast.
"""

from __future__ import annotations

import argparse
import errno
import sys
from pathlib import Path
from typing import Any, Callable

from harness.core.errors import UserError
from harness.core.version import __version__
from harness.run.shard import parse_shard  # --shard's type (hashlib only: --help stays fast)

Handler = Callable[[argparse.Namespace], int]
# Files and folders the user named or must fix (read-only results/, --out naming a file, a full disk):
# one line, exit 2, like any other input error. Anything else is a bug and keeps its traceback.
_PATH_ERRNOS = frozenset({errno.EACCES, errno.EPERM, errno.EROFS, errno.ENOSPC, errno.EDQUOT, errno.ENOTDIR,
                          errno.EISDIR, errno.ENOENT, errno.EEXIST, errno.ENAMETOOLONG})


def _path_fix(code: int | None) -> str:
    if code in (errno.ENOSPC, errno.EDQUOT):
        return "free some disk space, or write elsewhere (--out DIR); an interrupted run can be resumed"
    if code in (errno.EACCES, errno.EPERM, errno.EROFS):
        return "choose a folder you may write to (--out DIR), or fix its permissions"
    return "check the path: a folder where a folder is expected, a file where a file is"


def _number(kind: type, ok: Callable[[Any], bool], expected: str, bounds: str) -> Callable[[str], Any]:
    """An argparse type: ``kind(text)`` that satisfies ``ok``, else a one-line usage error (exit 2)."""
    def parse(text: str) -> Any:
        try:
            v = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {expected}, got {text!r}") from None
        if not ok(v):
            raise argparse.ArgumentTypeError(bounds.format(v=v, text=text))
        return v
    return parse


_positive_int = _number(int, lambda v: v >= 1, "a whole number", "must be at least 1, got {v}")
_nonneg_int = _number(int, lambda v: v >= 0, "a whole number", "must be 0 or more, got {v}")
_nonneg_float = _number(float, lambda v: 0 <= v < float("inf"), "a number", "must be a finite number >= 0, got {text}")
_probability = _number(float, lambda v: 0 < v < 1, "a number between 0 and 1",
                       "must be between 0 and 1 (exclusive), got {v}")


def cmd_run(args: argparse.Namespace) -> int:
    from harness.api.calls import cassette_session, run_planned
    from harness.run.plan import RunOptions, plan_run
    from harness.suite.datasets import load_suite

    opts = RunOptions(systems=args.system or [], limit=args.limit, concurrency=args.concurrency,
                      out=Path(args.out) if args.out else None, keep_duplicates=args.keep_duplicates,
                      argv=list(args.argv), progress="auto", dry_run=args.dry_run,
                      no_cache=args.no_cache, cache_dir=Path(args.cache_dir) if args.cache_dir else None,
                      max_cost=args.max_cost, strict=args.strict, workers=args.workers, shard=args.shard,
                      no_wait=args.no_wait)
    if args.record and not args.cassette:
        raise UserError("--record records a cassette", fix="add --cassette FILE")
    suite_arg = args.suite
    if args.resume:  # finish the run as it was started: its systems, limit, shard and cache, from its manifest
        from harness.run.resume import apply_resume

        if args.system or args.limit or args.out or args.dry_run or args.shard or args.record:
            raise UserError("--resume finishes a run as it was started", file=args.resume,
                            fix="leave out --system, --limit, --shard, --out, --dry-run and --record when resuming "
                                "(a cassette records a whole run: sumbench run SUITE --cassette FILE --record)")
        suite_arg = apply_resume(opts, Path(args.resume), args.suite,
                                 own_cache=not args.cache_dir and not args.no_cache)
    elif suite_arg is None:
        raise UserError("missing SUITE_OR_DIR", fix="name a dataset folder or suite file, or --resume RUN_DIR")
    if args.cassette and not args.cache_dir:  # recording or replaying, every exchange goes through the cassette
        opts.no_cache = True
    if args.dry_run:
        from harness.run.dryrun import dry_run_text

        print(dry_run_text(plan_run(load_suite(suite_arg), opts), opts))
        return 0
    with cassette_session(args.cassette, args.record, suite_arg, echo=True) as tape:  # before planning
        plan = plan_run(load_suite(suite_arg), opts)
        try:
            return run_planned(plan, opts, echo=True).exit_code  # names opts.out first, so Ctrl-C can say it
        except KeyboardInterrupt:
            if tape is not None:
                tape.discard()  # a cassette of half a run would miss the rest: keep the old one
            run_dir = opts.resume or opts.out
            if run_dir is not None and (run_dir / "manifest.json").is_file():
                print(f"interrupted — finished records are kept; finish the run with: sumbench run --resume "
                      f"{run_dir}", file=sys.stderr)
                return 130
            raise


def cmd_judge(args: argparse.Namespace) -> int:
    """(Re)judge an existing run's pairs with its suite's [pairwise] judge; no summary is requested."""
    from harness.pipeline import rejudge

    if bool(args.a) != bool(args.b):
        raise UserError("--a and --b go together", fix="name both systems of the pair, or neither")
    return rejudge(Path(args.run), (args.a, args.b) if args.a else None, concurrency=args.concurrency,
                   max_cost=args.max_cost, cache_dir=None if args.no_cache else args.cache_dir or "")


def cmd_merge(args: argparse.Namespace) -> int:
    from harness.pipeline import write_outputs
    from harness.run.merge import merge_runs
    from harness.run.plan import RunOptions

    warn = RunOptions().warn  # "warning: ..." on stderr, as `run` says it
    result = merge_runs([Path(p) for p in args.runs], Path(args.out), list(args.argv), args.allow_partial, warn)
    write_outputs(result.run_dir, warn)  # metrics and reports: the same next step as after `run`
    print(f"{result.summary()}\n\nrun folder: {result.run_dir}")
    return 0


def cmd_lint(args: argparse.Namespace) -> int:
    from harness.suite.lint import lint_suite

    result = lint_suite(args.suite)
    for f in result.findings:
        print(f.format(), file=sys.stdout)
    n_err, n_warn = len(result.errors), len(result.warnings)
    print(f"{result.n_items} items: {n_err} error(s), {n_warn} warning(s)")
    if result.load_failures:
        return 2
    if n_err or (args.strict and n_warn):
        return 1
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from harness.report.data import records_warning
    from harness.report.html import check_report_args, write_html_report
    from harness.report.markdown import console_table, write_markdown_report
    from harness.results.metrics import write_metrics
    from harness.results.scan import scan_run
    from harness.results.store import read_manifest

    run_dir = Path(args.run)
    manifest = read_manifest(run_dir)  # fails early on a non-run
    compare = Path(args.compare) if args.compare else None
    html_out = Path(args.html) if args.html else None
    check_report_args(run_dir, html_out, compare, args.a, args.b)  # a comparison refuses edited records
    scan = scan_run(run_dir)  # one read of records.jsonl for all three
    tampered = records_warning(run_dir, manifest, scan)
    if tampered:  # still written: reports are for reading (both carry the same mark); gates refuse
        print(f"warning: {tampered}", file=sys.stderr)
    write_metrics(run_dir, scan)
    path = write_markdown_report(run_dir, scan)
    html = write_html_report(run_dir, out=html_out, compare=compare, sys_a=args.a, sys_b=args.b, scan=scan)
    print(console_table(run_dir))
    print(f"\nwrote {path}\nwrote {html}")
    return 0


def cmd_compare(args: argparse.Namespace) -> int:
    from harness.analysis.compare import pair, rank, resolve_sides
    from harness.analysis.compare_output import (
        pair_json,
        pair_text,
        rank_json,
        rank_text,
    )
    from harness.results.rundata import load_run_data

    run_a = load_run_data(args.run)
    run_b = load_run_data(args.run_b) if args.run_b else None
    seed = run_a.seed if args.seed is None else args.seed
    sides = resolve_sides(run_a, run_b, args.a, args.b)
    if sides is None:
        res = rank(run_a, args.metric, seed, args.alpha)
        print(rank_json(res) if args.json else rank_text(res))
    else:
        res = pair(*sides, args.metric, seed, args.alpha)
        print(pair_json(res) if args.json else pair_text(res))
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    from harness.analysis.check import check, update_baseline

    if args.update_baseline:
        if args.junit or args.markdown or args.system:
            raise UserError("--update-baseline writes a baseline only", file=args.update_baseline,
                            fix="run check --baseline FILE separately for --junit/--markdown/--system")
        return update_baseline(args.run, args.update_baseline)
    return check(args.run, args.baseline, args.junit, args.markdown, args.system, args.seed)


def cmd_init(args: argparse.Namespace) -> int:
    from harness.suite.scaffold import init_suite

    folder = init_suite(args.name)
    print(f"created {folder}/: suite.toml, items/example.toml, prompts/concise.txt\n"
          f"next: sumbench lint {args.name} && sumbench run {args.name}")
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    from harness.suite.listing import listing

    print("\n".join(listing(args.what)))
    return 0


def _add_reader_parsers(sub: Any) -> None:
    """report, compare and check: the commands that read finished run folders."""
    p = sub.add_parser("report", help="rebuild metrics.json, report.md and report.html of a run folder")
    p.add_argument("run", metavar="RUN_DIR")
    p.add_argument("--compare", metavar="RUN_B", help="add paired differences against another run (B − A)")
    p.add_argument("--a", metavar="SYSTEM", help="compare this system of RUN_DIR (with --b) ...")
    p.add_argument("--b", metavar="SYSTEM", help="... against this system (of RUN_B if --compare, else of RUN_DIR)")
    p.add_argument("--html", metavar="FILE", help="write the HTML report here instead of RUN_DIR/report.html")
    p.set_defaults(func=cmd_report)

    p = sub.add_parser("compare", help="paired comparison of two systems (one run, or the same system in two runs)")
    p.add_argument("run", metavar="RUN")
    p.add_argument("run_b", metavar="RUN_B", nargs="?", help="a second run: compare the same system across runs")
    p.add_argument("--a", metavar="SYS", help="system A (in RUN)")
    p.add_argument("--b", metavar="SYS", help="system B (in RUN_B if given, else in RUN); B-A is reported")
    p.add_argument("--metric", action="append", metavar="M", help="only this metric (repeatable; default: every metric with a better direction)")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.add_argument("--seed", type=int, metavar="N", help="resampling seed (default: the run's [run] seed)")
    p.add_argument("--alpha", type=_probability, default=0.05, metavar="P",
                   help="significance level for the verdict column (default 0.05, Holm-adjusted p)")
    p.set_defaults(func=cmd_compare)

    p = sub.add_parser("judge", help="(re)judge a run's summaries pairwise with its suite's [pairwise] judge")
    p.add_argument("run", metavar="RUN")
    p.add_argument("--a", metavar="SYS", help="judge only this pair: system A ...")
    p.add_argument("--b", metavar="SYS", help="... and system B")
    p.add_argument("--concurrency", type=_positive_int, metavar="N", help="judge calls in flight")
    p.add_argument("--max-cost", type=_nonneg_float, metavar="USD", help="stop starting judge calls past this spend")
    p.add_argument("--no-cache", action="store_true", help="neither read nor write the response cache")
    p.add_argument("--cache-dir", metavar="DIR", help="response cache folder")
    p.set_defaults(func=cmd_judge)

    p = sub.add_parser("check", help="apply the suite's [gate] rules (exit 1 on a regression), or write a baseline")
    p.add_argument("run", metavar="RUN")
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--baseline", metavar="FILE", help="baseline JSON to compare with (for max_drop rules)")
    mode.add_argument("--update-baseline", metavar="FILE", help="write RUN's scores as the new baseline and exit")
    p.add_argument("--junit", metavar="FILE", help="also write JUnit XML (one testcase per rule and system)")
    p.add_argument("--markdown", metavar="FILE", help="also write a Markdown summary (e.g. $GITHUB_STEP_SUMMARY)")
    p.add_argument("--system", action="append", metavar="NAME", help="gate only this system (repeatable)")
    p.add_argument("--seed", type=int, metavar="N", help="resampling seed (default: the run's [run] seed)")
    p.set_defaults(func=cmd_check)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sumbench",
        description="Evaluate summarizers: ROUGE, factual-consistency checklists, comparisons, CI gates.",
        epilog="exit codes: 0 ok, 1 quality regression / lint errors / failures beyond the error budget, "
               "2 usage or input error, 130 interrupted (resume the run with --resume)")
    parser.add_argument("--version", action="version", version=f"sumbench {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("run", help="summarize and score a suite, writing a run folder")
    p.add_argument("suite", metavar="SUITE_OR_DIR", nargs="?",
                   help="dataset folder with suite.toml, a suite file, or a name (optional with --resume)")
    p.add_argument("--system", action="append", metavar="NAME", help="run only this system (repeatable)")
    p.add_argument("--limit", type=_positive_int, metavar="N", help="only the first N items")
    p.add_argument("--concurrency", type=_positive_int, metavar="N", help="parallel requests (default: suite's, 8)")
    p.add_argument("--out", metavar="DIR", help="write the run here instead of results/<timestamp>_<suite>_<id>")
    p.add_argument("--keep-duplicates", action="store_true",
                   help="do not remove repeated paragraphs from articles before summarizing")
    p.add_argument("--resume", metavar="RUN_DIR", help="finish an interrupted run folder (no duplicates, no re-requests)")
    p.add_argument("--dry-run", action="store_true",
                   help="make no request; print requests, cached answers, estimated tokens and cost per system")
    p.add_argument("--no-cache", action="store_true", help="neither read nor write the response cache")
    p.add_argument("--cache-dir", metavar="DIR", help="response cache folder (default: $SUMBENCH_CACHE_DIR or "
                   "~/.cache/sumbench)")
    p.add_argument("--max-cost", type=_nonneg_float, metavar="USD",
                   help="stop starting requests once the run has spent this much (status interrupted; resumable)")
    p.add_argument("--strict", action="store_true", help="a system whose API key is missing is an error, not a skip")
    p.add_argument("--cassette", metavar="FILE",
                   help="replay every HTTP exchange from FILE (no key, no network); record it first when absent")
    p.add_argument("--record", action="store_true", help="with --cassette: record FILE again (needs the key)")
    p.add_argument("--no-wait", action="store_true",
                   help="batch = true: submit the batches and exit (0); --resume RUN collects them later")
    p.add_argument("--workers", type=_nonneg_int, metavar="N",
                   help="scoring processes (default: the usable CPUs; 0 scores in the sumbench process)")
    p.add_argument("--shard", type=parse_shard, metavar="I/N",
                   help="run only shard I of N (items split by a stable hash of their id); merge the "
                        "shards' run folders with `sumbench merge`")
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("merge", help="join the run folders of a suite's shards (run --shard I/N) into one run")
    p.add_argument("runs", metavar="RUN", nargs="+", help="the shards' run folders, in any order")
    p.add_argument("--out", metavar="DIR", required=True, help="write the merged run here (a new or empty folder)")
    p.add_argument("--allow-partial", action="store_true", help="merge what is there (status partial: check refuses it)")
    p.set_defaults(func=cmd_merge)

    p = sub.add_parser("lint", help="check a dataset for duplicated paragraphs, bad patterns, unsupported claims")
    p.add_argument("suite", metavar="SUITE_OR_DIR")
    p.add_argument("--strict", action="store_true", help="warnings also make the exit code 1")
    p.set_defaults(func=cmd_lint)

    _add_reader_parsers(sub)

    p = sub.add_parser("init", help="create a suite folder NAME here: suite.toml, one example item, a prompt")
    p.add_argument("name", metavar="NAME")
    p.set_defaults(func=cmd_init)

    p = sub.add_parser("list", help="list backends, scorers, prompts or datasets")
    p.add_argument("what", choices=["backends", "scorers", "prompts", "datasets"])
    p.set_defaults(func=cmd_list)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse: --help/--version (0) or usage error (2)
        return int(exc.code or 0)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    args.argv = argv
    try:
        return args.func(args)
    except UserError as exc:
        print(f"error: {exc.one_line()}", file=sys.stderr)
        return 2
    except OSError as exc:
        if exc.errno not in _PATH_ERRNOS:
            raise
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"error: {where}{(exc.strerror or str(exc)).lower()} — {_path_fix(exc.errno)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("\ninterrupted", file=sys.stderr)
        return 130


def main_entry() -> None:
    try:
        code = main()
        sys.stdout.flush()
    except BrokenPipeError:  # `sumbench compare RUN | head`: the reader left; not an error worth a traceback
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no second error at exit
        code = 141  # 128 + SIGPIPE, as shells report it
    # The interpreter's last garbage collection over a big run's ~100k objects (the openai SDK
    # alone is ~1000 modules) took 0.1-0.2 s after the work was done. Everything sumbench writes
    # is closed by now and the standard streams are flushed by the interpreter itself, so the
    # objects can be frozen out of that final pass (atexit handlers still run).
    import gc

    gc.freeze()
    sys.exit(code)
