"""What a new user does by mistake on the command line: one line, exit 2, nothing half-written."""

import errno
import json
import os
import re
from pathlib import Path

import pytest

from harness.cli import main

SUITE = 'name = "h"\nitems = "items/*.toml"\nscorers = ["rouge", "length"]\n[[systems]]\nname = "lead3"\nbackend = "lead"\n'
ITEM = 'id = "a"\narticle = "The minister said talks continue. Farmers protested."\nreferences = ["The minister spoke."]\n'


@pytest.fixture
def suite(write, tmp_path):
    write("ds/suite.toml", SUITE)
    write("ds/items/a.toml", ITEM)
    return tmp_path / "ds"


def one_error_line(capsys) -> str:
    err = capsys.readouterr().err
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and "Traceback" not in err, err
    return lines[0]


def test_out_naming_a_file_is_a_one_line_error_and_leaves_it_alone(suite, tmp_path, capsys):
    target = tmp_path / "notes.txt"
    target.write_text("mine\n")
    assert main(["run", str(suite), "--out", str(target)]) == 2
    line = one_error_line(capsys)
    assert str(target) in line and "not a directory" in line
    assert target.read_text() == "mine\n"


def test_unwritable_results_folder_is_a_one_line_error(suite, tmp_path, capsys, monkeypatch):
    out = tmp_path / "ro" / "run"
    real_mkdir = Path.mkdir

    def denied(self, *args, **kwargs):  # what a read-only folder does to a non-root user
        if str(self).startswith(str(tmp_path / "ro")):
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(self))
        return real_mkdir(self, *args, **kwargs)

    monkeypatch.setattr(Path, "mkdir", denied)
    assert main(["run", str(suite), "--out", str(out)]) == 2
    line = one_error_line(capsys)
    assert str(out) in line and "permission denied" in line and "--out" in line
    assert not out.exists()


def test_report_html_under_a_file_is_a_one_line_error(suite, tmp_path, capsys):
    run = tmp_path / "run"
    assert main(["run", str(suite), "--out", str(run)]) == 0
    (tmp_path / "f").write_text("x")
    capsys.readouterr()
    assert main(["report", str(run), "--html", str(tmp_path / "f" / "report.html")]) == 2
    assert str(tmp_path / "f") in one_error_line(capsys)
    assert (tmp_path / "f").read_text() == "x"


def test_a_bug_is_not_disguised_as_a_path_error(suite, tmp_path, monkeypatch):
    import harness.pipeline

    def broken(*args, **kwargs):
        raise OSError(errno.EIO, "input/output error")  # not something the user can fix by another path

    monkeypatch.setattr(harness.pipeline, "execute", broken)
    with pytest.raises(OSError):
        main(["run", str(suite), "--out", str(tmp_path / "r")])


def test_ctrl_c_says_which_folder_to_resume_and_resuming_finishes_it(write, tmp_path, capsys, monkeypatch):
    import json

    import harness.run.execute

    write("ds/suite.toml", SUITE.replace('"items/*.toml"', '"items.jsonl"'))
    rows = [{"id": f"n{i}", "article": f"Item {i} opened. It rained.", "references": f"Item {i} opened."}
            for i in range(6)]
    write("ds/items.jsonl", "".join(json.dumps(r) + "\n" for r in rows))
    real_draw, calls = harness.run.execute.draw, []

    def impatient(*args, **kwargs):  # the user presses Ctrl-C while the third pair is being summarized
        calls.append(1)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return real_draw(*args, **kwargs)

    monkeypatch.setattr(harness.run.execute, "draw", impatient)
    monkeypatch.chdir(tmp_path)  # no --out: the folder goes under ./results
    assert main(["run", str(tmp_path / "ds"), "--concurrency", "1"]) == 130
    err = capsys.readouterr().err
    (run_dir,) = (tmp_path / "results").iterdir()
    assert f"sumbench run --resume {Path('results') / run_dir.name}" in err and "Traceback" not in err
    monkeypatch.setattr(harness.run.execute, "draw", real_draw)
    assert main(["run", "--resume", str(Path("results") / run_dir.name)]) == 0
    ids = [json.loads(line)["item_id"] for line in (run_dir / "records.jsonl").read_text().splitlines()]
    assert sorted(ids) == [f"n{i}" for i in range(6)]


def test_report_md_shows_hostile_summaries_as_text(write, tmp_path):
    import json

    hostile = ("<script>alert(1)</script> ![pixel](http://tracker.example/p.png) [click](javascript:alert(2)) "
               "AT&amp;T | cell")
    write("ds/suite.toml", 'name = "h"\nitems = "items.jsonl"\nscorers = ["length"]\n'
                           '[[systems]]\nname = "given"\nbackend = "precomputed"\nfield = "summary"\n')
    write("ds/items.jsonl", json.dumps({"id": "x", "article": "Some article text here.", "references": "Ref.",
                                        "summary": hostile}) + "\n")
    assert main(["run", str(tmp_path / "ds"), "--out", str(tmp_path / "r")]) == 0
    md = (tmp_path / "r" / "report.md").read_text()
    (quoted,) = [ln for ln in md.splitlines() if ln.startswith("> ")]
    assert "<script" not in md and "&lt;script&gt;" in quoted
    assert not re.search(r"(?<!\\)\]\(", quoted)  # no unescaped "](": neither image nor link syntax survives
    assert r"!\[pixel\](http://tracker.example/p.png)" in quoted
    assert "AT&amp;amp;T" in quoted and r"\| cell" in quoted  # an entity in the text is shown, not decoded


