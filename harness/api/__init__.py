"""The Python API and the pytest plugin: what a user's own code and tests call.

``calls`` holds ``run_suite``, ``load_run``, ``compare``, ``check`` and ``RunResult`` (the CLI
runs through it too); ``pytest_plugin`` gives the ``sumbench_run`` fixture. May import every
stage below it (and ``harness.testing`` for a user's cassettes); nothing imports it but the
CLI and the package's face.
"""

from harness.api.calls import RunResult, check, compare, load_run, run_planned, run_suite

__all__ = ["RunResult", "check", "compare", "load_run", "run_planned", "run_suite"]
