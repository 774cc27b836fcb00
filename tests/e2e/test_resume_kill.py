"""kill -9 in the middle of a run, then --resume: one record per pair, same summaries, nothing re-requested."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from harness.backends import retry
from harness.cli import main
from harness.testing.fake_server import FakeServer
from harness.testing.synthetic import write_synthetic_suite
from tests.paths import ROOT

N_ITEMS = 30
VARIANTS = ("concise", "one-sentence")


def lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines() if path.exists() else []


def helpers_of(pid: int) -> list[int]:
    """Scoring helper processes whose parent is ``pid`` (Linux /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            status = (entry / "status").read_text()
            cmd = (entry / "cmdline").read_bytes()
        except (OSError, ValueError):
            continue
        if f"\nPPid:\t{pid}\n" in status and b"harness.run.scoring_process" in cmd:
            found.append(int(entry.name))
    return found


def running(pid: int) -> bool:
    try:
        return "\nState:\tZ" not in Path(f"/proc/{pid}/status").read_text()  # a zombie is finished
    except OSError:
        return False


def helper_args(scoring_process: str) -> tuple[dict, list[str]]:
    """"0": in-process; "1": the helper ($SUMBENCH_SCORING_PROCESS=1); "2": --workers 2."""
    env = {"SUMBENCH_SCORING_PROCESS": "0" if scoring_process == "0" else "1"}
    return env, (["--workers", "2"] if scoring_process == "2" else [])


@pytest.mark.parametrize("scoring_process", ["0", "1", "2"])
def test_kill_9_then_resume(tmp_path, monkeypatch, scoring_process):
    monkeypatch.setattr(retry, "SLEEP", lambda seconds: None)
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    with FakeServer(latency=0.03) as srv:
        suite = write_synthetic_suite(tmp_path / "ds", N_ITEMS, base_url=srv.base_url, variants=VARIANTS)
        out = tmp_path / "killed"
        helper_env, workers = helper_args(scoring_process)
        env = {**os.environ, "SUMBENCH_CACHE_DIR": str(tmp_path / "cache"), "PYTHONPATH": str(ROOT),
               **helper_env}
        proc = subprocess.Popen([sys.executable, "-m", "harness", "run", str(suite), "--out", str(out),
                                 "--concurrency", "2", *workers], env=env, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        try:
            deadline = time.monotonic() + 30
            while len(lines(out / "records.jsonl")) < 8 and time.monotonic() < deadline and proc.poll() is None:
                time.sleep(0.01)
            helpers = helpers_of(proc.pid)
            os.kill(proc.pid, signal.SIGKILL)
        finally:
            proc.wait(timeout=10)
        assert len(helpers) == int(scoring_process)
        deadline = time.monotonic() + 20
        while any(map(running, helpers)) and time.monotonic() < deadline:
            time.sleep(0.02)
        assert not any(map(running, helpers)), "the scoring helper outlived the killed run"
        before = lines(out / "records.jsonl")
        assert 8 <= len(before) < N_ITEMS * len(VARIANTS), "the run must be killed part-way"
        assert json.loads((out / "manifest.json").read_text())["status"] == "running"
        with (out / "records.jsonl").open("a", encoding="utf-8") as fh:
            fh.write('{"item_id": "syn-00')  # what a kill during a write leaves behind
        requests_before = srv.requests
        srv.latency = 0.0  # only the killed run needed to be slow

        monkeypatch.setenv("SUMBENCH_CACHE_DIR", str(tmp_path / "cache"))
        assert main(["run", "--resume", str(out)]) == 0
        resumed_requests = srv.requests - requests_before

        monkeypatch.setenv("SUMBENCH_CACHE_DIR", str(tmp_path / "other-cache"))
        assert main(["run", str(suite), "--out", str(tmp_path / "straight")]) == 0

    recs = [json.loads(x) for x in lines(out / "records.jsonl")]
    pairs = [(r["item_id"], r["system"]) for r in recs]
    assert len(pairs) == len(set(pairs)) == N_ITEMS * len(VARIANTS)
    assert [json.loads(x) for x in before] == recs[: len(before)]  # finished records kept as they were
    # finished pairs were not requested again (in-flight ones at the kill may be)
    assert resumed_requests <= N_ITEMS * len(VARIANTS) - len(before)
    straight = {(r["item_id"], r["system"]): r["summary"]
                for r in map(json.loads, lines(tmp_path / "straight" / "records.jsonl"))}
    assert {(r["item_id"], r["system"]): r["summary"] for r in recs} == straight
    m = json.loads((out / "manifest.json").read_text())
    assert m["status"] == "complete" and len(m["resumed"]) == 1
    assert (out / "metrics.json").exists()


@pytest.mark.parametrize("scoring_process", ["0", "1", "2"])
def test_ctrl_c_marks_interrupted_keeps_paid_results_and_resumes(tmp_path, monkeypatch, scoring_process):
    monkeypatch.setattr(retry, "SLEEP", lambda seconds: None)
    # More items than the runner keeps queued (8 x concurrency = 32), so whatever the timing,
    # some are still unstarted when Ctrl-C arrives.
    n_items = 80
    with FakeServer(latency=0.05) as srv:
        suite = write_synthetic_suite(tmp_path / "ds", n_items, base_url=srv.base_url, variants=("concise",))
        out = tmp_path / "run"
        helper_env, workers = helper_args(scoring_process)
        env = {**os.environ, "SUMBENCH_CACHE_DIR": str(tmp_path / "cache"), "PYTHONPATH": str(ROOT),
               **helper_env}
        # its own process group, like a command started from a terminal, whose Ctrl-C goes to the group
        proc = subprocess.Popen([sys.executable, "-m", "harness", "run", str(suite), "--out", str(out),
                                 "--concurrency", "4", *workers], env=env, stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE, start_new_session=True)
        try:
            deadline = time.monotonic() + 30
            while len(lines(out / "records.jsonl")) < 4 and time.monotonic() < deadline and proc.poll() is None:
                time.sleep(0.01)
            os.killpg(proc.pid, signal.SIGINT)
            _, err = proc.communicate(timeout=20)
        finally:
            if proc.poll() is None:
                proc.kill()
        assert proc.returncode == 130 and b"Traceback" not in err
        m = json.loads((out / "manifest.json").read_text())
        assert m["status"] == "interrupted"
        assert m["scoring_process"] == {"used": scoring_process != "0", "workers": int(scoring_process),
                                        "stopped": None, "workers_stopped": 0}
        recorded = len(lines(out / "records.jsonl"))
        assert 4 <= recorded < n_items
        answered = srv.outcomes["ok"]
        assert answered == recorded  # requests in flight at Ctrl-C finished and were recorded, none lost
        srv.latency = 0.0
        monkeypatch.setenv("SUMBENCH_CACHE_DIR", str(tmp_path / "cache"))
        assert main(["run", "--resume", str(out)]) == 0
    recs = [json.loads(x) for x in lines(out / "records.jsonl")]
    assert sorted(r["item_id"] for r in recs) == [f"syn-{i:04d}" for i in range(n_items)]
