"""CPU scorers in the helper process: the same records as scoring in-process, and nothing lost when it fails."""

from __future__ import annotations

import json
import os
import signal
import time
from pathlib import Path

import pytest

from harness.cli import main
from harness.core.models import Item
from harness.core.registry import scorers
from harness.run.scoring_process import HelperStopped, ScoringProcess
from harness.scorers.base import Score
from harness.scorers.rouge import Rouge, RougeOptions
from harness.testing.report_suites import ALL_SCORERS, write_synthetic_suite


def records(run_dir: Path) -> list[dict]:
    return [json.loads(line) for line in (run_dir / "records.jsonl").read_text(encoding="utf-8").splitlines()]


def scored(run_dir: Path) -> dict:
    """What scoring decides, per pair (latencies differ from run to run)."""
    return {(r["item_id"], r["system"]): (r["summary"], r["scores"], r["details"], r["error"])
            for r in records(run_dir)}


def used(run_dir: Path) -> dict:
    return json.loads((run_dir / "manifest.json").read_text(encoding="utf-8"))["scoring_process"]


def test_helper_scores_exactly_like_the_in_process_path(tmp_path, monkeypatch):
    suite = write_synthetic_suite(tmp_path / "ds", 12, scorers=ALL_SCORERS)  # 3 systems, every CPU scorer
    monkeypatch.setenv("SUMBENCH_SCORING_PROCESS", "1")
    assert main(["run", str(suite), "--out", str(tmp_path / "helper")]) == 0
    monkeypatch.setenv("SUMBENCH_SCORING_PROCESS", "0")
    assert main(["run", str(suite), "--out", str(tmp_path / "inproc")]) == 0
    assert used(tmp_path / "helper") == {"used": True, "workers": 1, "stopped": None, "workers_stopped": 0}
    assert used(tmp_path / "inproc") == {"used": False, "workers": 0, "stopped": None, "workers_stopped": 0}
    helper, inproc = scored(tmp_path / "helper"), scored(tmp_path / "inproc")
    assert len(helper) == 36 and helper == inproc
    assert all(s[1].get("rougeLsum") is not None for s in helper.values())


def test_small_runs_score_in_process_unless_asked(tmp_path, monkeypatch):
    monkeypatch.delenv("SUMBENCH_SCORING_PROCESS", raising=False)
    suite = write_synthetic_suite(tmp_path / "ds", 4)
    assert main(["run", str(suite), "--out", str(tmp_path / "r")]) == 0
    assert used(tmp_path / "r")["used"] is False  # 12 pairs: below the automatic threshold


@scorers.register("test-crashy-rouge")
class CrashyRouge(Rouge):
    """ROUGE that kills the process it runs in on its third summary, unless that is the test's own process."""

    Options = RougeOptions
    calls = 0

    def __init__(self, options: RougeOptions):
        super().__init__(options)
        self.home = int(os.environ.get("CRASHY_HOME_PID", "0"))

    def score(self, item: Item, summary: str, article: str) -> Score:
        type(self).calls += 1
        if type(self).calls > 3 and os.getpid() != self.home:
            os._exit(3)  # the helper dies mid-run, as on an out-of-memory kill
        return super().score(item, summary, article)