def test_resuming_a_run_another_process_is_writing_is_refused(write, tmp_path, capsys, monkeypatch):
    import json
    import subprocess
    import sys

    import harness.run.execute

    write("ds/suite.toml", SUITE.replace('"items/*.toml"', '"items.jsonl"'))
    rows = [{"id": f"n{i}", "article": f"Item {i} opened. It rained.", "references": f"Item {i} opened."}
            for i in range(4)]
    write("ds/items.jsonl", "".join(json.dumps(r) + "\n" for r in rows))
    real_draw, calls = harness.run.execute.draw, []

    def impatient(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real_draw(*args, **kwargs)

    monkeypatch.setattr(harness.run.execute, "draw", impatient)
    run = tmp_path / "r"
    assert main(["run", str(tmp_path / "ds"), "--out", str(run), "--concurrency", "1"]) == 130
    monkeypatch.setattr(harness.run.execute, "draw", real_draw)
    before = {p.name: p.read_bytes() for p in run.iterdir()}
    # a second process still running this folder (the first run, or another --resume) holds records.jsonl
    holder = subprocess.Popen([sys.executable, "-c", "import fcntl, sys; f = open(sys.argv[1], 'a'); "
                               "fcntl.flock(f, fcntl.LOCK_EX); print('locked', flush=True); sys.stdin.read()",
                               str(run / "records.jsonl")], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        capsys.readouterr()
        assert main(["run", "--resume", str(run)]) == 2
        assert "another sumbench process" in one_error_line(capsys)
        assert {p.name: p.read_bytes() for p in run.iterdir()} == before  # nothing touched
    finally:
        holder.communicate("", timeout=10)
    assert main(["run", "--resume", str(run)]) == 0
    ids = [json.loads(line)["item_id"] for line in (run / "records.jsonl").read_text().splitlines()]
    assert sorted(ids) == [f"n{i}" for i in range(4)]


@pytest.mark.parametrize("manifest", ["[]", "null", "{}", '{"status": 3}', '{"status": "complete", "suite": []}'])
@pytest.mark.parametrize("command", [["report"], ["run", "--resume"], ["compare"], ["check"]])
def test_a_damaged_manifest_is_a_one_line_error_for_every_command(tmp_path, capsys, manifest, command):
    run = tmp_path / "run"
    run.mkdir()
    (run / "manifest.json").write_text(manifest)
    assert main([*command, str(run)]) == 2
    assert "not a sumbench run manifest" in one_error_line(capsys)


def test_check_never_passes_a_run_whose_records_are_gone(suite, tmp_path, capsys):
    run = tmp_path / "run"
    assert main(["run", str(suite), "--out", str(run)]) == 0  # the suite has no [gate]: only the error budget
    (run / "records.jsonl").write_text("")
    capsys.readouterr()
    assert main(["check", str(run)]) == 2
    assert "records changed after the run" in one_error_line(capsys)  # the seal sees it first
    manifest = json.loads((run / "manifest.json").read_text())
    del manifest["records_sha256"]  # a run from before seals: the emptied file must still not pass
    (run / "manifest.json").write_text(json.dumps(manifest))
    assert main(["check", str(run)]) == 2
    assert "no records" in one_error_line(capsys)


def test_output_piped_into_a_reader_that_left_is_not_a_traceback():
    """`sumbench list backends | head -0`: the pipe is closed before sumbench writes."""
    import subprocess
    import sys

    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        proc = subprocess.run([sys.executable, "-m", "harness", "list", "backends"], stdout=write_end,
                              stderr=subprocess.PIPE, text=True, timeout=60)
    finally:
        os.close(write_end)
    assert "Traceback" not in proc.stderr and proc.stderr == ""
    assert proc.returncode == 141


def test_help_lists_every_exit_code(capsys):
    assert main(["--help"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert all(f"{code} " in out for code in ("0", "1", "2", "130"))


def test_report_of_a_minimal_hand_made_manifest_is_not_a_traceback(tmp_path, capsys):
    run = tmp_path / "run"
    run.mkdir()
    (run / "manifest.json").write_text('{"status": "complete"}')
    (run / "records.jsonl").write_text(json.dumps({"item_id": "a", "system": "s", "summary": "x",
                                                   "scores": {"rouge1": 0.5}}) + "\n")
    assert main(["report", str(run)]) == 0
    md = (run / "report.md").read_text()
    assert "# sumbench run: run" in md and "0.500" in md
