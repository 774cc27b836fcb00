"""The run-folder format: manifest.json, records.jsonl and metrics.json (write, read,
one streaming scan into compact columns, index per system and item) and the committed
baseline format.

May import ``harness.core`` only.
"""
