"""Score identity: do the records of the current tree equal those of 57c9efc, value for value?

Proves that a refactoring changed no score. The old revision is extracted with
``git archive`` into a temp dir (the work tree is never touched). Each side runs
``python -m harness run SUITE --out DIR --no-cache --concurrency 1`` as a
subprocess, from its own root (so ``datasets/`` and ``seeds/`` are its own) with
its own tree first on ``sys.path``; the run stops if ``harness`` would be
imported from anywhere else. One job at a time: the bootstrap CIs resample the
records in file order, which with concurrency > 1 is completion order, so two
runs of the same revision would give different CIs.

Suites: ``datasets/seed``, ``datasets/demo`` and one built in the temp dir from
``../shared/data/frank/frank_benchmark.jsonl``: every k-th row (``--limit`` rows,
CNN/DM and XSum), each real system summary scored by two ``precomputed``
systems, ``text`` (field ``summary``) and ``sentences`` (``summary_sentences``,
joined by newlines), with all five scorers. FRANK has no claims, so each item
gets deterministic ones: the two longest reference words (ASCII letters, 4+,
ties: first seen) as required claims and the longest article word absent from
the reference as a forbidden one, each with the pattern ``\\b<word>\\b``
(``re.escape``d). Without the FRANK folder that suite is skipped.

Records are paired by (item_id, system): the pairs, and for each the
``summary``, ``error``, ``scores`` and ``details``, must be equal (floats
exactly, NaN == NaN), and so must ``metrics.json`` (mean, n, ci_low, ci_high per
system and metric, record and error counts; the old side's recomputed by its own code
with the records in item-id order, the order this tree uses) and the exit codes. Exit 1 on any
difference, 2 if a side could not run.

    python benchmarks/score_identity.py                  # 57c9efc vs the work tree
    python benchmarks/score_identity.py --limit 100 --frank DIR
"""

from __future__ import annotations

import argparse
import io
import json
import math
import os
import re
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # house style; nothing of harness is imported here: each side runs its own

OLD_REV = "57c9efc"
AGGREGATES = ("mean", "n", "ci_low", "ci_high")
SHOW = 5  # differences printed per suite
# Run the CLI with `root` first on sys.path, refusing any other `harness` (e.g. an installed one).
LAUNCH = """import os, runpy, sys
root = os.path.realpath(sys.argv.pop(1))
sys.path.insert(0, root)
import harness
where = os.path.realpath(harness.__file__)
if not where.startswith(root + os.sep):
    sys.exit(f"score_identity: imported harness from {where}, not from {root}")
print(f"score_identity: harness from {where}", file=sys.stderr)
sys.argv[0] = "sumbench"
runpy.run_module("harness", run_name="__main__", alter_sys=True)
"""
# The old tree's own statistics over its own records, taken in item-id order: 57c9efc took them in
# file (completion) order, so its metrics.json changed with the order records finished in; this
# tree takes them in item-id order. Same records and the old code's bootstrap, in the new order.
CANONICAL = """import json, sys
from pathlib import Path
sys.path.insert(0, sys.argv[1])
from harness.metrics import compute_metrics
from harness.store import load_run
manifest, records = load_run(Path(sys.argv[2]))
out = compute_metrics(sorted(records, key=lambda r: r.item_id), list(manifest.get("systems", {})),
                      int(manifest.get("seed", 0)))
print(json.dumps(out))
"""
FRANK_SUITE = """name = "frank-identity"
description = "FRANK system summaries, built by benchmarks/score_identity.py"
items = "items.jsonl"
scorers = ["rouge", "checklist", "faithfulness", "extractiveness", "length"]

[fields]
id = "id"
article = "article"
references = "reference"
checklist = "claims"

[[systems]]
name = "text"
backend = "precomputed"
field = "summary"

[[systems]]
name = "sentences"
backend = "precomputed"
field = "summary_sentences"
"""


def extract(rev: str, dest: Path) -> Path:
    """``git archive REV`` unpacked into dest: a tree of that revision, the repo untouched."""
    git = subprocess.run(["git", "-C", str(ROOT), "archive", rev], check=False, capture_output=True)
    if git.returncode:
        print(f"git archive {rev}: {git.stderr.decode().strip()}", file=sys.stderr)
        raise SystemExit(2)
    dest.mkdir(parents=True)
    with tarfile.open(fileobj=io.BytesIO(git.stdout)) as tf:
        tf.extractall(dest, filter="data")
    return dest


