"""Summarizer backends; importing this package registers the built-in ones."""

from harness.backends import extractive  # noqa: F401  (registers lead, textrank, oracle)
from harness.backends import precomputed  # noqa: F401
from harness.backends import openai_compat  # noqa: F401  (registers openai)
