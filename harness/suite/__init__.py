"""What users write: suite files, items (TOML or streamed JSONL), prompt templates,
the ``[gate]`` table's format, and ``sumbench lint``.

May import ``harness.core`` only (components are built through ``harness.core.registry``).
"""
