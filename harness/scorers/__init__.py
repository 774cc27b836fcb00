"""Scorers: one module per scorer, each declaring the metrics it emits (name,
direction, kind, headline place, description) in its ``metrics`` attribute.

Built-ins and plugins are registered through the ``sumbench.scorers`` entry-point
group. May import ``harness.core`` and ``harness.suite``; an LLM judge reaches its
backend through ``harness.core.registry``, never by importing ``harness.backends``.
"""
