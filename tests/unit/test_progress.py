"""The run's progress display: a throttled live line on a terminal, a line per 30 s in logs,
nothing from a short run; driven by a fake clock and a StringIO, so nothing sleeps."""

from __future__ import annotations

import io
import re
import sys

import pytest

from harness.cli import main
from harness.run.progress import Progress, duration
from tests.paths import SEED_SUITE


class Clock:
    def __init__(self, now: float = 0.0):
        self.now = now

    def __call__(self) -> float:
        return self.now


class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def make(mode: str, total: int = 5000, done: int = 0, width: int = 200):
    clock, out = Clock(), io.StringIO()
    return Progress(mode, total, out, done=done, clock=clock, width=lambda: width), clock, out


def test_live_line_is_redrawn_at_most_four_times_a_second():
    p, clock, out = make("live")
    for n in range(1, 1001):  # many records in the same instant: one draw
        p.update(n, 0, 0, 0.0)
    assert out.getvalue().count("\r") == 1
    clock.now = 0.2
    p.update(1001, 0, 0, 0.0)
    assert out.getvalue().count("\r") == 1
    clock.now = 0.25
    p.update(1002, 0, 0, 0.0)
    assert out.getvalue().count("\r") == 2 and out.getvalue().endswith(
        "\r  1002/5000 records (20%)  4008.0/s  ETA 1s  0 errors  0 cached")


def test_live_line_shows_rate_eta_errors_cached_and_spend():
    p, clock, out = make("live")
    clock.now = 30.0  # 1200 records in 30 s: 40/s; 3800 left: 95 s
    p.update(1200, 3, 120, 0.41234)
    assert out.getvalue() == "\r  1200/5000 records (24%)  40.0/s  ETA 1m35s  3 errors  120 cached  0.4123 USD"


def test_rate_counts_only_this_executions_records_and_spend_only_when_paid():
    p, _, _ = make("log", done=1000)  # resumed with 1000 done: 200 more in 10 s is 20/s, not 120/s
    assert p.line(10.0) == "progress: 1000/5000 records (20%), 0 errors, 0 cached"  # no rate before a record
    p.done, p.errors = 1200, 1
    assert p.line(10.0) == "progress: 1200/5000 records (24%), 20.0/s, ETA 3m10s, 1 error, 0 cached"
    p.done = 1201
    assert p.line(3600.0).split(", ")[1:3] == ["0.056/s", "ETA 18h54m"]


def test_duration_reads_at_a_glance():
    assert [duration(s) for s in (0, 45.4, 92, 3599, 7500)] == ["0s", "45s", "1m32s", "59m59s", "2h05m"]


def test_log_mode_prints_nothing_before_30_s_then_one_line_per_30_s():
    p, clock, out = make("log")
    for second in range(1, 30):
        clock.now = second
        p.update(second * 10, 0, 0, 0.0)
    assert out.getvalue() == ""
    for second in range(30, 96):
        clock.now = second
        p.update(second * 10, 0, 0, 0.0)
    lines = out.getvalue().splitlines()
    assert [line.split(" records")[0] for line in lines] == ["progress: 300/5000", "progress: 600/5000",
                                                              "progress: 900/5000"]
    assert lines[0] == "progress: 300/5000 records (6%), 10.0/s, ETA 7m50s, 0 errors, 0 cached"
    p.close()  # a run that lasted 95 s logs where it ended
    assert out.getvalue().splitlines()[-1] == "progress: 950/5000 records (19%), 10.0/s, took 1m35s, 0 errors, 0 cached"


def test_a_short_logged_run_prints_nothing_at_all():
    p, clock, out = make("log")
    for n in range(1, 5001):
        clock.now = n / 200  # 5000 records in 25 s
        p.update(n, 0, 0, 0.0)
    p.close()
    assert out.getvalue() == ""


def test_finish_ends_the_live_line_once_with_the_final_counts():
    p, clock, out = make("live", total=10)
    p.update(1, 0, 0, 0.0)
    clock.now = 0.1
    p.update(10, 2, 1, 0.0)  # throttled: not drawn yet
    assert "10/10" not in out.getvalue()
    clock.now = 5.0
    p.close()
    p.close()
    p.update(10, 2, 1, 0.0)  # after the end: nothing
    assert out.getvalue().endswith("\r  10/10 records (100%)  2.0/s  took 5s  2 errors  1 cached\n")
    assert out.getvalue().count("\n") == 1


def test_finish_without_a_drawn_line_prints_nothing():
    p, _, out = make("live")
    p.close()
    assert out.getvalue() == ""


def test_a_warning_wipes_the_live_line_first():
    p, _, out = make("live")
    p.update(1, 0, 0, 0.0)
    drawn = len(out.getvalue()) - 1
    p.around(lambda msg: out.write(f"warning: {msg}\n"))("careful")
    assert out.getvalue().endswith("\r" + " " * drawn + "\rwarning: careful\n")


def test_live_line_is_cut_to_the_terminal_width():
    p, clock, out = make("live", width=30)
    p.update(1200, 3, 120, 0.5)
    clock.now = 1.0
    p.update(1201, 3, 120, 0.5)
    draws = out.getvalue().split("\r")[1:]
    assert len(draws) == 2 and all(len(d) == 29 for d in draws)  # one column spare: never wraps
    assert draws[0] == "  1200/5000 records (24%)  3 "  # no rate yet at the first instant


def test_auto_picks_live_on_a_terminal_and_log_elsewhere():
    assert Progress("auto", 1, Tty()).live
    assert Progress("auto", 1, io.StringIO()).mode == "log"
    assert Progress("off", 1, io.StringIO()).closed
    with pytest.raises(ValueError, match="expected one of"):
        Progress(True, 1, io.StringIO())  # type: ignore[arg-type]


@pytest.mark.parametrize("tty", [False, True])
def test_sumbench_run_prints_progress_only_on_a_terminal(tmp_path, capsys, monkeypatch, tty):
    """A short run piped to a log adds nothing to stderr; on a terminal it leaves one ended line."""
    if tty:
        monkeypatch.setattr(sys, "stderr", Tty())
    assert main(["run", str(SEED_SUITE), "--out", str(tmp_path / "r")]) == 0
    err = sys.stderr.getvalue() if tty else capsys.readouterr().err
    if tty:  # the final line is drawn over the last one and ended before anything else is printed
        assert re.search(r"\r  3/3 records \(100%\)  [0-9.]+/s  took \d+s  0 errors  0 cached\n", err), repr(err)
    else:
        assert "progress" not in err and "records" not in err and "\r" not in err


def test_ctrl_c_ends_the_live_line_before_the_interrupted_message(tmp_path, monkeypatch):
    from harness.run.execute import Execution

    write, calls = Execution._write, []

    def write_then_interrupt(self, rec):
        write(self, rec)
        calls.append(rec)
        if len(calls) == 1:
            raise KeyboardInterrupt

    monkeypatch.setattr(Execution, "_write", write_then_interrupt)
    monkeypatch.setattr(sys, "stderr", Tty())
    assert main(["run", str(SEED_SUITE), "--out", str(tmp_path / "r")]) == 130
    err = sys.stderr.getvalue()
    drawn, _ = err.split("interrupted — ", 1)  # the message starts on the fresh line the display left
    assert drawn.rsplit("\r", 1)[1].startswith(f"  {len(calls)}/3 records") and drawn.endswith("cached\n")
