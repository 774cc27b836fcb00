"""The run-folder format: manifest.json, records.jsonl and metrics.json (write, read,
one streaming scan into compact columns, index per system and item), batches.jsonl (the
Batch API journal), pairwise.jsonl (the pairwise judge's verdicts) and the committed
baseline format.

May import ``harness.core`` only.
"""
