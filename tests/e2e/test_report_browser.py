"""report.html in a real headless Chromium: values, filtering, sorting, drill-down, XSS, no network.

Skipped (with the install command) when Chromium or Playwright is missing;
.ci/run installs Chromium and sets SUMBENCH_REQUIRE_BROWSER=1, so in CI a
missing browser is a failure, not a silent skip.
"""

from __future__ import annotations

import json
import struct
from pathlib import Path

import pytest

from harness.cli import main
from harness.report.html import write_html_report
from harness.testing.report_suites import write_synthetic_suite, write_xss_suite


class Page:
    """A page that records console messages, page errors, dialogs and any non-file request."""

    def __init__(self, browser, path: Path):
        self.console: list[tuple[str, str]] = []
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        self.requests: list[str] = []
        self.page = browser.new_page(viewport={"width": 1400, "height": 1000})
        self.page.on("console", lambda m: self.console.append((m.type, m.text)))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("dialog", self._dialog)
        self.page.route("**/*", self._route)
        self.page.goto(path.resolve().as_uri(), wait_until="load")
        self.page.wait_for_selector("body[data-ready]", timeout=5000)  # item data parsed (or unpacked)

    def _dialog(self, dialog):
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def _route(self, route):
        url = route.request.url
        if url.startswith("file:"):
            route.continue_()
        else:
            self.requests.append(url)
            route.abort()

    def assert_clean(self):
        assert self.errors == []
        assert [m for m in self.console if m[0] in ("error", "warning")] == []
        assert self.dialogs == []
        assert self.requests == []


def _records(run: Path) -> list[dict]:
    return [json.loads(x) for x in (run / "records.jsonl").read_text().splitlines()]


@pytest.fixture(scope="module")
def small_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("synthetic")
    out = root / "run"
    assert main(["run", str(write_synthetic_suite(root / "suite", 12, seed=3)), "--out", str(out)]) == 0
    return out


def test_seed_report_table_plots_drilldown_and_screenshot(browser, seed_run, tmp_path):
    pg = Page(browser, seed_run / "report.html")
    page = pg.page
    metrics = json.loads((seed_run / "metrics.json").read_text())
    for system, s in metrics["systems"].items():
        for metric, m in s["metrics"].items():
            cell = page.locator(f'#systable tr[data-system="{system}"] td[data-metric="{metric}"] .m')
            shown = cell.inner_text().replace("★", "").strip()
            assert float(shown) == pytest.approx(m["mean"], abs=0.051 if metric.startswith("length.") else 0.0005)
    page.locator("#systable th", has_text="rouge1").click()  # sort systems by rouge1, best first
    order = page.locator("#systable tbody tr").evaluate_all("rows => rows.map(r => r.dataset.system)")
    by_rouge1 = sorted(metrics["systems"], key=lambda s: -metrics["systems"][s]["metrics"]["rouge1"]["mean"])
    assert order == by_rouge1
    assert page.locator("#plots svg.bars").count() == len(metrics["systems"]["lead3"]["metrics"])
    assert page.locator("#plots div.scatterbox:not(.hidden) svg.scatter circle").count() == 3
    page.select_option("#scattersel", label="checklist.recall")
    assert page.locator("#plots div.scatterbox:not(.hidden)").get_attribute("data-metric") == "checklist.recall"
    page.select_option("#distsel", label="rouge2")
    assert page.locator("#plots div.dist:not(.hidden)").get_attribute("data-metric") == "rouge2"
    # drill-down of the only item: every piece of checklist evidence is highlighted in its summary
    for rec in _records(seed_run):
        card = page.locator(f'#detail .card.sys[data-system="{rec["system"]}"]')
        marks = card.locator("mark.ev").all_inner_texts()
        evidence = [c["evidence"]["text"] for c in rec["details"]["checklist"]["claims"] if c["verdict"] == "present"]
        assert sorted(" ".join(m.split()) for m in marks) == sorted(evidence)
        missed = rec["details"]["checklist"]["missed"]
        assert card.locator("li.missed").count() == len(missed)
    assert page.locator("#detail p.dup").count() == 6  # paragraphs 8-13 repeat 2-7
    shot = tmp_path / "seed_report.png"
    page.screenshot(path=str(shot), full_page=True)
    width, height = struct.unpack(">II", shot.read_bytes()[16:24])
    assert width == 1400 and height > 1500
    pg.assert_clean()
    page.close()


