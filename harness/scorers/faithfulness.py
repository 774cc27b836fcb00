"""Faithfulness: is what the summary says supported by the article? (reference-free)

Deterministic and offline. Each summary sentence is checked against the
article for:

- ``numbers``     numbers, percentages, dates not in the article (after
                  normalising "five"/5/"5,000"/"5k"/"50 per cent"/months)
- ``entities``    capitalised names whose words the article never uses
                  (cased summaries only; lower-cased system output has no
                  capitals to find names by)
- ``quotes``      quoted passages that do not occur verbatim in the article
- ``negation``    a negation in the sentence that the closest article
                  sentence does not have
- ``content``     content words (stop words aside) absent from the article
- ``pairs``       neighbouring content words of the summary (both in the
                  article) that never occur within ``pair_window`` tokens of
                  each other there: article words recombined into a new claim
- ``ngrams``      summary 4-grams absent from the article (reported only)

Sentence support ``u = (content ** content_power * pairs) ** support_power``
(shares of supported items in that sentence). It is steep on purpose: a
sentence with a few unsupported words or recombined pairs is much more likely
to carry an error than its share suggests (FRANK validation split), and it
needs no copying, so a faithful paraphrase is not punished for rewording.
Sentence score ``1 - overlap_weight * (1 - u)``; the summary score is the
mean over sentences (like FRANK's human label, the share of sentences free
of errors) times ``(1 - penalty)`` for each unsupported number, name, quote
and negation in the summary. ``overlap_weight`` sets the scale (a careful
hand-written paraphrase, the seed reference, keeps >= 0.95); the ranking of
summaries, which is what agreement with people measures, depends only on
the shape and on the penalties relative to ``overlap_weight``.
Sub-signals ``faithfulness.<signal>`` are the share of that kind of item
that is supported (1 = nothing flagged); flagged spans carry character
offsets into the summary. Agreement with human labels is measured by
``benchmarks/factuality.py`` (FRANK).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field

from harness.core.models import Item
from harness.core.registry import scorers
from harness.scorers.base import BaseScorer, Metric, Score
from harness.scorers.claims import (
    TITLES,
    Span,
    entities,
    is_cased,
    quotations,
    sentences,
)
from harness.scorers.numbers import NUMBER_WORDS, find_numbers, values
from harness.scorers.support import (
    NEGATIONS,
    STOP,
    ArticleIndex,
    Token,
    ngrams,
    tokenize,
)

WEEKDAYS = frozenset("monday tuesday wednesday thursday friday saturday sunday".split())
NOT_NAMES = NUMBER_WORDS | WEEKDAYS  # checked as numbers/dates, or too generic to be a name


class FaithfulnessOptions(BaseModel):
    """Shape and penalties chosen on FRANK's validation split only (benchmarks/factuality.py)."""

    model_config = ConfigDict(extra="forbid")
    overlap_weight: float = Field(default=0.11, ge=0, le=1,
                                  description="how far low content/pair support can pull a sentence down")
    content_power: float = Field(default=2.0, ge=0, description="weight of content words against pairs")
    support_power: float = Field(default=3.0, gt=0, description="steepness: how fast support falls off")
    pair_window: int = Field(default=10, ge=1, description="tokens apart two summary neighbours may be in the article")
    number_penalty: float = Field(default=0.02, ge=0, le=1, description="per unsupported number in the summary")
    entity_penalty: float = Field(default=0.045, ge=0, le=1, description="per unsupported name")
    quote_penalty: float = Field(default=0.045, ge=0, le=1, description="per quotation not in the article")
    negation_penalty: float = Field(default=0.02, ge=0, le=1, description="per negation the article lacks")
    max_flags: int = Field(default=50, ge=0, description="flagged spans kept in details")


def _flag(kind: str, start: int, end: int, summary: str, why: str) -> dict[str, Any]:
    return {"kind": kind, "start": start, "end": end, "text": summary[start:end], "reason": why}


