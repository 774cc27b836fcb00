"""What every scorer provides, with defaults for every declaration.

A scorer is one module: a ``BaseScorer`` subclass with its ``Options`` model and the
``metrics`` it emits, registered by an entry point in the ``sumbench.scorers`` group
(sumbench's own are in its ``pyproject.toml``). ``Metric`` is re-exported here so a
plugin needs one import line.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict

from harness.core.metrics import Metric
from harness.core.models import Item
from harness.core.protocols import Scorer

__all__ = ["BaseScorer", "Metric", "NoOptions", "Score", "Scorer"]


@dataclass
class Score:
    """Flat dotted metrics (``rouge1``, ``checklist.recall``) and per-item details.

    ``undecided`` counts, by reason, the judgements this scorer could not make (a judge
    that gave no usable verdict for a claim): they count against the run's
    ``judge_error_budget``, so a metric computed from fewer claims never passes silently.
    """

    metrics: dict[str, float]
    details: dict[str, Any] = field(default_factory=dict)
    undecided: dict[str, int] = field(default_factory=dict)
    judge_cost_usd: float = 0.0  # what this score's judge calls cost now (cached answers are free)


class NoOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")


class BaseScorer:
    """Defaults: no options, no network. Subclasses declare ``metrics`` and implement ``score``."""

    name: ClassVar[str]
    Options: ClassVar[type[BaseModel]] = NoOptions
    metrics: ClassVar[tuple[Metric, ...]] = ()
    calls_network: bool = False  # waits on a model (an LLM judge): scored on the request threads

    def __init__(self, options: BaseModel, **context: Any):
        self.options = options

    def score(self, item: Item, summary: str, article: str) -> Score:
        raise NotImplementedError

    def judge_estimates(self, item: Item, article: str, summary_chars: int) -> list[tuple[Any, int, int]]:
        """(judge backend, prompt tokens, completion tokens) of each call that scoring one summary of
        about ``summary_chars`` characters would make: what ``--dry-run`` counts. None by default."""
        return []

    def judge_backends(self) -> list[Any]:
        """The LLM backends this scorer asks (its judges): the batch mode submits their requests."""
        return []

    def settings(self) -> dict[str, Any]:
        """Exact settings recorded in the manifest (default: the options)."""
        return self.options.model_dump(mode="json")
