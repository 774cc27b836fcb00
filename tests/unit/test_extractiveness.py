"""Extractiveness on cases worked out by hand (expected values derived in comments)."""

import pytest

from harness.core.models import Item
from harness.scorers.extractiveness import (
    Extractiveness,
    ExtractivenessOptions,
    fragments,
    tokens,
)

ITEM = Item(id="x", article="unused", references=["r"])


def score(summary, article, **opts):
    return Extractiveness(ExtractivenessOptions(**opts)).score(ITEM, summary, article)


def test_coverage_density_compression_and_novel_ngrams_by_hand():
    article = "The cat sat on the mat. The dog ran away."
    summary = "The cat sat on a mat."
    # article tokens (10): the cat sat on the mat the dog ran away
    # summary tokens (6):  the cat sat on a mat
    # fragments: "the cat sat on" (4), "a" is not in the article, "mat" (1)
    # coverage = (4 + 1) / 6; density = (4^2 + 1^2) / 6 = 17/6; compression = 10/6
    # novel unigrams: {a} -> 1/6
    # bigrams: the-cat cat-sat sat-on on-a a-mat; novel: on-a, a-mat -> 2/5
    # trigrams: the-cat-sat cat-sat-on sat-on-a on-a-mat; novel: the last two -> 2/4
    m = score(summary, article).metrics
    assert m["extractiveness.coverage"] == pytest.approx(5 / 6)
    assert m["extractiveness.density"] == pytest.approx(17 / 6)
    assert m["extractiveness.compression"] == pytest.approx(10 / 6)
    assert m["extractiveness.novel_1gram"] == pytest.approx(1 / 6)
    assert m["extractiveness.novel_2gram"] == pytest.approx(2 / 5)
    assert m["extractiveness.novel_3gram"] == pytest.approx(2 / 4)
    assert m["extractiveness.redundancy"] == 0.0


def test_fragment_is_the_longest_match_not_the_first():
    # summary "a a b" vs article "a a a b": the first "a a" match (article 0-1) stops at "a" != "b";
    # the match starting at article position 1 covers all three tokens -> one fragment of length 3.
    assert fragments(["a", "a", "b"], ["a", "a", "a", "b"]) == [(0, 3)]
    m = score("a a b", "a a a b").metrics
    assert m["extractiveness.coverage"] == 1.0
    assert m["extractiveness.density"] == pytest.approx(9 / 3)


def test_case_punctuation_and_accents_do_not_break_a_fragment():
    assert tokens("Zelenskyy's PLAN, revised.") == ["zelenskyy's", "plan", "revised"]
    # all 4 summary tokens copied as one run: density 16/4 = 4, no novel unigrams
    m = score("Café owners, PROTESTED loudly", "The cafe owners protested loudly on Friday.").metrics
    assert m["extractiveness.density"] == pytest.approx(4.0)
    assert m["extractiveness.novel_1gram"] == 0.0


def test_fully_abstractive_summary():
    # no summary token occurs in the article: no fragments at all
    m = score("Lawmakers backed spending.", "The council approved the budget.").metrics
    assert m["extractiveness.coverage"] == 0.0 and m["extractiveness.density"] == 0.0
    assert m["extractiveness.novel_1gram"] == 1.0 and m["extractiveness.novel_3gram"] == 1.0


def test_redundancy_counts_repeated_and_reordered_sentences():
    # sentence 2 repeats sentence 1 exactly (punctuation aside); 1 of 3 sentences is redundant
    s = score("Prices rose sharply. Prices rose sharply! Wages fell.", "x")
    assert s.metrics["extractiveness.redundancy"] == pytest.approx(1 / 3)
    assert s.details["repeated_sentences"] == [{"sentence": 2, "repeats": 1}]
    # same word set in another order: Jaccard 1 -> redundant (1 of 2)
    assert score("The mayor resigned on Monday. On Monday the mayor resigned.", "x").metrics[
        "extractiveness.redundancy"] == pytest.approx(1 / 2)
    # {the, mayor, resigned, monday} vs {..., tuesday}: Jaccard 3/5 = 0.6 < 0.8 -> not redundant
    assert score("The mayor resigned Monday. The mayor resigned Tuesday.", "x").metrics[
        "extractiveness.redundancy"] == 0.0
    # ... unless the threshold is lowered to 0.6
    assert score("The mayor resigned Monday. The mayor resigned Tuesday.", "x", near_duplicate=0.6).metrics[
        "extractiveness.redundancy"] == pytest.approx(1 / 2)


def test_empty_summary_has_no_metrics_rather_than_a_division_by_zero():
    s = score("  ", "The council approved the budget.")
    assert s.metrics == {} and "empty" in s.details["note"]


def test_longest_fragments_are_reported():
    s = score("The cat sat on a mat.", "The cat sat on the mat.", show_fragments=1)
    assert s.details["longest_fragments"] == ["the cat sat on"]


def test_copied_sentences_joined_have_no_novel_ngrams_across_the_boundary():
    # "sat down" + "Rain fell" are both copied; "down rain" (across the join) is not a novel bigram
    m = score("The cat sat down.\nRain fell later.", "Rain fell later. The cat sat down.").metrics
    assert m["extractiveness.novel_2gram"] == 0.0 and m["extractiveness.novel_3gram"] == 0.0
    # but the fragment walk does not stop at sentence ends: 4 + 3 tokens, both copied
    assert m["extractiveness.coverage"] == 1.0 and m["extractiveness.density"] == pytest.approx((16 + 9) / 7)
