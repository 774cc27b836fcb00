"""The bottom layer: what every stage shares.

Owns the one user-error type and ``BackendError``, the pydantic models of items and
records, the component registries (and their entry-point loading), metric
declarations, text splitting, checklist patterns, summary statistics and file
reading. Imports nothing of ``harness`` outside ``harness.core``.
"""
