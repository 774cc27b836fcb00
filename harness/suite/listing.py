"""`sumbench list backends|scorers|prompts|datasets`: what can go into a suite, one line each.

Backends and scorers come from the registries (built-ins and plugins alike), each with its
docstring's first line and, for a scorer, the metrics it declares with their direction and
meaning; datasets and prompts are the folders and files under the current directory.
"""

from __future__ import annotations

from pathlib import Path

from harness.core.errors import UserError
from harness.core.shipped import shipped


def listing(what: str) -> list[str]:
    """The lines ``sumbench list WHAT`` prints."""
    if what in ("backends", "scorers"):
        return components(what)
    if what == "datasets":
        return datasets()
    root = Path("prompts")
    found = sorted(p for p in root.rglob("*") if p.is_file()) if root.is_dir() else []
    bundled = shipped("prompts")
    if bundled.resolve() != root.resolve() and bundled.is_dir():
        found += sorted(p for p in bundled.rglob("*") if p.is_file())
    width = max((len(str(p)) for p in found), default=0)
    return [f"{str(p).ljust(width)}  {prompt_description(p)}".rstrip() for p in found] or ["no prompts"]


def datasets() -> list[str]:
    """Datasets under ./datasets, then the bundled ones (``sumbench run NAME`` finds both, yours first)."""
    rows: list[tuple[str, str, str]] = []
    local, bundled = Path("datasets"), shipped("datasets")
    for root, where in ((local, ""), (bundled, "bundled")):
        if not root.is_dir() or (where and root.resolve() == local.resolve()):
            continue
        for suite in sorted(root.glob("*/suite.toml")):
            name = suite.parent.name
            shown = str(suite.parent) if not where else name
            rows.append((shown, where or "", description_of(suite)))
    if not rows:
        return ["no datasets (a dataset is a folder with suite.toml)"]
    width = max(len(r[0]) for r in rows)
    return [f"{shown.ljust(width)}  {('(' + where + ') ') if where else ''}{desc}".rstrip() for shown, where, desc in rows]


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


def description_of(suite: Path) -> str:
    """A suite's ``description`` ('' when unreadable: listing must not fail on someone's draft)."""
    import tomllib

    try:
        return " ".join(str(tomllib.loads(suite.read_text(encoding="utf-8")).get("description", "")).split())
    except (OSError, ValueError):
        return ""


def prompt_description(path: Path) -> str:
    """The front matter's description of a summary prompt ('' for other files or invalid ones)."""
    from harness.suite.prompts import load_prompt

    try:
        return load_prompt(str(path)).meta.description
    except UserError:
        return ""
