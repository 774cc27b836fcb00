"""A built wheel works anywhere: shipped prompts, bundled datasets, `sumbench init`, from a folder that is not the repo.

The wheel is built from a copy of the repo and installed into a fresh venv offline (dependencies
come from this environment through a .pth file, as in test_plugin_package.py). Every command then
runs from an empty folder outside the repository.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

from harness.testing.fake_server import FakeServer
from tests.e2e.test_plugin_package import _build_hint, _copy_repo, _outer_site_dirs, _run
from tests.paths import ROOT

pytestmark = pytest.mark.timeout(400)


@pytest.fixture(scope="module")
def wheel_venv(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("wheel")
    env = {k: v for k, v in os.environ.items()
           if k not in {"PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "OPENAI_API_KEY", "OPENAI_BASE_URL"}
           and not k.startswith("PIP_")}
    env.update(PIP_DISABLE_PIP_VERSION_CHECK="1", PIP_NO_INPUT="1", PIP_CONFIG_FILE=os.devnull,
               PYTHONDONTWRITEBYTECODE="1")
    src = _copy_repo(tmp / "src")
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index", "--quiet",
          "-w", tmp / "dist", src], timeout=180, env=env, cwd=tmp, what="pip wheel", hint=_build_hint())
    wheel = next((tmp / "dist").glob("sumbench-*.whl"))
    vdir = tmp / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", vdir], timeout=60, env=env, cwd=tmp, what="venv")
    py = vdir / "bin" / "python"
    inner = _run([py, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], timeout=30, env=env,
                 cwd=tmp, what="site-packages").stdout.strip()
    Path(inner, "_outer.pth").write_text("\n".join(_outer_site_dirs()) + "\n")
    _run([py, "-m", "pip", "install", "--no-deps", "--no-index", "--ignore-installed", "--quiet", wheel],
         timeout=120, env=env, cwd=tmp, what="pip install the wheel")
    where = _run([py, "-c", "import harness; print(harness.__file__)"], timeout=30, env=env, cwd=tmp,
                 what="import harness").stdout.strip()
    assert Path(where).resolve().is_relative_to(vdir.resolve()), where
    work = tmp / "elsewhere"
    work.mkdir()
    return wheel, vdir / "bin", env, work


def sb(bindir: Path, env: dict, cwd: Path, *args: object, ok: bool = True) -> subprocess.CompletedProcess:
    if ok:
        return _run([bindir / "sumbench", *args], timeout=180, env=env, cwd=cwd, what=f"sumbench {args[0]}")
    return subprocess.run([str(bindir / "sumbench"), *map(str, args)], capture_output=True, text=True, env=env,
                          cwd=cwd, timeout=180)


def test_the_wheel_carries_the_prompts_and_datasets_of_the_repo(wheel_venv):
    wheel = wheel_venv[0]
    names = set(zipfile.ZipFile(wheel).namelist())
    for rel in [*(p.relative_to(ROOT) for p in (ROOT / "prompts").rglob("*.txt")),
                *(p.relative_to(ROOT) for p in (ROOT / "datasets").rglob("*") if p.is_file()),
                *(p.relative_to(ROOT) for p in (ROOT / "seeds").glob("*.txt"))]:
        assert f"harness/_shipped/{rel.as_posix()}" in names, rel


def test_init_then_run_works_offline_from_any_folder(wheel_venv):
    _, bindir, env, work = wheel_venv
    sb(bindir, env, work, "init", "mysuite")
    lint = sb(bindir, env, work, "lint", "mysuite", "--strict")
    assert "0 error(s), 0 warning(s)" in lint.stdout
    sb(bindir, env, work, "run", "mysuite", "--out", work / "run-mine")
    recs = [json.loads(x) for x in (work / "run-mine" / "records.jsonl").read_text().splitlines()]
    assert [(r["item_id"], r["error"]) for r in recs] == [("harbour-bridge", None)]
    again = sb(bindir, env, work, "init", "mysuite", ok=False)
    assert again.returncode == 2 and "already exists" in again.stderr


def test_bundled_datasets_are_listed_and_run_by_name(wheel_venv):
    _, bindir, env, work = wheel_venv
    listed = sb(bindir, env, work, "list", "datasets").stdout
    for name in ("demo", "seed", "prompts", "demo-prompts"):
        assert any(line.split()[:2] == [name, "(bundled)"] for line in listed.splitlines()), listed
    sb(bindir, env, work, "run", "demo", "--out", work / "run-demo", "--limit", "3")
    manifest = json.loads((work / "run-demo" / "manifest.json").read_text())
    assert manifest["status"] == "complete" and "_shipped" in manifest["suite"]["path"]
    demo = tomllib.loads((ROOT / "datasets" / "demo" / "suite.toml").read_text())
    expected = 3 * len(demo["systems"])
    assert sum(1 for _ in (work / "run-demo" / "records.jsonl").open()) == expected
    sb(bindir, env, work, "run", "seed", "--out", work / "run-seed")  # its article is in the bundled seeds/


def test_the_checklist_judge_finds_its_default_prompt_in_the_wheel(wheel_venv):
    _, bindir, env, work = wheel_venv
    folder = work / "judged"
    sb(bindir, env, work, "init", "judged")
    text = (folder / "items" / "example.toml").read_text().replace("patterns = ['4 million']", "judge = true\n"
                                                                   "patterns = ['4 million']")
    (folder / "items" / "example.toml").write_text(text)
    with FakeServer() as srv:
        (folder / "suite.toml").write_text((folder / "suite.toml").read_text().replace(
            "[run]", f'[scorer.checklist]\njudge = {{backend = "openai", model = "fake-judge", '
                     f'base_url = "{srv.base_url}"}}\n\n[run]'))
        sb(bindir, env, work, "run", "judged", "--out", work / "run-judged", "--no-cache")
        judged = srv.stats()["chat_completions"]
    rec = json.loads((work / "run-judged" / "records.jsonl").read_text().splitlines()[0])
    assert judged == 1 and rec["details"]["checklist"]["judge"]["usage"]["calls"] == 1
    settings = json.loads((work / "run-judged" / "manifest.json").read_text())["scoring"]["checklist"]["judge"]
    assert Path(settings["prompt"]).as_posix().endswith("harness/_shipped/prompts/judge/checklist.txt")
    assert Path(settings["prompt"]).read_text() == (ROOT / "prompts" / "judge" / "checklist.txt").read_text()


def test_a_cassette_recorded_with_a_key_replays_with_none(wheel_venv):
    """The issue's acceptance, from the wheel: record 12 articles against the fake server with a key,
    stop the server, unset the key, replay: same summaries, exit 0, no key in the cassette."""
    from harness.testing.synthetic import write_synthetic_suite

    _, bindir, env, work = wheel_venv
    key = "test-only-not-a-key-wheel-cassette-0123"
    with FakeServer(require_key=key) as srv:
        suite = write_synthetic_suite(work / "llm", n=12, base_url=srv.base_url, variants=("concise",),
                                      extra='api_key_env = "SB_WHEEL_KEY"')
        sb(bindir, {**env, "SB_WHEEL_KEY": key}, work, "run", suite, "--out", work / "rec", "--cassette",
           work / "llm.yaml")
        assert srv.stats()["chat_completions"] == 12
    replay = sb(bindir, env, work, "run", suite, "--out", work / "replay", "--cassette", work / "llm.yaml")
    assert "replayed 12 response(s)" in replay.stderr

    def summaries(run: Path) -> dict:
        return {r["item_id"]: r["summary"] for r in map(json.loads, (run / "records.jsonl").read_text().splitlines())}
    assert summaries(work / "replay") == summaries(work / "rec") and len(summaries(work / "rec")) == 12
    assert key not in (work / "llm.yaml").read_text()


def test_a_users_test_file_uses_the_plugin_from_the_wheel(wheel_venv):
    _, bindir, env, work = wheel_venv
    proj = work / "userproj"
    proj.mkdir()
    sb(bindir, env, proj, "init", "quality")
    (proj / "test_quality.py").write_text(
        "def test_good(sumbench_run):\n"
        "    run = sumbench_run('quality')\n"
        "    assert run.mean('lead3', 'rougeLsum') > 0.1\n"
        "    run.check()\n\n"
        "def test_stricter(sumbench_run):\n"
        "    sumbench_run('quality').check(rules={'rougeLsum': {'min': 0.99}})\n")
    proc = subprocess.run([str(bindir / "python"), "-m", "pytest", "-p", "no:cacheprovider", "-q", "test_quality.py"],
                          cwd=proj, capture_output=True, text=True, env=env, timeout=180)
    assert "1 failed, 1 passed" in proc.stdout, proc.stdout + proc.stderr
    assert "AssertionError" in proc.stdout and "rougeLsum" in proc.stdout
    where = subprocess.run([str(bindir / "python"), "-c", "import harness.api.pytest_plugin as p; print(p.__file__)"],
                           cwd=proj, capture_output=True, text=True, env=env, timeout=60).stdout.strip()
    assert Path(where).resolve().is_relative_to(bindir.parent.resolve()), where  # the wheel's plugin, not the repo's
