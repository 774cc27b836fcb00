"""The checklist judge against servers that refuse structured output or fail: never a silent pass.

Live against sumbench's local FAKE server (its answers are scripted fixtures, not a model's).
"""

from __future__ import annotations

import json

import pytest

from harness.backends import retry
from harness.backends.cache import Cache
from harness.core.models import Claim, Item
from harness.scorers.checklist import Checklist, ChecklistOptions
from harness.testing.fake_server import FakeServer

SUMMARY = "US envoys met Vladimir Putin in Moscow for five hours.\nThe talks ended without a deal."
CLAIMS = [Claim(id="in-moscow", claim="The talks took place in Moscow."),
          Claim(id="deal-signed", kind="forbidden", claim="A peace deal was signed."),
          Claim(id="putin", claim="Putin was there.", patterns=[r"\bputin\b"], judge=True)]
ITEM = Item(id="t1", article="(not needed by the judge)", references=["r"], checklist=CLAIMS)
VERDICTS = {"in-moscow": "supported", "deal-signed": "contradicted", "putin": "supported"}


def good(body):
    """Verdicts as plain JSON text (a server without structured output still follows the prompt)."""
    return json.dumps({"claims": [{"id": c, "verdict": v, "evidence": ""} for c, v in VERDICTS.items()]})


@pytest.fixture(autouse=True)
def no_sleep(monkeypatch):
    monkeypatch.setattr(retry, "SLEEP", lambda s: None)


def make(srv, tmp_path, **judge):
    cfg = {"backend": "openai", "model": "fake-judge", "base_url": srv.base_url, "temperature": 0, **judge}
    return Checklist(ChecklistOptions(judge=cfg), cache=Cache(tmp_path / "cache"))


def verdicts(score):
    return {c["id"]: c for c in score.details["claims"]}


def test_a_server_that_refuses_response_format_is_asked_without_it_and_remembered(tmp_path):
    with FakeServer(strict_schema=True, responder=good) as srv:
        checklist = make(srv, tmp_path)
        s = checklist.score(ITEM, SUMMARY, ITEM.article)
        assert srv.requests == 2 and srv.outcomes["ok"] == 2  # the 400 is final: one request, then no schema
        v = verdicts(s)
        assert v["in-moscow"]["verdict"] == "present" and v["deal-signed"]["verdict"] == "absent"
        assert s.metrics["checklist.recall"] == 1.0 and s.undecided == {}
        other = Item(id="t2", article="x", references=["r"], checklist=CLAIMS)
        checklist.score(other, SUMMARY + " Later.", other.article)
        assert srv.requests == 3  # remembered for the endpoint: no doomed schema request again


def test_a_422_naming_response_format_as_unexpected_also_falls_back(tmp_path):
    def strict_validator(body):
        if body.get("response_format"):
            detail = [{"loc": ["body", "response_format"], "msg": "Extra inputs are not permitted",
                       "type": "extra_forbidden"}]
            return 422, "application/json", json.dumps({"detail": detail}).encode()
        return None

    with FakeServer(raw=strict_validator, responder=good) as srv:
        s = make(srv, tmp_path).score(ITEM, SUMMARY, ITEM.article)
    assert srv.requests == 2 and s.metrics["checklist.recall"] == 1.0


def test_unusable_answers_leave_claims_undecided_with_the_reason_counted(tmp_path):
    with FakeServer(strict_schema=True, responder=lambda body: "These claims all look fine to me.") as srv:
        s = make(srv, tmp_path).score(ITEM, SUMMARY, ITEM.article)
    v = verdicts(s)
    assert v["in-moscow"]["verdict"] == v["deal-signed"]["verdict"] == "nan"
    assert s.undecided == {"judge answer is not JSON": 2}
    # the judge = true claim keeps what its own pattern found, marked as such
    assert v["putin"]["verdict"] == "present" and v["putin"]["decided_by"] == "pattern"
    assert v["putin"]["judge_error"] == "judge answer is not JSON"
    assert s.metrics["checklist.judge_errors"] == 3.0


def test_a_failed_judge_call_keeps_a_pattern_verdict_and_counts_the_rest(tmp_path):
    with FakeServer() as srv:
        srv.script("500")
        s = make(srv, tmp_path, max_attempts=1).score(ITEM, SUMMARY, ITEM.article)
    v = verdicts(s)
    assert v["putin"]["verdict"] == "present" and v["putin"]["decided_by"] == "pattern"
    (reason,) = s.undecided
    assert reason.startswith("judge call failed: HTTP 500") and s.undecided[reason] == 2
