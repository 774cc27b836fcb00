"""Checklist judge over HTTP, replayed from cassettes.

The cassettes were recorded against sumbench's local FAKE OpenAI-compatible
server (harness/testing/fake_server.py) with the scripted responders below:
the answers are test fixtures, not a model's judgement. To re-record:
``SUMBENCH_RECORD_CASSETTES=1 pytest tests/integration/test_judge.py`` (the
fake server is started on the fixed address the cassettes name). Requests
are matched on method, URL and body, so any change to the prompt or the
schema shows up as a replay miss.
"""

from __future__ import annotations

import json
import math
import os
import re
from contextlib import contextmanager
from pathlib import Path

import pytest
import vcr

from harness.backends.cache import Cache
from harness.core.models import Claim, Item
from harness.scorers.checklist import Checklist, ChecklistOptions
from harness.testing.cassettes import FAKE_LABEL, LabelledYaml

CASSETTES = Path(__file__).parent / "cassettes" / "test_judge"
PORT = 18765
BASE_URL = f"http://127.0.0.1:{PORT}/v1"
RECORD = os.environ.get("SUMBENCH_RECORD_CASSETTES") == "1"

SUMMARY = ("US envoys met Vladimir Putin in Moscow for five hours.\n"
           "The talks ended without a deal on territory.")
CLAIMS = [
    Claim(id="in-moscow", claim="The talks took place in Moscow."),
    Claim(id="five-hours", claim="The meeting lasted five hours."),
    Claim(id="deal-signed", kind="forbidden", claim="A peace deal was signed."),
    Claim(id="zelenskyy", claim="Zelenskyy revised Ukraine's peace plan."),
    Claim(id="by-pattern", claim="Putin was there.", patterns=[r"\bputin\b"]),
]
ITEM = Item(id="t1", article="(article not needed by the judge)", references=["r"], checklist=CLAIMS)


def _claims_in(body: dict) -> list[str]:
    block = body["messages"][-1]["content"].split("<claims>")[1].split("</claims>")[0]
    return re.findall(r'\{"id": "([^"]+)"', block)


def good(body):
    """Verdicts a careful judge would give for SUMMARY (scripted)."""
    v = {"in-moscow": ("supported", "in Moscow"), "five-hours": ("supported", "for five hours"),
         "deal-signed": ("contradicted", "ended without a deal"), "zelenskyy": ("absent", "")}
    return json.dumps({"claims": [{"id": c, "verdict": v[c][0], "evidence": v[c][1]} for c in _claims_in(body)]})


def malformed(body):
    """One claim missing, one unknown verdict, one extra key, one fine."""
    return json.dumps({"claims": [
        {"id": "in-moscow", "verdict": "maybe", "evidence": ""},
        {"id": "five-hours", "verdict": "Supported", "evidence": "five hours", "confidence": 0.9},
        {"id": "deal-signed", "verdict": "absent", "evidence": ""}]})


def fenced(body):
    """A server that ignores response_format and wraps JSON in prose and a code fence."""
    return "Here you go:\n```json\n" + good(body) + "\n```"


def prose(body):
    return "All of these claims look fine to me."


def by_seed(body):
    """Sample seeds 1, 2, 3: 'five-hours' is judged absent by the third sample only."""
    out = json.loads(good(body))
    if body.get("seed") == 3:
        for c in out["claims"]:
            if c["id"] == "five-hours":
                c["verdict"], c["evidence"] = "absent", ""
    return json.dumps(out)


@contextmanager
def recorded(name: str, responder):
    """vcr cassette ``name``; records against the fake server (with ``responder``) only when asked."""
    rec = vcr.VCR(cassette_library_dir=str(CASSETTES), record_mode="all" if RECORD else "none",
                  match_on=["method", "scheme", "host", "port", "path", "body"],
                  filter_headers=["authorization", "cookie", "openai-organization"],
                  decode_compressed_response=True, serializer="labelled-yaml")
    rec.register_serializer("labelled-yaml", LabelledYaml(FAKE_LABEL))  # the file's first line says FAKE
    server = None
    if RECORD:
        from harness.testing.fake_server import FakeServer

        server = FakeServer(port=PORT, responder=responder).start()
        (CASSETTES / f"{name}.yaml").unlink(missing_ok=True)  # a fresh recording, not an append
    try:
        with rec.use_cassette(f"{name}.yaml") as cass:
            yield cass
    finally:
        if server:
            server.stop()