def test_items_filter_and_sort_by_metric(browser, small_run):
    pg = Page(browser, small_run / "report.html")
    page = pg.page
    recs = [r for r in _records(small_run) if r["system"] == "lead3"]
    values = {r["item_id"]: r["scores"]["rouge1"] for r in recs}
    assert page.locator("#itembody tr").count() == 12
    page.select_option("#imetric", "rouge1")
    page.select_option("#isystem", "lead3")
    ordered = sorted(values.values())
    assert ordered[4] < ordered[5]
    cut = round((ordered[4] + ordered[5]) / 2, 6)  # between two items, as a user would type it
    page.fill("#imin", str(cut))
    expected = sorted(i for i, v in values.items() if v >= cut)
    shown = sorted(page.locator("#itembody tr").evaluate_all("rows => rows.map(r => r.dataset.item)"))
    assert shown == expected and len(shown) == 7
    assert page.locator("#itemcount").inner_text() == "showing 7 of 12 items"
    page.fill("#imin", "")
    # sort by the lead3 column (descending first)
    page.locator("#itemhead th", has_text="lead3").click()
    order = page.locator("#itembody tr").evaluate_all("rows => rows.map(r => r.dataset.item)")
    assert [values[i] for i in order] == sorted(values.values(), reverse=True)
    # text filter and flag filter
    page.fill("#iq", "item-0003")
    assert page.locator("#itembody tr").evaluate_all("rows => rows.map(r => r.dataset.item)") == ["item-0003"]
    page.fill("#iq", "")
    page.check("#fdup")
    with_dups = page.locator("#itembody tr").evaluate_all("rows => rows.map(r => r.dataset.item)")
    assert sorted(with_dups) == sorted({r["item_id"] for r in recs if r["duplicates_removed"]})
    # clicking a row opens its drill-down
    page.uncheck("#fdup")
    page.locator('#itembody tr[data-item="item-0005"]').click()
    assert page.locator("#detail h2").inner_text() == "Item item-0005"
    pg.assert_clean()
    page.close()


@pytest.mark.parametrize("packed", [False, True], ids=["json", "gzip"])
def test_xss_payloads_run_nothing_and_show_as_text(browser, tmp_path, packed):
    suite = write_xss_suite(tmp_path / "suite")
    out = tmp_path / "run"
    assert main(["run", str(suite), "--out", str(out)]) == 0
    if packed:  # the encoding large runs get
        write_html_report(out, compress_over=0)
        assert 'data-encoding="gzip+base64"' in (out / "report.html").read_text()
    pg = Page(browser, out / "report.html")
    page = pg.page
    page.locator("#detail mark").first.hover()  # hover handlers run over hostile text too
    assert page.evaluate("typeof window.__xss") == "undefined"
    injected = page.evaluate("""() => ({
        scripts: document.scripts.length, imgs: document.images.length,
        onload: document.querySelectorAll('[onload],[onerror],[onclick]').length,
        links: document.querySelectorAll('#xss-link, a[href^="javascript"]').length,
        textareas: document.querySelectorAll('textarea').length,
        svgs_outside_plots: Array.from(document.querySelectorAll('svg')).filter(s => !s.classList.contains('plot')).length})""")
    assert injected == {"scripts": 2, "imgs": 0, "onload": 0, "links": 0, "textareas": 0, "svgs_outside_plots": 0}
    detail = page.locator("#detail").inner_text()
    assert '<script>window.__xss = 1; alert("xss-script")</script>' in detail
    assert "</textarea><svg onload=" in detail
    assert "<script>window.__xss = 1" in page.locator("header").inner_text()
    pg.assert_clean()
    page.close()


def test_deep_link_and_keyboard_open_an_item(browser, small_run):
    page = browser.new_page()
    page.goto((small_run / "report.html").resolve().as_uri() + "#item=item-0007", wait_until="load")
    page.wait_for_selector("body[data-ready]")
    assert page.locator("#detail h2").inner_text() == "Item item-0007"
    assert page.locator("#itembody tr.sel").get_attribute("data-item") == "item-0007"
    page.locator('#itembody tr[data-item="item-0002"]').focus()
    page.keyboard.press("Enter")
    assert page.locator("#detail h2").inner_text() == "Item item-0002"
    assert page.evaluate("location.hash") == "#item=item-0002"
    page.close()


DESCRIPTIVE = ("extractiveness.density", "extractiveness.compression", "extractiveness.coverage",
               "extractiveness.novel_1gram", "extractiveness.novel_2gram", "extractiveness.novel_3gram",
               "length.words", "length.sentences", "length.ratio")


def test_descriptive_metrics_get_no_best_mark(browser, seed_run):
    """Density, compression, coverage, novel n-grams and lengths describe a summary; no value is better.
    The seed report used to star lead-3's density 86.0 as "best"."""
    pg = Page(browser, seed_run / "report.html")
    page = pg.page
    metrics = json.loads((seed_run / "metrics.json").read_text())["systems"]
    shown = [m for m in DESCRIPTIVE if m in metrics["lead3"]["metrics"]]
    assert "extractiveness.density" in shown and "length.words" in shown
    for m in shown:
        cells = page.locator(f'#systable td[data-metric="{m}"]')
        assert cells.count() == 3
        assert page.locator(f'#systable td.best[data-metric="{m}"]').count() == 0, m
        assert "★" not in "".join(cells.all_inner_texts()), m
    # a metric with a direction still marks its best: the oracle's rouge1
    best = page.locator('#systable td.best[data-metric="rouge1"]')
    assert best.count() == 1 and best.evaluate("td => td.parentElement.dataset.system") == "oracle"
    # the items table marks the best system per item only for metrics with a direction
    page.select_option("#imetric", label="extractiveness.density")
    assert page.locator("#itembody td.num").count() >= 3 and page.locator("#itembody td.best").count() == 0
    page.select_option("#imetric", label="rouge1")
    assert page.locator("#itembody td.best").count() == 1
    pg.assert_clean()
    page.close()
