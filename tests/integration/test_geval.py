"""The geval scorer over HTTP: through the FAKE server in a whole run, and replayed from a cassette.

The fake server's answers are test fixtures, not a model's judgement: a json_schema request
gets a schema-conforming object (every score 1, the enum's first value), and with
``"logprobs": true`` each digit token gets deterministic neighbouring digits as alternatives
(``harness.testing.fake_content.fake_logprobs``). Re-record the cassette with
``SUMBENCH_RECORD=fake pytest tests/integration/test_geval.py``.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import pytest
import yaml

from harness.backends import retry
from harness.backends.cache import Cache
from harness.cli import main
from harness.core.metrics import catalog_of
from harness.core.models import Item
from harness.core.registry import scorers
from harness.testing.cassettes import REPLAY_BASE_URL, make_vcr, record_mode
from harness.testing.fake_server import FakeServer
from harness.testing.synthetic import write_synthetic_suite

CASSETTES = Path(__file__).parent / "cassettes" / "test_geval"
BUILT_IN = ("consistency", "coherence", "fluency", "relevance")
ARTICLE = ("The council of Eastbridge approved a cycling bridge on Tuesday. It will cost 12 million euros. "
           "Construction starts in spring and should take 18 months.")
SUMMARY = "Eastbridge approved a 12 million euro cycling bridge; building starts in spring."


@pytest.fixture(autouse=True)
def no_sleep(monkeypatch):
    monkeypatch.setattr(retry, "SLEEP", lambda s: None)


def judged(body: dict) -> bool:
    return "<criteria>" in body["messages"][-1]["content"]


def geval_suite(tmp: Path, srv: FakeServer, n: int = 4, table: str = "") -> Path:
    suite = write_synthetic_suite(tmp / "suite", n=n, base_url=srv.base_url, variants=("concise",))
    text = suite.read_text().replace('scorers = ["rouge", "checklist", "length"]', 'scorers = ["length", "geval"]')
    suite.write_text(text + "\n[scorer.geval]\n"
                     f'judge = {{backend = "openai", model = "fake-judge", base_url = "{srv.base_url}", '
                     f'temperature = 0, max_attempts = 2}}\n{table}')
    return suite


def records(run: Path) -> list[dict]:
    return [json.loads(x) for x in (run / "records.jsonl").read_text().splitlines()]


def run(suite: Path, out: Path, cache: Path) -> int:
    return main(["run", str(suite), "--out", str(out), "--cache-dir", str(cache)])


def test_every_record_gets_weighted_scores_and_a_second_run_comes_from_the_cache(tmp_path):
    with FakeServer() as srv:
        suite = geval_suite(tmp_path, srv)
        assert run(suite, tmp_path / "r1", tmp_path / "cache") == 0
        first = srv.stats()["chat_completions"]
        assert first == 8  # 4 summaries + 4 judge calls: all criteria of a summary in one call
        assert run(suite, tmp_path / "r2", tmp_path / "cache") == 0
        assert srv.stats()["chat_completions"] == first  # summaries and judge answers served from the cache
        assert main(["run", str(suite), "--out", str(tmp_path / "r3"), "--no-cache"]) == 0
    for folder, cached in (("r1", 0), ("r2", 1), ("r3", 0)):  # r3: weighted with no cache to read them from
        recs = records(tmp_path / folder)
        assert len(recs) == 4
        for r in recs:
            assert all(1 <= r["scores"][f"geval.{c}"] <= 5 for c in BUILT_IN), r["scores"]
            d = r["details"]["geval"]
            assert {c: d["criteria"][c]["source"] for c in BUILT_IN} == dict.fromkeys(BUILT_IN, "logprobs")
            assert d["judge"]["usage"]["calls"] == 1 and d["judge"]["usage"]["cached"] == cached
            assert r["undecided"] == {}
    manifest = json.loads((tmp_path / "r1" / "manifest.json").read_text())
    settings = manifest["scoring"]["geval"]
    assert settings["criteria"] == list(BUILT_IN) and set(settings["rubric_sha256"]) == set(BUILT_IN)
    assert settings["logprobs"] is True and settings["top_logprobs"] == 5 and settings["judge"]["model"] == "fake-judge"
    assert catalog_of(manifest).direction("geval.coherence") == "higher"


def by_seed(body: dict) -> str | None:
    """Judge answers whose 'brevity' score depends on the sample's seed (1, 2, 3 -> 2, 4, 3)."""
    if not judged(body):
        return None
    brevity = {1: 2, 2: 4, 3: 3}[body["seed"]]
    return json.dumps({"fluency": {"reason": "reads well", "score": 5},
                       "brevity": {"reason": "seed", "score": brevity}})


