"""TextRank on a book-length 'article': bounded work, said out loud, same result for news-sized ones."""

from harness.core.models import Item
from harness.core.registry import backends

FILLER = [f"Zq{i}a bx{i}c yk{i}d." for i in range(60)]  # no shared words: isolated in the graph
HUB = "The minister, the farmers, the unions and the capital talks met on Monday."
ECHOES = [f"Echo {i}: the minister met the farmers, the unions and the capital talks." for i in range(5)]


def summarize(options, sentences):
    b = backends.create("textrank", options)
    return b.summarize(" ".join(sentences), Item(id="long", article="x")).text


def test_long_article_is_ranked_on_its_first_max_sentences_with_a_warning(capsys):
    article = FILLER[:50] + [HUB] + ECHOES  # the hub sits after sentence 50
    full = summarize({"sentences": 1}, article)
    capped = summarize({"sentences": 1, "max_sentences": 50}, article)
    assert full in [HUB, *ECHOES]  # the connected sentences after #50 win when the whole article is ranked
    assert capped in FILLER[:50]  # capped: only the (isolated) first 50 can be picked
    err = capsys.readouterr().err
    assert "first 50 of an article's 56 sentences" in err and "max_sentences" in err


def test_articles_within_the_limit_are_unchanged(capsys):
    article = FILLER[:20] + [HUB] + ECHOES
    assert summarize({"sentences": 2}, article) == summarize({"sentences": 2, "max_sentences": 5000}, article)
    assert capsys.readouterr().err == ""
