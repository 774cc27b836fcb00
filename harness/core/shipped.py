"""What sumbench ships besides code — prompts/, datasets/, seeds/ — found with or without the repository.

In a checkout (or an editable install) they are the repository's own folders. A wheel
carries copies as ``harness/_shipped/{prompts,datasets,seeds}`` in the same layout
(``pyproject.toml`` maps them), so the suites' relative paths between them hold in
both places: ``datasets/prompts/suite.toml`` -> ``../../prompts/concise.txt``.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parents[1] / "_shipped"
_REPO = Path(__file__).resolve().parents[2]


def shipped_root() -> Path:
    """The folder holding prompts/, datasets/ and seeds/: the installed copies, else the checkout."""
    return _PACKAGE if (_PACKAGE / "prompts").is_dir() else _REPO


def shipped(rel: str | Path) -> Path:
    """``rel`` (e.g. ``prompts/judge/checklist.txt``) among the shipped files; it may not exist."""
    return shipped_root() / rel
