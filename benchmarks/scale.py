"""Scale: items/s, peak RSS and report sizes at 10,000 and 100,000 items, and the --workers speedup.

Each size is a generated JSONL suite (fictional articles from harness.testing.synthetic, ~120
words; ``--long`` for ~600-word ones built from the repository's vocabulary) with one lead-3
system and ROUGE, run as a whole `sumbench run` subprocess (start-up, scoring, records,
metrics.json, report.md, report.html). Peak RSS is the child's own (``os.wait4``), as
``/usr/bin/time -f %M`` reports it. Side by side in the same run:

- this tree and a baseline revision (default 98c2640, main before bounded memory; extracted
  with ``git archive`` into a temp dir, the work tree is never touched), at each size, as ratios;
- this tree's 100k peak over its 10k peak (required: < 400 MB and <= 1.5x);
- report.html opened in headless Chromium until its tables are built (required at 100k:
  <= 10 MB, < 8 s) and report.md's size (required: <= 2 MB);
- `--workers 1` vs `--workers 2` on 3,000 precomputed real summaries (benchmarks/workers.py).

    python benchmarks/scale.py                       # 10k and 100k, baseline 98c2640, workers
    python benchmarks/scale.py --items 10000 --no-baseline --no-workers
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

BASELINE_REV = "98c2640"
RSS_LIMIT_MB, GROWTH_LIMIT = 400, 1.5
HTML_LIMIT_MB, OPEN_LIMIT_S, MD_LIMIT_MB = 10, 8, 2
# Run the CLI with `root` first on sys.path (the baseline's own harness, not the installed one).
LAUNCH = """import os, runpy, sys
root = os.path.realpath(sys.argv.pop(1))
sys.path.insert(0, root)
import harness
if not os.path.realpath(harness.__file__).startswith(root + os.sep):
    sys.exit(f"scale: imported harness from {harness.__file__}, not from {root}")
sys.argv[0] = "sumbench"
runpy.run_module("harness", run_name="__main__", alter_sys=True)
"""
SUITE = """name = "scale"
items = "items.jsonl"
scorers = ["rouge"]
[fields]
id = "id"
article = "article"
references = "reference"
[[systems]]
name = "lead3"
backend = "lead"
sentences = 3
"""


def write_suite(folder: Path, n: int, long: bool) -> Path:
    folder.mkdir(parents=True)
    rng = random.Random(0)
    with (folder / "items.jsonl").open("w", encoding="utf-8") as fh:
        make = _long_maker(rng) if long else _short_maker(rng)
        for i in range(n):
            item = make(i)
            item["id"] = f"item-{i:06d}"
            fh.write(json.dumps(item) + "\n")
    (folder / "suite.toml").write_text(SUITE, encoding="utf-8")
    return folder


def _short_maker(rng: random.Random):
    from harness.testing.synthetic import synthetic_item

    return lambda i: synthetic_item(i, rng)


def _long_maker(rng: random.Random):
    from harness.testing.report_suites import synthetic_item

    sys.path.insert(0, str(ROOT / "benchmarks"))
    from report_size import corpus_words

    vocab = corpus_words()
    return lambda i: synthetic_item(i, rng, vocab)


def baseline_tree(rev: str, into: Path) -> Path:
    data = subprocess.run(["git", "-C", str(ROOT), "archive", rev], check=True, capture_output=True).stdout
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        tar.extractall(into, filter="data")
    return into


def run_measured(tree: Path, suite: Path, out: Path) -> dict:
    """Wall time and the child's peak RSS of one whole `sumbench run`."""
    argv = [sys.executable, "-c", LAUNCH, str(tree), "run", str(suite), "--out", str(out)]
    env = {**os.environ, "SUMBENCH_CACHE_DIR": str(out.parent / "cache")}
    t0 = time.perf_counter()
    proc = subprocess.Popen(argv, cwd=tree, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    stderr = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"sumbench run failed in {tree}: {stderr.decode()[-800:]}")
    return {"wall": wall, "rss_mb": usage.ru_maxrss / 1024, "html_mb": _mb(out / "report.html"),
            "md_mb": _mb(out / "report.md")}


def _mb(path: Path) -> float:
    return path.stat().st_size / 1e6 if path.exists() else float("nan")


def open_seconds(path: Path) -> float | None:
    """Seconds from navigation until the report's script has built its tables (None: no browser)."""
    from harness.testing.browser import launch, missing_reason

    if missing_reason():
        print(f"(no browser: {missing_reason()})")
        return None
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = launch(p)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        t0 = time.perf_counter()
        page.goto(path.resolve().as_uri(), wait_until="load", timeout=120_000)
        page.wait_for_selector("body[data-ready='1'] #itembody tr", timeout=120_000)
        took = time.perf_counter() - t0
        browser.close()
    return took