def test_own_criteria_and_repeats_without_logprobs(tmp_path):
    table = ('criteria = ["fluency", {name = "brevity", rubric = "5: as short as it can be; 1: rambling."}]\n'
             "judge_repeats = 3\nlogprobs = false\n")
    with FakeServer(responder=by_seed) as srv:
        suite = geval_suite(tmp_path, srv, n=2, table=table)
        suite.write_text(suite.read_text().replace("temperature = 0,", "temperature = 0.7, seed = 1,"))
        assert run(suite, tmp_path / "r", tmp_path / "cache") == 0
        assert srv.stats()["chat_completions"] == 2 + 2 * 3
    for r in records(tmp_path / "r"):
        assert r["scores"]["geval.brevity"] == 3.0 and r["scores"]["geval.fluency"] == 5.0
        b = r["details"]["geval"]["criteria"]["brevity"]
        assert b["source"] == "samples" and b["answers"] == [2, 4, 3]
        assert b["std"] == pytest.approx(math.sqrt(2 / 3))  # population std of 2, 4, 3
    manifest = json.loads((tmp_path / "r" / "manifest.json").read_text())
    assert catalog_of(manifest).direction("geval.brevity") == "higher"  # the geval.* family


def malformed(body: dict) -> str | None:
    if not judged(body):
        return None
    return json.dumps({"consistency": {"reason": "ok", "score": 4}, "coherence": {"reason": "odd", "score": 9},
                       "fluency": {"reason": "ok", "score": 5}})


def test_malformed_answers_are_nan_and_count_against_the_judge_error_budget(tmp_path, capsys):
    with FakeServer(responder=malformed) as srv:
        suite = geval_suite(tmp_path, srv, n=2)
        assert run(suite, tmp_path / "r", tmp_path / "cache") == 1  # judge_error_budget = 0
    assert "4 judgement(s) were left undecided" in capsys.readouterr().err
    for r in records(tmp_path / "r"):
        assert r["scores"]["geval.consistency"] > 3.5 and r["scores"]["geval.fluency"] > 4
        assert r["scores"].get("geval.coherence") is None and r["scores"].get("geval.relevance") is None  # NaN
        assert r["undecided"] == {"geval: judge score is outside 1-5": 1,
                                  "geval: judge gave no score for this criterion": 1}
        crit = r["details"]["geval"]["criteria"]
        assert crit["relevance"] == {"score": None, "reason": "geval: judge gave no score for this criterion"}


def fenced(body: dict) -> str | None:
    if not judged(body):
        return None
    scores = {c: {"reason": "fine", "score": 3} for c in BUILT_IN}
    return "Here are the scores:\n```json\n" + json.dumps(scores) + "\n```"


