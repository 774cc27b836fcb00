"""The [pairwise] judge in report.md and report.html (headless Chromium): the per-pair block with
compare's numbers and warnings, each shown item's verdicts in both orders, hostile reasons as
text, and no trace of the judge in the reports of a run without pairwise.jsonl."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from harness.analysis.pairwise import pairwise_stats
from harness.backends import retry
from harness.cli import main
from harness.report.html import _asset, write_html_report
from harness.report.markdown import write_markdown_report
from harness.results.pairwise import read_pairwise
from harness.testing.fake_server import FakeServer
from harness.testing.synthetic import write_synthetic_suite

N = 6
HOSTILE = '<img src=x onerror="window.__xss = 1; alert(1)"></script><script>window.__xss = 2</script>'
UNDECIDED_ITEM = "syn-0002"  # its article says "number 2,": the mixed judge answers it with no verdict


def _judging(body: dict) -> str | None:
    """The judge's prompt, or None for a summary request (answered with the fake's own text)."""
    fmt = body.get("response_format") or {}
    return body["messages"][-1]["content"] if (fmt.get("json_schema") or {}).get("name") == "pairwise_verdict" else None


def always_first(body: dict) -> str | None:
    if _judging(body) is None:
        return None
    return json.dumps({"verdict": "first", "reason": f"{HOSTILE} the first one reads better"})


def prefers_bullets(body: dict) -> str | None:
    """Picks the bullets summary wherever it is shown; no usable verdict on one item."""
    text = _judging(body)
    if text is None:
        return None
    if "number 2," in text:
        return json.dumps({"verdict": "maybe", "reason": "unsure"})
    first = text.split("<first_summary>")[1].split("</first_summary>")[0]
    return json.dumps({"verdict": "first" if "- " in first else "second", "reason": "bullets are easier to scan"})


def judged_run(root: Path, responder) -> Path:
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(retry, "SLEEP", lambda s: None)
        with FakeServer(responder=responder) as srv:
            s = write_synthetic_suite(root / "suite", n=N, base_url=srv.base_url, variants=("concise", "bullets"))
            s.write_text(s.read_text() + f'\n[pairwise]\njudge = {{backend = "openai", model = "fake-judge", '
                         f'base_url = "{srv.base_url}", temperature = 0}}\n')
            main(["run", str(s), "--out", str(root / "run"), "--no-cache"])  # 1 when a judgement is undecided
    assert (root / "run" / "pairwise.jsonl").is_file()
    return root / "run"


@pytest.fixture(scope="module")
def first_run(tmp_path_factory):
    return judged_run(tmp_path_factory.mktemp("first"), always_first)


@pytest.fixture(scope="module")
def bullets_run(tmp_path_factory):
    return judged_run(tmp_path_factory.mktemp("bullets"), prefers_bullets)


def stats(run: Path) -> dict:
    return pairwise_stats(read_pairwise(run), "concise", "bullets", 0)


def f3(v: float | None) -> str:
    return "–" if v is None else f"{v:.3f}"


def md_row(s: dict) -> str:
    return (f"| concise | bullets | {N} | {s['wins_a']} | {s['wins_b']} | {s['ties']} | {s['undecided']} "
            f"| {f3(s['win_rate_b'])} [{f3(s['ci_low'])}, {f3(s['ci_high'])}] | {f3(s['p'])} "
            f"| {f3(s['position_consistency'])} | {f3(s['first_position_rate'])} |")


def test_report_md_has_the_pairs_counts_and_compares_warning(first_run, bullets_run):
    md = (first_run / "report.md").read_text()
    s = stats(first_run)
    assert (s["wins_a"], s["wins_b"], s["ties"], s["undecided"]) == (0, 0, N, 0)
    assert md_row(s) == f"| concise | bullets | {N} | 0 | 0 | {N} | 0 | 0.500 [0.500, 0.500] | 1.000 | 0.000 | 1.000 |"
    table, items = md.index("## Systems"), md.index("## Items")
    assert table < md.index("## Pairwise judge") < items and md_row(s) in md
    assert ("- **Warning** (concise vs bullets): position consistency 0.00 is below 0.6: this judge is mostly "
            "reacting to order; its wins mean little") in md
    assert "<img" not in md and "onerror" not in md  # reasons stay out of report.md
    md = (bullets_run / "report.md").read_text()
    s = stats(bullets_run)
    assert (s["wins_a"], s["wins_b"], s["ties"], s["undecided"]) == (0, N - 1, 0, 1)
    assert md_row(s) in md and f"| 0 | {N - 1} | 0 | 1 | 1.000 [1.000, 1.000] | 0.062 | 1.000 | 0.500 |" in md
    assert "mostly reacting to order" not in md
    assert "1 item(s) undecided (a judge call failed or gave no verdict)" in md


class Page:
    """The report in Chromium, with its page errors, console warnings, dialogs and requests kept."""

    def __init__(self, browser, path: Path, fragment: str = ""):
        self.problems: list[str] = []
        self.page = browser.new_page(viewport={"width": 1400, "height": 1000})
        self.page.on("pageerror", lambda e: self.problems.append(f"error: {e}"))
        self.page.on("console", self._console)
        self.page.on("dialog", self._dialog)
        self.page.route("**/*", self._route)
        self.page.goto(path.resolve().as_uri() + fragment, wait_until="load")
        self.page.wait_for_selector("body[data-ready]", timeout=5000)

    def _console(self, message) -> None:
        if message.type in ("error", "warning"):
            self.problems.append(f"console: {message.text}")

    def _dialog(self, dialog) -> None:
        self.problems.append(f"dialog: {dialog.message}")
        dialog.dismiss()

    def _route(self, route) -> None:
        if route.request.url.startswith("file:"):
            route.continue_()
        else:
            self.problems.append(f"request: {route.request.url}")
            route.abort()

    def cells(self) -> dict[str, str]:
        row = self.page.locator('#pairwise table.pw tr[data-a="concise"][data-b="bullets"]')
        return dict(row.locator("td[data-k]").evaluate_all("tds => tds.map(t => [t.dataset.k, t.innerText])"))

    def open(self, item: str) -> None:
        self.page.locator(f'#itembody tr[data-item="{item}"]').click()
        self.page.wait_for_selector("#detail .pwitem")
        assert self.page.locator("#detail h2").inner_text() == f"Item {item}"

    def assert_clean(self) -> None:
        assert self.page.evaluate("typeof window.__xss") == "undefined"
        assert self.page.evaluate("document.images.length") == 0
        assert self.page.evaluate("document.querySelectorAll('[onerror],[onload]').length") == 0
        assert self.problems == []
        self.page.close()


def expected_cells(s: dict) -> dict[str, str]:
    return {"items": str(N), "wins_a": str(s["wins_a"]), "wins_b": str(s["wins_b"]), "ties": str(s["ties"]),
            "undecided": str(s["undecided"]), "win_rate_b": f3(s["win_rate_b"]),
            "ci": f"[{f3(s['ci_low'])}, {f3(s['ci_high'])}]", "p": f3(s["p"]),
            "position_consistency": f3(s["position_consistency"]), "first_position_rate": f3(s["first_position_rate"])}


@pytest.mark.parametrize("packed", [False, True], ids=["json", "gzip"])
def test_always_first_judge_block_warning_and_drilldown(browser, first_run, tmp_path, packed):
    path = first_run / "report.html"
    if packed:  # the encoding a large run's item data (and verdicts) get
        path = write_html_report(first_run, out=tmp_path / "report.html", compress_over=0)
        assert path.read_text().count('data-encoding="gzip+base64"') == 2
    pg = Page(browser, path)
    page = pg.page
    assert pg.cells() == expected_cells(stats(first_run))
    warning = page.locator("#pairwise .pwwarn")
    assert warning.count() == 1 and warning.is_visible()
    assert warning.inner_text() == ("Warning (concise vs bullets): position consistency 0.00 is below 0.6: "
                                    "this judge is mostly reacting to order; its wins mean little")
    assert warning.evaluate("w => getComputedStyle(w).backgroundColor") != "rgba(0, 0, 0, 0)"
    pg.open("syn-0004")
    card = page.locator("#detail .pwitem")
    line = card.locator('.pwline[data-a="concise"][data-b="bullets"]')
    assert line.locator(".pwoutcome").inner_text() == "tie"
    assert line.locator(".pwagree").inner_text() == "orders disagreed"
    rows = line.locator("tr.pworder").evaluate_all("rs => rs.map(r => Array.from(r.cells, c => c.innerText))")
    reason = f"{HOSTILE} the first one reads better"
    assert rows == [["concise", "bullets", "first (concise)", reason],
                    ["bullets", "concise", "first (bullets)", reason]]
    assert line.locator(".pwreason img, .pwreason script").count() == 0
    pg.assert_clean()


def test_consistent_judge_wins_undecided_item_and_deep_link(browser, bullets_run):
    pg = Page(browser, bullets_run / "report.html", f"#item={UNDECIDED_ITEM}")
    page = pg.page
    assert pg.cells() == expected_cells(stats(bullets_run))
    warnings = page.locator("#pairwise .pwwarn").all_inner_texts()
    assert len(warnings) == 1 and "1 item(s) undecided" in warnings[0]  # no consistency warning
    assert page.locator("#detail h2").inner_text() == f"Item {UNDECIDED_ITEM}"
    page.wait_for_selector("#detail .pwitem .pwline")
    line = page.locator("#detail .pwitem .pwline")
    assert line.locator(".pwoutcome").inner_text() == "undecided"
    assert line.locator("tr.pworder .pwverdict").all_inner_texts() == ["no verdict", "no verdict"]
    assert line.locator("tr.pworder .errbox").count() == 2
    pg.open("syn-0001")  # the drill-down is rebuilt for another item, with that item's verdicts only
    line = page.locator("#detail .pwitem .pwline")
    assert line.count() == 1 and line.locator(".pwoutcome").inner_text() == "B wins (bullets)"
    assert line.locator(".pwagree").inner_text() == "orders agreed"
    assert line.locator("tr.pworder .pwverdict").all_inner_texts() == ["second (bullets)", "first (bullets)"]
    assert line.locator(".pwreason").all_inner_texts() == ["bullets are easier to scan"] * 2
    pg.assert_clean()


def test_without_pairwise_jsonl_the_reports_have_no_trace_of_the_judge(first_run, tmp_path):
    run = tmp_path / "run"
    shutil.copytree(first_run, run)
    (run / "pairwise.jsonl").unlink()
    assert main(["report", str(run)]) == 0
    html, md = (run / "report.html").read_text(), (run / "report.md").read_text()
    assert "Pairwise judge" not in md and "Pairwise judge" not in html
    assert 'id="pairwise' not in html and "pwitem" not in html
    script = re.search(r"<script>(.*)</script>", html, re.S).group(1)
    assert script == _asset("report.js")
    (run / "pairwise.jsonl").write_text('{"item_id": "syn-0000"}\n')  # not a line of the format: said, not fatal
    html = write_html_report(run).read_text()  # (metrics.json, rebuilt by `sumbench report`, refuses it first)
    md = write_markdown_report(run).read_text()
    assert "pairwise.jsonl could not be read" in html and "pairwise.jsonl could not be read" in md
    assert 'id="pairwise-data"' not in html
