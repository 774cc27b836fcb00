"""``sumbench check``: the command's two modes, kept out of cli.py.

``update_baseline`` writes a baseline from a complete run; ``check`` applies
the gate, writes the JUnit/Markdown files (atomically) and returns the exit
code: 0 pass, 1 regression. Problems with inputs raise UserError (exit 2)
before anything is written.
"""

from __future__ import annotations

import sys
from pathlib import Path

from harness.analysis.gate import evaluate, load_rules
from harness.analysis.gate_output import console, junit_xml, markdown
from harness.core.errors import UserError
from harness.core.files import write_atomic
from harness.results.baseline import baseline_json, build_baseline, load_baseline
from harness.results.rundata import load_run_data


def _write(path: Path, text: str, what: str) -> None:
    """Atomic write; a folder or unwritable path is a usage error, not a traceback."""
    if path.is_dir():
        raise UserError(f"{what} path is a folder", file=path, fix="name a file, e.g. junit.xml")
    try:
        write_atomic(path, text)
    except OSError as exc:
        raise UserError(f"cannot write the {what}: {exc.strerror or exc}", file=path,
                        fix="choose a writable location") from None


def update_baseline(run_path: str, out: str) -> int:
    run = load_run_data(run_path)
    run.require_complete()
    baseline = build_baseline(run)
    failed = {s: len(b.failed) for s, b in baseline.systems.items() if b.failed}
    if failed:
        print("warning: failed records have no scores in the baseline: "
              + ", ".join(f"{s} {n}" for s, n in failed.items()), file=sys.stderr)
    _write(Path(out), baseline_json(baseline), "baseline")
    n_items = max((len(b.scores) for b in baseline.systems.values()), default=0)
    print(f"wrote baseline {out}: {len(baseline.systems)} system(s), {n_items} item(s), "
          f"suite {baseline.suite.name!r}, dataset sha256 {baseline.suite.dataset_sha256[:12]}")
    return 0


def check(run_path: str, baseline_path: str | None, junit: str | None, md: str | None,
          systems: list[str] | None, seed: int | None) -> int:
    run = load_run_data(run_path)
    rules = load_rules(run)
    base_path = Path(baseline_path) if baseline_path else None
    baseline = load_baseline(base_path) if base_path else None
    result = evaluate(run, rules, baseline, base_path, systems=systems, seed=seed)
    if junit:
        _write(Path(junit), junit_xml(result), "JUnit file")
    if md:
        _write(Path(md), markdown(result), "Markdown file")
    print(console(result))
    return 1 if result.failures else 0
