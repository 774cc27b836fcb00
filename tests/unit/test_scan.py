"""The one-pass scan of records.jsonl: the same numbers as reading every record, in bounded form."""

from __future__ import annotations

import hashlib
import json
import math
import statistics
from pathlib import Path

import pytest

from harness.core.errors import UserError
from harness.core.metrics import catalog_of
from harness.core.models import Record
from harness.results.metrics import compute_metrics, metrics_of
from harness.results.scan import read_selected, scan_run


def _record(item: str, system: str, **kw) -> dict:
    base = {"item_id": item, "system": system, "summary": f"summary of {item}", "scores": {}}
    base.update(kw)
    return base


def _write_run(tmp_path: Path, rows: list[dict], tail: str = "") -> Path:
    run = tmp_path / "run"
    run.mkdir()
    (run / "manifest.json").write_text(json.dumps({"status": "complete", "systems": {"a": {}, "b": {}},
                                                   "seed": 3}), encoding="utf-8")
    text = "".join(json.dumps(r) + "\n" for r in rows) + tail
    (run / "records.jsonl").write_text(text, encoding="utf-8")
    return run


ROWS = [
    _record("i3", "a", scores={"rouge1": 0.5, "rouge2": None}, cost_usd=0.25, latency_ms=10.0,
            usage={"prompt_tokens": 5, "completion_tokens": 2}),
    _record("i1", "a", scores={"rouge1": 0.25}, cost_usd=0.5, latency_ms=30.0),
    _record("i2", "a", summary=None, error="boom", scores={"rouge1": 0.9}),  # a failed record's scores are not used
    _record("i1", "b", scores={"rouge1": 1.0, "rouge2": 0.5}, cached=True),
    _record("i2", "b", scores={"rouge1": 0.0, "rouge2": 0.0},
            details={"checklist": {"violated": ["no-deal"]}}),
]


def test_columns_hold_what_the_records_say(tmp_path):
    run = _write_run(tmp_path, ROWS)
    scan = scan_run(run)
    a, b = scan.systems["a"], scan.systems["b"]
    assert list(scan.systems) == ["a", "b"] and scan.n_records == 5
    assert list(scan.items) == ["i3", "i1", "i2"]  # first appearance in the file
    assert a.ids == ["i3", "i1", "i2"] and list(a.error) == [0, 0, 1] and a.error_text == {2: "boom"}
    assert list(b.cached) == [1, 0] and list(b.flagged) == [0, 1]
    assert sum(a.prompt_tokens) == 5 and sum(a.completion_tokens) == 2
    assert a.values("rouge1", range(3)) == [0.5, 0.25]  # the failed record's 0.9 is left out
    r2 = a.values("rouge2", range(3))
    assert len(r2) == 1 and math.isnan(r2[0])  # None is kept as a missing value, not dropped
    assert [a.ids[p] for p in a.item_order()] == ["i1", "i2", "i3"]
    assert scan.sha256 == hashlib.sha256((run / "records.jsonl").read_bytes()).hexdigest()


def test_metrics_from_the_scan_match_a_hand_computation(tmp_path):
    run = _write_run(tmp_path, ROWS)
    m = metrics_of(scan_run(run).systems, ["a", "b"], 3, catalog_of())["systems"]
    assert m["a"]["records"] == 3 and m["a"]["errors"] == 1 and m["b"]["cached"] == 1
    assert m["a"]["metrics"]["rouge1"]["mean"] == statistics.mean([0.5, 0.25])
    assert m["a"]["metrics"]["rouge2"] == {"mean": None, "n": 0, "ci_low": None, "ci_high": None, "nan": 1}
    assert m["b"]["metrics"]["rouge2"]["mean"] == 0.25
    assert m["a"]["cost_usd"] == 0.75 and m["b"]["cost_usd"] is None


def test_scan_and_records_in_memory_give_identical_metrics(tmp_path):
    """The file scan and the in-memory path (notebooks, tests) agree to the last digit."""
    rows = [_record(f"i{k:03d}", s, scores={"rouge1": (k * 37 % 101) / 101, "rouge2": (k * 13 % 17) / 17})
            for k in range(150) for s in ("a", "b")]
    run = _write_run(tmp_path, rows)
    from_file = metrics_of(scan_run(run).systems, ["a", "b"], 3, catalog_of())
    in_memory = compute_metrics([Record.model_validate(r) for r in reversed(rows)], ["a", "b"], 3, catalog_of())
    assert json.dumps(from_file) == json.dumps(in_memory)


def test_a_cut_last_line_is_skipped_and_a_bad_middle_line_is_named(tmp_path):
    run = _write_run(tmp_path, ROWS, tail='{"item_id": "i9", "sys')
    assert scan_run(run).n_records == 5
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "manifest.json").write_text('{"status": "complete"}', encoding="utf-8")
    (bad / "records.jsonl").write_text(json.dumps(ROWS[0]) + "\nnot json\n" + json.dumps(ROWS[1]) + "\n")
    with pytest.raises(UserError) as exc:
        scan_run(bad)
    assert exc.value.line == 2 and "corrupt record" in exc.value.one_line()


def test_the_seal_is_checked_from_the_scanned_bytes(tmp_path):
    run = _write_run(tmp_path, ROWS)
    digest = hashlib.sha256((run / "records.jsonl").read_bytes()).hexdigest()
    manifest = json.loads((run / "manifest.json").read_text())
    (run / "manifest.json").write_text(json.dumps({**manifest, "records_sha256": digest}))
    assert scan_run(run).seal_problem() is None
    with (run / "records.jsonl").open("a") as fh:
        fh.write(json.dumps(_record("i7", "a")) + "\n")
    assert "changed after the run" in scan_run(run).seal_problem()


def test_read_selected_returns_only_the_asked_items_in_file_order(tmp_path):
    run = _write_run(tmp_path, ROWS)
    got = read_selected(run, {"i2", "i3"})
    assert [(r.item_id, r.system) for r in got] == [("i3", "a"), ("i2", "a"), ("i2", "b")]
    assert read_selected(run, set()) == []
