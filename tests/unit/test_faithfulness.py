"""Faithfulness: the seed reference is supported; invented facts are flagged where they are."""

import pytest

from harness.core.models import Item
from harness.core.text import remove_duplicate_paragraphs
from harness.scorers.faithfulness import Faithfulness, FaithfulnessOptions
from harness.scorers.support import stem
from harness.suite.datasets import load_suite
from tests.paths import SEED_SUITE

SCORER = Faithfulness(FaithfulnessOptions())
ITEM = Item(id="x", article="unused", references=["r"])


@pytest.fixture(scope="module")
def seed():
    item = next(load_suite(SEED_SUITE).iter_items())
    article, _ = remove_duplicate_paragraphs(item.article)
    return item, article


def flagged(score, kinds=("number", "entity", "quote", "negation")):
    return [(f["kind"], f["start"], f["end"], f["text"]) for f in score.details["flagged"] if f["kind"] in kinds]


def test_seed_reference_is_supported(seed):
    item, article = seed
    s = SCORER.score(item, item.references[0], article)
    m = s.metrics
    # every number, name and quote of the hand-written reference is in the article
    assert m["faithfulness.numbers"] == m["faithfulness.entities"] == m["faithfulness.quotes"] == 1.0
    assert flagged(s) == []
    # a careful paraphrase: a few new words ("called") and regrouped facts, nothing invented
    assert m["faithfulness.score"] >= 0.95


def test_invented_number_name_and_quote_are_flagged_and_cost(seed):
    item, article = seed
    ref = item.references[0]
    bad = (ref.replace("Five hours", "Nine hours").replace("Steve Witkoff", "Michael Brennan")
           .replace('"extremely useful"', '"a historic breakthrough for peace"'))
    good_s, bad_s = SCORER.score(item, ref, article), SCORER.score(item, bad, article)
    n, e, q = bad.index("Nine"), bad.index("Michael Brennan"), bad.index("a historic breakthrough")
    assert flagged(bad_s) == [
        ("number", n, n + 4, "Nine"),
        ("entity", e, e + len("Michael Brennan"), "Michael Brennan"),
        ("quote", q, q + len("a historic breakthrough for peace"), "a historic breakthrough for peace"),
    ]
    assert bad_s.metrics["faithfulness.numbers"] == 0.0  # the only number is invented
    assert bad_s.metrics["faithfulness.quotes"] == 0.5  # one of two quotes
    assert bad_s.metrics["faithfulness.score"] <= good_s.metrics["faithfulness.score"] - 0.1
    assert bad_s.details["penalty"] == pytest.approx(0.98 * 0.955 * 0.955, abs=1e-4)  # one each, whole summary


def test_number_spelled_differently_is_supported():
    art = "Some 5,000 fans watched as the club lost three of its last four games."
    s = SCORER.score(ITEM, "Five thousand fans saw the club lose 3 of 4 games.", art)
    assert s.metrics["faithfulness.numbers"] == 1.0


def test_ptb_tokenized_lowercased_output_is_matched():
    art = 'Natalia Moon, 23, promotes herself as "the Barbie from Down Under". She didn\'t stop.'
    summ = "natalia moon , 23 , promotes herself as ` the barbie from down under ' . she did n't stop ."
    s = SCORER.score(ITEM, summ, art)
    assert s.metrics["faithfulness.quotes"] == 1.0 and s.metrics["faithfulness.numbers"] == 1.0
    assert s.metrics["faithfulness.ngrams"] == 1.0  # every 4-gram occurs once tokens are normalised
    assert s.metrics["faithfulness.score"] == pytest.approx(1.0)


def test_negation_missing_from_the_article_is_flagged():
    art = "The minister approved the new bridge on Tuesday after a long debate."
    summ = "The minister did not approve the new bridge."
    s = SCORER.score(ITEM, summ, art)
    assert [(k, t) for k, _, _, t in flagged(s)] == [("negation", "not")]
    assert s.metrics["faithfulness.negation"] == 0.0