def make(tmp_path, repeats=1, **judge):
    cfg = {"backend": "openai", "model": "fake-judge", "base_url": BASE_URL, "temperature": 0,
           "max_attempts": 1, **judge}
    return Checklist(ChecklistOptions(judge=cfg, judge_repeats=repeats), cache=Cache(tmp_path / "cache"))


def by_id(score):
    return {c["id"]: c for c in score.details["claims"]}


def test_undecided_claims_go_to_the_judge_in_one_call(tmp_path):
    with recorded('test_undecided_claims_go_to_the_judge_in_one_call', good) as cassette:
        s = make(tmp_path).score(ITEM, SUMMARY, ITEM.article)
        assert len(cassette.requests) == 1
        body = json.loads(cassette.requests[0].body)
        # one call for the four claims without patterns; the pattern claim is not sent
        assert _claims_in(body) == ["in-moscow", "five-hours", "deal-signed", "zelenskyy"]
        assert body["response_format"]["type"] == "json_schema"
        assert "authorization" not in {k.lower() for k in cassette.requests[0].headers}
        c = by_id(s)
        assert c["in-moscow"]["verdict"] == "present" and c["in-moscow"]["judge_verdict"] == "supported"
        assert c["in-moscow"]["evidence"] == {"text": "in Moscow", "found": True,
                                             "start": SUMMARY.index("in Moscow"), "end": SUMMARY.index("in Moscow") + 9}
        assert c["deal-signed"]["verdict"] == "absent" and c["deal-signed"]["judge_verdict"] == "contradicted"
        assert c["zelenskyy"]["verdict"] == "absent" and "evidence" not in c["zelenskyy"]
        assert c["by-pattern"]["verdict"] == "present" and "decided_by" not in c["by-pattern"]
        # required: in-moscow, five-hours, by-pattern present; zelenskyy absent -> 3/4; forbidden: 0/1
        assert s.metrics == {"checklist.recall": 0.75, "checklist.violations": 0.0, "checklist.judge_errors": 0.0}


def test_judge_answers_are_cached_like_summaries(tmp_path):
    with recorded('test_judge_answers_are_cached_like_summaries', good) as cassette:
        first = make(tmp_path).score(ITEM, SUMMARY, ITEM.article)
        again = make(tmp_path).score(ITEM, SUMMARY, ITEM.article)  # same cache folder, no second request
        assert len(cassette.requests) == 1
        assert first.details["judge"]["usage"]["cached"] == 0 and again.details["judge"]["usage"]["cached"] == 1
        assert again.metrics == first.metrics


def test_malformed_verdicts_are_nan_with_a_reason_and_excluded(tmp_path):
    with recorded('test_malformed_verdicts_are_nan_with_a_reason_and_excluded', malformed) as cassette:
        s = make(tmp_path).score(ITEM, SUMMARY, ITEM.article)
        assert len(cassette.requests) == 1  # valid JSON with bad verdicts: no second call
        c = by_id(s)
        assert c["in-moscow"]["verdict"] == "nan" and "verdict" in c["in-moscow"]["reason"]
        assert c["zelenskyy"]["verdict"] == "nan" and c["zelenskyy"]["reason"] == "judge gave no verdict for this claim"
        assert c["five-hours"]["verdict"] == "present"  # "Supported" and an extra key are tolerated
        assert c["deal-signed"]["verdict"] == "absent"
        # required decided: five-hours, by-pattern (both present) -> 1.0; two NaN claims counted
        assert s.metrics["checklist.recall"] == 1.0 and s.metrics["checklist.judge_errors"] == 2.0
        assert sorted(s.details["nan"]) == ["in-moscow", "zelenskyy"]


