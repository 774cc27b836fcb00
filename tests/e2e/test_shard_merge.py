"""`sumbench run --shard I/N` and `sumbench merge`: N shards merged are the unsharded run.

One small offline suite (extractive systems, rouge/checklist/length) is run whole and in
three shards; the merge is compared with the whole run's records, metrics, `compare` and
`check`. Refusals must leave nothing at --out (not even the hidden folder it is built in).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import harness.run.execute
from harness.cli import main
from harness.run.plan import Plan, RunOptions, planned_items
from harness.suite.datasets import load_suite
from harness.testing.synthetic import write_synthetic_suite
from tests.paths import ROOT

N_ITEMS = 13
N = 3
SUITE = """name = "{name}"
items = "items.jsonl"
scorers = ["rouge", "checklist", "length"]
[fields]
id = "id"
article = "article"
references = "reference"
checklist = "checklist"
[[systems]]
name = "lead2"
backend = "lead"
sentences = 2
[[systems]]
name = "textrank"
backend = "textrank"
sentences = 2
[gate]
"rougeLsum" = {{ min = 0.1, max_drop = 0.05 }}
"checklist.recall" = {{ min = 0.3 }}
"""


def make_suite(folder: Path, n: int = N_ITEMS, name: str = "shardy", reverse: bool = False) -> Path:
    """Synthetic items (every fourth repeats its article as a second paragraph), offline systems."""
    write_synthetic_suite(folder, n)
    rows = [json.loads(line) for line in (folder / "items.jsonl").read_text(encoding="utf-8").splitlines()]
    for i, row in enumerate(rows):
        if i % 4 == 0:
            row["article"] = f"{row['article']}\n\n{row['article']}"
    rows = rows[::-1] if reverse else rows
    (folder / "items.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    (folder / "suite.toml").write_text(SUITE.format(name=name), encoding="utf-8")
    return folder


def run(*argv: str) -> int:
    return main(["run", *argv, "--no-cache"])


def manifest_of(folder: Path) -> dict:
    return json.loads((folder / "manifest.json").read_text(encoding="utf-8"))


def records_of(folder: Path) -> list[dict]:
    """The records without latency (it differs run to run), in a canonical order."""
    out = []
    for line in (folder / "records.jsonl").read_text(encoding="utf-8").splitlines():
        rec = json.loads(line)
        rec.pop("latency_ms")
        out.append(rec)
    return sorted(out, key=lambda r: (r["item_id"], r["system"]))


def one_error(capsys) -> str:
    err = capsys.readouterr().err
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: ") and "Traceback" not in err, err
    return lines[0]


def shard_ids(suite: Path, shard: tuple[int, int] | None, limit: int | None = None) -> list[str]:
    opts = RunOptions(shard=shard, limit=limit)
    plan = Plan(suite=load_suite(suite), systems=[], scorers=[], n_items=0)
    return [item.id for item in planned_items(plan, opts)]


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict[str, Path]:
    """The whole run, its three shards (run in the order 3, 1, 2) and their merge; read-only."""
    root = tmp_path_factory.mktemp("shards")
    suite = make_suite(root / "ds")
    folders = {"suite": suite, "whole": root / "whole", "merged": root / "merged"}
    assert run(str(suite), "--out", str(folders["whole"])) == 0
    for i in (3, 1, 2):
        folders[f"{i}/{N}"] = root / f"shard{i}"
        assert run(str(suite), "--shard", f"{i}/{N}", "--out", str(folders[f"{i}/{N}"])) == 0
    assert main(["merge", *(str(folders[f"{i}/{N}"]) for i in (2, 3, 1)), "--out", str(folders["merged"])]) == 0
    return folders


def test_shards_partition_the_items_stably(tmp_path):
    suite = make_suite(tmp_path / "ds")
    everything = shard_ids(suite, None)
    parts = [shard_ids(suite, (i, N)) for i in range(1, N + 1)]
    assert sorted(i for p in parts for i in p) == sorted(everything)  # disjoint, and together all
    assert all(parts), "13 items in 3 shards: none should be empty"
    grown = make_suite(tmp_path / "grown", n=N_ITEMS + 20)  # the same 13 items and 20 more, reversed order
    reordered = make_suite(tmp_path / "reordered", reverse=True)
    for i, part in enumerate(parts, start=1):
        assert set(part) <= set(shard_ids(grown, (i, N))), "adding items moved an item to another shard"
        assert set(part) == set(shard_ids(reordered, (i, N)))
    # --limit first, then the shard: the shards of --limit 7 are together the unsharded --limit 7
    limited = [i for k in range(1, N + 1) for i in shard_ids(suite, (k, N), limit=7)]
    assert sorted(limited) == sorted(everything[:7])


def test_the_split_does_not_depend_on_the_hash_seed(tmp_path):
    code = "from harness.run.shard import shard_of; print([shard_of(f'syn-{i:04d}', 3) for i in range(40)])"
    outs = {subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT,
                           env={**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": str(ROOT)}).stdout
            for seed in ("1", "2")}
    assert len(outs) == 1


def test_a_shards_run_folder_holds_its_items_only(runs, capsys):
    whole = {r["item_id"] for r in records_of(runs["whole"])}
    seen: set[str] = set()
    for i in range(1, N + 1):
        folder = runs[f"{i}/{N}"]
        m = manifest_of(folder)
        ids = {r["item_id"] for r in records_of(folder)}
        assert ids == set(shard_ids(runs["suite"], (i, N)))
        assert m["shard"] == m["selection"]["shard"] == f"{i}/{N}"
        assert m["suite"]["n_items"] == len(ids) and m["counts"]["records"] == 2 * len(ids)
        assert not ids & seen
        seen |= ids
    assert seen == whole
    assert "shard" not in manifest_of(runs["whole"]) and "shard" not in manifest_of(runs["whole"])["selection"]
    capsys.readouterr()
    assert run(str(runs["suite"]), "--shard", f"2/{N}", "--dry-run") == 0
    pairs = re.findall(r"^(?:lead2|textrank)\s+(\d+)", capsys.readouterr().out, flags=re.MULTILINE)
    assert pairs == [str(len(shard_ids(runs["suite"], (2, N))))] * 2


def test_merged_shards_equal_the_unsharded_run(runs, tmp_path, capsys):
    whole, merged = runs["whole"], runs["merged"]
    assert records_of(merged) == records_of(whole)
    shard_bytes = b"".join((runs[f"{i}/{N}"] / "records.jsonl").read_bytes() for i in range(1, N + 1))
    assert (merged / "records.jsonl").read_bytes() == shard_bytes  # each shard's lines as they were, 1..N
    assert json.loads((merged / "metrics.json").read_text()) == json.loads((whole / "metrics.json").read_text())
    m, w = manifest_of(merged), manifest_of(whole)
    assert m["status"] == "complete" and "shard" not in m and "shard" not in m["selection"]
    assert m["suite"] == w["suite"] and m["counts"] == w["counts"] and m["systems"] == w["systems"]
    assert m["duplicates"] == w["duplicates"] and len(w["duplicates"]["items"]) == 4
    assert m["records_sha256"] == hashlib.sha256(shard_bytes).hexdigest()
    assert [s["shard"] for s in m["merged"]["shards"]] == [f"{i}/{N}" for i in range(1, N + 1)]
    assert [s["records_sha256"] for s in m["merged"]["shards"]] == [
        hashlib.sha256((runs[f"{i}/{N}"] / "records.jsonl").read_bytes()).hexdigest() for i in range(1, N + 1)]
    assert m["merged"]["missing"] == [] and m["merged"]["partial"] is False
    shard_times = [manifest_of(runs[f"{i}/{N}"]) for i in range(1, N + 1)]
    assert m["started"] == min(s["started"] for s in shard_times)
    assert m["finished"] == max(s["finished"] for s in shard_times)
    assert (merged / "report.md").is_file() and (merged / "report.html").is_file()

    def out_of(*argv: str) -> tuple[int, str]:
        capsys.readouterr()
        code = main(list(argv))
        return code, capsys.readouterr().out.replace(str(merged), "RUN").replace(str(whole), "RUN")

    assert out_of("compare", str(merged), "--json") == out_of("compare", str(whole), "--json")
    baseline = tmp_path / "baseline.json"
    assert main(["check", str(whole), "--update-baseline", str(baseline)]) == 0
    assert out_of("check", str(merged), "--baseline", str(baseline)) == \
        out_of("check", str(whole), "--baseline", str(baseline))
    assert out_of("check", str(merged), "--baseline", str(baseline))[0] == 0


def assert_refused(capsys, argv: list[str], out: Path, *needles: str) -> str:
    capsys.readouterr()
    assert main(["merge", *argv, "--out", str(out)]) == 2
    line = one_error(capsys)
    for needle in needles:
        assert needle in line, line
    assert not out.exists() and not list(out.parent.glob(f".{out.name}*")), "a refused merge left files behind"
    return line


def test_merge_refuses_a_shard_given_twice(runs, tmp_path, capsys):
    s1, s2, s3 = (str(runs[f"{i}/{N}"]) for i in range(1, N + 1))
    assert_refused(capsys, [s1, s2, s3, s2], tmp_path / "m", s2, "given twice")
    copy = tmp_path / "copy-of-2"
    shutil.copytree(s2, copy)
    assert_refused(capsys, [s1, s2, s3, str(copy)], tmp_path / "m", f"shard 2/{N} is given twice", str(copy))


def test_an_item_in_two_shards_stops_the_merge_half_way_and_leaves_nothing(runs, tmp_path, capsys):
    fake = tmp_path / "fake2"  # shard 1's records, relabelled as shard 2 (the seal covers records only)
    shutil.copytree(runs[f"1/{N}"], fake)
    manifest = manifest_of(fake)
    manifest["shard"] = manifest["selection"]["shard"] = f"2/{N}"
    (fake / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    first = json.loads((fake / "records.jsonl").read_text(encoding="utf-8").splitlines()[0])["item_id"]
    argv = [str(runs[f"3/{N}"]), str(fake), str(runs[f"1/{N}"])]
    assert_refused(capsys, argv, tmp_path / "m", f"{fake / 'records.jsonl'}:1:",
                   f"item {first!r} is in shard 1/{N} and in shard 2/{N}")


def test_merge_refuses_shards_of_different_suites(runs, tmp_path, capsys):
    other = make_suite(tmp_path / "other", name="other")
    (other / "suite.toml").write_text(SUITE.format(name="other").replace("sentences = 2", "sentences = 3", 1))
    assert run(str(other), "--shard", f"2/{N}", "--out", str(tmp_path / "o2")) == 0
    argv = [str(runs[f"1/{N}"]), str(tmp_path / "o2"), str(runs[f"3/{N}"])]
    assert_refused(capsys, argv, tmp_path / "m", str(tmp_path / "o2"), "another suite")


def test_merge_refuses_a_different_number_of_shards(runs, tmp_path, capsys):
    assert run(str(runs["suite"]), "--shard", "1/2", "--out", str(tmp_path / "half")) == 0
    argv = [str(runs[f"2/{N}"]), str(runs[f"3/{N}"]), str(tmp_path / "half")]
    assert_refused(capsys, argv, tmp_path / "m", str(tmp_path / "half"), "one of 2")


def test_merge_refuses_an_incomplete_set_and_unsharded_runs(runs, tmp_path, capsys):
    assert_refused(capsys, [str(runs[f"1/{N}"]), str(runs[f"3/{N}"])], tmp_path / "m",
                   f"missing shard(s) 2/{N} of {N} —", "--allow-partial")
    assert_refused(capsys, [str(runs["whole"]), str(runs[f"1/{N}"])], tmp_path / "m",
                   str(runs["whole"]), "unsharded")
    assert_refused(capsys, [str(runs["merged"])], tmp_path / "m", str(runs["merged"]), "already a merge")
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "x").write_text("x")
    capsys.readouterr()
    assert main(["merge", *(str(runs[f"{i}/{N}"]) for i in range(1, N + 1)), "--out", str(tmp_path / "full")]) == 2
    assert "not empty" in one_error(capsys) and os.listdir(tmp_path / "full") == ["x"]


def interrupt_at(monkeypatch, n: int):
    """Ctrl-C while the n-th pair is being summarized."""
    real_draw, calls = harness.run.execute.draw, []

    def impatient(*args, **kwargs):
        calls.append(1)
        if len(calls) == n:
            raise KeyboardInterrupt
        return real_draw(*args, **kwargs)

    monkeypatch.setattr(harness.run.execute, "draw", impatient)
    return real_draw


def test_an_interrupted_shard_is_refused_then_resumed_as_the_same_shard(runs, tmp_path, monkeypatch, capsys):
    shard = tmp_path / "shard2"
    real_draw = interrupt_at(monkeypatch, 3)
    assert run(str(runs["suite"]), "--shard", f"2/{N}", "--out", str(shard), "--concurrency", "1") == 130
    monkeypatch.setattr(harness.run.execute, "draw", real_draw)
    assert manifest_of(shard)["status"] == "interrupted"
    argv = [str(runs[f"1/{N}"]), str(shard), str(runs[f"3/{N}"])]
    assert_refused(capsys, argv, tmp_path / "m", str(shard), "'interrupted'", f"sumbench run --resume {shard}")
    assert main(["run", "--resume", str(shard), "--shard", f"1/{N}"]) == 2
    assert "--shard" in one_error(capsys)
    assert main(["run", "--resume", str(shard)]) == 0
    m = manifest_of(shard)
    assert m["status"] == "complete" and m["shard"] == m["selection"]["shard"] == f"2/{N}"
    assert m["suite"]["n_items"] == manifest_of(runs[f"2/{N}"])["suite"]["n_items"]
    assert records_of(shard) == records_of(runs[f"2/{N}"])  # the same shard's items, each once
    assert main(["merge", *argv, "--out", str(tmp_path / "m")]) == 0
    assert records_of(tmp_path / "m") == records_of(runs["whole"])
    assert "resumed" not in manifest_of(tmp_path / "m")


def test_a_partial_merge_is_marked_and_check_refuses_it(runs, tmp_path, capsys):
    out = tmp_path / "partial"
    capsys.readouterr()
    assert main(["merge", str(runs[f"3/{N}"]), str(runs[f"1/{N}"]), "--out", str(out), "--allow-partial"]) == 0
    printed = capsys.readouterr().out
    assert f"run folder: {out}" in printed and f"2/{N}" in printed
    m = manifest_of(out)
    assert m["status"] == "partial" and m["merged"]["missing"] == [f"2/{N}"] and m["merged"]["partial"] is True
    n_records = sum(manifest_of(runs[f"{i}/{N}"])["counts"]["records"] for i in (1, 3))
    assert m["counts"]["records"] == n_records == len(records_of(out))
    assert main(["check", str(out)]) == 2
    line = one_error(capsys)
    assert "partial merge" in line and f"2/{N}" in line
    assert main(["compare", str(out)]) == 0 and main(["report", str(out)]) == 0
    assert main(["run", "--resume", str(out)]) == 2
    assert "partial merge" in one_error(capsys)


def test_the_merged_report_shows_what_the_unsharded_one_shows(runs):
    def body(folder: Path) -> str:  # from the systems table on: the run's name and times differ
        md = (folder / "report.md").read_text(encoding="utf-8")
        return md[md.index("## Systems"):]

    assert body(runs["merged"]) == body(runs["whole"])


def test_check_refuses_a_single_shard(runs, capsys):
    capsys.readouterr()
    assert main(["check", str(runs[f"1/{N}"])]) == 2
    line = one_error(capsys)
    assert f"shard 1/{N}" in line and "sumbench merge" in line
