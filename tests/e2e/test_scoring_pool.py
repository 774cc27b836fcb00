"""``--workers N``: the same records for any N, the manifest says N, and a helper killed mid-run loses nothing."""

from __future__ import annotations

import json
import os
import random
import re
import signal
from collections import Counter
from pathlib import Path

import pytest

from harness import pipeline
from harness.cli import main
from harness.core.models import Item
from harness.core.registry import scorers
from harness.run import scoring_pool
from harness.run.scoring_process import AUTO_PROCESS_PAIRS, ScoringProcess
from harness.scorers.base import Score
from harness.scorers.rouge import Rouge, RougeOptions
from harness.testing.synthetic import synthetic_item

SCORERS = ("rouge", "faithfulness", "extractiveness")
N_ITEMS = 70  # x 3 systems = 210 pairs: a run big enough for helpers by default


def write_suite(folder: Path, n_items: int, scorers: tuple[str, ...] = SCORERS) -> Path:
    """``n_items`` short fictional articles x three offline extractive systems."""
    folder.mkdir(parents=True)
    rng = random.Random(0)
    (folder / "items.jsonl").write_text("".join(json.dumps(synthetic_item(i, rng)) + "\n" for i in range(n_items)),
                                        encoding="utf-8")
    systems = "".join(f'[[systems]]\nname = "{name}"\nbackend = "{kind}"\nsentences = {k}\n'
                      for name, kind, k in (("lead2", "lead", 2), ("lead3", "lead", 3), ("textrank", "textrank", 2)))
    (folder / "suite.toml").write_text(
        f'name = "workers"\nitems = "items.jsonl"\nscorers = {json.dumps(list(scorers))}\n'
        '[fields]\nid = "id"\narticle = "article"\nreferences = "reference"\n' + systems, encoding="utf-8")
    return folder / "suite.toml"


def records(run_dir: Path) -> list[dict]:
    return [json.loads(line) for line in (run_dir / "records.jsonl").read_text(encoding="utf-8").splitlines()]


def _without_latency(value):
    if isinstance(value, dict):
        return {k: _without_latency(v) for k, v in value.items() if k != "latency_ms"}
    if isinstance(value, list):
        return [_without_latency(v) for v in value]
    return value


def comparable(run_dir: Path) -> list[dict]:
    """Records minus latencies, sorted by (item, system); the pairs must be unique."""
    recs = records(run_dir)
    assert len({(r["item_id"], r["system"]) for r in recs}) == len(recs), "a pair has two records"
    return sorted((_without_latency(r) for r in recs), key=lambda r: (r["item_id"], r["system"]))


def scoring_status(run_dir: Path) -> dict:
    return json.loads((run_dir / "manifest.json").read_text(encoding="utf-8"))["scoring_process"]


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """The same suite run with --workers 0, 1 and 2, and the helper pid that scored each pair."""
    root = tmp_path_factory.mktemp("workers")
    suite = write_suite(root / "ds", N_ITEMS)
    assert N_ITEMS * 3 >= AUTO_PROCESS_PAIRS
    jobs: dict[int, Counter] = {}
    submit = ScoringProcess.submit

    def counting_submit(self, item, article, texts):  # runs in this process: the runner's side
        jobs[n_workers][self.pid] += 1
        return submit(self, item, article, texts)

    with pytest.MonkeyPatch.context() as mp:
        mp.delenv("SUMBENCH_SCORING_PROCESS", raising=False)
        mp.setattr(ScoringProcess, "submit", counting_submit)
        mp.setattr(pipeline, "write_outputs", lambda *a: None)  # records are what is compared: no reports
        for n_workers in (0, 1, 2):
            jobs[n_workers] = Counter()
            assert main(["run", str(suite), "--out", str(root / f"w{n_workers}"), "--workers", str(n_workers)]) == 0
    return {n: root / f"w{n}" for n in (0, 1, 2)}, jobs


def test_any_number_of_workers_gives_the_same_records(runs):
    dirs, _ = runs
    w0, w1, w2 = (comparable(dirs[n]) for n in (0, 1, 2))
    assert len(w0) == N_ITEMS * 3
    assert all(r["scores"].get("rougeLsum") is not None and r["scores"].get("faithfulness.score") is not None
               for r in w0)
    assert w1 == w0 and w2 == w0


