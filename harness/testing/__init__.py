"""Test and benchmark helpers shipped with the package (no test framework needed):
a fake OpenAI-compatible server (with a Batch API), cassette set-up for sumbench's own
tests and users' ``--cassette`` runs (indexed replay, scrubbing), synthetic suites, a
headless browser.

A side branch: may import ``harness.core`` only, and nothing imports it but tests,
benchmarks, users and ``harness.api`` (which wraps a run in a user's cassette).
"""
