"""`sumbench run --cassette`: record a 12-article LLM suite with a key, then replay it with no server and no key,
from the CLI and from a user's own pytest file (the sumbench_run fixture)."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from harness.backends import retry
from harness.cli import main
from harness.testing.fake_server import FakeServer
from harness.testing.synthetic import write_synthetic_suite

KEY = "test-only-not-a-key-cassette-cli-0123"


@pytest.fixture(autouse=True)
def no_sleep(monkeypatch):
    monkeypatch.setattr(retry, "SLEEP", lambda s: None)


def summaries(run: Path) -> dict[tuple[str, str], str]:
    return {(r["item_id"], r["system"]): r["summary"]
            for r in map(json.loads, (run / "records.jsonl").read_text().splitlines())}


@pytest.fixture
def recorded(tmp_path, monkeypatch):
    """A suite and its cassette, recorded against a fake server that required the key; then the
    server is gone and the key unset."""
    monkeypatch.setenv("SB_CASSETTE_KEY", KEY)
    with FakeServer(require_key=KEY) as srv:
        suite = write_synthetic_suite(tmp_path / "suite", n=12, base_url=srv.base_url, variants=("concise",),
                                      extra='api_key_env = "SB_CASSETTE_KEY"')
        tape = tmp_path / "suite.cassette.yaml"
        assert main(["run", str(suite), "--out", str(tmp_path / "rec"), "--cassette", str(tape)]) == 0
        assert srv.stats()["chat_completions"] == 12
    monkeypatch.delenv("SB_CASSETTE_KEY")
    return suite, tape, tmp_path


def test_replay_needs_no_key_and_no_network_and_gives_the_same_summaries(recorded, monkeypatch, capsys):
    suite, tape, tmp = recorded
    text = tape.read_text()
    data = yaml.safe_load(text)
    headers = {h.lower() for i in data["interactions"] for h in (i["request"].get("headers") or {})}
    assert KEY not in text and not headers & {"authorization", "api-key", "x-api-key", "cookie"}
    assert len(data["interactions"]) == 12
    assert text.splitlines()[0].startswith("# sumbench cassette: recorded by sumbench") and "FAKE" in text.splitlines()[0]

    def no_network(*args, **kwargs):
        raise AssertionError(f"replay tried to connect: {args}")
    monkeypatch.setattr(socket, "create_connection", no_network)
    capsys.readouterr()
    assert main(["run", str(suite), "--out", str(tmp / "replay"), "--cassette", str(tape)]) == 0
    assert "replayed 12 response(s)" in capsys.readouterr().err
    assert summaries(tmp / "replay") == summaries(tmp / "rec")


def test_a_request_not_in_the_cassette_is_that_records_error_naming_the_fix(recorded, capsys):
    suite, tape, tmp = recorded
    items = (suite.parent / "items.jsonl").read_text().splitlines()
    first = json.loads(items[0])
    first["article"] += " A new sentence nobody recorded."
    (suite.parent / "items.jsonl").write_text("\n".join([json.dumps(first), *items[1:]]) + "\n")
    assert main(["run", str(suite), "--out", str(tmp / "miss"), "--cassette", str(tape)]) == 1
    errors = [r["error"] for r in map(json.loads, (tmp / "miss" / "records.jsonl").read_text().splitlines())
              if r["error"]]
    assert errors == [f"request not in cassette {tape} — re-record with: sumbench run {suite} --cassette {tape} "
                      "--record"]


USER_TEST = '''
SUITE = {suite!r}
TAPE = {tape!r}


def test_quality_on_the_replay(sumbench_run):
    run = sumbench_run(SUITE, cassette=TAPE)
    assert run.exit_code == 0
    assert run.mean("concise", "rougeLsum") > 0.2
    run.check()


def test_a_stricter_rule_fails(sumbench_run):
    sumbench_run(SUITE, cassette=TAPE).check(rules={{"rougeLsum": {{"min": 0.99}}}})
'''


def test_a_users_pytest_file_passes_on_the_replay_and_fails_a_stricter_rule(recorded):
    suite, tape, tmp = recorded
    (tmp / "test_quality.py").write_text(USER_TEST.format(suite=str(suite), tape=str(tape)))
    env_cmd = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "test_quality.py"]
    proc = subprocess.run(env_cmd, cwd=tmp, capture_output=True, text=True, timeout=120)
    assert "1 failed, 1 passed" in proc.stdout, proc.stdout + proc.stderr
    assert "test_a_stricter_rule_fails" in proc.stdout and "AssertionError" in proc.stdout
    assert KEY not in tape.read_text()
