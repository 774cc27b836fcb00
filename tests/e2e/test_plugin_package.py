"""A third-party scorer package plugs in through the `sumbench.scorers` entry point.

sumbench and the fixture plugin (tests/fixtures/sumbench-plugin-example) are
pip-installed into a fresh venv, offline: the venv sees this environment's
packages through a .pth file, and both installs run with --no-deps
--no-build-isolation --no-index (so the build backend, setuptools, comes from
this environment too). Copies in tmp are installed, so the repo stays clean.
Then the venv's own `sumbench` lists the plugin's scorer and metric, runs a
suite that uses it next to `rouge`, and compares two systems in the plugin
metric's direction (lower is better).
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import site
import subprocess
import sys
import sysconfig
import tomllib
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import pytest

from tests.paths import FIXTURES, ROOT

# about 4 s in all (venv 0.05 s, two builds about 1 s each); the bound is above the sum of
# the subprocess timeouts below, so that they fire first, with their messages
pytestmark = pytest.mark.timeout(400)

PLUGIN_SRC = FIXTURES / "sumbench-plugin-example"
METRIC = "shouting.exclamations"
SCORER_DOC = "Exclamation marks per sentence of the summary (a plugin test fixture)."

# not copied with the repo (besides dot-folders and build leftovers): outputs and what no build reads
_TOP_LEVEL_SKIP = {"build", "dist", "results", "tests", "benchmarks", "venv", "node_modules"}

# Items: summaries for two precomputed systems in [meta]; "!" / sentences (split on [.!?]+), by hand:
#   storm:  loud 3 "!" / 2 = 1.5      calm 1 "!" / 2 = 0.5     calm better
#   mayor:  loud 2 "!" / 3 = 2/3      calm 0 "!" / 2 = 0       calm better
#   prices: loud 1 "!" / 2 = 0.5      calm 1 "!" / 2 = 0.5     tie
ITEMS = {
    "storm": ("A storm reached the northern coast on Monday. Officials closed the coastal roads.",
              "A storm hit the coast and roads were closed.",
              "Storm hits the coast!!! Roads are closed.",
              "Storm hits the coast! Roads are closed."),
    "mayor": ("The mayor resigned on Tuesday after a budget dispute. A vote will be held in May.",
              "The mayor resigned; a vote follows in May.",
              "Wow! Big news! Why did the mayor resign?",
              "The mayor resigned. A vote follows in May."),
    "prices": ("Food prices rose for a third month. Shop owners worry about rent.",
               "Prices rose again and shops worry about rent.",
               "Prices rose! Shops worry.",
               "Prices rose sharply! Shops worry about rent."),
}
EXPECTED = {"storm": (1.5, 0.5), "mayor": (2 / 3, 0.0), "prices": (0.5, 0.5)}  # (loud, calm)
CALM_WINS, TIES = 2, 1


def _toml_str(s: str) -> str:
    return json.dumps(s)  # a JSON string without control characters is a TOML basic string


def _run(argv, *, timeout, env, cwd, what, hint=""):
    try:
        res = subprocess.run([str(a) for a in argv], capture_output=True, text=True,
                             timeout=timeout, env=env, cwd=cwd)
    except subprocess.TimeoutExpired:
        pytest.fail(f"{what}: no answer within {timeout} s: {' '.join(map(str, argv))}")
    assert res.returncode == 0, (f"{what} exited {res.returncode}: {' '.join(map(str, argv))}\n"
                                 f"stdout:\n{res.stdout[-3000:]}\nstderr:\n{res.stderr[-3000:]}{hint}")
    return res


def _build_hint() -> str:
    """Why a --no-build-isolation build may fail: the backend must be installed here."""
    requires = tomllib.loads((ROOT / "pyproject.toml").read_text())["build-system"]["requires"]
    try:
        have = f"setuptools {version('setuptools')}"
    except PackageNotFoundError:
        have = "no setuptools"
    return (f"\nhint: --no-build-isolation builds with this environment's backend ({have} in "
            f"{sys.executable}); the repo's [build-system] requires {requires}")


def _outer_site_dirs() -> list[str]:
    """This interpreter's site-packages (and user site, if on), to be seen by the new venv."""
    dirs = list(site.getsitepackages())
    paths = sysconfig.get_paths()
    dirs += [paths["purelib"], paths["platlib"]]
    if site.ENABLE_USER_SITE:
        dirs.append(site.getusersitepackages())
    out: list[str] = []
    for d in dirs:
        if os.path.isdir(d) and d not in out:
            out.append(d)
    return out


