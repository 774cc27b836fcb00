"""ROUGE via Google's ``rouge-score`` (the reference Python port of ROUGE-1.5.5).

F-measure is the metric; precision and recall go to details. With several
references the best-F reference wins per ROUGE type (as in ROUGE-1.5.5's
"best" mode). For rougeLsum both texts are split into sentences with
``harness.core.text`` and joined with newlines, which is what rouge-score expects;
its own ``split_summaries`` would need nltk's punkt download.
"""

from __future__ import annotations

import functools
import threading
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from harness.core.models import Item
from harness.core.registry import scorers
from harness.core.text import split_sentences
from harness.scorers import lcs
from harness.scorers.base import BaseScorer, Metric, Score

ROUGE_TYPES = ("rouge1", "rouge2", "rougeL", "rougeLsum")


class _Tokens:
    """The tokenizer object rouge-score's RougeScorer takes, serving memoised token lists."""

    def __init__(self, tokenize: Any):
        self.tokenize = tokenize


def _sentence_lines(text: str) -> str:
    return "\n".join(split_sentences(text))


class RougeCalc:
    """Configured once; ``score(target, prediction)`` is then a pure call.

    Options are checked here; rouge-score's tokenizer (whose import pulls in
    nltk, about a second) is built on first use, so `lint`, `--dry-run` and
    config errors do not pay for it. Tokenising is rouge-score's (Porter
    stemmer memoised per word, token lists memoised per text: references and
    the oracle's candidate sentences come back again and again); n-gram
    scores are rouge-score's; ROUGE-L/Lsum use ``harness.scorers.lcs``, which
    gives rouge-score's numbers bit for bit, several times faster.
    """

    def __init__(self, types: tuple[str, ...] = ROUGE_TYPES, use_stemmer: bool = True):
        bad = [t for t in types if t not in ROUGE_TYPES]
        if bad or not types:
            raise ValueError(f"unknown ROUGE type(s) {bad}; use {', '.join(ROUGE_TYPES)}")
        self.types = tuple(types)
        self.use_stemmer = use_stemmer
        self._built: Any = None
        self._lock = threading.Lock()

    def _get(self) -> Any:
        with self._lock:
            if self._built is None:
                from rouge_score import (  # heavy (imports nltk): load lazily
                    rouge_scorer,
                    tokenizers,
                )

                tokenizer = tokenizers.DefaultTokenizer(self.use_stemmer)
                stemmer = getattr(tokenizer, "_stemmer", None)
                if stemmer is not None:  # Porter stemming is a pure function of the word
                    stemmer.stem = functools.lru_cache(maxsize=1 << 17)(stemmer.stem)
                tokenize = functools.lru_cache(maxsize=1 << 12)(lambda text: tuple(tokenizer.tokenize(text)))
                ngram_types = [t for t in self.types if t in ("rouge1", "rouge2")]
                ngrams = rouge_scorer.RougeScorer(ngram_types, tokenizer=_Tokens(tokenize)) if ngram_types else None
                self._built = (tokenize, ngrams, stemmer)
            return self._built

    def score(self, target: str, prediction: str) -> dict[str, tuple[float, float, float]]:
        """{type: (precision, recall, fmeasure)} for one target/prediction pair."""
        tokenize, ngrams, _ = self._get()
        if "rougeLsum" in self.types:
            target, prediction = _sentence_lines(target), _sentence_lines(prediction)
        out: dict[str, tuple[float, float, float]] = {}
        if ngrams is not None:
            out.update((t, (s.precision, s.recall, s.fmeasure)) for t, s in ngrams.score(target, prediction).items())
        if "rougeL" in self.types:
            out["rougeL"] = lcs.rouge_l(tokenize(target), tokenize(prediction))
        if "rougeLsum" in self.types:  # rouge-score's own sentence handling: split on newlines, drop empty lines
            out["rougeLsum"] = lcs.rouge_lsum([tokenize(s) for s in target.split("\n") if s],
                                              [tokenize(s) for s in prediction.split("\n") if s])
        return {t: out[t] for t in self.types}

    def fmeasures(self, target: str, prediction: str) -> dict[str, float]:
        return {t: prf[2] for t, prf in self.score(target, prediction).items()}

    def best_over(self, targets: list[str], prediction: str) -> dict[str, tuple[float, float, float, int]]:
        """Per type, the (P, R, F, reference index) of the best-F reference."""
        best: dict[str, tuple[float, float, float, int]] = {}
        for i, ref in enumerate(targets):
            for t, (p, r, f) in self.score(ref, prediction).items():
                if t not in best or f > best[t][2]:
                    best[t] = (p, r, f, i)
        return best


class RougeOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")
    types: list[Literal["rouge1", "rouge2", "rougeL", "rougeLsum"]] = Field(
        default_factory=lambda: list(ROUGE_TYPES), min_length=1)
    stemmer: bool = True

    @field_validator("types")
    @classmethod
    def _unique(cls, v: list[str]) -> list[str]:
        return list(dict.fromkeys(v))


@scorers.register("rouge")
class Rouge(BaseScorer):
    """ROUGE-1/2/L/Lsum F-measure against the reference(s) (rouge-score, Porter stemming)."""

    Options: ClassVar[type[BaseModel]] = RougeOptions
    metrics = (
        Metric("rouge1", "higher", "share", "unigram overlap with the best reference (F-measure)", headline=10,
               primary=50),
        Metric("rouge2", "higher", "share", "bigram overlap with the best reference (F-measure)", headline=20,
               primary=40),
        Metric("rougeLsum", "higher", "share", "longest common subsequence per sentence, summary-level "
               "(F-measure; sentences on their own lines)", headline=30, primary=10),
        Metric("rougeL", "higher", "share", "longest common subsequence of the whole text (F-measure)",
               headline=90),
    )

    def __init__(self, options: RougeOptions, **context: Any):
        self.options = options
        self.calc = RougeCalc(tuple(options.types), options.stemmer)

    def score(self, item: Item, summary: str, article: str) -> Score:
        if not item.references:
            return Score({}, {"skipped": "item has no reference summary"})
        best = self.calc.best_over(item.references, summary)
        metrics = {t: v[2] for t, v in best.items()}
        details = {t: {"precision": v[0], "recall": v[1], "fmeasure": v[2], "reference": v[3]}
                   for t, v in best.items()}
        return Score(metrics, details)

    def settings(self) -> dict[str, Any]:
        from importlib.metadata import version

        return {
            "types": list(self.options.types),
            "use_stemmer": self.options.stemmer,
            "stemmer": "nltk PorterStemmer as applied by rouge-score (tokens longer than 3 characters)",
            "tokenizer": "rouge_score DefaultTokenizer: lowercase, [^a-z0-9]+ to spaces "
                         "(non-ASCII letters are dropped)",
            "rougeLsum_sentence_split": "harness.core.text.split_sentences, joined with newlines",
            "multi_reference": "max F over references, per type",
            "lcs": "bit-parallel LCS (harness.scorers.lcs) for rougeL/rougeLsum: rouge-score's numbers bit for bit",
            "metric": "fmeasure",
            "rouge_score_version": version("rouge-score"),
        }
