"""Data at file boundaries: pydantic models with ``extra="forbid"``.

Items and suites are what users write; records, manifests and metrics are
what runs write. Backend- and scorer-specific options are validated by the
component's own model at construction (see ``registry``), so a typo fails
before any work starts.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from harness.gate_config import GateConfig
from harness.patterns import PatternError, compile_pattern

_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:@/+-]{0,199}$")


def _no_repeats(names: list[str], what: str) -> None:
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise ValueError(f"{what} {name!r} is used twice")
        seen.add(name)


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Claim(Strict):
    """A fact a summary must carry (``required``) or must not assert (``forbidden``)."""

    id: str
    claim: str = Field(min_length=1)
    kind: Literal["required", "forbidden"] = "required"
    patterns: list[str] = Field(default_factory=list)
    judge: bool = False  # decide with the LLM judge even if patterns exist
    note: str | None = None

    @field_validator("id")
    @classmethod
    def _id(cls, v: str) -> str:
        if not _ID.match(v):
            raise ValueError(f"claim id {v!r} must be letters, digits and . _ - (no spaces)")
        return v

    @field_validator("patterns")
    @classmethod
    def _patterns(cls, v: list[str]) -> list[str]:
        for p in v:
            try:
                compile_pattern(p)
            except PatternError as exc:
                raise ValueError(str(exc)) from None
        return v


class Item(Strict):
    """One article with its hand-written reference(s) and checklist."""

    id: str
    article: str
    references: list[str] = Field(default_factory=list)
    checklist: list[Claim] = Field(default_factory=list)
    meta: dict[str, Any] = Field(default_factory=dict)
    source: str = ""  # "file" or "file:line", for error messages and lint

    @field_validator("id", mode="before")
    @classmethod
    def _id(cls, v: Any) -> str:
        if isinstance(v, int) and not isinstance(v, bool):
            v = str(v)
        if not isinstance(v, str) or not _ID.match(v):
            raise ValueError(f"item id {v!r} must start with a letter or digit and have at most 200 letters, "
                             "digits and . _ - : / @ + (no spaces)")
        return v

    @field_validator("references", mode="before")
    @classmethod
    def _refs(cls, v: Any) -> Any:
        return [v] if isinstance(v, str) else v

    @field_validator("references")
    @classmethod
    def _refs_nonempty(cls, v: list[str]) -> list[str]:
        if any(not r.strip() for r in v):
            raise ValueError("a reference summary is empty")
        return v

    @model_validator(mode="after")
    def _unique_claims(self) -> "Item":
        _no_repeats([c.id for c in self.checklist], "checklist id")
        return self

    @property
    def required_claims(self) -> list[Claim]:
        return [c for c in self.checklist if c.kind == "required"]

    @property
    def forbidden_claims(self) -> list[Claim]:
        return [c for c in self.checklist if c.kind == "forbidden"]


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
        if not _ID.match(v):
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
    seed: int = 0  # bootstrap and any other randomness


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

    @field_validator("name")
    @classmethod
    def _name(cls, v: str) -> str:
        if not _ID.match(v):
            raise ValueError(f"suite name {v!r} must be letters, digits and . _ - (no spaces)")
        return v

    @model_validator(mode="after")
    def _unique_systems(self) -> "SuiteConfig":
        _no_repeats([s.name for s in self.systems], "system name")
        return self


class Usage(Strict):
    prompt_tokens: int = 0
    completion_tokens: int = 0


class Sample(Strict):
    """One of several summaries of the same item (a system with ``repeats > 1``)."""

    summary: str | None
    error: str | None = None
    cached: bool = False
    usage: Usage | None = None
    cost_usd: float | None = None
    latency_ms: float | None = None
    scores: dict[str, float | None] = Field(default_factory=dict)


class Record(Strict):
    """One line of ``records.jsonl``: one (item, system) result."""

    item_id: str
    system: str
    summary: str | None
    error: str | None = None
    cached: bool = False
    usage: Usage | None = None
    cost_usd: float | None = None
    latency_ms: float | None = None
    scores: dict[str, float | None] = Field(default_factory=dict)
    details: dict[str, Any] = Field(default_factory=dict)
    duplicates_removed: list[int] = Field(default_factory=list)
    article_sha256: str = ""
    prompt_sha256: str | None = None  # LLM systems: sha256 of the prompt template file
    samples: list[Sample] = Field(default_factory=list)  # repeats > 1: every sample; scores = their mean
    spread: dict[str, float] = Field(default_factory=dict)  # repeats > 1: per-metric std. dev. over samples
