"""Faithfulness: the seed reference is supported; invented facts are flagged where they are."""

import pytest

from harness.datasets import load_suite
from harness.models import Item
from harness.scorers.faithfulness import Faithfulness, FaithfulnessOptions
from harness.text import remove_duplicate_paragraphs
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
    # paraphrase costs at most overlap_weight (0.4); this reference keeps most of its score
    assert m["faithfulness.score"] >= 0.75


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
