"""Where scoring runs: CPU scorers on the record-writing thread, model-calling scorers in the pool."""

from __future__ import annotations

import threading

from harness.datasets import load_suite
from harness.runner import RunOptions, execute, plan_run
from harness.scorers.base import Score


class Recorder:
    def __init__(self, name: str, **attrs):
        self.name, self.threads = name, []
        self.__dict__.update(attrs)

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
    cpu, judge, net = Recorder("cpu"), Recorder("judge", judge=object()), Recorder("net", needs_network=True)
    plan.scorers = [("cpu", cpu), ("judge", judge), ("net", net)]
    execute(plan, opts)
    assert cpu.threads == [threading.main_thread().name] * 6
    assert len(judge.threads) == len(net.threads) == 6
    assert all(t.startswith("sumbench") for t in judge.threads + net.threads)
    import json
    recs = [json.loads(x) for x in (tmp_path / "r" / "records.jsonl").read_text().splitlines()]
    assert all(list(r["details"]) == ["cpu", "judge", "net"] for r in recs)  # suite order kept
    assert all(r["scores"]["net.n"] == len(r["summary"]) for r in recs)
