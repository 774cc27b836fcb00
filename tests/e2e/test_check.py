"""`sumbench check` through harness.cli.main: exit codes 0/1/2, baselines, JUnit, Markdown."""

import json
import re
import xml.etree.ElementTree as ET

import pytest

from harness.cli import main
from harness.testing.synthetic_runs import make_pair, write_run
from tests.paths import ROOT

SEED_BASELINE = ROOT / "results" / "baselines" / "seed.json"


def baseline_of(run, tmp_path, name="base.json"):
    path = tmp_path / name
    assert main(["check", str(run), "--update-baseline", str(path)]) == 0
    return path


def validate_junit(path):
    """The elements CI systems read (common JUnit schema): testsuites > testsuite > testcase > failure."""
    root = ET.parse(path).getroot()
    assert root.tag == "testsuites"
    suites = list(root)
    assert suites and all(s.tag == "testsuite" for s in suites)
    cases = []
    for s in suites:
        assert s.get("name")
        tags = [c.tag for c in s]
        # schema order: testcase* then system-out? (properties, which we do not write, would come first)
        assert tags == ["testcase"] * tags.count("testcase") + ["system-out"] * tags.count("system-out")
        assert tags.count("system-out") <= 1
        children = [c for c in s if c.tag == "testcase"]
        failures = 0
        for case in children:
            assert case.get("name") and case.get("classname")
            float(case.get("time"))
            fails = [c for c in case if c.tag == "failure"]
            assert len(fails) <= 1 and {c.tag for c in case} <= {"failure", "system-out"}
            for f in fails:
                assert f.get("message")
            failures += len(fails)
            cases.append(case)
        assert int(s.get("tests")) == len(children)
        assert int(s.get("failures")) == failures
        assert int(s.get("errors")) == 0
    assert int(root.get("tests")) == len(cases)
    return cases


def markdown_table(text):
    """Rows of the first Markdown table (header + delimiter row are checked, then cells split on unescaped |)."""
    lines = text.splitlines()
    start = next(i for i, ln in enumerate(lines) if ln.startswith("|"))
    header, delim = lines[start], lines[start + 1]
    ncols = header.count("|") - 1
    assert all(c.strip().strip(":").replace("-", "") == "" for c in delim.strip("|").split("|"))
    assert delim.count("|") - 1 == ncols
    rows = []
    for ln in lines[start + 2:]:
        if not ln.startswith("|"):
            break
        cells = [c.strip() for c in ln.replace("\\|", "\0").strip("|").split("|")]
        assert len(cells) == ncols
        rows.append(cells)
    return rows


def test_true_regression_exits_1_with_junit_and_markdown(tmp_path, capsys):
    pair = make_pair(tmp_path / "syn", n=200, shift=0.05, seed=1)
    base = baseline_of(pair.run_a, tmp_path)
    junit, md = tmp_path / "out" / "junit.xml", tmp_path / "out" / "summary.md"
    assert main(["check", str(pair.run_b), "--baseline", str(base), "--junit", str(junit),
                 "--markdown", str(md)]) == 1
    out = capsys.readouterr().out
    assert "check FAILED: 2 of 4 rules broken" in out
    cases = validate_junit(junit)
    failed = {c.get("name") for c in cases if c.find("failure") is not None}
    assert failed == {"rougeLsum drop <= 0.02 vs baseline", "rouge1 drop <= 0.02 vs baseline"}
    msg = cases[1].find("failure").get("message")
    # no sign flip of 200 shifted differences reaches the observed mean: raw p = 1/10001; Holm over the
    # two max_drop tests doubles it
    assert "significant" in msg and f"p Holm {2 / 10001:.4g}," in msg
    rows = markdown_table(md.read_text())
    assert len(rows) == 4 and sum("fail" in r[0] for r in rows) == 2
    assert md.read_text().startswith("### ❌")


@pytest.mark.parametrize("seed", [0, 1, 2, 3, 4])
def test_noise_only_exits_0(tmp_path, seed):
    pair = make_pair(tmp_path / "syn", n=200, shift=0.0, seed=seed)
    base = baseline_of(pair.run_a, tmp_path)
    md = tmp_path / "summary.md"
    assert main(["check", str(pair.run_b), "--baseline", str(base), "--markdown", str(md)]) == 0
    assert all("pass" in r[0] for r in markdown_table(md.read_text()))


