"""Prices and token estimates: what a request costs, interactively or through the Batch API."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from harness.core.text import estimate_tokens

__all__ = ["BATCH_DISCOUNT", "Price", "estimate_tokens"]

BATCH_DISCOUNT = 0.5  # the Batch API's price when a system gives no batch price (OpenAI's published rate)


class Price(BaseModel):
    model_config = ConfigDict(extra="forbid")
    input: float = Field(ge=0, description="USD per million prompt tokens")
    output: float = Field(ge=0, description="USD per million completion tokens")
    batch_input: float | None = Field(default=None, ge=0, description="Batch API; default: half of input")
    batch_output: float | None = Field(default=None, ge=0, description="Batch API; default: half of output")

    def per_million(self, batch: bool) -> tuple[float, float]:
        if not batch:
            return self.input, self.output
        return (self.input * BATCH_DISCOUNT if self.batch_input is None else self.batch_input,
                self.output * BATCH_DISCOUNT if self.batch_output is None else self.batch_output)

    def usd(self, prompt_tokens: int, completion_tokens: int, batch: bool = False) -> float:
        per_input, per_output = self.per_million(batch)
        return round((prompt_tokens * per_input + completion_tokens * per_output) / 1e6, 8)
