"""Components come in through entry points, lazily, and a broken plugin names itself."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from importlib.metadata import EntryPoint

import pytest

from harness.core import registry
from harness.core.errors import UserError
from tests.paths import ROOT


class FakeEntryPoints:
    def __init__(self, *eps: EntryPoint):
        self.eps = eps

    def __call__(self, group: str):
        return [ep for ep in self.eps if ep.group == group]


def fresh(kind: str = "scorer", **kw) -> registry.Registry:
    return registry.Registry(kind, f"test.{kind}s", **kw)


def test_a_plugin_that_fails_to_import_is_one_clear_error(monkeypatch):
    ep = EntryPoint("broken", "no_such_module_xyz:Thing", "test.scorers")
    monkeypatch.setattr(registry, "entry_points", FakeEntryPoints(ep))
    with pytest.raises(UserError) as ei:
        fresh().get("broken")
    assert "scorer 'broken'" in ei.value.what and "failed to load" in ei.value.what
    assert "ModuleNotFoundError" in ei.value.what and "no_such_module_xyz:Thing" in ei.value.fix


def test_listing_passes_over_a_broken_plugin_only_when_asked(monkeypatch):
    good = EntryPoint("length", "harness.scorers.length:Length", "test.scorers")
    bad = EntryPoint("broken", "no_such_module_xyz:Thing", "test.scorers")
    monkeypatch.setattr(registry, "entry_points", FakeEntryPoints(good, bad))
    reg = fresh(required=("Options", "metrics"))
    assert reg.names(strict=False) == ["length"]
    with pytest.raises(UserError):
        reg.names()


def test_unknown_names_list_the_known_ones():
    with pytest.raises(UserError) as ei:
        registry.backends.get("leed")
    assert "unknown backend 'leed'" in ei.value.what
    assert all(n in ei.value.fix for n in ("lead", "textrank", "oracle", "precomputed", "openai"))


def test_an_empty_group_says_how_to_install(monkeypatch):
    monkeypatch.setattr(registry, "entry_points", FakeEntryPoints())
    with pytest.raises(UserError) as ei:
        fresh("backend").get("lead")
    assert "pip install" in ei.value.fix


def test_a_scorer_without_metric_declarations_is_refused():
    class Bare:
        Options = object

    with pytest.raises(UserError) as ei:
        fresh(required=("Options", "metrics")).register("bare")(Bare)
    assert "does not declare metrics" in ei.value.what


def test_an_entry_point_must_name_a_class(monkeypatch):
    ep = EntryPoint("fn", "harness.core.text:words", "test.scorers")
    monkeypatch.setattr(registry, "entry_points", FakeEntryPoints(ep))
    with pytest.raises(UserError, match="is not a class"):
        fresh().get("fn")


def test_loading_is_lazy():
    """A run with the lead baseline imports neither the OpenAI wire nor the SDK."""
    code = ("import sys; from harness.core.registry import backends; backends.get('lead'); "
            "print('harness.backends.openai_chat' in sys.modules, 'openai' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["False", "False"]


def test_every_built_in_component_is_an_entry_point_in_pyproject():
    """The decorator names in harness/backends and harness/scorers and pyproject's entry points agree,
    so a new built-in cannot be forgotten (and stale installed metadata shows up here)."""
    eps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["entry-points"]
    for kind in ("backends", "scorers"):
        declared = {}
        for path in sorted((ROOT / "harness" / kind).glob("*.py")):
            text = path.read_text(encoding="utf-8")
            for name, cls in re.findall(rf'@{kind}\.register\("([^"]+)"\)\nclass (\w+)', text):
                declared[name] = f"harness.{kind}.{path.stem}:{cls}"
        assert eps[f"sumbench.{kind}"] == declared
        reg = registry.backends if kind == "backends" else registry.scorers
        for name, value in declared.items():
            module, cls = value.split(":")
            assert reg.get(name).__module__ == module and reg.get(name).__name__ == cls
