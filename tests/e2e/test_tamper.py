"""Tamper-evident runs: the manifest seals records.jsonl's sha256 when `sumbench run` ends;
check and compare refuse an edited run, report marks it, resume refuses to reseal it."""

from __future__ import annotations

import hashlib
import json
import shutil
import time
from pathlib import Path

import pytest

import harness.run.execute
from harness.cli import main
from harness.results.store import records_sha256
from harness.testing.synthetic_runs import write_run

N_ITEMS = 6
SUITE = ('name = "t"\nitems = "items.jsonl"\nscorers = ["rouge", "length"]\n'
         '[[systems]]\nname = "lead3"\nbackend = "lead"\n'
         '[[systems]]\nname = "first"\nbackend = "lead"\nsentences = 1\n'
         '[gate]\n"rougeLsum" = { min = 0.0 }\n')


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def manifest_of(run: Path) -> dict:
    return json.loads((run / "manifest.json").read_text(encoding="utf-8"))


def one_line(err: str, prefix: str) -> str:
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith(prefix) and "Traceback" not in err, err
    return lines[0]


@pytest.fixture(scope="module")
def suite(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("tamper") / "ds"
    root.mkdir()
    (root / "suite.toml").write_text(SUITE, encoding="utf-8")
    rows = [{"id": f"n{i}", "article": f"Item {i} opened on Monday. It rained all day. Crowds came later.",
             "references": f"Item {i} opened."} for i in range(N_ITEMS)]
    (root / "items.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def sealed_run(suite, tmp_path_factory) -> Path:
    """One complete run, read-only: tests copy it before editing."""
    out = tmp_path_factory.mktemp("runs") / "run"
    assert main(["run", str(suite), "--out", str(out)]) == 0
    return out


@pytest.fixture
def copy(sealed_run, tmp_path) -> Path:
    return Path(shutil.copytree(sealed_run, tmp_path / "copy"))


def edit_summary(lines: list[str]) -> list[str]:
    rec = json.loads(lines[0])
    rec["summary"] = "A better summary, written by hand."
    return [json.dumps(rec, separators=(",", ":")), *lines[1:]]


def edit_score(lines: list[str]) -> list[str]:
    rec = json.loads(lines[1])
    rec["scores"]["rougeLsum"] = 0.99
    return [lines[0], json.dumps(rec, separators=(",", ":")), *lines[2:]]


EDITS = {
    "summary": edit_summary,
    "score": edit_score,
    "delete-line": lambda lines: lines[:2] + lines[3:],
    "append-line": lambda lines: [*lines, lines[0]],
}


def tamper(run: Path, how: str) -> None:
    path = run / "records.jsonl"
    lines = path.read_text(encoding="utf-8").splitlines()
    path.write_text("\n".join(EDITS[how](lines)) + "\n", encoding="utf-8")


def test_a_complete_run_is_sealed_with_the_sha256_of_its_records(sealed_run):
    manifest = manifest_of(sealed_run)
    assert manifest["status"] == "complete"
    assert manifest["records_sha256"] == sha256_of(sealed_run / "records.jsonl")


def test_records_sha256_streams_the_file_and_says_none_without_one(tmp_path, monkeypatch):
    path = tmp_path / "records.jsonl"
    data = b"".join(b'{"n": %d}\n' % i for i in range(300_000))  # several chunks
    path.write_bytes(data)
    monkeypatch.setattr(Path, "read_bytes", lambda self: pytest.fail("the whole file was loaded"))
    monkeypatch.setattr(Path, "read_text", lambda self, *a, **k: pytest.fail("the whole file was loaded"))
    assert records_sha256(tmp_path) == records_sha256(path) == hashlib.sha256(data).hexdigest()
    assert records_sha256(tmp_path / "nothing") is None


@pytest.mark.parametrize("how", sorted(EDITS))
@pytest.mark.parametrize("command", [["check"], ["check", "--update-baseline", "BASE"], ["compare"],
                                     ["compare", "--a", "lead3", "--b", "first"]])
def test_check_and_compare_refuse_edited_records(copy, capsys, tmp_path, how, command):
    tamper(copy, how)
    argv = [a if a != "BASE" else str(tmp_path / "base.json") for a in command]
    assert main([argv[0], str(copy), *argv[1:]]) == 2
    line = one_line(capsys.readouterr().err, "error: ")
    assert f"{copy / 'records.jsonl'}:" in line and "changed after the run" in line
    assert "records_sha256" in line and "re-run the suite, or restore the file" in line
    assert not (tmp_path / "base.json").exists()


def test_compare_refuses_an_edited_second_run(sealed_run, copy, capsys):
    tamper(copy, "score")
    assert main(["compare", str(sealed_run), str(copy), "--a", "lead3"]) == 2
    assert str(copy / "records.jsonl") in one_line(capsys.readouterr().err, "error: ")


def test_a_removed_records_file_is_refused(copy, capsys):
    (copy / "records.jsonl").unlink()
    assert main(["compare", str(copy)]) == 2
    assert "removed after the run" in one_line(capsys.readouterr().err, "error: ")


def test_an_untouched_copy_still_passes(copy, capsys):
    assert main(["check", str(copy)]) == 0
    assert main(["compare", str(copy), "--a", "lead3", "--b", "first"]) == 0
    assert main(["report", str(copy)]) == 0
    assert "warning" not in capsys.readouterr().err
    assert "changed after the run" not in (copy / "report.html").read_text(encoding="utf-8")
    assert "Warning" not in (copy / "report.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("how", ["summary", "append-line"])
def test_report_warns_and_marks_both_reports_but_still_writes_them(copy, capsys, how):
    for name in ("report.html", "report.md"):
        (copy / name).unlink()
    tamper(copy, how)
    assert main(["report", str(copy)]) == 0
    err = capsys.readouterr().err
    line = one_line(err, "warning: ")
    assert str(copy / "records.jsonl") in line and "changed after the run" in line
    html = (copy / "report.html").read_text(encoding="utf-8")
    mark = html.index('<p class="note">' + str(copy / "records.jsonl") + " changed after the run")
    assert mark < html.index('<nav class="toc">')  # near the top, before any number
    md = (copy / "report.md").read_text(encoding="utf-8").splitlines()
    assert md[2].startswith("**Warning:**") and "changed after the run" in md[2]


def test_a_report_comparison_refuses_edited_records(copy, capsys):
    tamper(copy, "score")
    before = (copy / "report.html").read_bytes()
    assert main(["report", str(copy), "--a", "lead3", "--b", "first"]) == 2
    assert "changed after the run" in one_line(capsys.readouterr().err, "error: ")
    assert (copy / "report.html").read_bytes() == before  # nothing written


def test_hand_made_runs_without_a_seal_are_read_without_a_check(tmp_path, capsys):
    recs = [{"item_id": f"i{k}", "system": s, "scores": {"rougeLsum": 0.1 * k + (s == "B")}}
            for s in ("A", "B") for k in range(3)]
    run = write_run(tmp_path / "r", recs)
    assert "records_sha256" not in manifest_of(run)
    assert main(["compare", str(run)]) == 0
    m = manifest_of(run)
    m["records_sha256"] = None  # a complete run with null cannot come from sumbench: read as if absent
    (run / "manifest.json").write_text(json.dumps(m), encoding="utf-8")
    assert main(["compare", str(run)]) == 0
    m["records_sha256"] = "0" * 64
    (run / "manifest.json").write_text(json.dumps(m), encoding="utf-8")
    capsys.readouterr()
    assert main(["compare", str(run)]) == 2  # the check does run whenever a hash is there
    assert "changed after the run" in one_line(capsys.readouterr().err, "error: ")


def interrupt_at(monkeypatch, n: int, also=None) -> None:
    """Ctrl-C while the n-th pair is being summarized (``also(call)`` runs first on each call)."""
    real_draw, calls = harness.run.execute.draw, []

    def impatient(*args, **kwargs):
        calls.append(1)
        if also is not None:
            also(len(calls))
        if len(calls) == n:
            raise KeyboardInterrupt
        return real_draw(*args, **kwargs)

    monkeypatch.setattr(harness.run.execute, "draw", impatient)
    return real_draw


def test_ctrl_c_seals_and_resume_reseals_a_verifiable_folder(suite, tmp_path, monkeypatch, capsys):
    run = tmp_path / "r"
    real_draw = interrupt_at(monkeypatch, 4)
    assert main(["run", str(suite), "--out", str(run), "--concurrency", "1"]) == 130
    m = manifest_of(run)
    assert m["status"] == "interrupted" and m["records_sha256"] == sha256_of(run / "records.jsonl")
    monkeypatch.setattr(harness.run.execute, "draw", real_draw)
    assert main(["run", "--resume", str(run)]) == 0
    m = manifest_of(run)
    assert m["status"] == "complete" and len(m["resumed"]) == 1
    assert m["records_sha256"] == sha256_of(run / "records.jsonl")
    assert len((run / "records.jsonl").read_text().splitlines()) == 2 * N_ITEMS
    capsys.readouterr()
    assert main(["check", str(run)]) == 0
    assert main(["compare", str(run), "--a", "lead3", "--b", "first"]) == 0
    assert "error" not in capsys.readouterr().err


def test_resume_refuses_an_interrupted_run_whose_records_were_edited(suite, tmp_path, monkeypatch, capsys):
    run = tmp_path / "r"
    real_draw = interrupt_at(monkeypatch, 5)
    assert main(["run", str(suite), "--out", str(run), "--concurrency", "1"]) == 130
    monkeypatch.setattr(harness.run.execute, "draw", real_draw)
    tamper(run, "score")
    before = {p.name: p.read_bytes() for p in run.iterdir()}
    capsys.readouterr()
    assert main(["run", "--resume", str(run)]) == 2
    line = one_line(capsys.readouterr().err, "error: ")
    assert str(run / "records.jsonl") in line and "changed after the run" in line
    assert {p.name: p.read_bytes() for p in run.iterdir()} == before  # not trimmed, not resealed


def test_max_cost_stop_is_sealed(suite, tmp_path):
    run = tmp_path / "r"
    assert main(["run", str(suite), "--out", str(run), "--max-cost", "0"]) == 1
    m = manifest_of(run)
    assert m["status"] == "interrupted" and m["stopped"]
    assert m["records_sha256"] == sha256_of(run / "records.jsonl")
    assert main(["run", "--resume", str(run)]) == 0
    assert manifest_of(run)["records_sha256"] == sha256_of(run / "records.jsonl")


def snapshot_when(run: Path, snap: Path, at: int):
    """A copy of the folder taken mid-run once two records are on disk: what kill -9 would leave."""
    def hook(call: int) -> None:
        if call != at:
            return
        deadline = time.monotonic() + 10
        while len((run / "records.jsonl").read_bytes().splitlines()) < 2 and time.monotonic() < deadline:
            time.sleep(0.01)
        shutil.copytree(run, snap)
    return hook


def test_a_killed_run_is_unsealed_and_not_falsely_refused(suite, tmp_path, monkeypatch, capsys):
    run, killed = tmp_path / "r", tmp_path / "killed"
    interrupt_at(monkeypatch, 99, also=snapshot_when(run, killed, 4))
    assert main(["run", str(suite), "--out", str(run), "--concurrency", "1"]) == 0
    m = manifest_of(killed)
    assert m["status"] == "running" and m["records_sha256"] is None  # null while running: no stale hash
    capsys.readouterr()
    assert main(["compare", str(killed), "--a", "lead3", "--b", "first"]) == 0  # incomplete runs compare
    assert main(["check", str(killed)]) == 2  # as before: check wants a finished run
    assert "not 'complete'" in one_line(capsys.readouterr().err, "error: ")
    with (killed / "records.jsonl").open("a", encoding="utf-8") as fh:
        fh.write('{"item_id": "n')  # what a kill during a write leaves behind
    assert main(["run", "--resume", str(killed)]) == 0
    assert manifest_of(killed)["records_sha256"] == sha256_of(killed / "records.jsonl")
    assert main(["check", str(killed)]) == 0


def test_a_resumed_run_is_unsealed_while_it_runs(suite, tmp_path, monkeypatch):
    run, killed = tmp_path / "r", tmp_path / "killed"
    real_draw = interrupt_at(monkeypatch, 3)
    assert main(["run", str(suite), "--out", str(run), "--concurrency", "1"]) == 130
    assert manifest_of(run)["records_sha256"] is not None
    monkeypatch.setattr(harness.run.execute, "draw", real_draw)
    interrupt_at(monkeypatch, 99, also=snapshot_when(run, killed, 2))
    assert main(["run", "--resume", str(run)]) == 0
    m = manifest_of(killed)  # the resumed run, as kill -9 would have left it
    assert m["status"] == "running" and m["records_sha256"] is None
