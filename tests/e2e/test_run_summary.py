"""What `sumbench run` says at the end, once for the whole run, and when it exits 1.

Against sumbench's local FAKE server: its answers are scripted fixtures, not a model's.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harness.backends import retry
from harness.cli import main
from harness.testing.fake_server import FakeServer


@pytest.fixture(autouse=True)
def isolated(monkeypatch, tmp_path):
    monkeypatch.setattr(retry, "SLEEP", lambda seconds: None)
    monkeypatch.setenv("SUMBENCH_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)


def suite(tmp_path: Path, base_url: str, *, systems: str, run: str = "", scorer: str = "") -> Path:
    folder = tmp_path / "ds"
    (folder / "items").mkdir(parents=True, exist_ok=True)
    (folder / "suite.toml").write_text(f'name = "s"\nitems = "items/*.toml"\nscorers = ["checklist", "length"]\n'
                                       f"{scorer}\n{run}\n{systems}".replace("BASE", base_url))
    for n in range(3):
        (folder / "items" / f"a{n}.toml").write_text(
            f'id = "a{n}"\narticle = "The bridge {n} opened on Monday. It cost four million euros."\n'
            'references = ["The bridge opened."]\n'
            '[[checklist]]\nid = "opened"\nclaim = "The bridge opened."\n')  # no patterns: the judge decides
    return folder


LEAD = '[[systems]]\nname = "lead1"\nbackend = "lead"\nsentences = 1\n'
JUDGE = ('[scorer.checklist]\njudge = {backend = "openai", model = "fake-judge", base_url = "BASE", '
         'max_attempts = 1}\n')


def test_undecided_judgements_beyond_the_budget_make_the_run_exit_1_and_check_fail(tmp_path, capsys):
    with FakeServer(strict_schema=True, responder=lambda body: "Looks fine to me.") as srv:
        ds = suite(tmp_path, srv.base_url, systems=LEAD, scorer=JUDGE)
        assert main(["run", str(ds), "--out", str(tmp_path / "run")]) == 1
    err = capsys.readouterr().err
    (line,) = [ln for ln in err.splitlines() if "undecided" in ln]
    assert line.startswith("error: 3 judgement(s) were left undecided in lead1 (judge_error_budget 0)")
    assert "judge answer is not JSON" in line
    rec = json.loads((tmp_path / "run" / "records.jsonl").read_text().splitlines()[0])
    assert rec["undecided"] == {"judge answer is not JSON": 1}
    assert main(["check", str(tmp_path / "run")]) == 1
    out = capsys.readouterr().out
    assert "FAIL" in out and "undecided judgements <= 0" in out and "3 judgement(s) left undecided" in out


def test_a_budget_for_undecided_judgements_lets_the_run_pass_with_a_warning(tmp_path, capsys):
    with FakeServer(strict_schema=True, responder=lambda body: "Looks fine to me.") as srv:
        ds = suite(tmp_path, srv.base_url, systems=LEAD, scorer=JUDGE, run="[run]\njudge_error_budget = 3\n")
        assert main(["run", str(ds), "--out", str(tmp_path / "run")]) == 0
    assert "warning: 3 judgement(s) were left undecided" in capsys.readouterr().err
    assert main(["check", str(tmp_path / "run")]) == 0


def test_cut_off_answers_are_counted_once_across_systems(tmp_path, capsys):
    systems = "".join(f'[[systems]]\nname = "{name}"\nbackend = "openai"\nmodel = "m"\nbase_url = "BASE"\n'
                      f"max_tokens = 200000\n" for name in ("one", "two"))
    with FakeServer() as srv:
        srv.completion = _cut_off(srv.completion)
        ds = suite(tmp_path, srv.base_url, systems=systems)
        assert main(["run", str(ds), "--out", str(tmp_path / "run")]) == 0
    err = capsys.readouterr().err.splitlines()
    (cut,) = [ln for ln in err if "cut off" in ln]
    assert cut.startswith("warning: 6 answer(s) were cut off by max_tokens (finish_reason=length) in one, two")
    (big,) = [ln for ln in err if "max_tokens = 200000" in ln]
    assert big.startswith("warning: systems one, two: max_tokens = 200000 is far more")
    recs = [json.loads(x) for x in (tmp_path / "run" / "records.jsonl").read_text().splitlines()]
    assert {r["finish_reason"] for r in recs} == {"length"} and {r["model"] for r in recs} == {"m"}


def _cut_off(completion):
    def wrapped(body):
        out = completion(body)
        out["choices"][0]["finish_reason"] = "length"
        return out
    return wrapped