def test_recombined_article_words_score_lower_than_copied_ones():
    art = ("Police arrested a man in Leeds on Monday. Separately, a woman was fined in York "
           "for speeding on the motorway.")
    copied = SCORER.score(ITEM, "Police arrested a man in Leeds on Monday.", art).metrics["faithfulness.score"]
    mixed = SCORER.score(ITEM, "Police fined a woman in Leeds for speeding.", art).metrics["faithfulness.score"]
    assert copied == pytest.approx(1.0) and mixed < copied


def test_glued_article_sentences_and_empty_summary():
    art = "The biologist was vilified by the scientific community.Dr Venter has not gained a reputation."
    s = SCORER.score(ITEM, "Dr Venter was vilified by the scientific community.", art)
    assert s.metrics["faithfulness.entities"] == 1.0
    assert SCORER.score(ITEM, "   ", art).metrics == {}


def test_sentence_support_by_hand():
    """content 2/3 ("rejected" is not in the article), pairs 1/1 (council..park, 4 tokens apart)."""
    art = "The council approved the new park on Monday."
    opts = FaithfulnessOptions(overlap_weight=0.5, content_power=2, support_power=3)
    s = Faithfulness(opts).score(ITEM, "The council rejected the new park.", art)
    assert s.details["counts"]["content"] == {"supported": 2, "total": 3}
    assert s.details["counts"]["pairs"] == {"supported": 1, "total": 1}
    u = ((2 / 3) ** 2 * 1) ** 3
    assert s.metrics["faithfulness.score"] == pytest.approx(1 - 0.5 * (1 - u))
    assert s.details["unsupported_words"] == ["rejected"]


def test_far_apart_pair_lowers_support_by_hand():
    """'Smith' and 'Jones' are both in the article but 16 tokens apart (> pair_window 10)."""
    art = "Smith arrived early. It rained all day and the match was delayed by two full hours. Jones won."
    opts = FaithfulnessOptions(overlap_weight=1.0, content_power=1, support_power=1, pair_window=10)
    s = Faithfulness(opts).score(ITEM, "Smith beat Jones.", art)
    # content: smith, beat (missing), jones -> 2/3; pairs among found words: smith-jones, not near -> 0/1
    assert s.details["counts"]["pairs"] == {"supported": 0, "total": 1}
    assert s.metrics["faithfulness.score"] == pytest.approx(0.0)
    near = Faithfulness(opts.model_copy(update={"pair_window": 30})).score(ITEM, "Smith beat Jones.", art)
    assert near.metrics["faithfulness.score"] == pytest.approx(2 / 3)


def test_penalties_multiply_per_flag_over_the_whole_summary():
    art = "The club signed two players for 5 million pounds. Coach Anna Berg was pleased."
    opts = FaithfulnessOptions(number_penalty=0.1, entity_penalty=0.2)
    s = Faithfulness(opts).score(ITEM, "The club signed two players for 5 million pounds. Coach Anna Berg was pleased.", art)
    assert s.metrics["faithfulness.score"] == pytest.approx(1.0)
    s = Faithfulness(opts).score(ITEM, "The club signed 7 players. Coach Tom Kerr was pleased.", art)
    assert [f["kind"] for f in s.details["flagged"]] == ["number", "entity"]
    assert s.details["penalty"] == pytest.approx(0.9 * 0.8)


@pytest.mark.parametrize("a,b", [("captured", "capture"), ("led", "leading"), ("skeptical", "skepticism"),
                                  ("stopped", "stops"), ("cities", "city"), ("was", "is")])
def test_light_stemmer_agrees_on_word_forms(a, b):
    assert stem(a) == stem(b)


@pytest.mark.parametrize("a,b", [("general", "gene"), ("bed", "be"), ("new", "now")])
def test_light_stemmer_keeps_different_words_apart(a, b):
    assert stem(a) != stem(b)