def test_large_but_insignificant_drop_passes(tmp_path):
    # 4 items and a 0.1 drop: larger than max_drop, but 4 items cannot make it significant
    ids = ["a", "b", "c", "d"]
    a = [{"item_id": i, "system": "s", "scores": {"rougeLsum": v}} for i, v in zip(ids, [0.5, 0.3, 0.6, 0.4])]
    b = [{"item_id": i, "system": "s", "scores": {"rougeLsum": v}} for i, v in zip(ids, [0.3, 0.4, 0.4, 0.3])]
    suite = tmp_path / "suite.toml"
    text = 'name = "t"\nitems = "x.jsonl"\n[[systems]]\nname = "s"\nbackend = "lead"\n[gate]\n' \
           '"rougeLsum" = { max_drop = 0.02 }\n'
    suite.write_text(text)
    ra = write_run(tmp_path / "a", a, suite=suite, suite_text=text)
    rb = write_run(tmp_path / "b", b, suite=suite, suite_text=text)
    base = baseline_of(ra, tmp_path)
    junit = tmp_path / "j.xml"
    assert main(["check", str(rb), "--baseline", str(base), "--junit", str(junit)]) == 0
    # exact sign-flip p of diffs (-0.2, +0.1, -0.2, -0.1), observed |sum| 0.4: all signs equal (2 patterns,
    # |sum| 0.6) or the 0.2s equal and the 0.1s opposite (4 patterns, |sum| 0.4): 6 of 16 = 0.375
    out = junit.read_text()
    assert "not significant" in out and "p Holm 0.375" in out


def test_floor_failure_and_error_budget(tmp_path, capsys):
    suite = tmp_path / "suite.toml"
    text = 'name = "t"\nitems = "x.jsonl"\n[[systems]]\nname = "s"\nbackend = "lead"\n[run]\nerror_budget = 0\n' \
           '[gate]\n"checklist.violations" = { max = 0.1 }\n'
    suite.write_text(text)
    recs = [{"item_id": "a", "system": "s", "scores": {"checklist.violations": 0.5}},
            {"item_id": "b", "system": "s", "scores": {"checklist.violations": 0.0}},
            {"item_id": "c", "system": "s", "error": "APIError: boom"}]
    run = write_run(tmp_path / "r", recs, suite=suite, suite_text=text)
    assert main(["check", str(run)]) == 1
    out = capsys.readouterr().out
    assert "FAIL s: checklist.violations <= 0.1: mean 0.2500 > 0.1 (n=2)" in out
    assert "1 failed record(s); error budget 0" in out


