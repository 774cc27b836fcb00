"""Where scoring runs: CPU scorers on the record-writing thread, model-calling scorers in the pool."""

from __future__ import annotations

import threading

from harness.run.execute import execute
from harness.run.plan import RunOptions, plan_run
from harness.scorers.base import BaseScorer, Score
from harness.suite.datasets import load_suite


class Recorder(BaseScorer):
    def __init__(self, name: str, calls_network: bool = False):
        self.name, self.threads = name, []
        self.calls_network = calls_network  # declared: an LLM judge, or any scorer that waits on a model

    def score(self, item, summary, article):
        self.threads.append(threading.current_thread().name)
        return Score({f"{self.name}.n": float(len(summary))}, {"ok": True})

    def settings(self):
        return {}


def test_network_scorers_run_in_pool_cpu_scorers_on_writer(tmp_path, write):
    write("ds/suite.toml", 'name = "t"\nitems = "i/*.toml"\nscorers = ["length"]\n'
                           '[[systems]]\nname = "lead"\nbackend = "lead"\nsentences = 1\n')
    for n in range(6):
        write(f"ds/i/{n}.toml", f'id = "a{n}"\narticle = "One {n}. Two. Three."\nreferences = ["One."]\n')
    opts = RunOptions(out=tmp_path / "r", no_cache=True, concurrency=3)
    plan = plan_run(load_suite(tmp_path / "ds"), opts)
    cpu, judge, net = Recorder("cpu"), Recorder("judge", calls_network=True), Recorder("net", calls_network=True)
    plan.scorers = [("cpu", cpu), ("judge", judge), ("net", net)]
    execute(plan, opts)
    assert cpu.threads == [threading.main_thread().name] * 6
    assert len(judge.threads) == len(net.threads) == 6
    assert all(t.startswith("sumbench") for t in judge.threads + net.threads)
    import json
    recs = [json.loads(x) for x in (tmp_path / "r" / "records.jsonl").read_text().splitlines()]
    assert all(list(r["details"]) == ["cpu", "judge", "net"] for r in recs)  # suite order kept
    assert all(r["scores"]["net.n"] == len(r["summary"]) for r in recs)
