"""G-Eval scorer pieces: digit weighting, finding the score token, tolerant parsing, options.

Expected values are worked by hand in the comments (probabilities, not logprobs, so
they can be checked on paper); the scorer itself is driven by a stub judge here and
through the fake server in tests/integration/test_geval.py.
"""

from __future__ import annotations

import hashlib
import json
import math

import pytest

from harness.core.errors import BackendError, UserError
from harness.core.models import Item
from harness.core.protocols import Completion
from harness.core.registry import scorers
from harness.scorers.geval import combine, parse_scores, render
from harness.scorers.logprobs import digit_mean, number_offsets, weighted_scores
from tests.paths import ROOT

NAMES = ["coherence", "fluency"]
JUDGE = {"backend": "openai", "model": "stub", "base_url": "http://127.0.0.1:9/v1", "max_attempts": 1}


def alt(token: str, p: float) -> dict:
    return {"token": token, "logprob": math.log(p)}


def test_digit_mean_weights_the_digits_and_renormalises_over_1_to_5():
    top = [alt("4", 0.6), alt("3", 0.2), alt("5", 0.1), alt("x", 0.05), alt("2", 0.05)]
    # (4*.6 + 3*.2 + 5*.1 + 2*.05) / (.6 + .2 + .1 + .05) = 3.6 / .95; "x" is dropped
    assert digit_mean(top) == pytest.approx(3.6 / 0.95) == pytest.approx(3.789473684)


def test_digit_mean_adds_tokens_of_one_digit_and_drops_other_numbers():
    top = [alt(" 4", 0.5), alt("4", 0.1), alt(" 3", 0.2), alt("10", 0.1), alt("0", 0.05), alt(" five", 0.05)]
    # 4: .5 + .1 = .6, 3: .2; "10", "0" and " five" are no digit 1-5 -> (2.4 + .6) / .8
    assert digit_mean(top) == pytest.approx(3.75)
    assert digit_mean([alt("x", 1.0), alt("7", 0.5)]) is None
    assert digit_mean([alt(':"4', 0.9), alt(':"2', 0.1), alt("5", 0.5)], prefix=':"') == pytest.approx(3.8)


def test_number_offsets_skips_numbers_inside_strings():
    text = 'Sure: {"coherence": {"reason": "not \\"score\\": 9", "score": 3}, "fluency": 5} done 7'
    offsets = number_offsets(text)
    assert offsets == {("coherence", "score"): text.index("3}"), ("fluency",): text.index("5}")}


def tokens(*pieces) -> list[dict]:
    """Token entries; a (text, top) pair gives that token its alternatives."""
    out = []
    for p in pieces:
        text, top = p if isinstance(p, tuple) else (p, [])
        out.append({"token": text, "logprob": -0.01, "bytes": list(text.encode("utf-8")), "top_logprobs": top})
    return out


def test_weighted_scores_find_the_token_of_each_criterions_digit():
    lp = tokens('{"', "coherence", '":{"', "reason", '":"', "ok", '","', "score", '":',
                ("4", [alt("4", 0.5), alt("5", 0.5)]), '},"', "fluency", '":{"', "reason", '":"',
                "a 3", '","', "score", '":', (" 2", [alt(" 2", 0.7), alt(" 1", 0.3)]), "}}")
    assert json.loads("".join(t["token"] for t in lp))["fluency"]["score"] == 2
    # coherence: (4*.5 + 5*.5) / 1 = 4.5; fluency: (2*.7 + 1*.3) / 1 = 1.7 (the "3" in its reason is no score)
    assert weighted_scores(lp, NAMES) == pytest.approx({"coherence": 4.5, "fluency": 1.7})


def test_weighted_scores_use_bytes_when_a_token_splits_a_character():
    lp = tokens('{"fluency":{"reason":"caf', "", "", '","score":', ("3", [alt("3", 0.8), alt("4", 0.2)]), "}}")
    lp[1].update(token="\\xc3", bytes=[0xC3])  # "é" split over two tokens, as OpenAI reports it
    lp[2].update(token="\\xa9", bytes=[0xA9])
    assert weighted_scores(lp, ["fluency"]) == pytest.approx({"fluency": 3.2})  # 3*.8 + 4*.2


def test_a_generated_digit_outside_its_top_list_still_counts():
    lp = tokens('{"fluency": ', ("5", [alt("4", 0.25)]), "}")
    lp[1]["logprob"] = math.log(0.25)
    assert weighted_scores(lp, ["fluency"]) == pytest.approx({"fluency": 4.5})  # (4*.25 + 5*.25) / .5


