"""The seed item's checklist: the reference passes, wrong summaries do not."""

import pytest

from harness.core.registry import scorers
from harness.suite.datasets import load_suite
from tests.paths import SEED_SUITE


@pytest.fixture(scope="module")
def item():
    (it,) = list(load_suite(SEED_SUITE).iter_items())
    return it


@pytest.fixture(scope="module")
def checklist():
    return scorers.create("checklist", {})


def test_seed_checklist_shape(item):
    assert len(item.required_claims) >= 6
    assert len(item.forbidden_claims) >= 2
    assert all(c.patterns for c in item.checklist)


def test_reference_has_full_recall_and_no_violation(item, checklist):
    score = checklist.score(item, item.references[0], item.article)
    assert score.metrics == {"checklist.recall": 1.0, "checklist.violations": 0.0}
    assert score.details["missed"] == [] and score.details["violated"] == []


def test_hallucinated_summary_is_caught(item, checklist):
    wrong = ("Zelenskyy met Putin in Kyiv, where the two leaders signed a peace deal "
             "after a two-hour meeting.")
    score = checklist.score(item, wrong, item.article)
    assert score.metrics["checklist.recall"] == 0.0
    assert set(score.details["violated"]) == {"zelenskyy-met-putin", "deal-signed"}
    # 2 of the 3 forbidden claims are asserted
    assert score.metrics["checklist.violations"] == pytest.approx(2 / 3)


def test_negated_deal_is_not_a_violation(item, checklist):
    text = "Talks in Moscow ended and no agreement was reached; Russia has not signed a deal."
    score = checklist.score(item, text, item.article)
    assert "deal-signed" not in score.details["violated"]
    assert "no-agreement" not in score.details["missed"]


def test_evidence_points_at_the_matched_text(item, checklist):
    text = "Envoy   Steve Witkoff met officials for five hours."
    claims = {c["id"]: c for c in checklist.score(item, text, item.article).details["claims"]}
    ev = claims["five-hours"]["evidence"]
    normalised = "Envoy Steve Witkoff met officials for five hours."
    assert normalised[ev["start"]:ev["end"]] == ev["text"] == "five hours"
    assert claims["witkoff-kushner"]["verdict"] == "absent"


def test_claims_without_patterns_are_undecided_and_not_counted(checklist):
    from harness.core.models import Claim, Item

    it = Item(id="x", article="a", references=["r"], checklist=[
        Claim(id="a", claim="A", patterns=["alpha"]), Claim(id="b", claim="B")])
    score = checklist.score(it, "alpha", "")
    assert score.metrics == {"checklist.recall": 1.0}
    assert score.details["undecided"] == ["b"]
