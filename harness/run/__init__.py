"""Executing a suite: plan (validate, build components), the thread pool and its job
queue, scoring helper process, budget, Ctrl-C handling, resume and dry runs.

The runner writes the run folder's manifest and records only; metrics and reports
are written afterwards by ``harness.pipeline``. May import ``harness.core``,
``harness.suite``, ``harness.scorers``, ``harness.backends`` and ``harness.results``.
"""
