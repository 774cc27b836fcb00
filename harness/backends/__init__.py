"""Summarizer backends and the one call path that LLM backends share.

``llm.LLMBackend`` owns cache, client-side limits, retries, usage and cost; a
provider module (``openai_chat``) supplies only its wire: build, send and parse a
request, and classify its errors. Built-ins and plugins are registered through the
``sumbench.backends`` entry-point group. May import ``harness.core``,
``harness.suite`` and ``harness.scorers`` (the oracle maximises ROUGE).
"""