def longest_words(text: str) -> list[str]:
    """Distinct ASCII words of 4+ letters, longest first (ties: first seen), case-folded."""
    seen: dict[str, int] = {}
    for i, w in enumerate(re.findall(r"[A-Za-z]{4,}", text)):
        seen.setdefault(w.lower(), i)
    return sorted(seen, key=lambda w: (-len(w), seen[w]))


def make_claims(reference: str, article: str) -> list[dict[str, Any]]:
    ref = longest_words(reference)
    in_ref = set(ref)
    art_only = [w for w in longest_words(article) if w not in in_ref]

    def claim(cid: str, kind: str, word: str) -> dict[str, Any]:
        return {"id": cid, "kind": kind, "claim": f"mentions '{word}'", "patterns": [rf"\b{re.escape(word)}\b"]}

    return [claim(f"ref-{i}", "required", w) for i, w in enumerate(ref[:2])] + \
        [claim("art-only", "forbidden", w) for w in art_only[:1]]


def build_frank(frank: Path, limit: int, dest: Path) -> int:
    """Write suite.toml + items.jsonl (every k-th FRANK row, at most limit) into dest."""
    with (frank / "frank_benchmark.jsonl").open(encoding="utf-8") as fh:
        rows = [json.loads(line) for line in fh if line.strip()]
    picked = rows[::max(1, -(-len(rows) // limit))][:limit]
    dest.mkdir(parents=True)
    with (dest / "items.jsonl").open("w", encoding="utf-8") as fh:
        for r in picked:
            item = {k: r[k] for k in ("id", "article", "reference", "summary", "summary_sentences",
                                      "model_name", "dataset")}
            item["claims"] = make_claims(r["reference"], r["article"])
            fh.write(json.dumps(item, ensure_ascii=False) + "\n")
    (dest / "suite.toml").write_text(FRANK_SUITE, encoding="utf-8")
    return len(picked)


def start(tree: Path, suite: str, out: Path) -> subprocess.Popen:
    """``python -m harness run SUITE --out OUT --no-cache`` on tree's own code, from tree's root."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(tree), os.environ.get("PYTHONPATH")])),
           "PYTHONHASHSEED": "0"}
    out.parent.mkdir(parents=True, exist_ok=True)
    log = open(out.parent / f"{out.name}.log", "w", encoding="utf-8")  # noqa: SIM115 (closed by finish)
    cmd = [sys.executable, "-c", LAUNCH, str(tree), "run", suite, "--out", str(out), "--no-cache",
           "--concurrency", "1"]
    proc = subprocess.Popen(cmd, cwd=tree, env=env, stdout=log, stderr=subprocess.STDOUT)
    proc.log = log  # type: ignore[attr-defined]
    return proc


def finish(proc: subprocess.Popen, out: Path, debug: bool) -> tuple[int, str | None]:
    """Wait: (exit code, None if the run wrote its files, else why not with the log's tail)."""
    rc = proc.wait()
    proc.log.close()  # type: ignore[attr-defined]
    log = Path(proc.log.name).read_text(encoding="utf-8").splitlines()  # type: ignore[attr-defined]
    if debug:
        print("".join(f"    {line}\n" for line in log if line.startswith("score_identity:")), end="")
    if (out / "records.jsonl").exists() and (out / "metrics.json").exists():
        return rc, None
    return rc, f"exit {rc}, no records in {out}:\n" + "\n".join("    | " + s for s in log[-12:])


def diffs(a: Any, b: Any, path: str) -> Iterator[str]:
    """Every place where a (old) and b (new) differ; floats exactly, NaN == NaN."""
    if isinstance(a, dict) and isinstance(b, dict):
        for k in sorted(a.keys() | b.keys(), key=str):
            if k in a and k in b:
                yield from diffs(a[k], b[k], f"{path}.{k}")
            else:
                yield f"{path}.{k}: only in {'new' if k in b else 'old'}"
    elif isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for i, (x, y) in enumerate(zip(a, b)):
            yield from diffs(x, y, f"{path}[{i}]")
    elif not (a == b or (isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b))):
        yield f"{path}: old {repr(a)[:70]} != new {repr(b)[:70]}"


def load_records(run: Path) -> dict[tuple[str, str], dict[str, Any]]:
    by_key: dict[tuple[str, str], dict[str, Any]] = {}
    with (run / "records.jsonl").open(encoding="utf-8") as fh:
        for line in fh:
            rec = json.loads(line)
            key = (rec["item_id"], rec["system"])
            by_key[key if key not in by_key else (*key, f"duplicate {len(by_key)}")] = rec
    return by_key


def aggregates(metrics: dict[str, Any]) -> dict[str, Any]:
    return {name: {"records": s.get("records"), "errors": s.get("errors"),
                   "metrics": {m: {k: v.get(k) for k in AGGREGATES} for m, v in s.get("metrics", {}).items()}}
            for name, s in metrics["systems"].items()}


def canonical_metrics(tree: Path, run: Path) -> dict[str, Any]:
    """The old tree's metrics.json for ``run``'s records taken in item-id order (see CANONICAL)."""
    out = subprocess.run([sys.executable, "-c", CANONICAL, str(tree), str(run)], capture_output=True, text=True,
                         check=True, env={**os.environ, "PYTHONHASHSEED": "0"}, timeout=600)
    return json.loads(out.stdout)


def compare(old: Path, new: Path, old_tree: Path) -> tuple[int, int, list[str]]:
    """(records, metric values compared, differences) between two run folders."""
    a, b = load_records(old), load_records(new)
    found = [f"{'/'.join(k)}: record only in {'old' if k in a else 'new'}" for k in sorted(a.keys() ^ b.keys())]
    values = 0
    for key in sorted(a.keys() & b.keys()):
        values += len(a[key].get("scores") or {})
        for field in ("summary", "error", "scores", "details"):
            found += diffs(a[key].get(field), b[key].get(field), f"{'/'.join(key)} {field}")
    agg_a = aggregates(canonical_metrics(old_tree, old))
    agg_b = aggregates(json.loads((new / "metrics.json").read_text(encoding="utf-8")))
    values += sum(len(s["metrics"]) * len(AGGREGATES) for s in agg_a.values())
    found += diffs(agg_a, agg_b, "metrics.json")
    return len(a), values, found


def check_suite(name: str, suite: str, old: Path, new: Path, runs: Path, debug: bool) -> tuple[str, int]:
    """Run both sides at once and print the comparison: ("same" | "differ" | "failed", values)."""
    outs = (runs / "old" / name, runs / "new" / name)
    procs = [start(old, suite, outs[0]), start(new, suite, outs[1])]
    (rc_old, err_old), (rc_new, err_new) = (finish(p, o, debug) for p, o in zip(procs, outs))
    for side, err in (("old", err_old), ("new", err_new)):
        if err:
            print(f"{name}: the {side} side did not run ({err})")
    if err_old or err_new:
        return "failed", 0
    records, values, found = compare(*outs, old_tree=old)
    found += [f"exit code: old {rc_old} != new {rc_new}"] if rc_old != rc_new else []
    print(f"{name}: {records} records, {values} metric values compared, {len(found)} differences")
    for line in found[:SHOW]:
        print(f"    {line}")
    return ("differ" if found else "same"), values


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--old-rev", default=OLD_REV, help=f"revision before the change (default {OLD_REV})")
    ap.add_argument("--new-rev", help=argparse.SUPPRESS)  # compare two revisions instead of the work tree
    ap.add_argument("--frank", type=Path, default=ROOT.parent / "shared" / "data" / "frank",
                    help="FRANK folder (default ../shared/data/frank; skipped if absent)")
    ap.add_argument("--limit", type=int, default=300, help="at most N FRANK rows, every k-th (default 300)")
    ap.add_argument("--debug", action="store_true", help="print where each side imported harness from")
    args = ap.parse_args()
    if args.limit < 1:
        ap.error("--limit must be at least 1")
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="score_identity_") as tmp_name:
        tmp = Path(tmp_name)
        old = extract(args.old_rev, tmp / "old")
        new = extract(args.new_rev, tmp / "new") if args.new_rev else ROOT
        print(f"old: {args.old_rev}   new: {args.new_rev or 'work tree ' + str(ROOT)}")
        suites = {"seed": "datasets/seed", "demo": "datasets/demo"}
        if (args.frank / "frank_benchmark.jsonl").exists():
            rows = build_frank(args.frank, args.limit, tmp / "frank")
            suites["frank"] = str(tmp / "frank")
            print(f"frank: {rows} FRANK rows from {args.frank}, systems text + sentences")
        else:
            print(f"skipped frank: {args.frank / 'frank_benchmark.jsonl'} not found")
        results = [check_suite(name, suite, old, new, tmp / "runs", args.debug) for name, suite in suites.items()]
    same = sum(r == "same" for r, _ in results)
    total = sum(n for _, n in results)
    print(f"\nidentical: {same}/{len(results)} suites, {total} values ({time.perf_counter() - t0:.0f}s)")
    return 2 if any(r == "failed" for r, _ in results) else int(same < len(results))


if __name__ == "__main__":
    sys.exit(main())
