"""The demo dataset (datasets/demo): shape, faithful references, checklists that catch errors.

The wrong and correct summaries come from a hand-written fixture
(tests/fixtures/demo_wrong_summaries.toml) whose expected verdicts were
decided by reading each summary, so these tests fail when a pattern is too
broad (flags a correct paraphrase or negation) or too narrow (misses a
planted error).
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from harness.core.patterns import first_match
from harness.core.registry import scorers
from harness.core.text import normalize_ws, split_paragraphs, split_sentences, words
from harness.suite.datasets import load_suite

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "datasets" / "demo"
FIXTURE = ROOT / "tests" / "fixtures" / "demo_wrong_summaries.toml"


@pytest.fixture(scope="module")
def suite():
    return load_suite(DEMO)


@pytest.fixture(scope="module")
def items(suite):
    return {item.id: item for item in suite.iter_items()}


@pytest.fixture(scope="module")
def checklist():
    return scorers.create("checklist", {})


@pytest.fixture(scope="module")
def fixture():
    with FIXTURE.open("rb") as fh:
        return tomllib.load(fh)


def test_suite_config(suite):
    cfg = suite.config
    assert cfg.name == "demo"
    assert cfg.items == "items/*.toml"
    assert {"rouge", "checklist", "length"} <= set(cfg.scorers)
    systems = {s.name: s for s in cfg.systems}
    assert systems["lead3"].backend == "lead" and systems["lead3"].options == {"sentences": 3}
    assert systems["textrank"].backend == "textrank" and systems["textrank"].options == {"sentences": 3}
    assert systems["oracle"].backend == "oracle"


def test_enough_items_all_labelled_fictional(suite, items):
    assert len(items) >= 24
    assert suite.validate() == len(items)  # ids unique, every file loads
    for item in items.values():
        assert item.meta.get("fictional") is True, item.id
        assert item.meta.get("topic"), item.id
    assert len({item.meta["topic"] for item in items.values()}) >= 10


def test_articles_are_short_news_pieces(items):
    for item in items.values():
        n_words = len(words(item.article))
        assert 180 <= n_words <= 350, (item.id, n_words)
        assert 4 <= len(split_paragraphs(item.article)) <= 7, item.id
        assert '"' in item.article, f"{item.id}: news style means at least one quote"


def test_references_are_2_to_4_lines(items):
    for item in items.values():
        assert len(item.references) == 1, item.id
        lines = [ln for ln in item.references[0].splitlines() if ln.strip()]
        assert 2 <= len(lines) <= 4, item.id
        assert len(split_sentences(item.references[0])) == len(lines), f"{item.id}: one sentence per line"


def test_reference_numbers_appear_in_article(items):
    """Every figure in a reference is stated in its article (a cheap faithfulness check)."""
    number = re.compile(r"\d+(?:[.,:]\d+)*")
    for item in items.values():
        in_article = set(number.findall(item.article))
        for n in number.findall(item.references[0]):
            assert n in in_article, f"{item.id}: reference number {n} is not in the article"


def test_checklist_shape(items):
    for item in items.values():
        assert len(item.required_claims) >= 4, item.id
        assert len(item.forbidden_claims) >= 2, item.id
        assert all(c.patterns for c in item.checklist), item.id


def test_references_have_full_recall_and_no_violations(items, checklist):
    for item in items.values():
        score = checklist.score(item, item.references[0], item.article)
        assert score.metrics == {"checklist.recall": 1.0, "checklist.violations": 0.0}, (
            item.id, score.details["missed"], score.details["violated"])


def test_no_forbidden_claim_fires_on_the_article(items):
    """Extractive systems copy article sentences, which are true by construction."""
    for item in items.values():
        for sentence in split_sentences(item.article):
            for claim in item.forbidden_claims:
                hit = first_match(claim.patterns, normalize_ws(sentence))
                assert hit is None, f"{item.id}: forbidden '{claim.id}' matches article text {hit.text!r}"


def test_every_item_has_a_hand_written_wrong_summary(items, fixture):
    assert sorted(c["item"] for c in fixture["wrong"]) == sorted(items)


def test_wrong_summaries_are_caught(items, checklist, fixture):
    for case in fixture["wrong"]:
        item = items[case["item"]]
        score = checklist.score(item, case["summary"], item.article)
        violated, missed = set(score.details["violated"]), set(score.details["missed"])
        assert violated or missed, item.id
        assert score.metrics["checklist.violations"] > 0 or score.metrics["checklist.recall"] < 1, item.id
        assert violated == set(case["violates"]), (item.id, "violated", violated)
        assert missed == set(case["misses"]), (item.id, "missed", missed)


def test_correct_paraphrases_and_negations_are_not_flagged(items, checklist, fixture):
    assert len(fixture["correct"]) >= 5
    for case in fixture["correct"]:
        item = items[case["item"]]
        details = checklist.score(item, case["summary"], item.article).details
        assert details["violated"] == [], (item.id, details["violated"])
        assert not set(case["present"]) & set(details["missed"]), (item.id, details["missed"])
