"""The Python API (harness.run_suite/load_run/compare/check) and the pytest plugin's sumbench_run fixture."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import harness
from harness.core.errors import UserError
from harness.suite.scaffold import init_suite


@pytest.fixture(scope="module")
def suite(tmp_path_factory) -> Path:
    return init_suite("apisuite", tmp_path_factory.mktemp("api"))


def test_run_suite_gives_the_run_and_its_means(suite, tmp_path):
    res = harness.run_suite(suite, out=tmp_path / "r")
    assert res.exit_code == 0 and res.status == "complete"
    metrics = json.loads((tmp_path / "r" / "metrics.json").read_text())  # independent reading of the file
    assert res.mean("lead3", "rougeLsum") == metrics["systems"]["lead3"]["metrics"]["rougeLsum"]["mean"]
    assert [r.item_id for r in res.records] == ["harbour-bridge"]
    again = harness.load_run(tmp_path / "r")
    assert again.status == "complete" and again.mean("lead3", "length.words") == res.mean("lead3", "length.words")
    with pytest.raises(KeyError, match="no metric 'nope'"):
        res.mean("lead3", "nope")


def test_check_applies_the_suites_gate_or_given_rules(suite, tmp_path):
    res = harness.run_suite(suite, out=tmp_path / "r")
    assert harness.check(res.run_dir).failures == []
    assert res.check() is not None  # the scaffold's own gate passes
    strict = {"rougeLsum": {"min": 0.99}}
    failed = harness.check(res.run_dir, rules=strict).failures
    assert [(o.system, o.metric, o.kind) for o in failed] == [("lead3", "rougeLsum", "min")]
    with pytest.raises(AssertionError, match="rougeLsum"):
        res.check(rules=strict)
    with pytest.raises(UserError, match="rules"):
        harness.check(res.run_dir, rules={"rougeLsum": {"minimum": 1}})


def test_compare_is_the_json_of_sumbench_compare(tmp_path, capsys):
    from harness.cli import main

    demo = init_suite("two", tmp_path)
    text = (demo / "suite.toml").read_text().replace('[run]', '[[systems]]\nname = "lead1"\nbackend = "lead"\n'
                                                      'sentences = 1\n\n[run]')
    (demo / "suite.toml").write_text(text)
    harness.run_suite(demo, out=tmp_path / "r")
    got = harness.compare(tmp_path / "r", "lead3", "lead1")
    capsys.readouterr()
    assert main(["compare", str(tmp_path / "r"), "--a", "lead3", "--b", "lead1", "--json"]) == 0
    assert got == json.loads(capsys.readouterr().out)


USER_TEST = '''
def test_quality(sumbench_run):
    run = sumbench_run("mysuite")
    assert run.mean("lead3", "rougeLsum") > 0.1
    run.check()


def test_stricter(sumbench_run):
    sumbench_run("mysuite").check(rules={"rougeLsum": {"min": 0.99}})
'''


def test_the_fixture_passes_a_good_run_and_fails_a_stricter_rule_with_the_table(tmp_path):
    init_suite("mysuite", tmp_path)
    (tmp_path / "test_quality.py").write_text(USER_TEST)
    proc = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "test_quality.py"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=120)
    out = proc.stdout
    assert proc.returncode == 1, out
    assert "1 failed, 1 passed" in out and "test_stricter" in out and "AssertionError" in out
    assert "rougeLsum" in out and "0.99" in out  # the check table is the message
