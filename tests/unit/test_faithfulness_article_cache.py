"""Each system's summary of an item is checked against the same article: index it once, same scores."""

from harness.core.models import Item
from harness.core.registry import scorers
from harness.scorers import faithfulness
from tests.paths import SEED_ARTICLE

SUMMARIES = ["Putin said Russia was ready for war with Europe.",
             "Talks in Moscow lasted five hours and ended without a deal.",
             "Zelenskyy met Putin and signed a 12-point agreement on Friday."]


def test_article_is_indexed_once_for_every_summary_and_scores_do_not_change(monkeypatch):
    article = SEED_ARTICLE.read_text(encoding="utf-8")
    item = Item(id="seed", article=article, references=["x"])
    scorer = scorers.create("faithfulness", {})
    faithfulness.article_facts.cache_clear()
    fresh = []
    for s in SUMMARIES:  # each computed from a cold cache: the reference values
        faithfulness.article_facts.cache_clear()
        fresh.append(scorer.score(item, s, article).metrics)
    faithfulness.article_facts.cache_clear()
    builds = []
    real_build = faithfulness.ArticleIndex.build
    monkeypatch.setattr(faithfulness.ArticleIndex, "build",
                        classmethod(lambda cls, text, *a, **k: builds.append(1) or real_build(text, *a, **k)))
    warm = [scorer.score(item, s, article).metrics for s in SUMMARIES]
    assert len(builds) == 1
    assert warm == fresh
