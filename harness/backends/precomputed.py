"""Score summaries made elsewhere: the summary is read from a field of the item.

A JSONL file of existing outputs (one line per article x system, the summary
in e.g. ``"summary"``) loads as items whose unmapped keys land in ``meta``;
this backend hands that stored text to the scorers, so outside outputs can be
scored, compared and gated exactly like a run. A list of strings (one
sentence per entry) is joined with newlines.
"""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field

from harness.backends.base import BackendError, BaseBackend, Summary
from harness.core.models import Item
from harness.core.registry import backends


class PrecomputedOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")
    field: str = Field(default="summary", min_length=1,
                       description="key of the item's meta holding the summary (dots reach nested keys)")
    allow_empty: bool = False


def _lookup(meta: dict[str, Any], path: str) -> Any:
    """``meta[path]``, or a nested value for a dotted path such as ``outputs.bart``."""
    if path in meta:
        return meta[path]
    node: Any = meta
    for part in path.split("."):
        if not isinstance(node, dict) or part not in node:
            raise KeyError(path)
        node = node[part]
    return node


@backends.register("precomputed")
class Precomputed(BaseBackend):
    """Summary already stored in a field of the item (no model is called)."""

    Options: ClassVar[type[BaseModel]] = PrecomputedOptions

    def summarize(self, article: str, item: Item, sample: int = 0) -> Summary:
        name = self.options.field
        try:
            value = _lookup(item.meta, name)
        except KeyError:
            known = ", ".join(sorted(item.meta)) or "none"
            raise BackendError(f"item '{item.id}' has no field '{name}' holding a precomputed summary "
                               f"(fields kept in meta: {known}); set field = \"...\" on the system") from None
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            value = "\n".join(v.strip() for v in value)
        if not isinstance(value, str):
            raise BackendError(f"item '{item.id}': field '{name}' is {type(value).__name__}, "
                               "expected a string (or a list of sentence strings)")
        if not value.strip() and not self.options.allow_empty:
            raise BackendError(f"item '{item.id}': field '{name}' is empty "
                               "(allow_empty = true scores empty summaries)")
        return Summary(value)
