"""ROUGE-L and ROUGE-Lsum with a bit-parallel LCS: rouge-score's numbers, several times faster.

rouge-score fills the (len(ref)+1) x (len(can)+1) LCS table one cell at a
time in interpreted Python, which was most of a run's scoring time. Here a
table row is one Python int (the bit-vector LCS of Allison & Dix, 1986, in
Hyyrö's 2004 formulation): bit j of row i is 0 where the row's value steps up
at column j, so a row costs a few big-int operations, and any cell can be
read back as ``j - popcount(row & low_j_bits)``. That keeps rouge-score's
backtracking exactly — which LCS it picks when there are several decides
ROUGE-Lsum's union — and the score formulas below are rouge-score's own, so
every number is bitwise identical (tests/unit/test_rouge_lcs.py checks this
against rouge-score itself).
"""

from __future__ import annotations

from collections import Counter
from typing import Sequence

Tokens = Sequence[str]


def _rows(ref: Tokens, can: Tokens) -> list[int]:
    """Bit rows of the LCS table: rows[i] describes table row i (row 0 is all ones)."""
    masks: dict[str, int] = {}
    for j, tok in enumerate(can):
        masks[tok] = masks.get(tok, 0) | (1 << j)
    full = (1 << len(can)) - 1
    v = full
    rows = [v]
    for tok in ref:
        u = v & masks.get(tok, 0)
        v = ((v + u) | (v - u)) & full
        rows.append(v)
    return rows


def lcs_length(ref: Tokens, can: Tokens) -> int:
    """Length of a longest common subsequence (rouge-score's ``_lcs_table(ref, can)[-1][-1]``)."""
    return len(can) - _rows(ref, can)[-1].bit_count()


def lcs_indices(ref: Tokens, can: Tokens) -> list[int]:
    """Indices into ``ref`` of the one LCS that rouge-score's ``lcs_ind`` returns."""
    if not ref or not can or set(ref).isdisjoint(can):
        return []
    rows = _rows(ref, can)

    def cell(i: int, j: int) -> int:
        return j - (rows[i] & ((1 << j) - 1)).bit_count()

    i, j = len(ref), len(can)
    picked: list[int] = []
    while i > 0 and j > 0:  # the same walk as rouge-score's _backtrack_norec
        if ref[i - 1] == can[j - 1]:
            picked.append(i - 1)
            i -= 1
            j -= 1
        elif cell(i, j - 1) > cell(i - 1, j):
            j -= 1
        else:
            i -= 1
    picked.reverse()
    return picked


def fmeasure(precision: float, recall: float) -> float:
    """rouge-score's own F1 (``rouge_score.scoring.fmeasure``), so the bits cannot drift from it.
    Imported here, not at the top: ``harness.scorers`` loads for lint and dry runs too."""
    from rouge_score.scoring import fmeasure as rouge_score_fmeasure

    return rouge_score_fmeasure(precision, recall)


def rouge_l(target: Tokens, prediction: Tokens) -> tuple[float, float, float]:
    """(precision, recall, F) of ROUGE-L over whole token sequences."""
    if not target or not prediction:
        return 0, 0, 0
    n = lcs_length(target, prediction)
    precision, recall = n / len(prediction), n / len(target)
    return precision, recall, fmeasure(precision, recall)


def rouge_lsum(target_sents: list[Tokens], prediction_sents: list[Tokens]) -> tuple[float, float, float]:
    """(precision, recall, F) of summary-level ROUGE-L (union LCS per reference sentence,
    each token counted at most as often as it occurs on both sides, as in ROUGE-1.5.5)."""
    if not target_sents or not prediction_sents:
        return 0, 0, 0
    m = sum(map(len, target_sents))
    n = sum(map(len, prediction_sents))
    if not n or not m:
        return 0, 0, 0
    left_r = Counter(tok for s in target_sents for tok in s)
    left_c = Counter(tok for s in prediction_sents for tok in s)
    hits = 0
    for ref in target_sents:
        union: set[int] = set()
        for can in prediction_sents:
            union.update(lcs_indices(ref, can))
        for tok in (ref[i] for i in sorted(union)):
            if left_c[tok] > 0 and left_r[tok] > 0:
                hits += 1
                left_c[tok] -= 1
                left_r[tok] -= 1
    recall, precision = hits / m, hits / n
    return precision, recall, fmeasure(precision, recall)
