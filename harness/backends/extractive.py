"""Offline extractive baselines: lead-k, TextRank and a ROUGE oracle.

All three are deterministic and pick whole sentences from the article,
returned one per line in article order.
"""

from __future__ import annotations

import math
import sys
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

from harness.backends.base import BackendError, BaseBackend, Summary
from harness.core.models import Item
from harness.core.registry import backends
from harness.core.text import split_sentences, words
from harness.scorers.rouge import ROUGE_TYPES, RougeCalc

_STOP = frozenset("""
a about above after again against all am an and any are as at be because been before being
below between both but by can could did do does doing down during each few for from further
had has have having he her here hers herself him himself his how i if in into is it its itself
just me more most my myself no nor not now of off on once only or other our ours ourselves out
over own same she should so some such than that the their theirs them themselves then there
these they this those through to too under until up very was we were what when where which
while who whom why will with would you your yours yourself yourselves said says also
""".split())


class _Opts(BaseModel):
    model_config = ConfigDict(extra="forbid")
    sentences: int = Field(default=3, ge=1, le=100)


class _Extractive(BaseBackend):
    Options: ClassVar[type[BaseModel]] = _Opts


@backends.register("lead")
class Lead(_Extractive):
    """First k sentences of the article (the classic news baseline)."""

    def summarize(self, article: str, item: Item, sample: int = 0) -> Summary:
        return Summary("\n".join(split_sentences(article)[: self.options.sentences]))


def _content_terms(sentence: str) -> set[str]:
    out = set()
    for w in words(sentence.lower()):
        if w in _STOP or not any(c.isalnum() for c in w):
            continue
        out.add(_light_stem(w))
    return out


def _light_stem(w: str) -> str:
    """Crude suffix stripping so 'talks'/'talk' or 'warned'/'warns' overlap."""
    for suf in ("ing", "ed", "es", "s"):
        if len(w) > len(suf) + 3 and w.endswith(suf):
            return w[: -len(suf)]
    return w


class _TextRankOpts(_Opts):
    damping: float = Field(default=0.85, gt=0, lt=1)
    iterations: int = Field(default=100, ge=1, le=10000)
    # The sentence graph is dense (n^2): 3,000 sentences took 1.1 GB and 7 s, 10,000 would not fit.
    # News articles have tens of sentences; a book-length "article" is ranked on its opening.
    max_sentences: int = Field(default=1000, ge=2, le=5000)


@backends.register("textrank")
class TextRank(_Extractive):
    """TextRank (Mihalcea & Tarau 2004): PageRank over sentence word overlap."""

    Options = _TextRankOpts
    _warned_long = False

    def summarize(self, article: str, item: Item, sample: int = 0) -> Summary:
        sents = split_sentences(article)
        k = self.options.sentences
        if len(sents) <= k:
            return Summary("\n".join(sents))
        if len(sents) > self.options.max_sentences:
            if not self._warned_long:
                self._warned_long = True
                print(f"warning: textrank ranks only the first {self.options.max_sentences} of an article's "
                      f"{len(sents)} sentences (item {item.id!r}; option max_sentences)", file=sys.stderr)
            sents = sents[: self.options.max_sentences]
        ranks = self.rank(sents)
        # Highest rank first; ties go to the earlier sentence (deterministic).
        chosen = sorted(sorted(range(len(sents)), key=lambda i: (-ranks[i], i))[:k])
        return Summary("\n".join(sents[i] for i in chosen))

    def rank(self, sents: list[str]) -> list[float]:
        terms = [_content_terms(s) for s in sents]
        n = len(sents)
        weights = [[0.0] * n for _ in range(n)]
        for i in range(n):
            for j in range(i + 1, n):
                shared = len(terms[i] & terms[j])
                if shared and len(terms[i]) > 1 and len(terms[j]) > 1:
                    w = shared / (math.log(len(terms[i])) + math.log(len(terms[j])))
                    weights[i][j] = weights[j][i] = w
        out_sum = [sum(row) for row in weights]
        # incoming[i]: (j, normalised weight of edge j->i), precomputed once
        incoming = [[(j, weights[j][i] / out_sum[j]) for j in range(n) if weights[j][i]] for i in range(n)]
        d = self.options.damping
        score = [1.0 / n] * n
        for _ in range(self.options.iterations):
            new = [(1 - d) / n + d * sum(w * score[j] for j, w in incoming[i]) for i in range(n)]
            delta = sum(abs(a - b) for a, b in zip(new, score))
            score = new
            if delta < 1e-10:
                break
        return score


class _OracleOpts(_Opts):
    sentences: int = Field(default=5, ge=1, le=100)
    objective: list[Literal[ROUGE_TYPES]] = Field(  # type: ignore[valid-type]
        default_factory=lambda: ["rouge1", "rouge2", "rougeLsum"], min_length=1)


@backends.register("oracle")
class Oracle(_Extractive):
    """Greedy extractive upper bound: sentences that maximise ROUGE F against the reference."""

    Options = _OracleOpts

    def __init__(self, options: Any, **context: Any):
        super().__init__(options)
        self.calc = RougeCalc(tuple(options.objective))

    def _gain(self, picked: list[str], refs: list[str]) -> float:
        best = 0.0
        for ref in refs:
            f = self.calc.fmeasures(ref, "\n".join(picked))
            best = max(best, sum(f.values()) / len(f))
        return best

    def summarize(self, article: str, item: Item, sample: int = 0) -> Summary:
        if not item.references:
            raise BackendError("the oracle needs a reference summary and this item has none")
        sents = split_sentences(article)
        chosen: list[int] = []
        best = 0.0
        while len(chosen) < self.options.sentences:
            step_best, step_idx = best, None
            for i in range(len(sents)):
                if i in chosen:
                    continue
                cand = [sents[j] for j in sorted(chosen + [i])]
                g = self._gain(cand, item.references)
                if g > step_best + 1e-12:
                    step_best, step_idx = g, i
            if step_idx is None:
                break
            chosen.append(step_idx)
            best = step_best
        return Summary("\n".join(sents[i] for i in sorted(chosen)))
