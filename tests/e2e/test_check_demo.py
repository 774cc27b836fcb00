"""The README's offline demo: the committed demo baseline passes; a worse lead system fails."""

import json
import re

from harness.cli import main
from tests.paths import ROOT

DEMO = ROOT / "datasets" / "demo"
BASELINE = ROOT / "results" / "baselines" / "demo.json"
REFRESH = ("the demo run no longer matches results/baselines/demo.json; if the dataset change is intended, refresh "
           "it: sumbench run datasets/demo --out R && sumbench check R --update-baseline results/baselines/demo.json")


def test_demo_run_passes_against_the_committed_baseline(tmp_path, capsys):
    run = tmp_path / "demo"
    assert main(["run", str(DEMO), "--out", str(run), "--system", "lead3", "--system", "textrank"]) == 0
    capsys.readouterr()
    code = main(["check", str(run), "--baseline", str(BASELINE)])
    assert code == 0, REFRESH + "\n" + capsys.readouterr().out
    baseline = json.loads(BASELINE.read_text())
    for line in (run / "records.jsonl").read_text().splitlines():
        r = json.loads(line)
        assert baseline["systems"][r["system"]]["scores"][r["item_id"]]["rougeLsum"] == r["scores"]["rougeLsum"]


def test_lead_two_instead_of_three_is_caught(tmp_path, capsys):
    text = (DEMO / "suite.toml").read_text()
    gate = text[text.index("[gate]"):]
    items = (DEMO / "items" / "*.toml").as_posix()
    suite = tmp_path / "suite.toml"
    suite.write_text(f'name = "demo"\nitems = "{items}"\nscorers = ["rouge", "checklist", "length"]\n\n'
                     f'[[systems]]\nname = "lead3"\nbackend = "lead"\nsentences = 2\n\n{gate}')
    run = tmp_path / "lead2"
    assert main(["run", str(suite), "--out", str(run)]) == 0
    capsys.readouterr()
    md = tmp_path / "summary.md"
    assert main(["check", str(run), "--baseline", str(BASELINE), "--markdown", str(md)]) == 1
    out = capsys.readouterr().out
    assert re.search(r"FAIL lead3: rougeLsum drop <= 0\.03 vs baseline: drop \+0\.\d+ .* and significant", out)
    assert md.read_text().startswith("### ❌")