def _copy_repo(dest: Path) -> Path:
    def ignore(folder, names):
        skip = {n for n in names if n in {"__pycache__"} or n.endswith((".egg-info", ".pyc"))}
        if Path(folder).resolve() == ROOT:
            skip |= {n for n in names if n in _TOP_LEVEL_SKIP or n.startswith(".")}
        return skip
    return Path(shutil.copytree(ROOT, dest, ignore=ignore))


@pytest.fixture(scope="module")
def venv(tmp_path_factory):
    """(bin dir, env) of a fresh venv with sumbench and the plugin installed from tmp copies."""
    for mod in ("venv", "pip"):
        if importlib.util.find_spec(mod) is None:
            pytest.skip(f"`{mod}` is not available in {sys.executable}")
    tmp = tmp_path_factory.mktemp("plugin-venv")
    env = {k: v for k, v in os.environ.items()
           if k not in {"PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV"} and not k.startswith("PIP_")}
    env.update(PIP_DISABLE_PIP_VERSION_CHECK="1", PIP_NO_INPUT="1", PIP_CONFIG_FILE=os.devnull,
               PYTHONDONTWRITEBYTECODE="1")

    # --without-pip: no ensurepip (offline, faster); pip and setuptools come from this environment
    vdir = tmp / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", vdir], timeout=60, env=env, cwd=tmp, what="python -m venv")
    bindir = vdir / ("Scripts" if os.name == "nt" else "bin")
    py = bindir / ("python.exe" if os.name == "nt" else "python")
    inner_site = _run([py, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                      timeout=30, env=env, cwd=tmp, what="venv site-packages").stdout.strip()
    # plain path lines are appended after the venv's own site-packages, so what pip installs there wins
    Path(inner_site, "_sumbench_outer_env.pth").write_text("\n".join(_outer_site_dirs()) + "\n")

    # pip builds in the source folder (build/, *.egg-info): install copies, never the repo itself.
    # --ignore-installed: a sumbench already in this environment is neither reused nor uninstalled.
    repo_copy = _copy_repo(tmp / "sumbench-src")
    plugin_copy = Path(shutil.copytree(PLUGIN_SRC, tmp / "plugin-src",
                                       ignore=shutil.ignore_patterns("build", "*.egg-info", "__pycache__")))
    for src, what in ((repo_copy, "pip install sumbench"), (plugin_copy, "pip install the plugin")):
        _run([py, "-m", "pip", "install", "--no-deps", "--no-build-isolation", "--no-index",
              "--ignore-installed", "--quiet", src], timeout=120, env=env, cwd=tmp, what=what, hint=_build_hint())

    # the venv's copies win over any sumbench in this environment: the code and the metadata (entry points)
    code = ("import harness, sumbench_shouting, importlib.metadata as md; "
            "print(harness.__file__); print(md.distribution('sumbench').locate_file(''))")
    where = _run([py, "-c", code], timeout=30, env=env, cwd=tmp, what="import the installed packages").stdout.split("\n")
    for found in where[:2]:
        assert Path(found).resolve().is_relative_to(vdir.resolve()), f"{found} is not in the venv {vdir}"
    assert (bindir / "sumbench").exists() or (bindir / "sumbench.exe").exists()
    return bindir, env


@pytest.fixture(scope="module")
def suite(tmp_path_factory):
    root = tmp_path_factory.mktemp("plugin-suite")
    items = root / "suite" / "items"
    items.mkdir(parents=True)
    (root / "suite" / "suite.toml").write_text(
        'name = "plugin-example"\n'
        'items = "items/*.toml"\n'
        'scorers = ["rouge", "shouting"]\n\n'
        '[[systems]]\nname = "loud"\nbackend = "precomputed"\nfield = "loud"\n\n'
        '[[systems]]\nname = "calm"\nbackend = "precomputed"\nfield = "calm"\n', encoding="utf-8")
    for item_id, (article, reference, loud, calm) in ITEMS.items():
        (items / f"{item_id}.toml").write_text(
            f'id = "{item_id}"\n'
            f'article = """{article}"""\n'
            f'references = [{_toml_str(reference)}]\n'
            f'meta = {{loud = {_toml_str(loud)}, calm = {_toml_str(calm)}}}\n', encoding="utf-8")
    return root / "suite"


@pytest.fixture(scope="module")
def run_dir(venv, suite):
    bindir, env = venv
    out = suite.parent / "run"
    _run([bindir / "sumbench", "run", suite, "--out", out], timeout=120, env=env, cwd=suite.parent,
         what="sumbench run")
    return out


def test_list_scorers_shows_the_plugin_and_its_metric(venv, tmp_path):
    bindir, env = venv
    out = _run([bindir / "sumbench", "list", "scorers"], timeout=60, env=env, cwd=tmp_path,
               what="sumbench list scorers").stdout
    lines = out.splitlines()
    assert any("shouting" in ln and METRIC not in ln for ln in lines), out
    assert SCORER_DOC in out, out
    assert any(METRIC in ln and "lower" in ln for ln in lines), out
    assert "rouge" in out, out  # the built-in scorers are still there


def test_run_records_the_plugin_scores(run_dir):
    manifest = json.loads((run_dir / "manifest.json").read_text())
    assert manifest["status"] == "complete"
    assert '"[.!?]+"' in json.dumps(manifest), "the plugin's settings() are not in the manifest"
    records = [json.loads(ln) for ln in (run_dir / "records.jsonl").read_text().splitlines() if ln.strip()]
    got = {(r["item_id"], r["system"]): r for r in records}
    assert set(got) == {(i, s) for i in ITEMS for s in ("loud", "calm")}
    for item_id, (loud, calm) in EXPECTED.items():
        for system, value in (("loud", loud), ("calm", calm)):
            r = got[item_id, system]
            assert r["error"] is None, r
            assert r["scores"][METRIC] == pytest.approx(value), (item_id, system, r["scores"])
            assert "rougeLsum" in r["scores"]


def test_compare_counts_wins_in_the_plugin_metrics_direction(venv, run_dir, tmp_path):
    bindir, env = venv
    res = _run([bindir / "sumbench", "compare", run_dir, "--a", "loud", "--b", "calm", "--json"],
               timeout=60, env=env, cwd=tmp_path, what="sumbench compare --json")
    rows = {m["metric"]: m for m in json.loads(res.stdout)["metrics"]}
    assert METRIC in rows, f"{METRIC} not compared; metrics: {sorted(rows)}"
    m = rows[METRIC]
    assert m["better"] == "lower"
    assert (m["wins"], m["ties"], m["losses"]) == (CALM_WINS, TIES, 0), m
    table = _run([bindir / "sumbench", "compare", run_dir, "--a", "loud", "--b", "calm"],
                 timeout=60, env=env, cwd=tmp_path, what="sumbench compare").stdout
    lines = table.splitlines()
    (header,) = [ln for ln in lines if ln.split()[:1] == ["metric"] and "better" in ln.split()]
    (row,) = [ln for ln in lines if ln.split()[:1] == [METRIC]]
    assert row.split()[header.split().index("better")] == "lower", table
