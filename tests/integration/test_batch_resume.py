"""Crash safety of the batch mode: kill -9 while waiting, and each window between sending and noting."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from harness.backends import openai_batch, retry
from harness.cli import main
from harness.run import batches
from harness.testing.fake_server import FakeServer
from harness.testing.synthetic import write_synthetic_suite

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def no_sleep(monkeypatch):
    monkeypatch.setattr(retry, "SLEEP", lambda s: None)
    monkeypatch.setattr(batches, "SLEEP", lambda s: None)


def suite(tmp: Path, srv: FakeServer, n: int, variants: tuple[str, ...] = ("concise",)) -> Path:
    return write_synthetic_suite(tmp / "suite", n=n, base_url=srv.base_url, variants=variants,
                                 extra="batch = true\nbatch_poll = 0.01")


def journal(run: Path) -> list[dict]:
    return [json.loads(x) for x in (run / "batches.jsonl").read_text().splitlines()]


def record_pairs(run: Path) -> list[tuple[str, str]]:
    return sorted((r["item_id"], r["system"]) for r in map(json.loads, (run / "records.jsonl").read_text().splitlines()))


def test_kill_9_while_waiting_then_resume_sends_nothing_twice(tmp_path):
    with FakeServer(batch_delay=3600) as srv:
        s = suite(tmp_path, srv, n=12, variants=("concise", "bullets"))
        run = tmp_path / "run"
        proc = subprocess.Popen([sys.executable, "-m", "harness", "run", str(s), "--out", str(run), "--no-cache"],
                                cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                if (run / "batches.jsonl").is_file():
                    entries = journal(run)
                    if len(entries) == 2 and all(e["status"] == "in_progress" for e in entries):
                        break
                time.sleep(0.05)
            else:
                pytest.fail("the run never got to waiting on its two batches")
            assert proc.poll() is None  # still waiting when killed
        finally:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
        before = srv.stats()
        srv.batches.delay = 0
        assert main(["run", "--resume", str(run)]) == 0
        after = srv.stats()
    assert before["batches_created"] == after["batches_created"] == 2
    assert before["files_uploaded"] == after["files_uploaded"] == 2
    assert after["chat_completions"] == 0
    expected = sorted((f"syn-{i:04d}", v) for i in range(12) for v in ("concise", "bullets"))
    assert record_pairs(run) == expected


def _crash_after(monkeypatch, name: str) -> None:
    """The wire call ``name`` reaches the server, then the process dies before noting its answer."""
    real = getattr(openai_batch.OpenAIBatchWire, name)

    def crash(self, *args, **kwargs):
        real(self, *args, **kwargs)
        raise KeyboardInterrupt

    monkeypatch.setattr(openai_batch.OpenAIBatchWire, name, crash)


@pytest.mark.parametrize("window, noted", [("upload", "prepared"), ("create", "uploaded")])
def test_a_crash_between_sending_and_noting_is_found_not_sent_again(tmp_path, monkeypatch, window, noted):
    with FakeServer() as srv:
        s = suite(tmp_path, srv, n=5)
        run = tmp_path / "run"
        with monkeypatch.context() as m:
            _crash_after(m, window)
            assert main(["run", str(s), "--out", str(run), "--no-cache"]) == 130
        assert [e["status"] for e in journal(run)] == [noted]
        sent = srv.stats()
        assert main(["run", "--resume", str(run)]) == 0
        stats = srv.stats()
    assert stats["files_uploaded"] == sent["files_uploaded"] == 1
    assert stats["batches_created"] == 1
    assert record_pairs(run) == sorted((f"syn-{i:04d}", "concise") for i in range(5))


def test_ctrl_c_while_waiting_leaves_the_run_resumable(tmp_path, monkeypatch, capsys):
    with FakeServer(batch_delay=3600) as srv:
        s = suite(tmp_path, srv, n=4)
        run = tmp_path / "run"

        def interrupt(seconds):
            raise KeyboardInterrupt

        with monkeypatch.context() as m:
            m.setattr(batches, "SLEEP", interrupt)
            assert main(["run", str(s), "--out", str(run), "--no-cache"]) == 130
        assert f"sumbench run --resume {run}" in capsys.readouterr().err
        assert json.loads((run / "manifest.json").read_text())["status"] == "interrupted"
        srv.batches.delay = 0
        assert main(["run", "--resume", str(run)]) == 0
        assert srv.stats()["batches_created"] == 1
    assert record_pairs(run) == sorted((f"syn-{i:04d}", "concise") for i in range(4))
