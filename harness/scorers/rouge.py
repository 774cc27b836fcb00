"""ROUGE via Google's ``rouge-score`` (the reference Python port of ROUGE-1.5.5).

F-measure is the metric; precision and recall go to details. With several
references the best-F reference wins per ROUGE type (as in ROUGE-1.5.5's
"best" mode). For rougeLsum both texts are split into sentences with
``harness.text`` and joined with newlines, which is what rouge-score expects;
its own ``split_summaries`` would need nltk's punkt download.
"""

from __future__ import annotations

import functools
import threading
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from harness.models import Item
from harness.registry import scorers
from harness.scorers.base import Score
from harness.text import split_sentences

ROUGE_TYPES = ("rouge1", "rouge2", "rougeL", "rougeLsum")


def _sentence_lines(text: str) -> str:
    return "\n".join(split_sentences(text))


class RougeCalc:
    """Configured once; ``score(target, prediction)`` is then a pure call.

    Options are checked here; the rouge-score object (whose import pulls in
    nltk, about a second) is built on first use, so `lint`, `--dry-run` and
    config errors do not pay for it.
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
                from rouge_score import rouge_scorer  # heavy (imports nltk): load lazily

                built = rouge_scorer.RougeScorer(list(self.types), use_stemmer=self.use_stemmer)
                # Porter stemming is a pure function of the word and most of ROUGE's CPU time:
                # memoising it per word gives identical numbers (tests/unit/test_rouge_memo.py).
                stemmer = getattr(getattr(built, "_tokenizer", None), "_stemmer", None)
                if stemmer is not None:
                    stemmer.stem = functools.lru_cache(maxsize=1 << 17)(stemmer.stem)
                self._built = built
            return self._built

    @property
    def _scorer(self) -> Any:
        return self._get()

    def score(self, target: str, prediction: str) -> dict[str, tuple[float, float, float]]:
        """{type: (precision, recall, fmeasure)} for one target/prediction pair."""
        if "rougeLsum" in self.types:
            target, prediction = _sentence_lines(target), _sentence_lines(prediction)
        raw = self._scorer.score(target, prediction)
        return {t: (s.precision, s.recall, s.fmeasure) for t, s in raw.items()}

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
class Rouge:
    """ROUGE-1/2/L/Lsum F-measure against the reference(s) (rouge-score, Porter stemming)."""

    Options: ClassVar[type[BaseModel]] = RougeOptions

    def __init__(self, options: RougeOptions):
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
            "rougeLsum_sentence_split": "harness.text.split_sentences, joined with newlines",
            "multi_reference": "max F over references, per type",
            "metric": "fmeasure",
            "rouge_score_version": version("rouge-score"),
        }
