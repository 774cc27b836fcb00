"""The suite's ``[gate]`` table: quality rules for ``sumbench check``.

``[gate]`` maps a metric name to a rule, plus a few settings::

    [gate]
    alpha = 0.05                                   # significance level for max_drop
    "rougeLsum" = { min = 0.20, max_drop = 0.02 }
    "checklist.violations" = { max = 0.1 }

It is validated when the suite loads (so `run` and `lint` reject a typo in a
rule before any work), with the file:line of the offending rule.
"""

from __future__ import annotations

import difflib
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator


class GateRule(BaseModel):
    """One metric's rule. Absolute bounds apply to each system's mean; ``max_drop``
    compares with the baseline and fails only on a drop that is both larger than
    ``max_drop`` and statistically significant."""

    model_config = ConfigDict(extra="forbid")

    min: float | None = None  # the mean must be at least this
    max: float | None = None  # the mean must be at most this
    max_drop: float | None = Field(default=None, ge=0)  # allowed worsening vs the baseline mean
    better: Literal["higher", "lower"] | None = None  # default: the direction its scorer declares
    systems: list[str] | None = None  # default: every system in the run

    def direction(self, declared: str | None) -> str | None:
        """The rule's ``better``, else the metric's declared direction (None: it has none)."""
        return self.better or declared

    @model_validator(mode="before")
    @classmethod
    def _known_keys(cls, data: Any) -> Any:
        if isinstance(data, dict):
            known = list(cls.model_fields)
            for key in data:
                if key not in known:
                    close = difflib.get_close_matches(str(key), known, n=1)
                    hint = f"did you mean '{close[0]}'?" if close else f"allowed keys: {', '.join(known)}"
                    raise ValueError(f"unknown rule key '{key}' ({hint})")
        return data

    @model_validator(mode="after")
    def _meaningful(self) -> "GateRule":
        if self.min is None and self.max is None and self.max_drop is None:
            raise ValueError("a rule needs at least one of min, max, max_drop")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"min ({self.min}) is greater than max ({self.max})")
        if self.systems is not None and not self.systems:
            raise ValueError("systems = [] gates nothing; remove it to gate every system")
        return self


class GateConfig(BaseModel):
    """``[gate]``: settings plus one rule per metric name (the other keys)."""

    model_config = ConfigDict(extra="allow")
    __pydantic_extra__: dict[str, GateRule] = Field(init=False)

    alpha: float = Field(default=0.05, gt=0, lt=1)  # significance level (Holm-adjusted) for max_drop

    @property
    def rules(self) -> dict[str, GateRule]:
        return dict(self.model_extra or {})