def test_a_server_without_structured_output_is_asked_without_the_schema(tmp_path):
    with FakeServer(responder=fenced, strict_schema=True) as srv:
        suite = geval_suite(tmp_path, srv, n=2)
        assert run(suite, tmp_path / "r", tmp_path / "cache") == 0
        # 2 summaries, 2 judge calls without the schema, and 1 or 2 refused with it (the judge remembers
        # the refusal, but both items may have asked at once)
        assert srv.stats()["chat_completions"] in (5, 6)
    for r in records(tmp_path / "r"):
        # the fenced JSON's digits still carry logprobs: 3 with neighbours 4 (.2), 2 (.1), 5 (.05), 1 (.03)
        want = (3 * 0.6 + 4 * 0.2 + 2 * 0.1 + 5 * 0.05 + 1 * 0.03) / (0.6 + 0.2 + 0.1 + 0.05 + 0.03)
        assert r["scores"]["geval.fluency"] == pytest.approx(want, abs=1e-5)


# -- the cassette ---------------------------------------------------------
def varied(body: dict) -> str | None:
    """A judge answer with a different score per criterion, so each digit's neighbours differ."""
    scores = {"consistency": 4, "coherence": 2, "fluency": 5, "relevance": 3}
    return json.dumps({c: {"reason": f"scripted {c}", "score": s} for c, s in scores.items()})


@pytest.fixture
def endpoint():
    if record_mode() == "real":
        pytest.skip("this cassette is recorded against the fake server (its scripted answer)")
    if record_mode() == "fake":
        (CASSETTES / "top_logprobs.yaml").unlink(missing_ok=True)
        with FakeServer(responder=varied) as srv:
            yield srv.base_url
    else:
        yield REPLAY_BASE_URL


def expected_from_yaml() -> dict[str, float]:
    """The weighted scores, worked out from the recorded response alone (not with harness code)."""
    (only,) = yaml.safe_load((CASSETTES / "top_logprobs.yaml").read_text(encoding="utf-8"))["interactions"]
    content = json.loads(only["response"]["body"]["string"])["choices"][0]["logprobs"]["content"]
    text = "".join(t["token"] for t in content)
    starts = [sum(len(t["token"]) for t in content[:i]) for i in range(len(content))]
    out = {}
    for m in re.finditer(r'"(\w+)": \{"reason": "[^"]*", "score": (\d)', text):
        token = content[starts.index(m.start(2))]
        p = {int(a["token"]): math.exp(a["logprob"]) for a in token["top_logprobs"] if a["token"] in set("12345")}
        out[m.group(1)] = sum(d * q for d, q in p.items()) / sum(p.values())
    return out


def test_a_recorded_answer_with_top_logprobs_gives_the_weighted_scores(endpoint, tmp_path):
    with make_vcr(CASSETTES).use_cassette("top_logprobs.yaml") as cass:
        sc = scorers.create("geval", {"judge": {"backend": "openai", "model": "gpt-4o-mini", "base_url": endpoint,
                                                "temperature": 0, "max_attempts": 1}}, cache=Cache(tmp_path))
        s = sc.score(Item(id="bridge", article=ARTICLE, references=["r"]), SUMMARY, ARTICLE)
    assert (CASSETTES / "top_logprobs.yaml").read_text(encoding="utf-8").splitlines()[0].startswith(
        "# sumbench cassette. recorded against: sumbench local FAKE")
    body = json.loads(cass.requests[0].body)
    assert body["logprobs"] is True and body["top_logprobs"] == 5 and body["response_format"]["type"] == "json_schema"
    want = expected_from_yaml()
    assert set(want) == set(BUILT_IN)
    # by hand for consistency (score 4; neighbours 5, 3, 6, 2 at .2, .1, .05, .03; 6 is no 1-5 digit):
    # (4*.6 + 5*.2 + 3*.1 + 2*.03) / (.6 + .2 + .1 + .03) = 3.76 / .93
    assert want["consistency"] == pytest.approx(3.76 / 0.93, abs=1e-5)
    assert {k[len("geval."):]: v for k, v in s.metrics.items()} == pytest.approx(want)
    assert {c: d["answers"] for c, d in s.details["criteria"].items()} == {
        "consistency": [4], "coherence": [2], "fluency": [5], "relevance": [3]}
    if record_mode() is None:
        assert cass.play_count == 1 and cass.all_played
