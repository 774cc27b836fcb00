"""benchmarks/judge_validation.py runs end to end offline, on tiny FRANK/SummEval-shaped files.

The fixture is written into tmp_path (the shared data folder may be absent on CI): FRANK rows
with ``split``, ``hash``, ``model_name`` and ``human.Factuality``; SummEval rows with ``doc_id``,
``references`` and ``expert.consistency``. Against the FAKE server the figures mean nothing (and
the output says so); against a scripted server whose answers follow the summaries, the judges'
correlations are numbers, and a rerun on the same cache sends no request.
"""

from __future__ import annotations

import importlib.util
import json
import math
import re
import subprocess
import sys
from pathlib import Path

import pytest

from harness.testing.fake_server import FakeServer
from tests.paths import ROOT

BENCH = ROOT / "benchmarks" / "judge_validation.py"
FAKE = "FAKE server: figures are meaningless (the fake judge does not read the text)"
ROWS = ("geval.consistency", "faithfulness question", "faithfulness.score")
ARTICLES = [
    "The council approved a new library on Monday. It will cost 4 million dollars. Building starts in May.",
    "Heavy rain flooded the river town of Brill. Forty homes were evacuated. No one was hurt, police said.",
    "The team won the final 2-1 after extra time. Their captain scored the winner. Fans celebrated all night.",
]
SUMMARIES = [  # per article: faithful, half right, invented
    ["The council approved a new library. It will cost 4 million dollars.",
     "The council approved a library costing 9 million dollars.",
     "The mayor resigned after a bribery scandal in June."],
    ["Rain flooded Brill and forty homes were evacuated.",
     "Rain flooded Brill and two people died.",
     "A fire destroyed the town hall of Oxford."],
    ["The team won the final 2-1 after extra time.",
     "The team lost the final 2-1 on penalties.",
     "The coach was sacked by the club owner."],
]
HUMAN = [1.0, 0.5, 0.0]


def write_fixture(folder: Path) -> Path:
    (folder / "frank").mkdir(parents=True)
    (folder / "summeval").mkdir()
    systems = ["bart", "pgn", "s2s"]
    with (folder / "frank" / "frank_benchmark.jsonl").open("w", encoding="utf-8") as fh:
        for split in ("valid", "test"):
            for a, (article, sums) in enumerate(zip(ARTICLES, SUMMARIES, strict=True)):
                h = f"{split}{a:038d}"
                for k, (s, label) in enumerate(zip(sums, HUMAN, strict=True)):
                    sysname = systems[(k + a) % 3]  # every system writes good and bad ones
                    fh.write(json.dumps({"id": f"{h}:{sysname}", "hash": h, "dataset": "cnndm",
                                         "model_name": sysname, "split": split, "article": article,
                                         "summary": s, "reference": sums[0],
                                         "human": {"Factuality": label}}) + "\n")
    with (folder / "summeval" / "summeval_expert.jsonl").open("w", encoding="utf-8") as fh:
        for a, (article, sums) in enumerate(zip(ARTICLES, SUMMARIES, strict=True)):
            doc = f"cnn-test-{a:040d}"
            for k, (s, label) in enumerate(zip(sums, HUMAN, strict=True)):
                fh.write(json.dumps({"id": f"{doc}:M{k}", "doc_id": doc, "system": f"M{k}", "article": article,
                                     "summary": s, "reference": sums[0], "references": [sums[0]] * 2,
                                     "expert": {"consistency": 1 + 4 * label}}) + "\n")
    return folder


def run(*args: str) -> subprocess.CompletedProcess:
    res = subprocess.run([sys.executable, str(BENCH), *args], capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert res.returncode == 0, res.stderr[-2000:]
    return res


def table(out: str, title: str) -> dict[str, list[str]]:
    """The rows of the table under ``== <title>...`` by metric name: its columns after the label."""
    lines = out.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(f"== {title}"))
    rows: dict[str, list[str]] = {}
    for line in lines[start + 1:]:
        if not line.strip() or line.startswith("=="):
            break
        m = re.match(r"\s*(\S+(?: \S+)?) \(.+?\)\s+(\d+\s.*)", line)  # "<metric> (<what>)  n ..."
        if m and m.group(1) in ROWS:
            rows[m.group(1)] = m.group(2).split()
    return rows