def test_helper_dying_mid_run_loses_nothing(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("CRASHY_HOME_PID", str(os.getpid()))
    suite = write_synthetic_suite(tmp_path / "ds", 10)
    text = suite.read_text(encoding="utf-8").replace('scorers = ["rouge"', 'scorers = ["test-crashy-rouge"')
    suite.write_text(text, encoding="utf-8")
    assert "test-crashy-rouge" in text
    monkeypatch.setenv("SUMBENCH_SCORING_PROCESS", "1")
    assert main(["run", str(suite), "--out", str(tmp_path / "crash")]) == 0
    err = capsys.readouterr().err
    assert err.count("the scoring helper process exited (code 3); scoring in this process instead") == 1
    assert used(tmp_path / "crash") == {"used": True, "workers": 1, "stopped": "exited (code 3)", "workers_stopped": 1}
    monkeypatch.setenv("SUMBENCH_SCORING_PROCESS", "0")
    assert main(["run", str(suite), "--out", str(tmp_path / "plain")]) == 0
    crashed = scored(tmp_path / "crash")
    assert len(crashed) == 30 and crashed == scored(tmp_path / "plain")  # every pair, once, same scores


def test_a_helper_that_cannot_build_its_scorers_fails_its_jobs_with_the_reason(tmp_path):
    suite = write_synthetic_suite(tmp_path / "ds", 1)
    from harness.suite.datasets import load_suite

    class NotImportable(Rouge):  # defined in a function: the helper cannot import it
        pass

    helper = ScoringProcess(load_suite(suite), [("not-registered-anywhere", NotImportable(RougeOptions()))])
    try:
        job = helper.submit(Item(id="a", article="A.", references=["A."]), "A.", ["A."])
        with pytest.raises(HelperStopped, match="could not build its scorers"):
            job.result(timeout=60)
        assert helper.stopped and "not-registered-anywhere" in helper.stopped
    finally:
        helper.close()


def test_helper_exits_when_its_parent_is_killed(tmp_path):
    suite = write_synthetic_suite(tmp_path / "ds", 1)
    from harness.suite.datasets import load_suite

    helper = ScoringProcess(load_suite(suite), [("rouge", Rouge(RougeOptions()))])
    job = helper.submit(Item(id="a", article="A b c.", references=["A b c."]), "A b c.", ["A b c."])
    assert job.result(timeout=60)[0]["rouge"][0]["rougeL"] == 1.0  # it works
    pid = helper._proc.pid
    helper._proc.stdin.close()  # what the kernel does to the pipe when sumbench is killed
    deadline = time.monotonic() + 30
    while helper._proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    assert helper._proc.returncode == 0, f"helper {pid} still running after its stdin closed"


def test_ctrl_c_in_a_terminal_does_not_reach_the_helper(tmp_path):
    suite = write_synthetic_suite(tmp_path / "ds", 1)
    from harness.suite.datasets import load_suite

    helper = ScoringProcess(load_suite(suite), [("rouge", Rouge(RougeOptions()))])
    item = Item(id="a", article="A b c.", references=["A b c."])
    try:
        assert helper.submit(item, "A b c.", ["A b c."]).result(timeout=60)  # it is up
        assert os.getpgid(helper._proc.pid) != os.getpgid(0)  # its own process group: the terminal's
        os.killpg(os.getpgid(helper._proc.pid), signal.SIGINT)  # Ctrl-C goes to ours, not to it; and
        time.sleep(0.2)                                         # a SIGINT sent to it anyway is ignored
        assert helper.submit(item, "A b c.", ["A b c."]).result(timeout=60)[0]["rouge"][0]["rouge1"] == 1.0
        assert helper._proc.poll() is None
    finally:
        helper.close()


def test_no_interpreter_to_start_means_scoring_in_process(tmp_path, monkeypatch):
    import sys

    suite = write_synthetic_suite(tmp_path / "ds", 2)
    monkeypatch.setattr(sys, "executable", str(tmp_path / "no-such-python"))
    monkeypatch.setenv("SUMBENCH_SCORING_PROCESS", "1")
    assert main(["run", str(suite), "--out", str(tmp_path / "r")]) == 0
    assert used(tmp_path / "r")["used"] is False and len(records(tmp_path / "r")) == 6


def test_helper_with_a_judge_and_repeats_gives_the_in_process_records(tmp_path, monkeypatch):
    """The LLM judge (a network scorer) stays on the request threads; its verdicts are merged with
    the helper's CPU scores, sample by sample."""
    from harness.backends import retry
    from harness.testing.fake_server import FakeServer
    from harness.testing.synthetic import write_synthetic_suite as write_llm_suite

    monkeypatch.setattr(retry, "SLEEP", lambda seconds: None)
    monkeypatch.setenv("SUMBENCH_CACHE_DIR", str(tmp_path / "cache"))
    with FakeServer() as srv:
        suite = write_llm_suite(tmp_path / "ds", 5, base_url=srv.base_url, variants=("concise",),
                                extra="repeats = 2\ntemperature = 0.7\nseed = 1")
        judge = (f'\n[scorer.checklist]\njudge = {{backend = "openai", model = "fake-judge", '
                 f'base_url = "{srv.base_url}", temperature = 0}}\n')
        text = suite.read_text(encoding="utf-8")
        suite.write_text(text.replace("\n[[systems]]", judge + "\n[[systems]]", 1), encoding="utf-8")
        items = [json.loads(line) for line in (suite.parent / "items.jsonl").read_text().splitlines()]
        for item in items:
            item["checklist"][0]["judge"] = True  # the judge decides this claim, patterns the others
        (suite.parent / "items.jsonl").write_text("".join(json.dumps(i) + "\n" for i in items))
        monkeypatch.setenv("SUMBENCH_SCORING_PROCESS", "1")
        assert main(["run", str(suite), "--out", str(tmp_path / "helper")]) == 0
        monkeypatch.setenv("SUMBENCH_SCORING_PROCESS", "0")
        assert main(["run", str(suite), "--out", str(tmp_path / "inproc")]) == 0  # served from the cache
    assert used(tmp_path / "helper")["workers"] == 1
    helper, inproc = records(tmp_path / "helper"), records(tmp_path / "inproc")
    assert len(helper) == 5 and all(len(r["samples"]) == 2 for r in helper)
    assert all("judge" in r["details"]["checklist"] for r in helper)  # the judge really ran
    assert all(r["samples"][0]["scores"].get("rougeLsum") is not None for r in helper)
    for r in helper + inproc:  # the second run's judge answers came from the cache: only that may differ
        assert r["details"]["checklist"]["judge"].pop("usage")["cached"] == (r in inproc)
    key = lambda r: (r["item_id"], r["system"])  # noqa: E731
    pick = lambda r: (r["summary"], r["scores"], r["spread"], [s["scores"] for s in r["samples"]],  # noqa: E731
                      r["details"])
    assert {key(r): pick(r) for r in helper} == {key(r): pick(r) for r in inproc}
