"""report.html without a browser: written by run/report, escaped, self-contained, degrades on old runs."""

import base64
import hashlib
import html as htmllib
import json
import re
import shutil

import pytest

from harness.cli import main
from harness.report.html import write_html_report
from harness.testing.report_suites import XSS_PAYLOADS, write_xss_suite
from tests.paths import SEED_SUITE


@pytest.fixture(scope="module")
def seed_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("report") / "seed"
    assert main(["run", str(SEED_SUITE), "--out", str(out)]) == 0
    return out


@pytest.fixture(scope="module")
def xss_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("xss")
    suite = write_xss_suite(root / "suite")
    out = root / "run"
    assert main(["run", str(suite), "--out", str(out)]) == 0
    return out


def _inline(html: str, tag: str) -> list[str]:
    return re.findall(rf"<{tag}>(.*?)</{tag}>", html, flags=re.S)


def test_run_writes_report_html_with_the_table_from_metrics_json(seed_run):
    html = (seed_run / "report.html").read_text(encoding="utf-8")
    metrics = json.loads((seed_run / "metrics.json").read_text())
    for system, s in metrics["systems"].items():
        row = re.search(rf'<tr data-system="{system}">(.*?)</tr>', html, flags=re.S).group(1)
        for metric, m in s["metrics"].items():
            cell = re.search(rf'data-metric="{re.escape(metric)}" data-v="([^"]*)"', row).group(1)
            assert float(cell) == m["mean"]
    assert "★" in html  # oracle is best on rouge
    assert "paragraphs 8-13 repeat paragraphs 2-7" in html


def test_report_is_self_contained(seed_run):
    html = (seed_run / "report.html").read_text(encoding="utf-8")
    assert not re.search(r"""(src|href|action)\s*=\s*["']?\s*(https?:)?//""", html, flags=re.I)
    assert "<link" not in html and "@import" not in html and "url(" not in html
    assert "<iframe" not in html and "<object" not in html
    assert len(re.findall(r"<script", html)) == 2  # the JSON data block and the code


def test_csp_allows_exactly_the_inline_script_and_style(seed_run):
    html = (seed_run / "report.html").read_text(encoding="utf-8")
    csp = htmllib.unescape(re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]+)"', html).group(1))
    assert "default-src 'none'" in csp and "unsafe-inline" not in csp and "unsafe-eval" not in csp
    [css] = _inline(html, "style")
    [js] = _inline(html, "script")

    def h(text):
        return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"
    assert f"style-src {h(css)}" in csp and f"script-src {h(js)}" in csp


def test_hostile_text_is_escaped_everywhere(xss_run):
    html = (xss_run / "report.html").read_text(encoding="utf-8")
    assert XSS_PAYLOADS[0] in (xss_run / "records.jsonl").read_text().replace('\\"', '"')  # the payload is really there
    for raw in ("<script>window", "<img", "<svg onload", "</textarea>", "<a href=\"javascript", "<!--"):
        assert raw not in html, raw
    data = re.search(r'<script type="application/json" id="report-data" data-encoding="json">(.*?)</script>',
                     html, flags=re.S).group(1)
    assert "\u2028" not in data and "<" not in data
    assert json.loads(data)["items"][0]["refs"][0].startswith("The council approved the budget. <img")
    # the description (header), article-derived summary (markdown too) are shown, escaped
    assert "&lt;script&gt;window.__xss = 1" in html
    md = (xss_run / "report.md").read_text(encoding="utf-8")
    assert "<script" not in md


def test_report_of_an_old_run_without_optional_fields(tmp_path):
    run = tmp_path / "old"
    run.mkdir()
    (run / "manifest.json").write_text(json.dumps({"status": "complete", "suite": {"name": "old",
                                                  "path": str(tmp_path / "moved" / "suite.toml")}}))
    (run / "records.jsonl").write_text(json.dumps({"item_id": "a", "system": "s1", "summary": "A <b>bold</b> claim.",
                                                   "scores": {"rouge1": 0.5}}) + "\n"
                                       + json.dumps({"item_id": "a", "system": "s2", "summary": None,
                                                     "error": "BackendError: <script>x</script>"}) + "\n")
    # report.md needs a full manifest; the HTML report makes do with what is there
    html = write_html_report(run).read_text(encoding="utf-8")
    assert "was not found" in html  # the note about the moved suite
    assert "n/a" in html
    assert "<b>bold" not in html and "<script>x" not in html


def test_report_compares_two_systems_and_two_runs(seed_run, tmp_path, capsys):
    assert main(["report", str(seed_run), "--a", "lead3", "--b", "oracle", "--html", str(tmp_path / "ab.html")]) == 0
    html = (tmp_path / "ab.html").read_text(encoding="utf-8")
    records = [json.loads(x) for x in (seed_run / "records.jsonl").read_text().splitlines()]
    by = {r["system"]: r["scores"] for r in records}
    diff = by["oracle"]["rougeLsum"] - by["lead3"]["rougeLsum"]
    assert 'id="compare"' in html and f"{diff:+.3f}" in html
    other = tmp_path / "other"
    shutil.copytree(seed_run, other)
    assert main(["report", str(seed_run), "--compare", str(other), "--html", str(tmp_path / "runs.html")]) == 0
    html = (tmp_path / "runs.html").read_text(encoding="utf-8")
    assert html.count("+0.000") >= 3  # identical runs: every paired difference is zero


@pytest.mark.parametrize("args, message", [
    (["--a", "lead3"], "say which to compare with 'lead3'"),
    (["--a", "nope", "--b", "lead3"], "system 'nope' is not in this run"),
    (["--compare", "/nonexistent/run"], "not a run folder"),
    (["--html", "{tmp}"], "--html names a folder"),
])
def test_bad_comparison_arguments_exit_2_before_writing(seed_run, tmp_path, capsys, args, message):
    copy = tmp_path / "run"
    shutil.copytree(seed_run, copy)
    (copy / "report.html").unlink()
    md_before = (copy / "report.md").read_bytes()
    (copy / "report.md").write_text("sentinel")
    assert main(["report", str(copy), *(a.replace("{tmp}", str(tmp_path)) for a in args)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and message in err and "Traceback" not in err
    assert err.count("\n") == 1
    assert not (copy / "report.html").exists()
    assert (copy / "report.md").read_text() == "sentinel" != md_before.decode()  # nothing rewritten


def test_report_says_when_the_article_changed_or_the_suite_moved(tmp_path):
    from tests.paths import ROOT

    shutil.copytree(SEED_SUITE, tmp_path / "datasets" / "seed")
    shutil.copytree(ROOT / "seeds", tmp_path / "seeds")
    run = tmp_path / "run"
    assert main(["run", str(tmp_path / "datasets" / "seed"), "--out", str(run)]) == 0
    assert '"status":"ok"' in (run / "report.html").read_text(encoding="utf-8")
    article = next((tmp_path / "seeds").glob("*.txt"))
    article.write_text(article.read_text(encoding="utf-8") + "\n\nA paragraph added after the run.\n", encoding="utf-8")
    assert main(["report", str(run)]) == 0
    assert '"status":"changed"' in (run / "report.html").read_text(encoding="utf-8")
    shutil.rmtree(tmp_path / "datasets")
    assert main(["report", str(run)]) == 0
    html = (run / "report.html").read_text(encoding="utf-8")
    assert '"status":"missing"' in html and "was not found" in html
