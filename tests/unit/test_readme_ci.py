"""The README's GitHub Actions workflow is valid YAML and calls commands and files that exist."""

import re
import shlex

import yaml

from harness.cli import build_parser
from tests.paths import ROOT


def workflow():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"```yaml\n(name: summary-quality\n.*?)```", text, re.S)
    assert block, "README lost its GitHub Actions workflow"
    return yaml.safe_load(block.group(1))


def test_workflow_runs_the_suite_gates_it_and_publishes_the_summary():
    steps = workflow()["jobs"]["quality"]["steps"]
    runs = [" ".join(str(s["run"]).split()) for s in steps if "run" in s]
    sumbench = [shlex.split(r) for r in runs if r.startswith("sumbench ")]
    assert [argv[1] for argv in sumbench] == ["run", "check"]
    parser = build_parser()
    for argv in sumbench:
        args = parser.parse_args(argv[1:])  # every option the README uses exists
        for value in (getattr(args, "suite", None), getattr(args, "baseline", None)):
            if value:
                assert (ROOT / value).exists(), value
    check = parser.parse_args(sumbench[1][1:])
    publish = next(s for s in steps if "GITHUB_STEP_SUMMARY" in str(s.get("run", "")))
    assert publish.get("if") == "always()" and check.markdown in publish["run"]
    tested = [r for r in runs if r.startswith("pytest")]
    assert tested and all("tests/test_summary_quality.py" in r for r in tested)  # the user's own replayed gates
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "A\ncomplete `tests/test_summary_quality.py`" in text and "def test_" in text
