"""Fault soak: how many LLM answers survive a server that fails a quarter of all requests?

Against the local FAKE server (its answers are not a model's): 3 prompt variants x 59
synthetic items = 177 records through the whole `sumbench run`, concurrency 16, with
25% of requests answered by a fault (429 with Retry-After, 500, 503, a dropped
connection, a 200 whose JSON body is cut off). Back-off waits are skipped (they are not
what is measured). Prints, per seed, records, distinct (item, system) pairs, answers
recovered and the faults injected; the target is >= 99.5% recovered, every record with
one outcome, none twice.

    python benchmarks/fault_soak.py                      # this tree
    python benchmarks/fault_soak.py --tree /tmp/old      # another checkout, e.g. from
                                                         #   git archive 57c9efc | tar -x -C /tmp/old
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
KINDS = "429,500,503,drop,malformed"

ONE_RUN = """import json, os, sys, tempfile
from pathlib import Path
tree, kinds, seed = sys.argv[1], tuple(sys.argv[2].split(",")), int(sys.argv[3])
sys.path.insert(0, tree)
try:
    from harness.backends import retry
except ImportError:  # a tree from before the package layout
    from harness import retry
retry.SLEEP = lambda seconds: None
from harness.cli import main
from harness.testing.fake_server import FakeServer
from harness.testing.synthetic import write_synthetic_suite
tmp = Path(tempfile.mkdtemp())
os.environ["SUMBENCH_CACHE_DIR"] = str(tmp / "cache")
with FakeServer(fault_rate=0.25, fault_kinds=kinds, seed=seed, hang_seconds=3) as srv:
    suite = write_synthetic_suite(tmp / "ds", 59, base_url=srv.base_url, extra="timeout = 0.5")
    code = main(["run", str(suite), "--out", str(tmp / "run"), "--concurrency", "16"])
    outcomes = dict(srv.outcomes)
recs = [json.loads(line) for line in (tmp / "run" / "records.jsonl").read_text().splitlines()]
print(json.dumps({"records": len(recs), "pairs": len({(r["item_id"], r["system"]) for r in recs}),
                  "recovered": sum(r["summary"] is not None for r in recs),
                  "one_outcome": all((r["summary"] is None) != (r["error"] is None) for r in recs),
                  "faults": sum(n for k, n in outcomes.items() if k != "ok"), "requests": sum(outcomes.values()),
                  "exit": code}))
"""


def soak(tree: Path, seed: int) -> dict:
    out = subprocess.run([sys.executable, "-c", ONE_RUN, str(tree), KINDS, str(seed)], capture_output=True,
                         text=True, timeout=600, cwd=tree, env={**os.environ, "PYTHONPATH": str(tree)})
    if out.returncode != 0 or not out.stdout.strip():
        raise SystemExit(f"seed {seed}: the run failed:\n{out.stderr[-2000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tree", type=Path, default=ROOT, help="the checkout to run (default: this one)")
    ap.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    args = ap.parse_args()
    worst = 1.0
    print(f"tree {args.tree}: 25% faults ({KINDS}), 177 records per seed, concurrency 16")
    for seed in args.seeds:
        r = soak(args.tree.resolve(), seed)
        share = r["recovered"] / r["records"]
        worst = min(worst, share)
        print(f"  seed {seed}: {r['recovered']}/{r['records']} recovered ({share:.2%}), {r['pairs']} distinct pairs, "
              f"one outcome each: {r['one_outcome']}, faults {r['faults']}/{r['requests']} requests, exit {r['exit']}")
    print(f"worst seed: {worst:.2%} recovered (target >= 99.5%)")
    return 0 if worst >= 0.995 else 1


if __name__ == "__main__":
    sys.exit(main())
