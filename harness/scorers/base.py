"""What every scorer provides."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar, Protocol

from harness.models import Item


@dataclass
class Score:
    """Flat dotted metrics (``rouge1``, ``checklist.recall``) and per-item details."""

    metrics: dict[str, float]
    details: dict[str, Any] = field(default_factory=dict)


class Scorer(Protocol):
    name: ClassVar[str]

    def score(self, item: Item, summary: str, article: str) -> Score:
        """Score ``summary`` of ``item``; ``article`` is the text the system saw."""
        ...

    def settings(self) -> dict[str, Any]:
        """Exact settings (types, stemmer, versions) recorded in the manifest."""
        ...
