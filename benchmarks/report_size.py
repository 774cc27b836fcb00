"""How big is report.html for a 500-item run, and how fast does it open?

Budget (issue 7): a 500-item run's report.html stays under 5 MB and opens in
under 2 s in headless Chromium. A synthetic suite (generated ~600-word
articles whose words are drawn from the repository's datasets, so gzip packs
them about as well as real prose; 3 extractive systems, all five scorers so the records carry real
checklist evidence and faithfulness flags) goes through the real
`sumbench run`; then the report is regenerated and opened several times.
Printed for comparison: the time to write report.md for the same run.

    python benchmarks/report_size.py               # 500 items, 3 opens
    python benchmarks/report_size.py --items 2000  # beyond the budget's size

Needs Chromium (apt-get install -y chromium) and playwright (the test extra).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from harness.cli import main  # noqa: E402
from harness.report.html import write_html_report  # noqa: E402
from harness.report.markdown import write_markdown_report  # noqa: E402
from harness.testing.browser import launch, missing_reason  # noqa: E402
from harness.testing.report_suites import ALL_SCORERS, write_synthetic_suite  # noqa: E402

SIZE_BUDGET_MB = 5.0
OPEN_BUDGET_S = 2.0


def corpus_words() -> list[str]:
    """Every word of the repository's datasets (with repeats): real vocabulary and frequencies."""
    from harness.suite.datasets import load_suite
    from harness.core.text import words

    out: list[str] = []
    for suite in sorted(ROOT.glob("datasets/*/suite.toml")):
        try:
            for item in load_suite(suite).iter_items():
                out += words(item.article) + [w for r in item.references for w in words(r)]
        except Exception as exc:  # a dataset mid-edit should not stop the benchmark
            print(f"(skipping {suite}: {exc})", file=sys.stderr)
    return out


def timed(fn, repeats: int) -> float:
    """Median wall time of ``fn()`` over ``repeats`` calls."""
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def open_times(path: Path, repeats: int) -> tuple[float, float, int]:
    """Median seconds to the load event, and to the first drill-down click rendered; table rows."""
    from playwright.sync_api import sync_playwright

    loads, clicks, rows = [], [], 0
    with sync_playwright() as p:
        browser = launch(p)
        for _ in range(repeats):
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            t0 = time.perf_counter()
            page.goto(path.resolve().as_uri(), wait_until="load")
            page.wait_for_selector("#detail .card.sys")
            loads.append(time.perf_counter() - t0)
            rows = page.locator("#itembody tr").count()
            t1 = time.perf_counter()
            page.locator("#itembody tr").nth(rows // 2).click()
            page.wait_for_function("document.querySelector('#itembody tr.sel') !== null")
            clicks.append(time.perf_counter() - t1)
            page.close()
        browser.close()
    return statistics.median(loads), statistics.median(clicks), rows


def main_bench() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--items", type=int, default=500)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    reason = missing_reason()
    if reason:
        print(f"cannot open the report: {reason}", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        vocab = corpus_words()
        suite = write_synthetic_suite(Path(tmp) / "suite", args.items, seed=0, scorers=ALL_SCORERS, vocabulary=vocab)
        run = Path(tmp) / "run"
        t0 = time.perf_counter()
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            code = main(["run", str(suite), "--out", str(run)])
        run_s = time.perf_counter() - t0
        if code != 0:
            print(f"the synthetic run failed (exit {code})", file=sys.stderr)
            return 1
        n_records = sum(1 for _ in (run / "records.jsonl").open())
        html_s = timed(lambda: write_html_report(run), args.repeats)
        md_s = timed(lambda: write_markdown_report(run), args.repeats)
        size_mb = (run / "report.html").stat().st_size / 1e6
        md_mb = (run / "report.md").stat().st_size / 1e6
        write_html_report(run, out=run / "plain.html", compress_over=10**12)
        plain_mb = (run / "plain.html").stat().st_size / 1e6
        load_s, click_s, rows = open_times(run / "report.html", args.repeats)
    ok_size, ok_open = size_mb < SIZE_BUDGET_MB, load_s < OPEN_BUDGET_S
    print(f"synthetic run: {args.items} items x 3 systems = {n_records} records, scorers {', '.join(ALL_SCORERS)} "
          f"(run took {run_s:.1f} s); words drawn from the {len(vocab):,} words of datasets/*")
    print(f"report.html size        {size_mb:6.2f} MB   budget < {SIZE_BUDGET_MB:.0f} MB   "
          f"{'OK' if ok_size else 'OVER'} ({size_mb / SIZE_BUDGET_MB:.0%} of budget)")
    print(f"  (item data gzip+base64; the same report with plain JSON would be {plain_mb:.2f} MB)")
    print(f"open in headless Chromium {load_s:6.2f} s    budget < {OPEN_BUDGET_S:.0f} s    "
          f"{'OK' if ok_open else 'OVER'} ({load_s / OPEN_BUDGET_S:.0%} of budget; load event + first drill-down, "
          f"median of {args.repeats}, {rows} item rows)")
    print(f"drill-down on click     {click_s * 1000:6.0f} ms")
    print(f"generate report.html    {html_s:6.2f} s  vs report.md {md_s:6.2f} s  "
          f"(ratio {html_s / md_s:.1f}x; report.md is {md_mb:.2f} MB)")
    return 0 if ok_size and ok_open else 1


if __name__ == "__main__":
    sys.exit(main_bench())
