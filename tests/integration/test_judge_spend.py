"""Judge spend is real spend: --dry-run lists the judges' requests, --max-cost counts them, metrics.json
keeps them apart from the summarizers' cost."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harness.backends import retry
from harness.cli import main
from harness.testing.fake_server import FakeServer
from harness.testing.synthetic import write_synthetic_suite

N = 30
PRICE = "price = { input = 1.0, output = 4.0 }"


@pytest.fixture(autouse=True)
def no_sleep(monkeypatch):
    monkeypatch.setattr(retry, "SLEEP", lambda s: None)


def lead_suite_with_judge(tmp: Path, srv: FakeServer, scorer: str = "checklist") -> Path:
    """Only the judge is priced: the one system is lead-3 (offline, free)."""
    s = write_synthetic_suite(tmp / "suite", n=N, variants=())
    items = [json.loads(x) for x in (s.parent / "items.jsonl").read_text().splitlines()]
    for item in items:
        item["checklist"][0]["judge"] = True
    (s.parent / "items.jsonl").write_text("".join(json.dumps(i) + "\n" for i in items))
    judge = f'judge = {{backend = "openai", model = "fake-judge", base_url = "{srv.base_url}", {PRICE}}}'
    text = s.read_text()
    if scorer == "geval":
        text = text.replace('scorers = ["rouge", "checklist", "length"]', 'scorers = ["length", "geval"]')
    s.write_text(text + f'\n[[systems]]\nname = "lead3"\nbackend = "lead"\n\n[scorer.{scorer}]\n{judge}\n'
                 + ('criteria = ["consistency"]\nlogprobs = false\n' if scorer == "geval" else ""))
    return s


def records(run: Path) -> list[dict]:
    return [json.loads(x) for x in (run / "records.jsonl").read_text().splitlines()]


@pytest.mark.parametrize("scorer", ["checklist", "geval"])
def test_a_run_whose_only_priced_calls_are_the_judges_stops_at_max_cost(tmp_path, capsys, scorer):
    with FakeServer() as srv:
        s = lead_suite_with_judge(tmp_path, srv, scorer)
        code = main(["run", str(s), "--out", str(tmp_path / "r"), "--no-cache", "--max-cost", "0.0005",
                     "--concurrency", "2"])
        calls = srv.stats()["chat_completions"]
    assert code == 1 and "--max-cost" in capsys.readouterr().err
    assert json.loads((tmp_path / "r" / "manifest.json").read_text())["status"] == "interrupted"
    recs = records(tmp_path / "r")
    assert 0 < len(recs) < N and calls < N  # stopped: not every judgement was bought
    spent = sum(r["judge_cost_usd"] for r in recs)
    assert spent >= 0.0005 and all(r["cost_usd"] is None for r in recs)  # lead-3 costs nothing


def test_metrics_keep_judge_cost_apart_and_a_cached_rerun_spends_nothing(tmp_path, capsys):
    with FakeServer() as srv:
        s = lead_suite_with_judge(tmp_path, srv)
        cache = ["--cache-dir", str(tmp_path / "c")]
        assert main(["run", str(s), "--out", str(tmp_path / "r1"), *cache]) == 0
        assert "lead3: no summarizer cost; its judges" in capsys.readouterr().out
        assert main(["run", str(s), "--out", str(tmp_path / "r2"), *cache]) == 0
    recs = records(tmp_path / "r1")
    usage = [r["details"]["checklist"]["judge"]["usage"] for r in recs]
    expected = sum((u["prompt_tokens"] * 1.0 + u["completion_tokens"] * 4.0) / 1e6 for u in usage)
    m1 = json.loads((tmp_path / "r1" / "metrics.json").read_text())["systems"]["lead3"]
    assert m1["judge_cost_usd"] == pytest.approx(expected, abs=1e-5) and m1["cost_usd"] is None
    m2 = json.loads((tmp_path / "r2" / "metrics.json").read_text())["systems"]["lead3"]
    assert "judge_cost_usd" not in m2 and all(r["judge_cost_usd"] is None for r in records(tmp_path / "r2"))


def test_dry_run_lists_the_judges_requests_and_cost(tmp_path, capsys):
    with FakeServer() as srv:
        s = lead_suite_with_judge(tmp_path, srv)
        assert main(["run", str(s), "--dry-run", "--no-cache"]) == 0
        assert srv.stats()["chat_completions"] == 0
    out = capsys.readouterr().out
    row = next(line for line in out.splitlines() if line.startswith("checklist judge"))
    cells = row.split()
    assert cells[2] == "fake-judge" and cells[3] == f"≤{N}"
    prompt, output, usd = int(cells[4].lstrip("~")), int(cells[5].lstrip("~")), float(cells[6])
    assert usd == pytest.approx((prompt * 1.0 + output * 4.0) / 1e6, abs=1e-4) and usd > 0
    assert f"estimated total: {N} requests ({N} of them judges')" in out


def test_the_pairwise_judges_cost_is_in_metrics_and_the_dry_run(tmp_path, capsys):
    with FakeServer() as srv:
        s = write_synthetic_suite(tmp_path / "suite", n=4, base_url=srv.base_url, variants=("concise", "bullets"))
        s.write_text(s.read_text() + f'\n[pairwise]\njudge = {{backend = "openai", model = "fake-judge", '
                     f'base_url = "{srv.base_url}", {PRICE}}}\n')
        assert main(["run", str(s), "--dry-run", "--no-cache"]) == 0
        out = capsys.readouterr().out
        row = next(line for line in out.splitlines() if line.startswith("pairwise judge")).split()
        assert row[2:4] == ["fake-judge", "≤8"]  # 4 items x 1 pair x both orders
        assert float(row[6]) == pytest.approx((int(row[4][1:]) + 4 * int(row[5][1:])) / 1e6, abs=1e-4)
        assert "estimated total: 16 requests (8 of them judges')" in out
        assert main(["run", str(s), "--out", str(tmp_path / "r"), "--no-cache"]) == 0
    orders = [o for x in map(json.loads, (tmp_path / "r" / "pairwise.jsonl").read_text().splitlines())
              for o in x["orders"]]
    pw = json.loads((tmp_path / "r" / "metrics.json").read_text())["pairwise_judge"]
    assert pw["calls"] == len(orders) == 8 and pw["cached"] == 0
    assert pw["cost_usd"] == pytest.approx(sum((o["usage"]["prompt_tokens"] + 4 * o["usage"]["completion_tokens"]) / 1e6
                                               for o in orders), abs=1e-5)


def test_a_pairwise_judge_without_a_price_says_so(tmp_path, capsys):
    with FakeServer() as srv:
        s = write_synthetic_suite(tmp_path / "suite", n=2, base_url=srv.base_url, variants=("concise", "bullets"))
        s.write_text(s.read_text() + f'\n[pairwise]\njudge = {{backend = "openai", model = "fake-judge", '
                     f'base_url = "{srv.base_url}"}}\n')
        assert main(["run", str(s), "--out", str(tmp_path / "r"), "--no-cache"]) == 0
    assert "pairwise judge: 4 calls (0 from cache)" in capsys.readouterr().out
    assert json.loads((tmp_path / "r" / "metrics.json").read_text())["pairwise_judge"]["cost_usd"] is None
