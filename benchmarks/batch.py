"""Batch API vs interactive: the same 2-prompt suite, once with ``batch = true``, once without.

Against the local FAKE server (so the answers are fake and the batch finishes as
soon as it is looked at; what is measured is sumbench's side, not a provider's
queue): requests sent, files uploaded, batches created, what the run cost and
how long the whole command took, then a second run from the cache. The ratio
of interest is the cost (batch / interactive: 0.5 at the default discount) and
that the batch run makes no chat call at all. Every run is the real command in a
subprocess, fresh cache each time.

    python benchmarks/batch.py                  # 2 prompts x 40 synthetic articles
    python benchmarks/batch.py --articles 400
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from harness.testing.fake_server import FakeServer  # noqa: E402
from harness.testing.synthetic import write_synthetic_suite  # noqa: E402


def run(suite: Path, out: Path, cache: Path, srv: FakeServer) -> dict:
    before = srv.stats()
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "harness", "run", str(suite), "--out", str(out),
                           "--cache-dir", str(cache)], cwd=ROOT, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        sys.exit(f"run failed ({proc.returncode}): {proc.stderr[-2000:]}")
    after = srv.stats()
    recs = [json.loads(x) for x in (out / "records.jsonl").read_text().splitlines()]
    spent = sum(r["cost_usd"] or 0 for r in recs if not r["cached"])
    return {"wall_s": wall, "records": len(recs), "batch_records": sum(r["batch"] for r in recs),
            "cached": sum(r["cached"] for r in recs), "spent_usd": spent,
            **{k: after[k] - before[k] for k in ("chat_completions", "files_uploaded", "batches_created")}}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--articles", type=int, default=40)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp, FakeServer() as srv:
        t = Path(tmp)
        rows = {}
        for mode, extra in (("interactive", ""), ("batch", "batch = true\nbatch_poll = 0.2")):
            suite = write_synthetic_suite(t / mode, n=args.articles, base_url=srv.base_url,
                                          variants=("concise", "bullets"), extra=extra)
            rows[mode] = run(suite, t / f"{mode}-1", t / f"cache-{mode}", srv)
            rows[f"{mode}, again"] = run(suite, t / f"{mode}-2", t / f"cache-{mode}", srv)
    print(f"2 prompts x {args.articles} synthetic articles, FAKE server (answers are not model output)\n")
    print(f"{'run':20} {'records':>7} {'chat calls':>10} {'uploads':>7} {'batches':>7} {'cached':>6} "
          f"{'spent USD':>10} {'wall s':>7}")
    for name, r in rows.items():
        print(f"{name:20} {r['records']:>7} {r['chat_completions']:>10} {r['files_uploaded']:>7} "
              f"{r['batches_created']:>7} {r['cached']:>6} {r['spent_usd']:>10.6f} {r['wall_s']:>7.2f}")
    ratio = rows["batch"]["spent_usd"] / rows["interactive"]["spent_usd"]
    print(f"\ncost batch / interactive: {ratio:.3f} (same tokens; default discount 0.5)")
    print(f"wall batch / interactive: {rows['batch']['wall_s'] / rows['interactive']['wall_s']:.2f}x "
          "(the fake finishes a batch at its first look; a real provider takes minutes to hours)")


if __name__ == "__main__":
    main()
