"""What a suite file may contain: ``suite.toml`` and item files, validated with file:line errors.

Every model forbids unknown keys, so a typo fails when the suite loads, before
any work starts. ``[[systems]]`` keep their backend options open here: the
backend's own ``Options`` model validates them when it is built.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from harness.core.models import ID_PATTERN, Strict, no_repeats
from harness.suite.gate_config import GateConfig


class TomlItem(Strict):
    """What an item file may contain (``article`` or ``article_file``)."""

    id: str | int
    article: str | None = None
    article_file: str | None = None
    references: list[str] | str
    checklist: list[dict[str, Any]] = Field(default_factory=list)
    meta: dict[str, Any] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _one_article(self) -> "TomlItem":
        if (self.article is None) == (self.article_file is None):
            raise ValueError("give exactly one of 'article' (inline text) or 'article_file' (a path)")
        return self


class FieldMap(Strict):
    """Which JSONL key holds each item field. Other keys go to ``meta``."""

    id: str | None = None  # default: the line number
    article: str = "article"
    references: str = "references"
    checklist: str | None = None


class SystemConfig(BaseModel):
    """``[[systems]]``: a name, a backend kind and that backend's options."""

    model_config = ConfigDict(extra="allow")

    name: str
    backend: str
    repeats: int = Field(default=1, ge=1, le=100)  # samples per item (backend must accept sample=)

    @field_validator("name")
    @classmethod
    def _name(cls, v: str) -> str:
        if not ID_PATTERN.match(v):
            raise ValueError(f"system name {v!r} must be letters, digits and . _ - (no spaces)")
        return v

    @property
    def options(self) -> dict[str, Any]:
        return dict(self.model_extra or {})


class LintConfig(Strict):
    min_words: int = 40
    max_words: int = 20000


class RunConfig(Strict):
    concurrency: int = Field(default=8, ge=1, le=256)
    error_budget: int = Field(default=0, ge=0)  # failed records allowed before exit 1
    judge_error_budget: int = Field(default=0, ge=0)  # judgements a judge could not make, before exit 1
    seed: int = 0  # bootstrap and any other randomness


class PairwiseConfig(Strict):
    """``[pairwise]``: an LLM judge that says which of two systems' summaries is better, in both orders."""

    judge: dict[str, Any]  # the judge backend and its options, as for an openai system
    pairs: list[list[str]] | None = None  # [["a", "b"], ...]; default: every pair of systems
    judge_prompt: str | None = None  # {article}, {first}, {second}; default prompts/judge/pairwise.txt

    @field_validator("pairs")
    @classmethod
    def _pairs(cls, v: list[list[str]] | None) -> list[list[str]] | None:
        for p in v or []:
            if len(p) != 2 or p[0] == p[1]:
                raise ValueError(f"each pair names two different systems, got {p!r}")
        return v


class SuiteConfig(Strict):
    """``suite.toml``."""

    name: str
    description: str = ""
    items: str
    fields: FieldMap | None = None
    format: Literal["auto", "cnndm", "xsum"] | None = None
    scorers: list[str] = Field(default_factory=lambda: ["rouge", "checklist", "length"])
    scorer: dict[str, dict[str, Any]] = Field(default_factory=dict)  # per-scorer options
    systems: list[SystemConfig] = Field(min_length=1)
    gate: GateConfig = Field(default_factory=GateConfig)  # rules for `sumbench check`
    lint: LintConfig = Field(default_factory=LintConfig)
    run: RunConfig = Field(default_factory=RunConfig)
    pairwise: PairwiseConfig | None = None

    @field_validator("name")
    @classmethod
    def _name(cls, v: str) -> str:
        if not ID_PATTERN.match(v):
            raise ValueError(f"suite name {v!r} must be letters, digits and . _ - (no spaces)")
        return v

    @model_validator(mode="after")
    def _unique_systems(self) -> "SuiteConfig":
        no_repeats([s.name for s in self.systems], "system name")
        names = {s.name for s in self.systems}
        for p in (self.pairwise.pairs or []) if self.pairwise else []:
            unknown = [n for n in p if n not in names]
            if unknown:
                raise ValueError(f"[pairwise] pairs names unknown system {unknown[0]!r}; systems: {sorted(names)}")
        return self
