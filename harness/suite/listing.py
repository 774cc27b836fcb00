"""`sumbench list backends|scorers|prompts|datasets`: what can go into a suite, one line each.

Backends and scorers come from the registries (built-ins and plugins alike), each with its
docstring's first line and, for a scorer, the metrics it declares with their direction and
meaning; datasets and prompts are the folders and files under the current directory.
"""

from __future__ import annotations

from pathlib import Path

from harness.core.errors import UserError


def listing(what: str) -> list[str]:
    """The lines ``sumbench list WHAT`` prints."""
    if what in ("backends", "scorers"):
        return components(what)
    if what == "datasets":
        root = Path("datasets")
        found = sorted(p.parent for p in root.glob("*/suite.toml")) if root.is_dir() else []
        return [str(p) for p in found] or ["no datasets under ./datasets (a dataset is a folder with suite.toml)"]
    root = Path("prompts")
    found = sorted(p for p in root.rglob("*") if p.is_file()) if root.is_dir() else []
    width = max((len(str(p)) for p in found), default=0)
    return [f"{str(p).ljust(width)}  {prompt_description(p)}".rstrip() for p in found] or ["no prompts under ./prompts"]


def components(what: str) -> list[str]:
    """Each backend or scorer with its docstring's first line; a scorer's metrics below it, with
    their direction and meaning (what compare, check and the reports go by)."""
    from harness.core.registry import backends, scorers

    reg = backends if what == "backends" else scorers
    rows = reg.describe()
    width = max(len(n) for n, _ in rows)
    out = []
    for name, doc in rows:
        out.append(f"{name.ljust(width)}  {doc}")
        for m in reg.get(name).metrics if what == "scorers" else ():
            out.append(f"  {m.name}  [{m.direction_text}; {m.kind}] {m.description}")
    return out


def prompt_description(path: Path) -> str:
    """The front matter's description of a summary prompt ('' for other files or invalid ones)."""
    from harness.suite.prompts import load_prompt

    try:
        return load_prompt(str(path)).meta.description
    except UserError:
        return ""
