"""sumbench: evaluate summarizers with ROUGE, checklists and CI gates.

The Python API (``harness.api``) is re-exported here, loaded on first use so that
``import harness`` and ``sumbench --help`` stay fast::

    from harness import run_suite
    result = run_suite("datasets/demo", out="runs/demo")
    result.mean("lead3", "rougeLsum")
"""

from typing import Any

from harness.core.version import __version__

_API = ("RunResult", "check", "compare", "load_run", "run_suite")
__all__ = ["__version__", *_API]


def __getattr__(name: str) -> Any:
    if name in _API:
        from harness import api

        return getattr(api, name)
    raise AttributeError(f"module 'harness' has no attribute {name!r}")
