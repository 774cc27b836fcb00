"""lead / textrank / oracle on hand-made articles whose answer is obvious."""

import pytest

from harness.core.errors import UserError
from harness.core.models import Item
from harness.core.registry import backends, scorers
from harness.core.text import remove_duplicate_paragraphs
from harness.suite.datasets import load_suite
from tests.paths import SEED_SUITE

ARTICLE = ("Rain fell on Tuesday. "
           "The city council approved the river bridge budget and the harbour tunnel budget. "
           "Engineers praised the river bridge. "
           "Sailors praised the harbour tunnel. "
           "A cat slept.")


def make(name, **opts):
    return backends.create(name, opts)


def test_lead_takes_first_k_sentences_one_per_line():
    item = Item(id="x", article=ARTICLE, references=["r"])
    assert make("lead", sentences=2).summarize(ARTICLE, item).text == (
        "Rain fell on Tuesday.\n"
        "The city council approved the river bridge budget and the harbour tunnel budget.")


def test_textrank_picks_the_central_sentence():
    # Sentence 2 shares words with sentences 3 and 4; 1 and 5 share nothing with anyone.
    item = Item(id="x", article=ARTICLE, references=["r"])
    out = make("textrank", sentences=1).summarize(ARTICLE, item).text
    assert out == "The city council approved the river bridge budget and the harbour tunnel budget."
    three = make("textrank", sentences=3).summarize(ARTICLE, item).text.splitlines()
    assert three == ["The city council approved the river bridge budget and the harbour tunnel budget.",
                     "Engineers praised the river bridge.", "Sailors praised the harbour tunnel."]


def test_textrank_is_deterministic():
    item = Item(id="x", article=ARTICLE, references=["r"])
    outs = {make("textrank").summarize(ARTICLE, item).text for _ in range(3)}
    assert len(outs) == 1


def test_oracle_picks_the_sentence_that_is_the_reference():
    item = Item(id="x", article=ARTICLE, references=["Engineers praised the river bridge."])
    assert make("oracle").summarize(ARTICLE, item).text == "Engineers praised the river bridge."


def test_oracle_beats_lead3_on_the_seed_article():
    (item,) = list(load_suite(SEED_SUITE).iter_items())
    article, _ = remove_duplicate_paragraphs(item.article)
    rouge = scorers.create("rouge", {})
    lead = rouge.score(item, make("lead").summarize(article, item).text, article).metrics
    oracle = rouge.score(item, make("oracle").summarize(article, item).text, article).metrics
    assert oracle["rougeLsum"] >= lead["rougeLsum"]
    assert oracle["rouge2"] >= lead["rouge2"]


@pytest.mark.parametrize("name, opts, fragment", [
    ("lead", {"sentnces": 3}, "unknown option 'sentnces'"),
    ("lead", {"sentences": 0}, "sentences"),
    ("textrank", {"damping": 1.5}, "damping"),
    ("oracle", {"objective": ["bleu"]}, "objective"),
])
def test_bad_options_fail_at_construction(name, opts, fragment):
    with pytest.raises(UserError, match=fragment):
        make(name, **opts)


def test_unknown_backend_lists_known_ones():
    with pytest.raises(UserError) as info:
        backends.get("gpt")
    assert "lead" in info.value.fix and "textrank" in info.value.fix