def test_offline_fake_run_says_its_figures_are_meaningless(tmp_path):
    data = write_fixture(tmp_path / "data")
    out = run("--limit", "5", "--split", "test", "--data", str(data), "--cache-dir", str(tmp_path / "cache"),
              "--bootstrap", "50").stdout
    assert out.splitlines()[0] == FAKE
    for title in ("FRANK test", "SummEval"):
        assert f"== {title}: {FAKE} ==" in out
        rows = table(out, title)
        assert set(rows) == set(ROWS), out
        assert all(cols[0] == "5" for cols in rows.values()), out  # n = 5 for each metric
    assert "FRANK test (held out): 5 summaries" in out and "SummEval (held out): 5 summaries" in out
    assert "published (test split, ../shared/data/README.md): ROUGE-L 0.133/0.092" in out
    # 2 judges x 5 rows x 2 data sets; the fixture's SummEval repeats its FRANK texts: those come from the cache
    assert "judge calls: 20 (10 from the cache, 10 sent)" in out, out


def _scripted(body: dict) -> str | None:
    """Answers that follow the summary: words of the summary missing from the article lower them."""
    text = body["messages"][-1]["content"]
    article = text.rsplit("<article>", 1)[1].split("</article>", 1)[0].lower()
    summary = text.rsplit("<summary>", 1)[1].split("</summary>", 1)[0].lower()
    words = re.findall(r"[a-z0-9]+", summary)
    share = sum(w in article for w in words) / max(1, len(words))
    name = ((body.get("response_format") or {}).get("json_schema") or {}).get("name")
    if name == "geval_scores":
        return json.dumps({"consistency": {"reason": "scripted", "score": 1 + round(4 * share)}})
    if name == "faithfulness_question":
        return json.dumps({"reason": "scripted", "verdict": "yes" if share > 0.9 else "no"})
    return None


def test_scripted_judge_correlates_and_a_rerun_is_cached(tmp_path):
    data, cache = write_fixture(tmp_path / "data"), tmp_path / "cache"
    args = ["--limit", "6", "--data", str(data), "--cache-dir", str(cache), "--bootstrap", "50"]
    with FakeServer(responder=_scripted) as srv:
        first = run("--base-url", srv.base_url, "--model", "scripted", *args)
        sent = srv.requests
        again = run("--base-url", srv.base_url, "--model", "scripted", *args)
        assert srv.requests == sent == 12  # 2 judges x 6 FRANK valid rows; the rerun sent nothing
    assert FAKE not in first.stdout
    assert "SummEval: not read (held out as a whole; --split test reports it)" in first.stdout
    rows = table(first.stdout, "FRANK valid")
    for name in ROWS:
        n, pearson, spearman = rows[name][:3]
        assert n == "6" and not math.isnan(float(pearson)) and not math.isnan(float(spearman)), first.stdout
    assert "judge calls: 12 (0 from the cache, 12 sent)" in first.stdout
    assert "judge calls: 12 (12 from the cache, 0 sent)" in again.stdout
    assert table(again.stdout, "FRANK valid") == rows


@pytest.fixture
def bench():
    """The benchmark as a module (it puts the repo and benchmarks/ on sys.path: undone after)."""
    saved_path, saved_mods = list(sys.path), set(sys.modules)
    spec = importlib.util.spec_from_file_location("judge_validation_under_test", BENCH)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    yield mod
    sys.path[:] = saved_path
    for name in set(sys.modules) - saved_mods:
        if name in ("factuality", "judge_validation_under_test"):
            del sys.modules[name]


def test_yes_probability_reads_the_verdict_token(bench):
    def tok(t, lp, top=()):
        return {"token": t, "logprob": lp, "bytes": list(t.encode()),
                "top_logprobs": [{"token": a, "logprob": b} for a, b in top]}

    head = [tok(t, 0.0) for t in ('{"', "reason", '":"', "no", " problem", '","', "verdict", '":"')]
    answer = head + [tok("yes", math.log(0.7), [("yes", math.log(0.7)), ("no", math.log(0.2)),
                                               ("maybe", math.log(0.1))]), tok('"}', 0.0)]
    assert bench.yes_probability(answer) == pytest.approx(0.7 / 0.9)
    # the token carries the opening quote: alternatives must carry it too
    quoted = head[:-1] + [tok('":', 0.0), tok(' "no', math.log(0.6), [(' "no', math.log(0.6)),
                                                                   (' "yes', math.log(0.3)), ("no", -0.1)]),
                          tok('"}', 0.0)]
    assert bench.yes_probability(quoted) == pytest.approx(0.3 / 0.9)
    assert bench.yes_probability([tok('{"verdict":', 0.0)]) is None  # no value written
    assert bench.yes_probability(head[:-1] + [tok('":"', 0.0), tok("perhaps", 0.0), tok('"}', 0.0)]) is None