def test_weighted_scores_leave_criteria_without_a_digit_token():
    assert weighted_scores(tokens('{"fluency": "', "4", '"}'), ["fluency"]) == {}  # a string, not a number
    assert weighted_scores([{"token": 3}], ["fluency"]) == {}  # odd shapes are no error
    assert weighted_scores([{"bytes": "nope", "token": "{"}], ["fluency"]) == {}


@pytest.mark.parametrize("data,reason", [
    (None, "geval: judge answer is not JSON"),
    (["coherence", 3], "geval: judge answer is not a JSON object"),
    ({"fluency": {"reason": "fine", "score": 4}}, "geval: judge gave no score for this criterion"),
    ({"coherence": {"reason": "x"}, "fluency": {"score": 4}}, "geval: judge gave no score for this criterion"),
    ({"coherence": {"score": 9}, "fluency": {"score": 4}}, "geval: judge score is outside 1-5"),
    ({"coherence": {"score": 3.5}, "fluency": {"score": 4}}, "geval: judge score is not an integer"),
    ({"coherence": {"score": True}, "fluency": {"score": 4}}, "geval: judge score is not an integer"),
])
def test_unusable_answers_give_an_error_per_criterion(data, reason):
    assert parse_scores(data, NAMES)["coherence"] == {"error": reason}


def test_parse_scores_accepts_whole_numbers_in_other_spellings():
    got = parse_scores({"coherence": {"score": "4", "reason": " ok\n fine "}, "fluency": 5.0}, NAMES)
    assert got == {"coherence": {"score": 4, "reason": "ok fine"}, "fluency": {"score": 5, "reason": ""}}


def test_combine_averages_samples_and_reports_their_spread():
    s = [{"value": v, "score": v, "source": "samples", "reason": f"r{v}"} for v in (4.0, 5.0, 3.0)]
    out = combine([*s, {"error": "geval: judge answer is not JSON"}])
    assert out["score"] == 4.0 and out["std"] == pytest.approx(math.sqrt(2 / 3))  # population std of 4, 5, 3
    assert out["source"] == "samples" and out["answers"] == [4.0, 5.0, 3.0] and out["invalid_samples"] == 1
    assert combine([{"error": "e"}, {"error": "f"}]) == {"score": None, "reason": "e"}


def test_placeholders_are_filled_once():
    msgs = render("{criteria}|{article}|{summary}", {"fluency": "R {summary}"}, "A {criteria}", "S {article}")
    assert msgs[0]["content"] == '<criterion name="fluency">\nR {summary}\n</criterion>|A {criteria}|S {article}'


@pytest.mark.parametrize("options,message", [
    ({}, "[scorer.geval] judge is required"),
    ({"judge": {"model": "m"}}, "[scorer.geval] judge has no 'backend'"),
    ({"judge": {"backend": "lead"}}, "geval judge backend 'lead' cannot answer prompts"),
    ({"judge": JUDGE, "criteria": ["clarity"]}, "'clarity' is not a built-in criterion"),
    ({"judge": JUDGE, "criteria": ["fluency", {"name": "fluency", "rubric": "x"}]}, "is a built-in criterion"),
    ({"judge": JUDGE, "criteria": [{"name": "a", "rubric": "x"}, {"name": "a", "rubric": "y"}]}, "a given twice"),
    ({"judge": JUDGE, "criteria": [{"name": "Bad-Name", "rubric": "x"}]}, "should match pattern"),
    ({"judge": JUDGE, "criteria": []}, "at least 1 item"),
    ({"judge": JUDGE, "judge_repeats": 21}, "less than or equal to 20"),
    ({"judge": JUDGE, "judge_prompt": "nope.txt"}, "geval judge prompt nope.txt not found"),
    ({"judge": JUDGE, "logprob": True}, "unknown option 'logprob'"),
])
def test_bad_options_are_user_errors(options, message):
    with pytest.raises(UserError) as exc:
        scorers.create("geval", options)
    assert message in str(exc.value)


class StubJudge:
    """Answers from a list, one per call; an exception in the list is raised instead."""

    name, can_complete, supports_json_schema = "stub", True, True

    def __init__(self, *answers):
        self.answers, self.calls = list(answers), []

    def complete(self, messages, *, json_schema=None, sample=0, **params):
        self.calls.append({"schema": json_schema is not None, "sample": sample, **params})
        a = self.answers.pop(0)
        if isinstance(a, Exception):
            raise a
        text = a if isinstance(a, str) else json.dumps(a)
        return Completion(text=text, usage={"prompt_tokens": 10, "completion_tokens": 5}, cost_usd=0.001,
                          data=json.loads(text) if json_schema is not None else None)


def stubbed(judge: StubJudge, **options):
    sc = scorers.create("geval", {"judge": JUDGE, "criteria": NAMES, **options})
    sc.backend = judge
    return sc


ITEM = Item(id="a", article="The council met.", references=["r"])


