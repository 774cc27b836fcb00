"""The folder tree is the architecture: imports only go down the layers, and no module
imports another that (directly or not) imports it back.

Read from the source with ``ast`` (nothing is imported), so a new upward import or
circle fails here, naming the file and the import, before anyone has to notice it.
"""

from __future__ import annotations

import ast
from pathlib import Path

from tests.paths import ROOT as REPO

PACKAGE = REPO / "harness"

# What each stage may import (besides itself). Mirrors each subpackage's __init__ docstring.
ALLOWED = {
    "core": set(),
    "suite": {"core"},
    "scorers": {"core", "suite"},
    "backends": {"core", "suite", "scorers"},
    "results": {"core"},
    "run": {"core", "suite", "scorers", "backends", "results"},
    "analysis": {"core", "suite", "results"},
    "report": {"core", "suite", "results", "analysis"},
    "testing": {"core"},
    "pipeline": {"core", "suite", "scorers", "backends", "results", "run", "analysis", "report"},
    # the Python API: what cli and the pytest plugin share; it may wrap a run in a user's cassette (testing)
    "api": {"core", "suite", "scorers", "backends", "results", "run", "analysis", "report", "pipeline", "testing"},
    "cli": {"core", "suite", "scorers", "backends", "results", "run", "analysis", "report", "pipeline", "api"},
    "__main__": {"cli"},
    "__init__": {"core", "api"},  # re-exports the API, loaded on first use
}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(path: Path) -> list[tuple[int, str]]:
    """(line, module) of every harness import in the file, also those inside functions."""
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out += [(node.lineno, a.name) for a in node.names if a.name.startswith("harness")]
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("harness"):
            out.append((node.lineno, node.module))
            out += [(node.lineno, f"{node.module}.{a.name}") for a in node.names]  # from pkg import module
    return out


def _stage(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def _graph() -> dict[str, set[str]]:
    files = {_module_name(p): p for p in PACKAGE.rglob("*.py")}
    graph: dict[str, set[str]] = {m: set() for m in files}
    for mod, path in files.items():
        for _, target in _imports(path):
            if target in files and target != mod:
                graph[mod].add(target)
    return graph


def test_every_stage_is_declared():
    stages = {p.name for p in PACKAGE.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    stages |= {p.stem for p in PACKAGE.glob("*.py")}
    assert stages == set(ALLOWED), "a new subpackage or top-level module needs its place in ALLOWED"
    assert len(list(PACKAGE.glob("*.py"))) <= 4, "at most four modules directly in harness/"


def test_imports_only_go_down():
    wrong = []
    for path in PACKAGE.rglob("*.py"):
        here = _stage(_module_name(path)) if path.parent != PACKAGE else path.stem
        for line, target in _imports(path):
            there = _stage(target)
            if target != "harness" and there != here and there not in ALLOWED[here]:
                wrong.append(f"{path.relative_to(REPO)}:{line}: {here} imports {target}")
    assert not wrong, "imports that run against the layers:\n" + "\n".join(sorted(set(wrong)))


def test_no_import_circles():
    graph = _graph()
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    circles: list[list[str]] = []

    def visit(v: str) -> None:  # Tarjan's strongly connected components
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                circles.append(sorted(comp))

    for v in graph:
        if v not in index:
            visit(v)
    assert not circles, f"modules that import each other: {circles}"


def test_the_checker_sees_an_upward_import(tmp_path):
    """The checks above can fail: an import from core to run is reported."""
    bad = tmp_path / "bad.py"
    bad.write_text("from harness.run.plan import RunOptions\n")
    assert [t for _, t in _imports(bad)] == ["harness.run.plan", "harness.run.plan.RunOptions"]
    assert _stage("harness.run.plan") not in ALLOWED["core"]


def test_every_subpackage_says_what_it_owns_and_may_import():
    for init in PACKAGE.glob("*/__init__.py"):
        doc = ast.get_docstring(ast.parse(init.read_text(encoding="utf-8"))) or ""
        assert len(doc.split()) >= 12 and "import" in doc.lower(), f"{init.relative_to(REPO)} needs a docstring"


def test_modules_and_functions_stay_small():
    long_modules, long_functions = [], []
    for path in PACKAGE.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        if text.count("\n") > 400:
            long_modules.append(str(path.relative_to(REPO)))
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.end_lineno - node.lineno > 80:
                long_functions.append(f"{path.relative_to(REPO)}:{node.lineno} {node.name}")
    assert not long_modules and not long_functions, (long_modules, long_functions)


def test_only_scorers_name_metrics():
    """Direction, headline place and format come from the scorers' declarations: no module that
    ranks, stars, gates, orders or formats metrics spells a metric's name (docstrings aside)."""
    from harness.core.metrics import installed_metrics

    names = {m.name for m in installed_metrics()}
    prefixes = {n.split(".")[0] + "." for n in names if "." in n}
    found = []
    for stage in ("core", "suite", "results", "run", "analysis", "report"):
        for path in (PACKAGE / stage).rglob("*.py"):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            docs = {id(n.body[0].value) for n in ast.walk(tree) if isinstance(
                n, (ast.Module, ast.ClassDef, ast.FunctionDef)) and n.body and isinstance(n.body[0], ast.Expr)}
            for node in ast.walk(tree):
                if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docs:
                    if node.value in names or node.value in prefixes:
                        found.append(f"{path.relative_to(REPO)}:{node.lineno}: {node.value!r}")
    for path in (PACKAGE / "report" / "templates").iterdir():
        found += [f"{path.relative_to(REPO)}: {p!r}" for p in prefixes if f'"{p}' in path.read_text(encoding="utf-8")]
    assert not found, "\n".join(found)
