"""Human-readable reports of a run folder: the console table, report.md and the
self-contained report.html (data, SVG plots, highlights, templates), and which items a
big run's reports show one by one (selection).

Reads run folders; never calls a model. May import every layer below it except
``harness.run`` and ``harness.backends`` (it needs neither).
"""