def test_baseline_from_another_dataset_is_a_usage_error(tmp_path, capsys):
    one = make_pair(tmp_path / "one", n=20, seed=1)
    other = tmp_path / "other"
    write_run(other, [{"item_id": "x", "system": "model", "scores": {"rougeLsum": 0.3, "rouge1": 0.4}}],
              suite=one.suite, suite_text=one.suite.read_text(), dataset_sha="f" * 64)
    base = baseline_of(other, tmp_path)
    junit = tmp_path / "j.xml"
    assert main(["check", str(one.run_b), "--baseline", str(base), "--junit", str(junit)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {base}: baseline is from a different dataset") and err.count("\n") == 1
    assert not junit.exists()


@pytest.mark.parametrize("gate, words", [
    ('"rougeLsun" = { min = 0.1 }', "unknown metric 'rougeLsun' — did you mean 'rougeLsum'?"),
    ('"rougeLsum" = { min = 0.1, systems = ["nope"] }', "unknown system 'nope'"),
])
def test_gate_rule_errors_name_the_suite_line(tmp_path, capsys, gate, words):
    pair = make_pair(tmp_path / "syn", n=10, seed=0, gate="[gate]\n" + gate + "\n")
    assert main(["check", str(pair.run_b)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {pair.suite}:10:") and words in err


def test_max_drop_on_a_metric_without_direction_needs_better(tmp_path, capsys):
    suite = tmp_path / "suite.toml"
    text = 'name = "t"\nitems = "x.jsonl"\n[[systems]]\nname = "s"\nbackend = "lead"\n[gate]\n' \
           '"length.words" = { max_drop = 5 }\n'
    suite.write_text(text)
    run = write_run(tmp_path / "r", [{"item_id": "a", "system": "s", "scores": {"length.words": 50}}],
                    suite=suite, suite_text=text)
    assert main(["check", str(run)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {suite}:7:") and "no better direction" in err and 'better = "lower"' in err


def test_max_drop_without_baseline_and_bad_baselines(tmp_path, capsys):
    pair = make_pair(tmp_path / "syn", n=10, seed=0)
    assert main(["check", str(pair.run_b)]) == 2
    assert "has max_drop rules but no baseline" in capsys.readouterr().err
    bad = tmp_path / "bad.json"
    bad.write_text('{\n  "kind": "sumbench-baseline",\n  oops\n}')
    assert main(["check", str(pair.run_b), "--baseline", str(bad)]) == 2
    assert f"error: {bad}:3: baseline is not valid JSON" in capsys.readouterr().err
    bad.write_text(json.dumps({"kind": "something-else"}))
    assert main(["check", str(pair.run_b), "--baseline", str(bad)]) == 2
    assert "not a sumbench baseline" in capsys.readouterr().err
    assert main(["check", str(pair.run_b), "--baseline", str(tmp_path / "missing.json")]) == 2
    assert "baseline file not found" in capsys.readouterr().err


def test_incomplete_run_and_argument_errors(tmp_path, capsys):
    run = write_run(tmp_path / "r", [{"item_id": "a", "system": "s", "scores": {"rouge1": 0.3}}], status="interrupted")
    assert main(["check", str(run)]) == 2
    assert "run status is 'interrupted'" in capsys.readouterr().err
    assert main(["check", str(run), "--update-baseline", str(tmp_path / "b.json")]) == 2
    assert not (tmp_path / "b.json").exists()
    assert main(["check", str(tmp_path / "nope")]) == 2
    assert "not a run folder" in capsys.readouterr().err
    assert main(["check", str(run), "--baseline", "x", "--update-baseline", "y"]) == 2


def test_run_missing_baseline_items_is_a_usage_error(tmp_path, capsys):
    pair = make_pair(tmp_path / "syn", n=10, seed=0)
    base = baseline_of(pair.run_a, tmp_path)
    recs = (pair.run_b / "records.jsonl").read_text().splitlines()
    (pair.run_b / "records.jsonl").write_text("\n".join(recs[:6]) + "\n")
    assert main(["check", str(pair.run_b), "--baseline", str(base)]) == 2
    assert "no record for 4 of the baseline's items" in capsys.readouterr().err


def test_seed_run_passes_against_the_committed_baseline(seed_run, tmp_path):
    md = tmp_path / "m.md"
    code = main(["check", str(seed_run), "--baseline", str(SEED_BASELINE), "--markdown", str(md)])
    assert code == 0, ("the seed run no longer matches results/baselines/seed.json; if the change is intended, "
                       "refresh it: sumbench run datasets/seed --out R && sumbench check R --update-baseline "
                       "results/baselines/seed.json")
    rows = markdown_table(md.read_text())
    assert {r[1] for r in rows} == {"lead3", "textrank", "oracle", "(all)"}
    baseline = json.loads(SEED_BASELINE.read_text())
    records = [json.loads(line) for line in (seed_run / "records.jsonl").read_text().splitlines()]
    for r in records:
        assert baseline["systems"][r["system"]]["scores"][r["item_id"]]["rougeLsum"] == r["scores"]["rougeLsum"]


def test_update_baseline_round_trip_has_zero_drop(seed_run, tmp_path, capsys):
    base = baseline_of(seed_run, tmp_path)
    data = json.loads(base.read_text())
    manifest = json.loads((seed_run / "manifest.json").read_text())
    assert data["suite"]["dataset_sha256"] == manifest["suite"]["dataset_sha256"]
    assert data["suite"]["sha256"] == manifest["suite"]["sha256"]
    assert main(["check", str(seed_run), "--baseline", str(base), "--system", "lead3"]) == 0
    out = capsys.readouterr().out
    assert "rougeLsum drop <= 0.05 vs baseline  0.4293  0.4293    +0.0000" in out
    assert "textrank" not in out


def test_systems_skipped_by_the_run_are_noted_not_failed(tmp_path, capsys):
    pair = make_pair(tmp_path / "syn", n=10, seed=0, gate='[gate]\n"rougeLsum" = { min = 0.1, systems = ["model", "mini"] }\n')
    manifest = json.loads((pair.run_b / "manifest.json").read_text())
    manifest["skipped"] = {"mini": "$OPENAI_API_KEY is not set"}
    (pair.run_b / "manifest.json").write_text(json.dumps(manifest))
    assert main(["check", str(pair.run_b)]) == 0
    out = capsys.readouterr().out
    assert "system 'mini' was skipped by the run ($OPENAI_API_KEY is not set): not gated" in out
    assert "check passed: 2 of 2 rules hold" in out


def test_hostile_metric_names_stay_valid_xml_and_markdown(tmp_path):
    metric = "x<b>|&\u0001"
    suite = tmp_path / "suite.toml"
    text = ('name = "t"\nitems = "x.jsonl"\n[[systems]]\nname = "s"\nbackend = "lead"\n[gate]\n'
            '"x<b>|&\\u0001" = { min = 0.5 }\n')
    suite.write_text(text)
    run = write_run(tmp_path / "r", [{"item_id": "a", "system": "s", "scores": {metric: 0.1}}],
                    suite=suite, suite_text=text)
    junit, md = tmp_path / "j.xml", tmp_path / "m.md"
    assert main(["check", str(run), "--junit", str(junit), "--markdown", str(md)]) == 1
    cases = validate_junit(junit)
    assert cases[0].get("name") == "x<b>|&? >= 0.5"
    rows = markdown_table(md.read_text())
    assert len(rows) == 2 and "<b>" not in md.read_text()


def test_rules_fall_back_to_the_manifest_when_the_suite_file_is_gone(tmp_path, capsys):
    pair = make_pair(tmp_path / "syn", n=10, seed=0, gate='[gate]\n"rougeLsum" = { min = 0.99 }\n')
    manifest = json.loads((pair.run_b / "manifest.json").read_text())
    manifest["suite"]["config"] = {"gate": {"rougeLsum": {"min": 0.99}}}
    (pair.run_b / "manifest.json").write_text(json.dumps(manifest))
    pair.suite.unlink()
    assert main(["check", str(pair.run_b)]) == 1
    out = capsys.readouterr().out
    assert "FAIL model: rougeLsum >= 0.99" in out and "using the [gate] rules recorded in the manifest" in out


def test_baseline_without_the_gated_metric_is_a_usage_error(tmp_path, capsys):
    pair = make_pair(tmp_path / "syn", n=10, seed=0)
    base = baseline_of(pair.run_a, tmp_path)
    data = json.loads(base.read_text())
    for item in data["systems"]["model"]["scores"].values():
        del item["rouge1"]
    del data["systems"]["model"]["means"]["rouge1"], data["systems"]["model"]["n"]["rouge1"]
    base.write_text(json.dumps(data))
    assert main(["check", str(pair.run_b), "--baseline", str(base)]) == 2
    assert "the baseline has no 'rouge1' scores for 'model'" in capsys.readouterr().err


def test_rule_for_a_suite_system_this_run_left_out_is_not_an_error(tmp_path, capsys):
    suite = tmp_path / "suite.toml"
    text = ('name = "t"\nitems = "x.jsonl"\n[[systems]]\nname = "s"\nbackend = "lead"\n'
            '[[systems]]\nname = "other"\nbackend = "lead"\n[gate]\n"rouge1" = { min = 0.9, systems = ["other"] }\n')
    suite.write_text(text)
    run = write_run(tmp_path / "r", [{"item_id": "a", "system": "s", "scores": {"rouge1": 0.1}}],
                    suite=suite, suite_text=text)  # as if run with --system s
    assert main(["check", str(run)]) == 0
    assert "check passed: 1 of 1 rules hold" in capsys.readouterr().out


def test_baseline_with_nan_scores_is_refused(tmp_path, capsys):
    pair = make_pair(tmp_path / "syn", n=10, seed=0)
    base = baseline_of(pair.run_a, tmp_path)
    text, n = re.subn(r'"rouge1": 0\.\d+', '"rouge1": NaN', base.read_text(), count=1)
    assert n == 1
    base.write_text(text)
    assert main(["check", str(pair.run_b), "--baseline", str(base)]) == 2
    err = capsys.readouterr().err
    assert "not a sumbench baseline" in err and "finite" in err


def test_output_paths_that_cannot_be_written_are_usage_errors(tmp_path, capsys):
    pair = make_pair(tmp_path / "syn", n=10, seed=0)
    assert main(["check", str(pair.run_a), "--update-baseline", str(tmp_path)]) == 2
    assert "baseline path is a folder" in capsys.readouterr().err
    base = baseline_of(pair.run_a, tmp_path)
    blocker = tmp_path / "file"
    blocker.write_text("x")
    assert main(["check", str(pair.run_b), "--baseline", str(base), "--junit", str(blocker / "j.xml")]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {blocker / 'j.xml'}: cannot write the JUnit file") and "Traceback" not in err


def test_baseline_bytes_do_not_depend_on_record_order(tmp_path):
    pair = make_pair(tmp_path / "syn", n=50, seed=2)
    first = baseline_of(pair.run_a, tmp_path, "one.json").read_text()
    lines = (pair.run_a / "records.jsonl").read_text().splitlines()
    (pair.run_a / "records.jsonl").write_text("\n".join(reversed(lines)) + "\n")  # another completion order
    assert baseline_of(pair.run_a, tmp_path, "two.json").read_text() == first