class SentenceCheck:
    """All checks for one summary sentence; fills counts and flags."""

    def __init__(self, span: Span, toks: list[Token], idx: ArticleIndex, art_values: set, summary: str,
                 cased: bool, art_sents: list[set[str]], window: int = 10):
        self.span, self.toks, self.idx = span, toks, idx
        self.flags: list[dict[str, Any]] = []
        self.counts: dict[str, list[int]] = {}  # signal -> [supported, total]
        self._content(summary)
        self._ngrams()
        self._pairs(window)
        self._numbers(summary, art_values)
        if cased:
            self._entities(summary)
        self._quotes(summary)
        self._negation(summary, art_sents)

    def _count(self, signal: str, ok: bool) -> None:
        c = self.counts.setdefault(signal, [0, 0])
        c[0] += ok
        c[1] += 1

    def share(self, signal: str, default: float = 1.0) -> float:
        ok, total = self.counts.get(signal, [0, 0])
        return ok / total if total else default

    def bad(self, signal: str) -> int:
        ok, total = self.counts.get(signal, [0, 0])
        return total - ok

    def _content(self, summary: str) -> None:
        for t in self.toks:
            if t.norm in STOP or (len(t.norm) < 2 and not t.norm.isdigit()):
                continue
            ok = t.stem in self.idx.stems
            self._count("content", ok)
            if not ok:
                self.flags.append(_flag("content", t.start, t.end, summary, "word not in the article"))

    def _pairs(self, window: int) -> None:
        """Neighbouring content words, both found in the article: are they near each other there?"""
        found = [t for t in self.toks if t.norm not in STOP and (len(t.norm) > 1 or t.norm.isdigit())
                 and t.stem in self.idx.stems]
        for a, b in zip(found, found[1:]):
            self._count("pairs", self.idx.near(a.stem, b.stem, window))

    def _ngrams(self) -> None:
        seq = [t.stem for t in self.toks]
        for g in ngrams(seq, 4):
            self._count("4gram", g in self.idx.grams[4])

    def _numbers(self, summary: str, art_values: set) -> None:
        for m in find_numbers(self.span.text):
            ok = m.value in art_values
            self._count("numbers", ok)
            if not ok:
                s = self.span.start + m.start
                self.flags.append(_flag("number", s, self.span.start + m.end, summary, "number not in the article"))

    def _entities(self, summary: str) -> None:
        starts = {self.toks[0].start} if self.toks else set()
        for run in entities(self.toks, starts, summary):
            words = [t for t in run if t.norm not in TITLES and t.norm not in NOT_NAMES and not t.norm.isdigit()]
            if not words:
                continue
            ok = all(t.norm in self.idx.norms or t.stem in self.idx.stems for t in words)
            self._count("entities", ok)
            if not ok:
                self.flags.append(_flag("entity", run[0].start, run[-1].end, summary, "name not in the article"))

    def _quotes(self, summary: str) -> None:
        for q in quotations(self.span.text):
            qt = tokenize(q.text)
            ok = self.idx.contains([t.stem for t in qt])
            self._count("quotes", ok)
            if not ok:
                s = self.span.start + q.start
                self.flags.append(_flag("quote", s, s + len(q.text), summary, "quotation not found in the article"))

    def _negation(self, summary: str, art_sents: list[set[str]]) -> None:
        content = {t.stem for t in self.toks if t.norm not in STOP}
        cues = [t for t in self.toks if t.norm in NEGATIONS]
        if not cues or not art_sents:
            return
        best = max(art_sents, key=lambda s: len(content & s))
        for t in cues:
            ok = bool(best & NEGATIONS)
            self._count("negation", ok)
            if not ok:
                self.flags.append(_flag("negation", t.start, t.end, summary,
                                        "negation absent from the closest article sentence"))

    def support(self, o: FaithfulnessOptions) -> float:
        """1 - w * (1 - u), u = (content^a * pairs)^b: the sentence's share of the score."""
        u = (self.share("content") ** o.content_power * self.share("pairs")) ** o.support_power
        return 1 - o.overlap_weight * (1 - u)


