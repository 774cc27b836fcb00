"""Memoised stemming in RougeCalc must not change a single bit of any ROUGE number."""

from __future__ import annotations

import random

from rouge_score import rouge_scorer

from harness.core.text import split_sentences
from harness.scorers.rouge import ROUGE_TYPES, RougeCalc, _sentence_lines
from harness.testing.synthetic import synthetic_item
from tests.paths import SEED_ARTICLE


def test_memoised_stemming_gives_bitwise_identical_scores():
    calc = RougeCalc(ROUGE_TYPES, use_stemmer=True)
    plain = rouge_scorer.RougeScorer(list(ROUGE_TYPES), use_stemmer=True)  # rouge-score as shipped
    article = SEED_ARTICLE.read_text(encoding="utf-8")
    sents = split_sentences(article)
    rng = random.Random(0)
    pairs = [(" ".join(sents[i:i + 3]), " ".join(sents[j:j + 4])) for i, j in
             [(rng.randrange(len(sents)), rng.randrange(len(sents))) for _ in range(40)]]
    pairs += [(synthetic_item(i, rng)["reference"], synthetic_item(i, rng)["article"]) for i in range(20)]
    for target, prediction in pairs * 2:  # the second pass is served from the memo
        want = plain.score(_sentence_lines(target), _sentence_lines(prediction))
        got = calc.score(target, prediction)
        assert got == {t: (s.precision, s.recall, s.fmeasure) for t, s in want.items()}
    assert calc._get()[2].stem.cache_info().hits > 0
