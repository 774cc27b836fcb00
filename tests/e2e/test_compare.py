"""`sumbench compare` through harness.cli.main: pairing, hand-checked numbers, errors, determinism."""

import json

import pytest

from harness.cli import main
from harness.testing.synthetic_runs import make_pair, write_run


def recs(system, values, metric="rougeLsum", ids=None):
    ids = ids or [f"i{k}" for k in range(len(values))]
    return [{"item_id": i, "system": system, "scores": {metric: v}} for i, v in zip(ids, values)]


def compare_json(capsys, *argv):
    assert main(["compare", *argv, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_two_systems_of_one_run_hand_checked(tmp_path, capsys):
    run = write_run(tmp_path / "r", recs("A", [0.1, 0.2, 0.3]) + recs("B", [0.2, 0.4, 0.6]))
    out = compare_json(capsys, str(run))
    assert out["kind"] == "pair" and out["a"]["system"] == "A" and out["b"]["system"] == "B"
    (m,) = out["metrics"]
    # differences 0.1, 0.2, 0.3: mean 0.2; exact sign-flip p = 2/8; B better on all three items
    assert m["metric"] == "rougeLsum" and m["n"] == 3
    assert m["diff"] == pytest.approx(0.2) and m["mean_a"] == pytest.approx(0.2) and m["mean_b"] == pytest.approx(0.4)
    assert m["p"] == 0.25 and m["p_exact"] and m["p_holm"] == 0.25
    assert (m["wins"], m["ties"], m["losses"]) == (3, 0, 0)
    assert m["verdict"] == "no significant difference"


def test_lower_is_better_metric_counts_wins_the_other_way(tmp_path, capsys):
    run = write_run(tmp_path / "r", recs("A", [0.5, 0.5], "checklist.violations")
                    + recs("B", [0.0, 1.0], "checklist.violations"))
    (m,) = compare_json(capsys, str(run), "--a", "A", "--b", "B")["metrics"]
    assert m["better"] == "lower" and (m["wins"], m["ties"], m["losses"]) == (1, 0, 1)


def test_holm_across_metrics(tmp_path, capsys):
    a = [{"item_id": f"i{k}", "system": "A", "scores": {"rouge1": 0.1, "rouge2": 0.1}} for k in range(3)]
    b = [{"item_id": f"i{k}", "system": "B", "scores": {"rouge1": 0.1 + 0.1 * (k + 1), "rouge2": 0.1}}
         for k in range(3)]
    out = compare_json(capsys, str(write_run(tmp_path / "r", a + b)))
    by = {m["metric"]: m for m in out["metrics"]}
    # p = 0.25 (rouge1) and 1.0 (rouge2, all ties): Holm gives 0.5 and 1.0
    assert by["rouge1"]["p_holm"] == 0.5 and by["rouge2"]["p_holm"] == 1.0
    assert by["rouge2"]["ties"] == 3


def test_items_on_one_side_and_failures_are_reported(tmp_path, capsys):
    a = recs("A", [0.1, 0.2, 0.3, 0.4], ids=["x", "y", "z", "only-a"])
    b = recs("B", [0.2, 0.2, 0.3, 0.9], ids=["x", "y", "z", "only-b"])
    b[1] = {"item_id": "y", "system": "B", "error": "RateLimitError: slow down"}
    run = write_run(tmp_path / "r", a + b)
    out = compare_json(capsys, str(run))
    assert out["only_in_a"] == ["only-a"] and out["only_in_b"] == ["only-b"]
    assert out["b"]["failed"] == ["y"] and out["metrics"][0]["n"] == 2
    assert main(["compare", str(run)]) == 0
    text = capsys.readouterr().out
    assert "only in A (A), no record in B: 1 item(s): only-a" in text
    assert "only in B (B), no record in A: 1 item(s): only-b" in text
    assert "failed in B (B): 1 item(s): y" in text


def test_same_system_across_two_runs_and_byte_identical_output(tmp_path, capsys):
    pair = make_pair(tmp_path / "syn", n=200, shift=0.05, seed=3)
    outputs = []
    for _ in range(2):
        assert main(["compare", str(pair.run_a), str(pair.run_b), "--json"]) == 0
        outputs.append(capsys.readouterr().out)
    assert outputs[0] == outputs[1]
    out = json.loads(outputs[0])
    by = {m["metric"]: m for m in out["metrics"]}
    assert by["rougeLsum"]["verdict"] == "B worse" and by["rougeLsum"]["n"] == 200
    assert by["rougeLsum"]["ci_high"] < 0 and by["rougeLsum"]["p"] == 1 / 10001
    assert by["rougeLsum"]["ci_low"] < by["rougeLsum"]["diff"] < by["rougeLsum"]["ci_high"]
    assert main(["compare", str(pair.run_a), str(pair.run_b), "--seed", "9", "--json"]) == 0
    assert capsys.readouterr().out != outputs[0]


def test_ranking_with_more_than_two_systems(tmp_path, capsys):
    ids = [f"i{k}" for k in range(6)]
    run = write_run(tmp_path / "r", recs("low", [0.1] * 6, ids=ids) + recs("high", [0.5] * 6, ids=ids)
                    + recs("mid", [0.3] * 6, ids=ids))
    out = compare_json(capsys, str(run))
    rows = out["metrics"]["rougeLsum"]
    assert [r["system"] for r in rows] == ["high", "mid", "low"]
    assert rows[0]["vs_leader"] is None
    # six equal differences: exact p = 2/64 each; Holm over 2 comparisons -> 0.0625 both
    assert rows[1]["vs_leader"]["p"] == 2 / 64 and rows[1]["p_holm"] == 0.0625 and rows[2]["p_holm"] == 0.0625
    assert rows[2]["vs_leader"]["losses"] == 6
    assert main(["compare", str(run)]) == 0
    assert "ranking of 3 systems" in capsys.readouterr().out


def test_neutral_metrics_only_on_request(tmp_path, capsys):
    a = [{"item_id": "i", "system": "A", "scores": {"rouge1": 0.2, "length.words": 40}}]
    b = [{"item_id": "i", "system": "B", "scores": {"rouge1": 0.3, "length.words": 60}}]
    run = write_run(tmp_path / "r", a + b)
    out = compare_json(capsys, str(run))
    assert [m["metric"] for m in out["metrics"]] == ["rouge1"] and "length.words" in out["notes"][0]
    (m,) = compare_json(capsys, str(run), "--metric", "length.words")["metrics"]
    assert m["better"] is None and m["diff"] == 20


@pytest.mark.parametrize("argv, words", [
    (["--a", "A", "--b", "nope"], "system 'nope' is not in this run — use one of: A, B, C"),
    (["--a", "A"], "the run has 3 systems; say which to compare with 'A' — add --b with one of: B, C"),
    (["--a", "A", "--b", "A"], "--a and --b are both 'A'"),
    (["--a", "A", "--b", "B", "--metric", "rougeLsun"], "unknown metric 'rougeLsun' — did you mean 'rougeLsum'?"),
])
def test_one_run_errors(tmp_path, capsys, argv, words):
    run = write_run(tmp_path / "r", recs("A", [0.1]) + recs("B", [0.2]) + recs("C", [0.3]))
    assert main(["compare", str(run), *argv]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and words in err and err.count("\n") == 1


def test_two_run_errors(tmp_path, capsys):
    one = write_run(tmp_path / "one", recs("A", [0.1]) + recs("B", [0.2]))
    two = write_run(tmp_path / "two", recs("A", [0.1]) + recs("B", [0.2]))
    other = write_run(tmp_path / "other", recs("X", [0.1]) + recs("Y", [0.2]))
    assert main(["compare", str(one), str(two)]) == 2
    assert "ambiguous: both runs have systems A, B — choose one with --a SYS" in capsys.readouterr().err
    assert main(["compare", str(one), str(other)]) == 2
    assert "the runs share no system name" in capsys.readouterr().err
    assert main(["compare", str(one), str(other), "--a", "A", "--b", "X"]) == 0
    capsys.readouterr()
    assert main(["compare", str(one), str(two), "--a", "Z"]) == 2
    assert "system 'Z' is not in this run — use one of: A, B" in capsys.readouterr().err
    assert main(["compare", str(tmp_path / "missing")]) == 2
    assert "not a run folder" in capsys.readouterr().err


def test_runs_on_different_datasets_are_flagged(tmp_path, capsys):
    one = write_run(tmp_path / "one", recs("A", [0.1, 0.2]), dataset_sha="a" * 64)
    two = write_run(tmp_path / "two", recs("A", [0.2, 0.3]), dataset_sha="b" * 64)
    out = compare_json(capsys, str(one), str(two))
    assert any("different datasets" in n for n in out["notes"])


@pytest.mark.parametrize("manifest", ["[1, 2]", '{"suite": "x"}', '{"systems": 3}'])
def test_foreign_manifests_are_usage_errors(tmp_path, capsys, manifest):
    run = write_run(tmp_path / "r", recs("A", [0.1]) + recs("B", [0.2]))
    (run / "manifest.json").write_text(manifest)
    assert main(["compare", str(run)]) == 2
    assert main(["check", str(run)]) == 2
    err = capsys.readouterr().err
    assert err.count("not a sumbench run manifest") == 2 and "Traceback" not in err


def test_record_order_does_not_change_the_numbers(tmp_path, capsys):
    pair = make_pair(tmp_path / "syn", n=60, shift=0.01, seed=4)
    first = compare_json(capsys, str(pair.run_a), str(pair.run_b))
    lines = (pair.run_b / "records.jsonl").read_text().splitlines()
    (pair.run_b / "records.jsonl").write_text("\n".join(reversed(lines)) + "\n")  # another completion order
    assert compare_json(capsys, str(pair.run_a), str(pair.run_b)) == first