def penalty(totals: dict[str, list[int]], o: FaithfulnessOptions) -> float:
    """Factor for the unsupported numbers, names, quotes and negations of the whole summary."""
    factor = 1.0
    for sig, pen in (("numbers", o.number_penalty), ("entities", o.entity_penalty),
                     ("quotes", o.quote_penalty), ("negation", o.negation_penalty)):
        ok, n = totals.get(sig, [0, 0])
        factor *= (1 - pen) ** (n - ok)
    return factor


SIGNALS = ("numbers", "entities", "quotes", "negation", "content", "pairs", "ngrams")


@lru_cache(maxsize=4)  # records of one item arrive together; big articles' indexes are big
def article_facts(article: str) -> tuple[ArticleIndex, Any, list[set[str]]]:
    """What a summary is checked against, built once per article: every system's summary of an item
    is scored against the same text (a 200,000-word article took 2.5 s to index, per system)."""
    art_sents = [{t.stem for t in tokenize(s.text) if t.norm not in STOP} for s in sentences(article)]
    return ArticleIndex.build(article), values(article), art_sents


@scorers.register("faithfulness")
class Faithfulness(BaseScorer):
    """Reference-free support of the summary by the article: words, word pairs, numbers, names, quotes."""

    Options: ClassVar[type[BaseModel]] = FaithfulnessOptions
    metrics = (
        Metric("faithfulness.score", "higher", "share", "support of the summary by the article (1 = nothing "
               "unsupported)", headline=60, primary=30),
        Metric("faithfulness.numbers", "higher", "share", "share of the summary's numbers found in the article"),
        Metric("faithfulness.entities", "higher", "share", "share of the summary's names found in the article"),
        Metric("faithfulness.quotes", "higher", "share", "share of the summary's quotations found verbatim"),
        Metric("faithfulness.negation", "higher", "share", "share of negations the closest article sentence has"),
        Metric("faithfulness.content", "higher", "share", "share of content words found in the article"),
        Metric("faithfulness.pairs", "higher", "share", "share of neighbouring content words near each other "
               "in the article"),
        Metric("faithfulness.ngrams", "higher", "share", "share of summary 4-grams found in the article"),
    )

    def check(self, summary: str, article: str) -> list[SentenceCheck]:
        idx, art_values, art_sents = article_facts(article)
        toks = tokenize(summary)
        cased = is_cased(toks)
        out = []
        for sp in sentences(summary):
            st = [t for t in toks if sp.start <= t.start < sp.end]
            if st:
                out.append(SentenceCheck(sp, st, idx, art_values, summary, cased, art_sents,
                                         self.options.pair_window))
        return out

    def score(self, item: Item, summary: str, article: str) -> Score:
        checks = self.check(summary, article)
        if not checks:
            return Score({}, {"note": "empty summary: nothing to check"})
        totals: dict[str, list[int]] = {}
        for c in checks:
            for sig, (ok, n) in c.counts.items():
                key = "ngrams" if sig.endswith("gram") else sig
                t = totals.setdefault(key, [0, 0])
                t[0] += ok
                t[1] += n
        factor = penalty(totals, self.options)
        metrics = {"faithfulness.score": factor * sum(c.support(self.options) for c in checks) / len(checks)}
        for sig in SIGNALS:
            ok, n = totals.get(sig, [0, 0])
            metrics[f"faithfulness.{sig}"] = ok / n if n else 1.0
        flags = sorted((f for c in checks for f in c.flags), key=lambda f: (f["start"], f["kind"]))
        details = {"sentences": [{"start": c.span.start, "end": c.span.end,
                                  "support": round(c.support(self.options), 4)} for c in checks],
                   "penalty": round(factor, 4),
                   "counts": {k: {"supported": v[0], "total": v[1]} for k, v in sorted(totals.items())},
                   "flagged": [f for f in flags if f["kind"] != "content"][: self.options.max_flags],
                   "unsupported_words": [f["text"] for f in flags if f["kind"] == "content"][: self.options.max_flags]}
        return Score(metrics, details)

    def settings(self) -> dict[str, Any]:
        return {"method": "mean over sentences of 1 - w(1 - (content^a x pairs)^b), x penalty per unsupported "
                          "number/name/quote/negation",
                **self.options.model_dump()}
