"""Extractiveness: how much of the summary is copied from the article.

Fragments follow Grusky, Naaman & Artzi (2018, "Newsroom"): walk the
summary tokens; at each position take the longest run of tokens that also
occurs contiguously in the article (greedy), then continue after it. We
try every article position, so an overlapping longer match is never skipped
(the reference code jumps past each match and can rarely miss one).

- ``extractiveness.coverage``  share of summary tokens inside a fragment, [0,1]
- ``extractiveness.density``   mean squared fragment length per summary token
  (average length of the copied run a token sits in; >= 0, not bounded by 1)
- ``extractiveness.compression`` article tokens / summary tokens (>= 0)
- ``extractiveness.novel_{1,2,3}gram`` share of summary n-gram occurrences
  (within sentences) that never occur in the article, [0,1]
- ``extractiveness.redundancy`` share of summary sentences that repeat an
  earlier one (same words, or unigram Jaccard >= ``near_duplicate``), [0,1]

Tokens are ``harness.core.text.words`` lower-cased, so punctuation and case do not
break a copied run. An empty summary gets no metrics (nothing to measure).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field

from harness.core.models import Item
from harness.core.registry import scorers
from harness.core.text import fold, split_sentences, words
from harness.scorers.base import BaseScorer, Metric, Score


class ExtractivenessOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")
    novel_ngrams: list[int] = Field(default_factory=lambda: [1, 2, 3], min_length=1)
    near_duplicate: float = Field(default=0.8, gt=0, le=1)
    show_fragments: int = Field(default=5, ge=0, description="longest fragments kept in details")


def tokens(text: str) -> list[str]:
    return [w.lower() for w in words(fold(text))]


MAX_STARTS = 2000  # candidate article positions tried per summary position (bounds hostile, repetitive input)


def fragments(summary: list[str], article: list[str]) -> list[tuple[int, int]]:
    """Greedy fragments as (start in summary, length), per Grusky et al. (2018).

    Candidate starts come from an index of article bigrams, so natural text
    costs about the matches tried rather than |S| x |A|. On pathologically
    repetitive text at most ``MAX_STARTS`` starts are tried per position.
    """
    unigrams = set(article)
    where: dict[tuple[str, str], list[int]] = defaultdict(list)
    for j in range(len(article) - 1):
        where[(article[j], article[j + 1])].append(j)
    out: list[tuple[int, int]] = []
    i = 0
    while i < len(summary):
        best = 1 if summary[i] in unigrams else 0
        if best and i + 1 < len(summary):
            for j in where.get((summary[i], summary[i + 1]), ())[:MAX_STARTS]:
                k = 2
                while i + k < len(summary) and j + k < len(article) and summary[i + k] == article[j + k]:
                    k += 1
                best = max(best, k)
                if best == len(summary) - i:
                    break  # cannot get longer: the rest of the summary is copied
        if best:
            out.append((i, best))
            i += best
        else:
            i += 1
    return out


def ngrams(toks: list[str], n: int) -> list[tuple[str, ...]]:
    return [tuple(toks[i:i + n]) for i in range(len(toks) - n + 1)]


def novel_ratio(sentences: list[list[str]], article: list[str], n: int) -> float | None:
    """Share of the summary's n-gram occurrences absent from the article (None if it has none).

    N-grams are taken within sentences, so joining two copied sentences does
    not create a "novel" n-gram across the boundary.
    """
    grams = [g for sent in sentences for g in ngrams(sent, n)]
    if not grams:
        return None
    seen = set(ngrams(article, n))
    return sum(g not in seen for g in grams) / len(grams)


def redundancy(summary: str, near: float) -> tuple[float | None, list[dict[str, int]]]:
    """Share of sentences repeating an earlier one, and which pairs (1-based)."""
    sents = [set(tokens(s)) for s in split_sentences(summary)]
    sents = [s for s in sents if s]
    if not sents:
        return None, []
    pairs = []
    for i in range(1, len(sents)):
        for j in range(i):
            jac = len(sents[i] & sents[j]) / len(sents[i] | sents[j])
            if jac >= near:
                pairs.append({"sentence": i + 1, "repeats": j + 1})
                break
    return len(pairs) / len(sents), pairs


@scorers.register("extractiveness")
class Extractiveness(BaseScorer):
    """Coverage, density, compression (Grusky et al. 2018), novel n-grams, redundancy."""

    Options: ClassVar[type[BaseModel]] = ExtractivenessOptions
    # They describe a summary (how copied, how short): no value is better, so none is ranked or starred.
    metrics = (
        Metric("extractiveness.coverage", None, "share", "share of summary tokens inside a copied fragment"),
        Metric("extractiveness.density", None, "ratio", "mean squared copied-fragment length per summary token",
               headline=70),
        Metric("extractiveness.compression", None, "ratio", "article tokens / summary tokens"),
        Metric("extractiveness.novel_*gram", None, "share",
               "share of summary n-grams (within sentences) that the article never has"),
        Metric("extractiveness.redundancy", "lower", "share", "share of summary sentences repeating an earlier one"),
    )

    def score(self, item: Item, summary: str, article: str) -> Score:
        s_toks, a_toks = tokens(summary), tokens(article)
        if not s_toks:
            return Score({}, {"note": "empty summary: no extractiveness metrics"})
        frags = fragments(s_toks, a_toks)
        n = len(s_toks)
        m: dict[str, float] = {
            "extractiveness.coverage": sum(k for _, k in frags) / n,
            "extractiveness.density": sum(k * k for _, k in frags) / n,
            "extractiveness.compression": len(a_toks) / n,
        }
        sent_toks = [tokens(x) for x in split_sentences(summary)]
        for size in self.options.novel_ngrams:
            r = novel_ratio(sent_toks, a_toks, size)
            if r is not None:
                m[f"extractiveness.novel_{size}gram"] = r
        red, pairs = redundancy(summary, self.options.near_duplicate)
        if red is not None:
            m["extractiveness.redundancy"] = red
        longest = sorted(frags, key=lambda f: (-f[1], f[0]))[: self.options.show_fragments]
        details = {"summary_tokens": n, "article_tokens": len(a_toks), "fragments": len(frags),
                   "longest_fragments": [" ".join(s_toks[i:i + k]) for i, k in longest],
                   "repeated_sentences": pairs}
        return Score(m, details)

    def settings(self) -> dict[str, Any]:
        return {"tokens": "harness.core.text.words on case/accent-folded text",
                "fragments": "greedy longest match, Grusky et al. 2018",
                **self.options.model_dump()}
