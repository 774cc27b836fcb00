"""What every summarizer backend provides, with a default for every declared capability.

A backend is one module: a ``BaseBackend`` subclass with its ``Options`` model,
registered by an entry point in the ``sumbench.backends`` group (sumbench's own
are in its ``pyproject.toml``). LLM backends subclass ``harness.backends.llm.LLMBackend``
instead, which owns the shared call path.
"""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import BaseModel

from harness.core.errors import BackendError
from harness.core.models import Item
from harness.core.protocols import Backend, Completion, Summary

__all__ = ["BackendError", "BaseBackend", "Backend", "Completion", "Summary"]


class BaseBackend:
    """Offline by default: no network, no key, one deterministic answer per article."""

    name: ClassVar[str]
    Options: ClassVar[type[BaseModel]]
    calls_network: ClassVar[bool] = False
    needs_key: ClassVar[bool] = False
    can_sample: ClassVar[bool] = False
    can_complete: ClassVar[bool] = False
    supports_json_schema: ClassVar[bool] = False
    supports_batch: ClassVar[bool] = False  # a Batch API wire (``batch_wire()``) for ``batch = true``
    prompt_sha256: str | None = None

    def __init__(self, options: Any, **context: Any):
        self.options = options

    def summarize(self, article: str, item: Item, sample: int = 0) -> Summary:
        raise NotImplementedError

    def describe(self) -> dict[str, Any]:
        return {"backend": self.name, **self.options.model_dump()}

    def missing_key(self) -> str | None:
        return None

    @property
    def batched(self) -> bool:
        """Configured to send its uncached requests through the Batch API (``batch = true``); only a
        backend that ``supports_batch`` can be."""
        return False

    def config_warnings(self) -> list[str]:
        """Settings that are valid but probably a mistake (``lint`` and ``run`` say so)."""
        return []

    def set_concurrency(self, n: int) -> None:
        """Told the run's concurrency before work starts (LLM backends size their in-flight cap)."""

    def warm_up(self) -> None:
        """Called once before items are queued (LLM backends import their SDK here)."""
