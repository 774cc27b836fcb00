"""``sumbench init NAME``: a suite folder of one's own that lints clean and runs offline as it is.

Writes ``NAME/suite.toml`` (every common option, commented), ``NAME/items/example.toml``
(a fictional article with a hand-written reference and a required and a forbidden
claim) and ``NAME/prompts/concise.txt`` (the prompt an LLM system would use). The one
system that runs is lead-3, offline; the LLM systems are there to uncomment.
"""

from __future__ import annotations

import os
from pathlib import Path

from harness.core.errors import UserError
from harness.core.files import write_atomic
from harness.core.models import ID_PATTERN

SUITE = '''# {name}: a sumbench suite. Run it: sumbench run {name}   Check it: sumbench lint {name}
# Every key is documented in the README ("Datasets", "LLM systems", "[gate] rules").
name = "{name}"
description = "My summarization suite (one example item to start from)."
items = "items/*.toml"            # or "items.jsonl" with a [fields] map for bulk data
scorers = ["rouge", "checklist", "faithfulness", "extractiveness", "length"]

# An offline baseline: the article's first three sentences.
[[systems]]
name = "lead3"
backend = "lead"
sentences = 3

# An LLM system on any OpenAI-compatible endpoint. Uncomment, then export OPENAI_API_KEY
# (or set base_url = "http://localhost:8000/v1" for vLLM, Ollama, llama.cpp ...).
# [[systems]]
# name = "mini-concise"
# backend = "openai"
# model = "gpt-4o-mini"
# prompt = "prompts/concise.txt"
# temperature = 0
# price = {{ input = 0.15, output = 0.60 }}   # USD per million tokens: enables cost and --max-cost
# batch = false                              # true: the Batch API, half price, minutes to hours

# [scorer.checklist]
# judge = {{ backend = "openai", model = "gpt-4o-mini", temperature = 0 }}   # decides claims without patterns

# [pairwise]                                 # which of two systems' summaries is better (both orders)
# judge = {{ backend = "openai", model = "gpt-4o-mini", temperature = 0 }}

[run]
concurrency = 8
error_budget = 0                  # failed records allowed before `run` exits 1
seed = 0                          # bootstrap seed: same inputs, same numbers

# Rules for `sumbench check RUN --baseline FILE` (CI gates).
[gate]
"rougeLsum" = {{ min = 0.10 }}
"checklist.recall" = {{ min = 0.5 }}
'''

ITEM = '''# One item: an article, one or more hand-written references, and claims to check.
id = "harbour-bridge"
article = """
The town council of Wrenport voted on Tuesday to close the old harbour bridge for repairs.

Engineers found corrosion in two of the bridge's steel supports during an inspection last month. \\
The repairs are expected to cost 4 million euros and to take about eight months.

A temporary ferry will carry pedestrians and cyclists across the harbour while the bridge is closed. \\
Cars will be diverted through the ring road, which the council says adds about ten minutes to a trip.

Some shop owners near the harbour said they feared losing customers during the closure. \\
The council promised to review the ferry timetable after the first month.

(This article is fictional, written as an example for sumbench.)
"""
references = ["""Wrenport's council voted to close the harbour bridge for eight months of repairs costing 4 million euros.
A temporary ferry will carry pedestrians and cyclists; cars will use the ring road."""]

[[checklist]]
id = "closure"
claim = "The bridge is closed for repairs."
patterns = ['clos(e|ed|es|ing|ure)', 'repair']

[[checklist]]
id = "cost"
claim = "The repairs cost 4 million euros."
patterns = ['4 million']

[[checklist]]
id = "no-demolition"
kind = "forbidden"                # must NOT be asserted
claim = "The bridge will be demolished."
patterns = ['demolish', 'torn down']
'''

PROMPT = '''---
description = "Three plain sentences."
temperature = 0.0
max_tokens = 200
---
Summarize the news article below in three sentences. Use only facts stated in the article.

<article>
{article}
</article>
'''


def init_suite(name: str, where: Path | None = None) -> Path:
    """Create the suite folder ``name`` in ``where`` (the current folder); refuses to overwrite."""
    if not ID_PATTERN.match(name) or name in (".", ".."):
        raise UserError(f"{name!r} is not a suite name", fix="use letters, digits and . _ - (no spaces or slashes)")
    folder = (where or Path.cwd()) / name
    if folder.exists():
        raise UserError("already exists", file=folder, fix="choose another name, or remove it first")
    tmp = folder.with_name(f".{name}.init-{os.getpid()}")  # all or nothing: renamed into place at the end
    try:
        write_atomic(tmp / "suite.toml", SUITE.format(name=name))
        write_atomic(tmp / "items" / "example.toml", ITEM)
        write_atomic(tmp / "prompts" / "concise.txt", PROMPT)
        tmp.rename(folder)
    except BaseException:
        for p in sorted(tmp.rglob("*"), reverse=True) if tmp.exists() else ():
            p.rmdir() if p.is_dir() else p.unlink()
        if tmp.exists():
            tmp.rmdir()
        raise
    return folder