def test_the_manifest_says_how_many_workers_scored(runs):
    dirs, jobs = runs
    for n in (0, 1, 2):
        assert scoring_status(dirs[n]) == {"used": n > 0, "workers": n, "stopped": None, "workers_stopped": 0}
    assert not jobs[0] and len(jobs[1]) == 1
    assert sum(jobs[1].values()) == sum(jobs[2].values()) == N_ITEMS * 3  # every answer sent once
    assert len(jobs[2]) == 2 and min(jobs[2].values()) >= N_ITEMS * 3 // 10  # both helpers did real work


def test_workers_0_starts_no_helper(tmp_path, monkeypatch):
    started = []
    monkeypatch.setattr(scoring_pool, "ScoringProcess", lambda *a: started.append(a))
    monkeypatch.setenv("SUMBENCH_SCORING_PROCESS", "1")  # --workers 0 wins over the environment
    suite = write_suite(tmp_path / "ds", 3)
    assert main(["run", str(suite), "--out", str(tmp_path / "r"), "--workers", "0"]) == 0
    assert started == [] and len(records(tmp_path / "r")) == 9
    assert scoring_status(tmp_path / "r")["workers"] == 0


@scorers.register("test-dying-rouge")
class DyingRouge(Rouge):
    """ROUGE whose helper process dies on its fourth summary: with ``DYING_ROUGE=one`` only the first
    helper to get there (kill -9 of itself), with ``all`` every helper (exit 3); never the test's process."""

    Options = RougeOptions
    calls = 0

    def score(self, item: Item, summary: str, article: str) -> Score:
        type(self).calls += 1
        if type(self).calls > 4 and os.getpid() != int(os.environ["DYING_HOME_PID"]):
            if os.environ["DYING_ROUGE"] == "all":
                os._exit(3)
            try:  # exactly one helper wins the marker file
                os.close(os.open(os.environ["DYING_MARKER"], os.O_CREAT | os.O_EXCL))
                os.kill(os.getpid(), signal.SIGKILL)
            except FileExistsError:
                pass
        return super().score(item, summary, article)


@pytest.fixture
def dying_suite(tmp_path, monkeypatch):
    monkeypatch.setenv("DYING_HOME_PID", str(os.getpid()))
    monkeypatch.setenv("DYING_MARKER", str(tmp_path / "killed-one"))
    suite = write_suite(tmp_path / "ds", 12, scorers=("test-dying-rouge", "extractiveness"))
    monkeypatch.setenv("DYING_ROUGE", "one")
    assert main(["run", str(suite), "--out", str(tmp_path / "plain"), "--workers", "0"]) == 0
    return suite


def test_a_helper_killed_mid_run_loses_and_duplicates_nothing(dying_suite, tmp_path, capsys):
    capsys.readouterr()
    assert main(["run", str(dying_suite), "--out", str(tmp_path / "killed"), "--workers", "2"]) == 0
    assert (tmp_path / "killed-one").exists()  # a helper really died
    err = capsys.readouterr().err
    said = re.findall(r"warning: the scoring helper process [12] of 2 \(pid \d+\) exited \(code -9\); "
                      r"its jobs go to the 1 still running", err)
    assert len(said) == 1 and err.count("the scoring helper process") == 1
    assert scoring_status(tmp_path / "killed") == {"used": True, "workers": 2, "stopped": "exited (code -9)",
                                                   "workers_stopped": 1}
    assert comparable(tmp_path / "killed") == comparable(tmp_path / "plain")  # 36 pairs, each once


def test_when_every_helper_dies_the_rest_is_scored_in_process(dying_suite, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("DYING_ROUGE", "all")
    capsys.readouterr()
    assert main(["run", str(dying_suite), "--out", str(tmp_path / "dead"), "--workers", "2"]) == 0
    err = capsys.readouterr().err
    assert err.count("the scoring helper process") == 2
    assert err.count("exited (code 3); scoring in this process instead") == 1  # said when the last one goes
    assert scoring_status(tmp_path / "dead")["workers_stopped"] == 2
    assert comparable(tmp_path / "dead") == comparable(tmp_path / "plain")
