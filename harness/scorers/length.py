"""Length: words and sentences of the summary, and its size relative to the reference.

``length.words`` and ``length.sentences`` are counts, and
``length.ratio`` (summary words / mean reference words) is a ratio, so
these three are not in [0, 1].
"""

from __future__ import annotations

from typing import Any

from harness.core.models import Item
from harness.core.registry import scorers
from harness.core.text import split_sentences, words
from harness.scorers.base import BaseScorer, Metric, Score


@scorers.register("length")
class Length(BaseScorer):
    """Summary words and sentences, and words relative to the reference."""

    metrics = (
        Metric("length.words", None, "count", "words in the summary", headline=80),
        Metric("length.sentences", None, "count", "sentences in the summary"),
        Metric("length.ratio", None, "ratio", "summary words / mean reference words"),
    )

    def score(self, item: Item, summary: str, article: str) -> Score:
        n_words = len(words(summary))
        metrics = {"length.words": float(n_words), "length.sentences": float(len(split_sentences(summary)))}
        details: dict[str, Any] = {}
        if item.references:
            ref_words = [len(words(r)) for r in item.references]
            mean_ref = sum(ref_words) / len(ref_words)
            details["reference_words"] = ref_words
            if mean_ref > 0:
                metrics["length.ratio"] = n_words / mean_ref
        return Score(metrics, details)

    def settings(self) -> dict[str, Any]:
        return {"words": "harness.core.text.words", "sentences": "harness.core.text.split_sentences",
                "ratio": "summary words / mean reference words"}
