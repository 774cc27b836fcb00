"""What every summarizer backend provides."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar, Protocol

from harness.models import Item


@dataclass
class Summary:
    """A backend's answer. ``usage``/``cost_usd`` stay None for offline backends."""

    text: str
    usage: dict[str, int] | None = None
    cost_usd: float | None = None
    cached: bool = False
    meta: dict[str, Any] = field(default_factory=dict)


class Backend(Protocol):
    name: ClassVar[str]
    needs_network: ClassVar[bool]

    def summarize(self, article: str, item: Item) -> Summary:
        """Summarize ``article`` (already de-duplicated); ``item`` gives context
        such as references (for the oracle) or stored outputs (precomputed)."""
        ...

    def describe(self) -> dict[str, Any]:
        """Settings that identify this system's output, for the manifest."""
        ...


class BackendError(Exception):
    """A failure of one summarize call: recorded on the record, never cached."""
