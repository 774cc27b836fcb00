"""Length: words and sentences of the summary, and its size relative to the reference.

``length.words`` and ``length.sentences`` are counts, and
``length.ratio`` (summary words / mean reference words) is a ratio, so
these three are not in [0, 1].
"""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict

from harness.models import Item
from harness.registry import scorers
from harness.scorers.base import Score
from harness.text import split_sentences, words


class LengthOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")


@scorers.register("length")
class Length:
    """Summary words and sentences, and words relative to the reference."""

    Options: ClassVar[type[BaseModel]] = LengthOptions

    def __init__(self, options: LengthOptions):
        self.options = options

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
        return {"words": "harness.text.words", "sentences": "harness.text.split_sentences",
                "ratio": "summary words / mean reference words"}
