"""`batch = true` end to end against the fake server's Batch API (in-process CLI, real openai SDK)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harness.backends import retry
from harness.cli import main
from harness.run import batches
from harness.testing.fake_server import FakeServer
from harness.testing.synthetic import write_synthetic_suite

KEY = "test-only-not-a-key-batch-0123456789"
TWO = ("concise", "bullets")


@pytest.fixture(autouse=True)
def no_sleep(monkeypatch):
    monkeypatch.setattr(retry, "SLEEP", lambda s: None)
    monkeypatch.setattr(batches, "SLEEP", lambda s: None)


def suite(tmp: Path, srv: FakeServer, n: int = 40, extra: str = "") -> Path:
    return write_synthetic_suite(tmp / "suite", n=n, base_url=srv.base_url, variants=TWO,
                                 extra="batch = true\nbatch_poll = 0.01\n" + extra)


def records(run: Path) -> list[dict]:
    return [json.loads(x) for x in (run / "records.jsonl").read_text().splitlines()]


def journal(run: Path) -> list[dict]:
    return [json.loads(x) for x in (run / "batches.jsonl").read_text().splitlines()]


def pairs(recs: list[dict]) -> list[tuple[str, str]]:
    return sorted((r["item_id"], r["system"]) for r in recs)


def expected_pairs(n: int) -> list[tuple[str, str]]:
    return sorted((f"syn-{i:04d}", s) for i in range(n) for s in TWO)


def test_two_prompts_forty_articles_in_two_batches_then_from_cache(tmp_path):
    with FakeServer() as srv:
        s = suite(tmp_path, srv)
        assert main(["run", str(s), "--out", str(tmp_path / "r1"), "--cache-dir", str(tmp_path / "c")]) == 0
        first = srv.stats()
        recs = records(tmp_path / "r1")
        assert pairs(recs) == expected_pairs(40)
        assert all(r["summary"] and r["error"] is None and r["batch"] for r in recs)
        assert first["chat_completions"] == 0 and first["batches_created"] <= 2 and first["batch_lines"] == 80
        assert [e["status"] for e in journal(tmp_path / "r1")] == ["collected", "collected"]
        assert main(["run", str(s), "--out", str(tmp_path / "r2"), "--cache-dir", str(tmp_path / "c")]) == 0
        second = srv.stats()
    assert second["files_uploaded"] == first["files_uploaded"] and second["batches_created"] == first["batches_created"]
    assert second["chat_completions"] == 0
    again = records(tmp_path / "r2")
    assert all(r["cached"] for r in again)
    by_pair = {(r["item_id"], r["system"]): r["summary"] for r in recs}
    assert all(by_pair[(r["item_id"], r["system"])] == r["summary"] for r in again)
    assert not (tmp_path / "r2" / "batches.jsonl").exists() or journal(tmp_path / "r2") == []


def test_batch_answers_equal_interactive_ones_at_half_the_price(tmp_path):
    with FakeServer() as srv:
        s = suite(tmp_path, srv, n=6)
        assert main(["run", str(s), "--out", str(tmp_path / "b"), "--no-cache"]) == 0
        inter = write_synthetic_suite(tmp_path / "inter", n=6, base_url=srv.base_url, variants=TWO)
        assert main(["run", str(inter), "--out", str(tmp_path / "i"), "--no-cache"]) == 0
    b = {(r["item_id"], r["system"]): r for r in records(tmp_path / "b")}
    i = {(r["item_id"], r["system"]): r for r in records(tmp_path / "i")}
    assert b.keys() == i.keys()
    for k, rec in b.items():
        assert rec["summary"] == i[k]["summary"] and rec["usage"] == i[k]["usage"]
        u = rec["usage"]  # the suite's price: 0.15 / 0.60 USD per million tokens
        interactive = (u["prompt_tokens"] * 0.15 + u["completion_tokens"] * 0.60) / 1e6
        assert i[k]["cost_usd"] == pytest.approx(interactive)
        assert rec["cost_usd"] == pytest.approx(interactive / 2, abs=1e-8) and rec["batch"] and not i[k]["batch"]


def test_explicit_batch_prices_win_over_the_default_discount(tmp_path):
    with FakeServer() as srv:
        s = write_synthetic_suite(tmp_path / "suite", n=2, base_url=srv.base_url, variants=("concise",),
                                  extra="batch = true\nbatch_poll = 0.01")
        text = s.read_text().replace("price = { input = 0.15, output = 0.60 }",
                                     "price = { input = 0.15, output = 0.60, batch_input = 0.1, batch_output = 0.2 }")
        s.write_text(text)
        assert main(["run", str(s), "--out", str(tmp_path / "b"), "--no-cache"]) == 0
    for r in records(tmp_path / "b"):
        u = r["usage"]
        assert r["cost_usd"] == pytest.approx((u["prompt_tokens"] * 0.1 + u["completion_tokens"] * 0.2) / 1e6, abs=1e-8)


@pytest.mark.parametrize("attempts", [1, 6])
def test_failed_lines_are_resubmitted_or_recorded_never_lost_or_doubled(tmp_path, attempts):
    with FakeServer(batch_fail_rate=0.2, seed=3) as srv:
        s = suite(tmp_path, srv, extra=f"max_attempts = {attempts}")
        code = main(["run", str(s), "--out", str(tmp_path / "r"), "--no-cache"])
        stats = srv.stats()
    recs = records(tmp_path / "r")
    assert pairs(recs) == expected_pairs(40)  # every pair exactly once
    assert all((r["summary"] is None) != (r["error"] is None) for r in recs)
    assert stats["batch_lines_failed"] > 0 and stats["chat_completions"] == 0
    failed = [r for r in recs if r["error"]]
    if attempts == 1:
        assert len(failed) == stats["batch_lines_failed"] and code == 1  # beyond the error budget
        assert all("batch_" in r["error"] and "injected batch line failure" in r["error"] for r in failed)
    else:
        assert stats["batches_created"] > 2 and not failed and code == 0
        assert max(e["attempt"] for e in journal(tmp_path / "r")) >= 2


@pytest.mark.parametrize("attempts", [1, 3])
def test_an_expired_batch_is_resubmitted_or_its_undone_requests_fail(tmp_path, attempts):
    with FakeServer(batch_expire=True) as srv:
        s = suite(tmp_path, srv, n=8, extra=f"max_attempts = {attempts}")
        main(["run", str(s), "--out", str(tmp_path / "r"), "--no-cache"])
    recs = records(tmp_path / "r")
    assert pairs(recs) == expected_pairs(8)
    expired = [r for r in recs if r["error"]]
    if attempts == 1:
        assert len(expired) == 8 and all("batch_expired" in r["error"] for r in expired)  # half of each batch
    else:  # every batch does half: 8 -> 4 -> 2 -> 1 line undone per system after three attempts
        assert len(expired) == 2 and all("attempt 3 of 3" in r["error"] for r in expired)


def test_a_server_without_batch_api_is_one_line_before_anything_is_written(tmp_path, capsys):
    with FakeServer(batch_api=False) as srv:
        s = suite(tmp_path, srv, n=3)
        code = main(["run", str(s), "--out", str(tmp_path / "r")])
        stats = srv.stats()
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1
    assert "has no Batch API" in err[0] and "404" in err[0] and "batch = false" in err[0]
    assert str(s) in err[0] and "Traceback" not in err[0]
    assert not (tmp_path / "r").exists() and stats["chat_completions"] == 0


def test_max_cost_refuses_a_batch_over_budget_before_uploading(tmp_path, capsys):
    with FakeServer() as srv:
        s = suite(tmp_path, srv, n=10)
        code = main(["run", str(s), "--out", str(tmp_path / "r"), "--max-cost", "0.0001", "--no-cache"])
        stats = srv.stats()
    assert code == 1 and stats["files_uploaded"] == 0 and stats["chat_completions"] == 0
    err = capsys.readouterr().err
    assert "--max-cost" in err and "nothing was submitted" in err and "--resume" in err
    assert journal(tmp_path / "r") == [] and json.loads((tmp_path / "r" / "manifest.json").read_text())[
        "status"] == "interrupted"


def test_dry_run_shows_batch_and_interactive_cost(tmp_path, capsys):
    with FakeServer() as srv:
        s = suite(tmp_path, srv, n=5)
        assert main(["run", str(s), "--dry-run", "--no-cache"]) == 0
        assert srv.stats()["files_uploaded"] == 0
    out = capsys.readouterr().out
    row = next(line for line in out.splitlines() if line.startswith("concise"))
    cells = row.split()
    batch_usd, mode, inter_usd = float(cells[6]), cells[7], float(cells[8])
    assert mode == "batch" and batch_usd == pytest.approx(inter_usd / 2, abs=1e-4) and inter_usd > 0
    assert "all interactive instead" in out


def test_no_wait_then_resume_collects_without_submitting_again(tmp_path, capsys):
    with FakeServer(batch_delay=3600) as srv:
        s = suite(tmp_path, srv, n=5)
        run = tmp_path / "r"
        assert main(["run", str(s), "--out", str(run), "--no-wait", "--no-cache"]) == 0
        assert "sumbench run --resume" in capsys.readouterr().err
        assert json.loads((run / "manifest.json").read_text())["status"] == "interrupted"
        assert [e["status"] for e in journal(run)] == ["in_progress", "in_progress"]
        assert not (run / "records.jsonl").read_text()
        assert main(["run", "--resume", str(run), "--no-wait"]) == 0  # still running: look once, exit
        srv.batches.delay = 0  # the provider finishes
        assert main(["run", "--resume", str(run)]) == 0
        stats = srv.stats()
    assert stats["batches_created"] == 2 and stats["files_uploaded"] == 2 and stats["chat_completions"] == 0
    assert pairs(records(run)) == expected_pairs(5)
    assert json.loads((run / "manifest.json").read_text())["status"] == "complete"


def test_the_key_is_written_nowhere(tmp_path, monkeypatch):
    monkeypatch.setenv("SB_BATCH_KEY", KEY)
    with FakeServer(require_key=KEY) as srv:
        s = suite(tmp_path, srv, n=4, extra='api_key_env = "SB_BATCH_KEY"')
        assert main(["run", str(s), "--out", str(tmp_path / "r"), "--cache-dir", str(tmp_path / "c")]) == 0
        assert srv.stats()["batches_created"] == 2
    files = [p for p in (tmp_path / "r").rglob("*") if p.is_file()] + list((tmp_path / "c").rglob("*.json"))
    assert any(p.parent.name == "batches" for p in files)  # the uploaded input files are among them
    for p in files:
        assert KEY not in p.read_text(encoding="utf-8", errors="replace"), p


def _with_batch_judge(s: Path, srv: FakeServer, judge_batch: bool) -> None:
    judge = (f'\n[scorer.checklist]\njudge = {{backend = "openai", model = "fake-judge", base_url = "{srv.base_url}", '
             f'temperature = 0, batch = {str(judge_batch).lower()}, batch_poll = 0.01}}\n')
    s.write_text(s.read_text().replace("\n[[systems]]", judge + "\n[[systems]]", 1))
    items = [json.loads(line) for line in (s.parent / "items.jsonl").read_text().splitlines()]
    for item in items:
        item["checklist"][0]["judge"] = True  # the judge decides this claim, patterns the others
    (s.parent / "items.jsonl").write_text("".join(json.dumps(i) + "\n" for i in items))


def test_a_batch_judge_judges_batch_summaries_in_a_second_batch(tmp_path):
    with FakeServer() as srv:
        s = suite(tmp_path, srv, n=6)
        _with_batch_judge(s, srv, True)
        assert main(["run", str(s), "--out", str(tmp_path / "b"), "--no-cache"]) == 0
        stats = srv.stats()
        inter = suite(tmp_path / "i", srv, n=6)
        _with_batch_judge(inter, srv, False)
        assert main(["run", str(inter), "--out", str(tmp_path / "ir"), "--no-cache"]) == 0
        judge_calls = srv.stats()["chat_completions"]
    assert stats["chat_completions"] == 0 and stats["batches_created"] == 3  # two systems, then the judge
    assert [e["group"] for e in journal(tmp_path / "b")] == ["system:concise", "system:bullets", "judge:checklist"]
    assert judge_calls == 12  # the same judgements asked interactively: one per summary
    b = {(r["item_id"], r["system"]): r for r in records(tmp_path / "b")}
    i = {(r["item_id"], r["system"]): r for r in records(tmp_path / "ir")}
    for k, rec in b.items():
        judged = rec["details"]["checklist"]["judge"]
        assert judged["usage"]["calls"] == 1 and judged["usage"]["cached"] == 0
        assert judged["usage"]["cost_usd"] == 0  # the judge has no price
        assert rec["scores"] == i[k]["scores"]  # same verdicts as the interactive judge


def test_large_runs_are_split_under_the_request_and_size_limits(tmp_path):
    with FakeServer() as srv:
        s = suite(tmp_path, srv, n=7, extra="batch_max_requests = 3")
        assert main(["run", str(s), "--out", str(tmp_path / "r"), "--no-cache"]) == 0
        s2 = suite(tmp_path / "mb", srv, n=7, extra="batch_max_mb = 0.002")  # about two 0.9 kB lines a file
        assert main(["run", str(s2), "--out", str(tmp_path / "r2"), "--no-cache"]) == 0
    sizes = [len(e["custom_ids"]) for e in journal(tmp_path / "r")]
    assert sorted(sizes) == [1, 1, 3, 3, 3, 3]  # 7 requests per system: 3 + 3 + 1
    for e in journal(tmp_path / "r2"):
        data = (tmp_path / "r2" / "batches" / e["name"]).read_bytes()
        assert len(data) == e["bytes"] <= 2000 and len(data.splitlines()) == len(e["custom_ids"])
    assert sum(len(e["custom_ids"]) for e in journal(tmp_path / "r2")) == 14
    assert len(records(tmp_path / "r")) == len(records(tmp_path / "r2")) == 14
