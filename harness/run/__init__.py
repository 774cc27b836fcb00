"""Executing a suite: plan (validate, build components), the thread pool and its job
queue, the pool of scoring helper processes (``--workers``), budget, Ctrl-C handling,
resume, dry runs, shards (``--shard I/N``) and merging the shards' run folders, the
Batch API execution mode (``batches``) and the ``[pairwise]`` judge (``pairwise``).

The runner writes the run folder's manifest and records only; metrics and reports
are written afterwards by ``harness.pipeline``. May import ``harness.core``,
``harness.suite``, ``harness.scorers``, ``harness.backends`` and ``harness.results``.
"""
