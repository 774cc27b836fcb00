"""Metric directions come from the scorers' declarations: compare, list scorers and the manifest agree.

Hand-checked facts: ROUGE and recall are better higher, violations lower; how copied or how
long a summary is (density, compression, coverage, novel n-grams, lengths) has no better end.
"""

from __future__ import annotations

import json

from harness.cli import main
from harness.testing.synthetic_runs import write_run

DESCRIPTIVE = {"extractiveness.density", "extractiveness.compression", "extractiveness.coverage",
               "extractiveness.novel_1gram", "extractiveness.novel_2gram", "extractiveness.novel_3gram",
               "length.words", "length.sentences", "length.ratio"}


def test_compare_on_the_seed_run_gives_descriptive_metrics_no_direction(seed_run, capsys):
    capsys.readouterr()
    assert main(["compare", str(seed_run), "--a", "lead3", "--b", "oracle", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    shown = {m["metric"]: m["better"] for m in out["metrics"]}
    assert not DESCRIPTIVE & set(shown)
    assert shown["rouge1"] == "higher" and shown["checklist.violations"] == "lower"
    assert shown["extractiveness.redundancy"] == "lower"
    (note,) = [n for n in out["notes"] if n.startswith("not shown (no better direction)")]
    assert {"extractiveness.density", "length.words"} <= set(note.split(": ")[1].split("; ")[0].split(", "))
    # asked for by name, a descriptive metric is compared without a better side
    assert main(["compare", str(seed_run), "--a", "lead3", "--b", "oracle", "--json",
                 "--metric", "extractiveness.density"]) == 0
    (m,) = json.loads(capsys.readouterr().out)["metrics"]
    assert m["better"] is None and m["verdict"] in ("no significant difference", "B higher", "B lower")


def test_ranking_text_says_when_a_metric_has_no_better_direction(seed_run, capsys):
    capsys.readouterr()
    assert main(["compare", str(seed_run), "--metric", "extractiveness.density", "--metric", "rouge1"]) == 0
    text = capsys.readouterr().out
    assert "extractiveness.density (no better direction)" in text and "rouge1 (higher is better)" in text


def test_the_manifest_records_what_each_metric_means(seed_run):
    manifest = json.loads((seed_run / "manifest.json").read_text())
    declared = {m["name"]: m for m in manifest["metrics"]}
    assert declared["extractiveness.density"]["direction"] is None
    assert declared["checklist.violations"]["direction"] == "lower"
    assert declared["length.words"]["kind"] == "count" and declared["rougeLsum"]["kind"] == "share"
    assert "extractiveness.novel_*gram" in declared  # a family: its members depend on options


def test_a_runs_own_declarations_win_over_the_installed_ones(tmp_path, capsys):
    """A run folder keeps its meaning where its plugin is not installed: the manifest says lower."""
    recs = [{"item_id": f"i{k}", "system": s, "scores": {"plugin.errors": v}}
            for k, (a, b) in enumerate([(3.0, 1.0), (2.0, 2.0), (4.0, 0.0)]) for s, v in (("A", a), ("B", b))]
    run = write_run(tmp_path / "r", recs)
    manifest_path = run / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    capsys.readouterr()
    assert main(["compare", str(run), "--json", "--metric", "plugin.errors"]) == 0
    assert json.loads(capsys.readouterr().out)["metrics"][0]["better"] is None  # undeclared: never guessed
    manifest["metrics"] = [{"name": "plugin.errors", "direction": "lower", "kind": "count",
                            "description": "errors found", "headline": None, "primary": None}]
    manifest_path.write_text(json.dumps(manifest))
    assert main(["compare", str(run), "--json"]) == 0
    (m,) = json.loads(capsys.readouterr().out)["metrics"]
    assert m["metric"] == "plugin.errors" and m["better"] == "lower"
    assert (m["wins"], m["ties"], m["losses"]) == (2, 1, 0)  # B has fewer errors on two items


def test_list_scorers_prints_each_metric_with_its_direction(capsys):
    assert main(["list", "scorers"]) == 0
    lines = capsys.readouterr().out.splitlines()
    by_metric = {ln.split()[0]: ln for ln in lines if ln.startswith("  ")}
    assert "[lower is better; share]" in by_metric["checklist.violations"]
    assert "[higher is better; share]" in by_metric["rougeLsum"]
    assert "[no better direction; ratio]" in by_metric["extractiveness.density"]
    assert "[no better direction; count]" in by_metric["length.words"]
    scorers = [ln.split()[0] for ln in lines if not ln.startswith(" ")]
    assert scorers == sorted(scorers)  # other tests may have registered scorers of their own
    assert {"checklist", "extractiveness", "faithfulness", "length", "rouge"} <= set(scorers)