def test_failures_are_nan_with_a_reason_and_counted_as_undecided():
    judge = StubJudge({"coherence": {"reason": "ok", "score": 4}, "fluency": {"reason": "?", "score": 0}})
    s = stubbed(judge).score(ITEM, "The council met.", ITEM.article)
    assert s.metrics["geval.coherence"] == 4.0 and math.isnan(s.metrics["geval.fluency"])
    assert s.details["criteria"]["coherence"] == {"score": 4.0, "source": "samples", "reason": "ok", "answers": [4]}
    assert s.details["criteria"]["fluency"] == {"score": None, "reason": "geval: judge score is outside 1-5"}
    assert s.undecided == {"geval: judge score is outside 1-5": 1}
    assert s.details["judge"]["usage"] == {"calls": 1, "cached": 0, "prompt_tokens": 10, "completion_tokens": 5,
                                           "cost_usd": 0.001, "spent_usd": 0.001}
    assert s.judge_cost_usd == 0.001  # not cached: spent, what --max-cost counts
    assert judge.calls == [{"schema": True, "sample": 0, "logprobs": True, "top_logprobs": 5}]


def test_a_failed_call_is_nan_for_every_criterion_and_never_raises():
    s = stubbed(StubJudge(BackendError("HTTP 500 from the judge"))).score(ITEM, "x", ITEM.article)
    assert all(math.isnan(v) for v in s.metrics.values())
    assert s.undecided == {"geval: judge call failed: HTTP 500 from the judge": 2}
    assert s.details["judge"]["usage"]["calls"] == 0


def test_repeats_without_logprobs_average_the_samples():
    answers = [{"coherence": {"reason": "r", "score": v}, "fluency": {"reason": "r", "score": 5}} for v in (2, 4, 3)]
    judge = StubJudge(*answers)
    s = stubbed(judge, judge_repeats=3, logprobs=False).score(ITEM, "x", ITEM.article)
    assert s.metrics == {"geval.coherence": 3.0, "geval.fluency": 5.0}
    assert s.details["criteria"]["coherence"]["std"] == pytest.approx(math.sqrt(2 / 3))
    assert s.details["criteria"]["fluency"]["std"] == 0.0
    assert [c["sample"] for c in judge.calls] == [0, 1, 2] and "logprobs" not in judge.calls[0]


def test_logprobs_on_the_completion_are_used_when_present():
    text = '{"coherence": {"reason": "r", "score": 4}, "fluency": {"reason": "r", "score": 2}}'
    judge = StubJudge(text)
    real = judge.complete

    def with_logprobs(*a, **kw):
        c = real(*a, **kw)
        c.logprobs = [{"token": text[:text.index("4")], "top_logprobs": []},
                      {"token": "4", "logprob": math.log(0.5), "top_logprobs": [alt("4", 0.5), alt("3", 0.5)]},
                      {"token": text[text.index("4") + 1:], "top_logprobs": []}]
        return c

    judge.complete = with_logprobs
    s = stubbed(judge).score(ITEM, "x", ITEM.article)
    assert s.metrics == {"geval.coherence": 3.5, "geval.fluency": 2.0}  # fluency's "2" is inside the last token
    assert s.details["criteria"]["coherence"]["source"] == "logprobs"
    assert s.details["criteria"]["fluency"]["source"] == "samples"


def test_a_server_that_rejects_the_schema_is_asked_without_it():
    good = '```json\n{"coherence": {"reason": "r", "score": 3}, "fluency": {"reason": "r", "score": 4}}\n```'
    judge = StubJudge(BackendError("400: response_format", reason="schema_rejected"), good, good)
    sc = stubbed(judge)
    assert sc.score(ITEM, "x", ITEM.article).metrics == {"geval.coherence": 3.0, "geval.fluency": 4.0}
    sc.score(ITEM, "y", ITEM.article)
    assert [c["schema"] for c in judge.calls] == [True, False, False]  # remembered for the next summary


def test_settings_record_criteria_rubrics_prompt_and_judge():
    sc = stubbed(StubJudge(), criteria=["fluency", {"name": "brevity", "rubric": "Short is good."}])
    sc.backend = scorers.create("geval", {"judge": JUDGE}).backend
    got = sc.settings()
    assert got["criteria"] == ["fluency", "brevity"] and got["repeats"] == 1 and got["logprobs"] is True
    assert got["rubric_sha256"]["brevity"] == hashlib.sha256(b"Short is good.").hexdigest()
    builtin = (ROOT / "prompts" / "judge" / "fluency.txt").read_text(encoding="utf-8").strip()
    assert got["rubric_sha256"]["fluency"] == hashlib.sha256(builtin.encode()).hexdigest()
    assert got["prompt"].endswith("prompts/judge/geval.txt") and got["judge"]["model"] == "stub"