def test_json_in_prose_falls_back_to_a_tolerant_parse(tmp_path):
    with recorded('test_json_in_prose_falls_back_to_a_tolerant_parse', fenced) as cassette:
        s = make(tmp_path).score(ITEM, SUMMARY, ITEM.article)
        # the schema call's answer is not JSON -> one call without the schema, parsed tolerantly
        assert len(cassette.requests) == 2
        assert "response_format" not in json.loads(cassette.requests[1].body)
        assert s.metrics["checklist.recall"] == 0.75 and s.metrics["checklist.judge_errors"] == 0.0


def test_no_json_at_all_is_nan_for_every_judged_claim_never_a_crash(tmp_path):
    with recorded('test_no_json_at_all_is_nan_for_every_judged_claim_never_a_crash', prose) as cassette:
        s = make(tmp_path).score(ITEM, SUMMARY, ITEM.article)
        assert len(cassette.requests) == 2  # the schema call, then one tolerant retry without it
        assert {c["id"] for c in s.details["claims"] if c["verdict"] == "nan"} == {
            "in-moscow", "five-hours", "deal-signed", "zelenskyy"}
        assert s.metrics["checklist.recall"] == 1.0  # only the pattern claim is decided
        assert math.isnan(s.metrics["checklist.violations"])  # the only forbidden claim is NaN
        assert s.metrics["checklist.judge_errors"] == 4.0


def test_repeats_report_the_agreement_rate(tmp_path):
    with recorded('test_repeats_report_the_agreement_rate', by_seed) as cassette:
        s = make(tmp_path, repeats=3, temperature=0.7, seed=1).score(ITEM, SUMMARY, ITEM.article)
        assert [json.loads(r.body)["seed"] for r in cassette.requests] == [1, 2, 3]
        c = by_id(s)
        assert c["five-hours"]["verdict"] == "present"
        assert c["five-hours"]["agreement"] == pytest.approx(2 / 3)
        assert c["five-hours"]["votes"] == {"absent": 1, "supported": 2}
        assert c["in-moscow"]["agreement"] == 1.0
        # mean over the four judged claims: (1 + 2/3 + 1 + 1) / 4
        assert s.metrics["checklist.judge_agreement"] == pytest.approx((3 + 2 / 3) / 4)


def test_sumbench_run_records_judge_verdicts_and_settings(tmp_path):
    from harness.cli import main

    suite = tmp_path / "ds"
    (suite / "items").mkdir(parents=True)
    (suite / "suite.toml").write_text(f'''
name = "judged"
items = "items/*.toml"
scorers = ["checklist"]
[scorer.checklist]
judge = {{backend = "openai", model = "fake-judge", base_url = "{BASE_URL}", temperature = 0, max_attempts = 1}}
[[systems]]
name = "lead1"
backend = "lead"
sentences = 1
''')
    (suite / "items" / "a.toml").write_text('''
id = "a"
article = "US envoys met Vladimir Putin in Moscow for five hours. The talks ended without a deal on territory."
references = ["US envoys met Putin in Moscow; no deal."]
[[checklist]]
id = "in-moscow"
claim = "The talks took place in Moscow."
[[checklist]]
id = "deal-signed"
kind = "forbidden"
claim = "A peace deal was signed."
''')
    out = tmp_path / "run"
    with recorded("test_sumbench_run_records_judge_verdicts_and_settings", good) as cassette:
        code = main(["run", str(suite), "--out", str(out), "--cache-dir", str(tmp_path / "cache")])
    assert code == 0 and len(cassette.requests) == 1
    rec = json.loads((out / "records.jsonl").read_text().splitlines()[0])
    assert rec["summary"] == "US envoys met Vladimir Putin in Moscow for five hours."
    assert rec["scores"]["checklist.recall"] == 1.0 and rec["scores"]["checklist.violations"] == 0.0
    claims = {c["id"]: c for c in rec["details"]["checklist"]["claims"]}
    # the scripted judge quotes "ended without a deal", which this one-sentence summary does not contain
    assert claims["deal-signed"]["evidence"] == {"text": "ended without a deal", "found": False}
    manifest = json.loads((out / "manifest.json").read_text())
    judge = manifest["scoring"]["checklist"]["judge"]
    assert judge["model"] == "fake-judge" and judge["prompt"].endswith("prompts/judge/checklist.txt")
    assert "sk-" not in (out / "manifest.json").read_text() + (out / "records.jsonl").read_text()
