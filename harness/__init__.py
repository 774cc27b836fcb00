"""sumbench: evaluate summarizers with ROUGE, checklists and CI gates."""

from harness.core.version import __version__

__all__ = ["__version__"]
