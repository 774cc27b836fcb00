"""Scoring processes: `sumbench run --workers 1` vs `--workers 2` on 3,000 real summaries.

CPU-bound scoring only: a ``precomputed`` system hands the scorers (rouge,
faithfulness, extractiveness) 3,000 summaries written by real systems, in a
fixed order: the 2,246 of FRANK (frank/frank_benchmark.jsonl, CNN/DM and
XSum, one reference each), then the first 754 of SummEval
(summeval/summeval_expert.jsonl, eleven references each). The suite is
written to a temporary folder (the texts never enter the repo) and run by
the real command in a subprocess, --workers 1 and 2 interleaved, best of
--repeat. Two times per run: the whole command, and "scored" (start to the
last record written, i.e. before metrics.json and the reports, which one
process writes whatever N is). The target, >= 1.5x on 2 cores, is for the
scored phase. The load average is printed before and after: on a busy
machine the figures mean little.

    python benchmarks/workers.py                     # ../shared/data relative to the repo root
    python benchmarks/workers.py --data DIR --repeat 1
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
N_SUMMARIES = 3000
TARGET = 1.5
WORKERS = (1, 2)
SUITE = """name = "workers-bench"
description = "3,000 FRANK and SummEval system summaries, scored as given"
items = "items.jsonl"
scorers = ["rouge", "faithfulness", "extractiveness"]
[fields]
id = "id"
article = "article"
references = "references"
[[systems]]
name = "given"
backend = "precomputed"
field = "summary"
"""


def _rows(data: Path):
    with (data / "frank" / "frank_benchmark.jsonl").open(encoding="utf-8") as fh:
        for line in fh:
            r = json.loads(line)
            yield {"id": f"frank:{r['id']}", "article": r["article"], "references": [r["reference"]],
                   "summary": r["summary"]}
    with (data / "summeval" / "summeval_expert.jsonl").open(encoding="utf-8") as fh:
        for line in fh:
            r = json.loads(line)
            yield {"id": f"summeval:{r['id']}", "article": r["article"], "references": r["references"],
                   "summary": r["summary"]}


def write_suite(data: Path, folder: Path) -> Path:
    """The benchmark's suite in ``folder``: the first 3,000 summaries, always the same ones."""
    n = 0
    with (folder / "items.jsonl").open("w", encoding="utf-8") as fh:
        for row in _rows(data):
            fh.write(json.dumps(row) + "\n")
            n += 1
            if n == N_SUMMARIES:
                break
    if n < N_SUMMARIES:
        raise SystemExit(f"only {n} summaries under {data}; the benchmark needs {N_SUMMARIES}")
    (folder / "suite.toml").write_text(SUITE, encoding="utf-8")
    return folder / "suite.toml"


def run_once(suite: Path, out: Path, workers: int) -> dict:
    """One `sumbench run`; seconds for the whole command and until its last record was written."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "SUMBENCH_CACHE_DIR": str(out.parent / "cache")}
    env.pop("SUMBENCH_SCORING_PROCESS", None)
    cmd = [sys.executable, "-m", "harness", "run", str(suite), "--out", str(out), "--workers", str(workers)]
    t0 = time.time()
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    wall = time.time() - t0
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}):\n{proc.stderr[-2000:]}")
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    n = manifest["counts"]["records"]
    if n != N_SUMMARIES or manifest["scoring_process"]["workers"] != workers:
        raise SystemExit(f"--workers {workers}: {n} records, scoring_process {manifest['scoring_process']}")
    return {"wall_s": wall, "scored_s": (out / "records.jsonl").stat().st_mtime - t0}


def missing_data(data: Path) -> list[str]:
    needed = [data / "frank" / "frank_benchmark.jsonl", data / "summeval" / "summeval_expert.jsonl"]
    return [str(p) for p in needed if not p.exists()]


def measure(data_dir: Path, repeat: int = 3) -> dict:
    """Best-of-``repeat`` figures for each N in ``WORKERS``, runs interleaved (1, 2, 1, 2, ...);
    ``{"skipped": why}`` when the data folder is not there."""
    missing = missing_data(Path(data_dir))
    if missing:
        return {"skipped": f"data not found ({', '.join(missing)}); pass --data DIR"}
    load_before = os.getloadavg()
    best: dict[int, dict] = {}
    with tempfile.TemporaryDirectory(prefix="sumbench-workers-") as tmp:
        suite = write_suite(Path(data_dir), Path(tmp))
        for r in range(repeat):
            for w in WORKERS:
                got = run_once(suite, Path(tmp) / f"run-{r}-w{w}", w)
                best[w] = {k: min(v, best.get(w, got)[k]) for k, v in got.items()}
    figures = {w: {**b, "items_per_s": N_SUMMARIES / b["scored_s"]} for w, b in best.items()}
    w1, w2 = figures[1], figures[2]
    return {"n": N_SUMMARIES, "repeat": repeat, "workers": figures, "cpus": os.cpu_count(),
            "speedup_scored": w1["scored_s"] / w2["scored_s"], "speedup_wall": w1["wall_s"] / w2["wall_s"],
            "target": TARGET, "load_before": load_before, "load_after": os.getloadavg()}


def print_figures(res: dict) -> None:
    load = lambda t: " ".join(f"{x:.2f}" for x in t)  # noqa: E731
    print(f"{res['n']} precomputed summaries (FRANK + SummEval), rouge + faithfulness + extractiveness; "
          f"best of {res['repeat']}, {res['cpus']} CPUs; load average before {load(res['load_before'])}\n")
    print(f"{'':<12}{'scored s':>9}  {'items/s':>8}  {'command s':>9}")
    for w, f in res["workers"].items():
        print(f"{'--workers ' + str(w):<12}{f['scored_s']:>9.2f}  {f['items_per_s']:>8.1f}  {f['wall_s']:>9.2f}")
    ok = "ok" if res["speedup_scored"] >= res["target"] else "BELOW TARGET"
    print(f"\nspeed-up w1/w2: {res['speedup_scored']:.2f}x scored (target >= {res['target']}x on 2 cores: {ok}), "
          f"{res['speedup_wall']:.2f}x for the whole command (metrics and reports included)")
    print(f"load average after: {load(res['load_after'])}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data",
                    help="folder holding frank/ and summeval/ (default: ../shared/data from the repo root)")
    ap.add_argument("--repeat", type=int, default=3, help="runs per N; the best is kept (default 3)")
    args = ap.parse_args()
    res = measure(args.data, max(1, args.repeat))
    if "skipped" in res:
        print(f"benchmark skipped: {res['skipped']}", file=sys.stderr)
        return
    print_figures(res)


if __name__ == "__main__":
    main()
