"""sumbench's ROUGE wrapper against the 33 ROUGE-1.5.5 (perl) values.

The fixture (tests/fixtures/rouge155) comes from rouge-score's own test data;
the expected numbers are the original perl script's outputs, not ours.
"""

import json
from pathlib import Path

import pytest

from harness.core.models import Item
from harness.core.registry import scorers
from harness.scorers.rouge import RougeCalc

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "rouge155"
CASES = json.loads((FIX / "expected_rouge155.json").read_text())["cases"]


def _text(spec: str) -> str:
    name, _, line = spec.partition("#line")
    content = (FIX / name).read_text(encoding="utf-8")
    if not line:
        return content
    return content.splitlines(keepends=True)[int(line)]


def test_fixture_has_33_golden_values():
    assert sum(len(case["expected"][t]) for case in CASES for t in case["expected"]) == 33


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_matches_rouge155(case):
    calc = RougeCalc(tuple(case["rouge_types"]), use_stemmer=case["use_stemmer"])
    got = calc.score(_text(case["target"]), _text(case["prediction"]))
    for rtype, exp in case["expected"].items():
        p, r, f = got[rtype]
        assert p == pytest.approx(exp["precision"], abs=0.5 * 10 ** -case["places"])
        assert r == pytest.approx(exp["recall"], abs=0.5 * 10 ** -case["places"])
        assert f == pytest.approx(exp["fmeasure"], abs=0.5 * 10 ** -case["places"])


def test_rougelsum_uses_sentence_lines():
    # Hand-checked case from rouge-score's tests: same sentences, swapped order.
    calc = RougeCalc(("rougeLsum",))
    assert calc.fmeasures("First sentence.\nSecond Sentence.", "Second sentence.\nFirst Sentence.")[
        "rougeLsum"] == pytest.approx(1.0)
    # sumbench splits sentences itself, so the same text on one line also scores 1.0
    # (rouge-score without splitting gives 0.5 here).
    assert calc.fmeasures("First sentence. Second Sentence.", "Second sentence. First Sentence.")[
        "rougeLsum"] == pytest.approx(1.0)


def test_scorer_takes_best_reference_and_reports_p_r():

    item = Item(id="x", article="a", references=["the cat sat", "a dog ran far away"])
    score = scorers.create("rouge", {"types": ["rouge1"]}).score(item, "a dog ran", "")
    # best reference is the second: P = 3/3, R = 3/5, F = 2PR/(P+R) = 0.75
    assert score.metrics == {"rouge1": pytest.approx(0.75)}
    d = score.details["rouge1"]
    assert (d["precision"], d["recall"], d["reference"]) == (pytest.approx(1.0), pytest.approx(0.6), 1)


def test_invalid_rouge_options_fail_at_construction():
    from harness.core.errors import UserError

    with pytest.raises(UserError, match="types"):
        scorers.create("rouge", {"types": ["rouge3"]})
    with pytest.raises(UserError, match="unknown option 'stemming'"):
        scorers.create("rouge", {"stemming": True})
