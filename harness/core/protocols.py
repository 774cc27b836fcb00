"""The behaviour each kind of component offers, as Protocols.

Capabilities are declared attributes (``calls_network``, ``needs_key``,
``can_sample``, ``can_complete``, ``supports_json_schema``), given defaults by the
base classes in ``harness.backends.base`` and ``harness.scorers.base``; callers read
them instead of probing with ``hasattr``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar, Protocol

from harness.core.models import Item


@dataclass
class Summary:
    """A backend's answer. ``usage``/``cost_usd`` stay None for offline backends."""

    text: str
    usage: dict[str, int] | None = None
    cost_usd: float | None = None
    cached: bool = False
    meta: dict[str, Any] = field(default_factory=dict)


@dataclass
class Completion:
    """One chat answer through the call path (summaries and judges alike)."""

    text: str
    usage: dict[str, int] = field(default_factory=dict)
    cost_usd: float | None = None
    cached: bool = False
    latency_ms: float = 0.0
    finish_reason: str | None = None
    model: str | None = None  # as the server reports it
    data: Any = None  # parsed JSON for structured-output calls
    batch: bool = False  # answered through the Batch API (priced as such)
    logprobs: list[dict[str, Any]] | None = None  # token logprobs, when asked for and given


class Backend(Protocol):
    name: ClassVar[str]
    calls_network: ClassVar[bool]  # sends requests (dry runs estimate them; offline ones are free)
    needs_key: ClassVar[bool]  # may need an API key from the environment (see missing_key)
    can_sample: ClassVar[bool]  # summarize(..., sample=k) draws different samples (repeats > 1)
    can_complete: ClassVar[bool]  # answers arbitrary chat prompts: usable as an LLM judge
    supports_json_schema: ClassVar[bool]  # complete(json_schema=...) asks for structured output
    supports_batch: ClassVar[bool]  # has a Batch API wire (batch_wire()) for batch = true
    batched: bool  # configured with batch = true: uncached requests go through that wire
    prompt_sha256: str | None  # the prompt template's hash, recorded even when a call fails

    def summarize(self, article: str, item: Item, sample: int = 0) -> Summary:
        """Summarize ``article`` (already de-duplicated); ``item`` gives context
        such as references (for the oracle) or stored outputs (precomputed)."""
        ...

    def describe(self) -> dict[str, Any]:
        """Settings that identify this system's output, for the manifest."""
        ...

    def missing_key(self) -> str | None:
        """The environment variable this system needs and lacks, else None."""
        ...

    def config_warnings(self) -> list[str]:
        """Valid settings that are probably a mistake, for ``lint`` and ``run``."""
        ...

    def set_concurrency(self, n: int) -> None: ...

    def warm_up(self) -> None: ...


class LLM(Backend, Protocol):
    """A backend that answers prompts (``can_complete``): what a judge needs."""

    def complete(self, messages: list[dict[str, Any]], *, json_schema: dict[str, Any] | None = None,
                 sample: int = 0, **params: Any) -> Completion: ...


class Scorer(Protocol):
    name: ClassVar[str]
    calls_network: bool  # waits on a model (an LLM judge): scored on the request threads

    def score(self, item: Item, summary: str, article: str) -> Any:
        """Score ``summary`` of ``item``; ``article`` is the text the system saw."""
        ...

    def settings(self) -> dict[str, Any]:
        """Exact settings (types, stemmer, versions) recorded in the manifest."""
        ...
