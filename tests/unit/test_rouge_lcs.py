"""The bit-parallel LCS must reproduce rouge-score exactly: lengths, the chosen LCS, and every score bit.

rouge-score (the library as shipped) is the oracle here. Small alphabets make
many equally long LCSs, which is where a different backtracking order would
pick different tokens and change ROUGE-Lsum.
"""

from __future__ import annotations

import random

import pytest
from rouge_score import rouge_scorer

from harness.scorers import lcs
from harness.scorers.rouge import ROUGE_TYPES, RougeCalc, _sentence_lines
from harness.testing.synthetic import synthetic_item


def _random_tokens(rng: random.Random, alphabet: str, max_len: int) -> list[str]:
    return [rng.choice(alphabet) for _ in range(rng.randrange(max_len + 1))]


@pytest.mark.parametrize("alphabet", ["ab", "abc", "abcdefgh", "abcdefghijklmnopqrstuvwxyz"])
def test_lcs_length_and_choice_match_rouge_score(alphabet):
    rng = random.Random(len(alphabet))
    for _ in range(400):
        ref, can = _random_tokens(rng, alphabet, 40), _random_tokens(rng, alphabet, 40)
        table = rouge_scorer._lcs_table(ref, can)
        assert lcs.lcs_length(ref, can) == table[-1][-1]
        assert lcs.lcs_indices(ref, can) == rouge_scorer.lcs_ind(ref, can)


def test_lcs_hand_checked_cases():
    assert lcs.lcs_length([], list("abc")) == 0
    assert lcs.lcs_length(list("abc"), []) == 0
    assert lcs.lcs_length(list("abcbdab"), list("bdcaba")) == 4  # CLRS's example: BCBA
    assert lcs.lcs_indices(list("abc"), list("xyz")) == []
    assert lcs.lcs_indices(list("abc"), list("abc")) == [0, 1, 2]
    assert lcs.lcs_indices(list("aab"), list("ab")) == [1, 2]  # ties go the way rouge-score walks back
    assert lcs.lcs_length(["w"] * 200, ["w"] * 150) == 150  # rows wider than a machine word


def test_summary_level_lcs_matches_rouge_score_on_tied_inputs():
    rng = random.Random(7)
    for _ in range(300):
        refs = [_random_tokens(rng, "abcd", 12) for _ in range(rng.randrange(4))]
        cans = [_random_tokens(rng, "abcd", 12) for _ in range(rng.randrange(4))]
        want = rouge_scorer._summary_level_lcs(refs, cans)
        assert lcs.rouge_lsum(refs, cans) == (want.precision, want.recall, want.fmeasure)
        want_l = rouge_scorer._score_lcs(sum(refs, []), sum(cans, []))
        assert lcs.rouge_l(sum(refs, []), sum(cans, [])) == (want_l.precision, want_l.recall, want_l.fmeasure)


@pytest.mark.parametrize("stemmer", [True, False])
def test_rouge_calc_is_bitwise_rouge_score_on_text(stemmer):
    plain = rouge_scorer.RougeScorer(list(ROUGE_TYPES), use_stemmer=stemmer)
    calc = RougeCalc(ROUGE_TYPES, use_stemmer=stemmer)
    rng = random.Random(3)
    items = [synthetic_item(i, rng) for i in range(30)]
    words = " ".join(it["article"] for it in items).split()
    texts = [it["reference"] for it in items] + [it["article"] for it in items]
    texts += [" ".join(rng.choice(words[:60]) for _ in range(rng.randrange(1, 50))) + "." for _ in range(30)]
    texts += ["", "   ", "\n\n", "...", "Ünïcode only: ß é 東京."]
    for _ in range(300):
        target, prediction = rng.choice(texts), rng.choice(texts)
        want = plain.score(_sentence_lines(target), _sentence_lines(prediction))
        assert calc.score(target, prediction) == {t: (s.precision, s.recall, s.fmeasure) for t, s in want.items()}


def test_single_type_calculators_agree_with_rouge_score():
    rng = random.Random(11)
    items = [synthetic_item(i, rng) for i in range(10)]
    for rouge_type in ROUGE_TYPES:
        plain = rouge_scorer.RougeScorer([rouge_type], use_stemmer=True)
        calc = RougeCalc((rouge_type,))
        for it in items:
            want = plain.score(_sentence_lines(it["reference"]), _sentence_lines(it["article"]))[rouge_type]
            assert calc.score(it["reference"], it["article"]) == {
                rouge_type: (want.precision, want.recall, want.fmeasure)}
