"""[pairwise]: both orders for every item, outcomes only when the orders agree, cached, and compare's block."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harness.analysis.pairwise import sign_test_p
from harness.backends import retry
from harness.cli import main
from harness.testing.fake_server import FakeServer
from harness.testing.synthetic import write_synthetic_suite

N = 8


@pytest.fixture(autouse=True)
def no_sleep(monkeypatch):
    monkeypatch.setattr(retry, "SLEEP", lambda s: None)


def always(verdict: str):
    def responder(body: dict) -> str | None:
        fmt = body.get("response_format") or {}
        if (fmt.get("json_schema") or {}).get("name") == "pairwise_verdict":
            return json.dumps({"verdict": verdict, "reason": f"always {verdict}"})
        return None  # summaries: the fake's own text
    return responder


def prefer(system_marker: str):
    """A judge that picks the summary containing ``system_marker`` wherever it is shown."""
    def responder(body: dict) -> str | None:
        fmt = body.get("response_format") or {}
        if (fmt.get("json_schema") or {}).get("name") != "pairwise_verdict":
            return None
        text = body["messages"][-1]["content"]
        first = text.split("<first_summary>")[1].split("</first_summary>")[0]
        return json.dumps({"verdict": "first" if system_marker in first else "second", "reason": "r"})
    return responder


def suite(tmp: Path, srv: FakeServer) -> Path:
    s = write_synthetic_suite(tmp / "suite", n=N, base_url=srv.base_url, variants=("concise", "bullets"))
    s.write_text(s.read_text() + f'\n[pairwise]\njudge = {{backend = "openai", model = "fake-judge", '
                 f'base_url = "{srv.base_url}", temperature = 0}}\n')
    return s


def lines(run: Path) -> list[dict]:
    return [json.loads(x) for x in (run / "pairwise.jsonl").read_text().splitlines()]


def compare_json(run: Path, capsys) -> dict:
    capsys.readouterr()
    assert main(["compare", str(run), "--a", "concise", "--b", "bullets", "--json"]) == 0
    return json.loads(capsys.readouterr().out)["pairwise"]


def test_a_judge_that_always_says_first_has_consistency_0_and_win_rate_half(tmp_path, capsys):
    with FakeServer(responder=always("first")) as srv:
        s = suite(tmp_path, srv)
        cache = ["--cache-dir", str(tmp_path / "c")]
        assert main(["run", str(s), "--out", str(tmp_path / "r"), *cache]) == 0
        calls = srv.stats()["chat_completions"]
        assert calls == 2 * N + 2 * N  # summaries, then both orders of every item
        got = lines(tmp_path / "r")
        assert len(got) == N and all(len(x["orders"]) == 2 for x in got)
        for x in got:
            assert [(o["first"], o["second"]) for o in x["orders"]] == [("concise", "bullets"), ("bullets", "concise")]
            assert x["outcome"] == "tie" and x["consistent"] is False
        stats = compare_json(tmp_path / "r", capsys)
        assert stats["position_consistency"] == 0 and stats["win_rate_b"] == 0.5
        assert stats["first_position_rate"] == 1.0 and stats["ties"] == N and stats["p"] == 1.0
        assert main(["compare", str(tmp_path / "r"), "--a", "concise", "--b", "bullets"]) == 0
        assert "mostly reacting to order" in capsys.readouterr().out
        assert main(["run", str(s), "--out", str(tmp_path / "r2"), *cache]) == 0
        assert srv.stats()["chat_completions"] == calls  # summaries and judgements from the cache
    assert all(o["cached"] for x in lines(tmp_path / "r2") for o in x["orders"])


def test_a_consistent_judge_gives_wins_and_a_sign_test(tmp_path, capsys):
    with FakeServer(responder=prefer("- ")) as srv:  # bullets' summaries are the ones with "- " items
        s = suite(tmp_path, srv)
        assert main(["run", str(s), "--out", str(tmp_path / "r"), "--no-cache"]) == 0
    stats = compare_json(tmp_path / "r", capsys)
    assert stats["wins_b"] == N and stats["wins_a"] == 0 and stats["win_rate_b"] == 1.0
    assert stats["position_consistency"] == 1.0 and stats["first_position_rate"] == 0.5
    assert stats["p"] == pytest.approx(2 / 2 ** N)  # exact two-sided sign test, 8 of 8
    assert stats["ci_low"] == stats["ci_high"] == 1.0


def test_sumbench_judge_rejudges_without_summarizing(tmp_path, capsys):
    with FakeServer(responder=always("tie")) as srv:
        s = suite(tmp_path, srv)
        assert main(["run", str(s), "--out", str(tmp_path / "r"), "--no-cache"]) == 0
        before = srv.stats()["chat_completions"]
        (tmp_path / "r" / "pairwise.jsonl").unlink()
        assert main(["judge", str(tmp_path / "r"), "--a", "concise", "--b", "bullets", "--no-cache"]) == 0
        assert srv.stats()["chat_completions"] == before + 2 * N  # judgements only
    out = capsys.readouterr().out
    assert "position consistency 1.000" in out and f"{N} judgement(s) written" in out
    assert all(x["outcome"] == "tie" and x["consistent"] for x in lines(tmp_path / "r"))


def test_failed_judge_calls_are_undecided_never_ties(tmp_path, capsys):
    with FakeServer(responder=always("maybe")) as srv:  # not a verdict
        s = suite(tmp_path, srv)
        assert main(["run", str(s), "--out", str(tmp_path / "r"), "--no-cache"]) == 1
    assert "pairwise judgement(s) undecided" in capsys.readouterr().err
    assert all(x["outcome"] is None and x["orders"][0]["error"] for x in lines(tmp_path / "r"))
    stats = compare_json(tmp_path / "r", capsys)
    assert stats["n"] == 0 and stats["undecided"] == N and stats["win_rate_b"] is None


def test_sign_test_matches_hand_computed_binomial_tails():
    assert sign_test_p(0, 0) == 1.0
    assert sign_test_p(5, 0) == pytest.approx(2 / 32)
    assert sign_test_p(7, 3) == pytest.approx(2 * (1 + 10 + 45 + 120) / 1024)  # P(X <= 3) for n = 10


def test_a_batch_pairwise_judge_sends_its_orders_as_one_batch(tmp_path, capsys, monkeypatch):
    from harness.run import batches

    monkeypatch.setattr(batches, "SLEEP", lambda s: None)
    with FakeServer(responder=prefer("- ")) as srv:
        s = write_synthetic_suite(tmp_path / "suite", n=N, base_url=srv.base_url, variants=("concise", "bullets"))
        s.write_text(s.read_text() + f'\n[pairwise]\njudge = {{backend = "openai", model = "fake-judge", '
                     f'base_url = "{srv.base_url}", temperature = 0, batch = true, batch_poll = 0.01}}\n')
        assert main(["run", str(s), "--out", str(tmp_path / "r"), "--no-cache"]) == 0
        stats = srv.stats()
    assert stats["chat_completions"] == 2 * N  # the summaries only: every judgement came from the batch
    assert stats["batches_created"] == 1 and stats["batch_lines"] == 2 * N
    got = lines(tmp_path / "r")
    assert len(got) == N and all(x["outcome"] == "b" and x["consistent"] for x in got)
    journal = [json.loads(x) for x in (tmp_path / "r" / "batches.jsonl").read_text().splitlines()]
    assert [(e["group"], len(e["custom_ids"]), e["status"]) for e in journal] == [("judge:pairwise", 2 * N, "collected")]
