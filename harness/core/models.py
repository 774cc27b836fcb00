"""Data every stage passes around: pydantic models with ``extra="forbid"``.

Items (with their checklist claims) are what scorers and backends see; records
and samples are what runs write. The suite file's own models live in
``harness.suite.config``; backend- and scorer-specific options are validated by
the component's own model at construction (see ``registry``), so a typo fails
before any work starts.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from harness.core.patterns import PatternError, compile_pattern

ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:@/+-]{0,199}$")


def no_repeats(names: list[str], what: str) -> None:
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
        if not ID_PATTERN.match(v):
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
        if not isinstance(v, str) or not ID_PATTERN.match(v):
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
        no_repeats([c.id for c in self.checklist], "checklist id")
        return self

    @property
    def required_claims(self) -> list[Claim]:
        return [c for c in self.checklist if c.kind == "required"]

    @property
    def forbidden_claims(self) -> list[Claim]:
        return [c for c in self.checklist if c.kind == "forbidden"]


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
    finish_reason: str | None = None  # the server's: "length" means cut off by max_tokens
    model: str | None = None  # the model the server says answered (gateways may route elsewhere)
    batch: bool = False  # answered through the Batch API
    judge_cost_usd: float | None = None  # what scoring it with LLM judges cost (cached judge answers: free)
    scores: dict[str, float | None] = Field(default_factory=dict)
    undecided: dict[str, int] = Field(default_factory=dict)  # judgements a scorer could not make, by reason


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
    finish_reason: str | None = None  # the server's: "length" means cut off by max_tokens
    model: str | None = None  # the model the server says answered (gateways may route elsewhere)
    batch: bool = False  # the summary was answered through the Batch API (priced as such)
    judge_cost_usd: float | None = None  # what its LLM judges' calls cost in this run (cached answers: free)
    scores: dict[str, float | None] = Field(default_factory=dict)
    undecided: dict[str, int] = Field(default_factory=dict)  # judgements a scorer could not make, by reason
    details: dict[str, Any] = Field(default_factory=dict)
    duplicates_removed: list[int] = Field(default_factory=list)
    article_sha256: str = ""
    prompt_sha256: str | None = None  # LLM systems: sha256 of the prompt template file
    samples: list[Sample] = Field(default_factory=list)  # repeats > 1: every sample; scores = their mean
    spread: dict[str, float] = Field(default_factory=dict)  # repeats > 1: per-metric std. dev. over samples