def size_rows(sizes: list[int], tmp: Path, baseline: Path | None, long: bool) -> dict[int, dict]:
    print(f"{'items':>8}  {'tree':>9}  {'time s':>7}  {'items/s':>8}  {'peak RSS MB':>11}  "
          f"{'report.html MB':>14}  {'report.md MB':>12}")
    ours_by_size = {}
    for n in sizes:
        suite = write_suite(tmp / f"suite{n}", n, long)
        sides = [("this", ROOT)] + ([("baseline", baseline)] if baseline else [])
        got = {}
        for tag, tree in sides:
            got[tag] = run_measured(tree, suite, tmp / f"run_{tag}_{n}")
            g = got[tag]
            print(f"{n:>8}  {tag:>9}  {g['wall']:>7.1f}  {n / g['wall']:>8.0f}  {g['rss_mb']:>11.0f}  "
                  f"{g['html_mb']:>14.2f}  {g['md_mb']:>12.2f}")
        if baseline:
            o, b = got["this"], got["baseline"]
            print(f"{'':>8}  {'ratio':>9}  {o['wall'] / b['wall']:>7.2f}  {'':>8}  {o['rss_mb'] / b['rss_mb']:>11.2f}  "
                  f"{o['html_mb'] / b['html_mb']:>14.2f}  {o['md_mb'] / b['md_mb']:>12.2f}   (this / baseline)")
        got["this"]["run"] = tmp / f"run_this_{n}"
        ours_by_size[n] = got["this"]
    return ours_by_size


def verdicts(ours: dict[int, dict]) -> None:
    small, big = min(ours), max(ours)
    peak = ours[big]["rss_mb"]
    print(f"\npeak RSS at {big:,} items: {peak:.0f} MB (limit < {RSS_LIMIT_MB} MB) "
          f"{'OK' if peak < RSS_LIMIT_MB else 'OVER'}")
    if big != small:
        growth = peak / ours[small]["rss_mb"]
        print(f"growth {small:,} -> {big:,} items: {growth:.2f}x (limit <= {GROWTH_LIMIT}x) "
              f"{'OK' if growth <= GROWTH_LIMIT else 'OVER'}")
    html, md = ours[big]["html_mb"], ours[big]["md_mb"]
    print(f"report.html at {big:,} items: {html:.2f} MB (limit <= {HTML_LIMIT_MB} MB) "
          f"{'OK' if html <= HTML_LIMIT_MB else 'OVER'}; report.md {md:.2f} MB (limit <= {MD_LIMIT_MB} MB) "
          f"{'OK' if md <= MD_LIMIT_MB else 'OVER'}")
    took = open_seconds(ours[big]["run"] / "report.html")
    if took is not None:
        print(f"report.html opens with its tables in {took:.2f} s in headless Chromium (limit < {OPEN_LIMIT_S} s) "
              f"{'OK' if took < OPEN_LIMIT_S else 'OVER'}")


def workers_rows(data: Path, repeat: int) -> None:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from workers import measure, print_figures

    print("\n--workers 1 vs 2 (benchmarks/workers.py):")
    res = measure(data, repeat)
    if "skipped" in res:
        print(f"skipped: {res['skipped']}")
    else:
        print_figures(res)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--items", type=int, nargs="+", default=[10_000, 100_000])
    ap.add_argument("--baseline", default=BASELINE_REV, help="revision to compare with (default %(default)s)")
    ap.add_argument("--no-baseline", action="store_true")
    ap.add_argument("--long", action="store_true", help="~600-word articles instead of ~120")
    ap.add_argument("--no-workers", action="store_true")
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    ap.add_argument("--repeat", type=int, default=3, help="repeats of the workers comparison (best of)")
    args = ap.parse_args()
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())} ({os.cpu_count()} CPUs)\n")
    with tempfile.TemporaryDirectory(prefix="sumbench-scale-") as tmp_s:
        tmp = Path(tmp_s)
        baseline = None if args.no_baseline else baseline_tree(args.baseline, tmp / "baseline")
        if baseline:
            print(f"baseline: {args.baseline} (git archive into {baseline})")
        ours = size_rows(sorted(args.items), tmp, baseline, args.long)
        verdicts(ours)
    if not args.no_workers:
        workers_rows(args.data, args.repeat)
    print(f"\nload average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
