"""Test and benchmark helpers shipped with the package (no test framework needed):
a fake OpenAI-compatible server, cassette set-up, synthetic suites, a headless browser.

A side branch: may import ``harness.core`` only, and nothing imports it but tests,
benchmarks and users.
"""
