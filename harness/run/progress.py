"""How far a run is, on stderr: one line redrawn in place on a terminal, a plain line at
most every 30 s in a log (CI, pipes), and nothing from a run shorter than that.

Redrawn only when the runner writes a record (no timer thread), so the clock and the
stream are all a test needs to fake. The runner owns the counts; this only shows them.
"""

from __future__ import annotations

import os
import shutil
import threading
import time
from typing import Callable, TextIO

MODES = ("off", "auto", "live", "log")  # auto: live on a terminal, else log
REDRAW_S = 0.25  # a terminal line at most 4 times a second
LOG_EVERY_S = 30.0  # a log line at most every 30 s, so a short run prints none


def duration(seconds: float) -> str:
    """``45s``, ``1m32s``, ``2h05m``: short enough for one line."""
    s = round(seconds)
    if s < 60:
        return f"{s}s"
    return f"{s // 60}m{s % 60:02d}s" if s < 3600 else f"{s // 3600}h{s % 3600 // 60:02d}m"


def terminal_width(stream: TextIO) -> int:
    """The width of the terminal ``stream`` writes to (stdout may be piped while stderr is not)."""
    try:
        return os.get_terminal_size(stream.fileno()).columns
    except (AttributeError, ValueError, OSError):  # a StringIO, a closed or redirected stream
        return shutil.get_terminal_size().columns


def _isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def _count(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 or word == "cached" else f"{n} {word}s"


class Progress:
    """The progress display of one execution; ``mode`` is ``RunOptions.progress``."""

    def __init__(self, mode: str, total: int, stream: TextIO, *, done: int = 0,
                 clock: Callable[[], float] = time.monotonic, width: Callable[[], int] | None = None):
        if mode not in MODES:
            raise ValueError(f"progress mode {mode!r}: expected one of {', '.join(MODES)}")
        self.mode = ("live" if _isatty(stream) else "log") if mode == "auto" else mode
        self.total, self.stream, self.clock = total, stream, clock
        self.width = width or (lambda: terminal_width(stream))
        self.t0, self.start_done = clock(), done  # the rate counts this execution's records only
        self.done, self.errors, self.cached, self.spent_usd = done, 0, 0, 0.0
        self.last: float | None = None if self.mode == "live" else self.t0  # when a line was last shown
        self.shown = 0  # length of the live line now on screen (0: none)
        self.drawn = False  # anything shown yet
        self.closed = self.mode == "off"
        self.lock = threading.RLock()

    @property
    def live(self) -> bool:
        return self.mode == "live"

    def update(self, done: int, errors: int, cached: int, spent_usd: float) -> None:
        """New totals; shown only if the last line is old enough (REDRAW_S / LOG_EVERY_S)."""
        with self.lock:
            if self.closed:
                return
            self.done, self.errors, self.cached, self.spent_usd = done, errors, cached, spent_usd
            now = self.clock()
            if self.last is None or now - self.last >= (REDRAW_S if self.live else LOG_EVERY_S):
                self.last = now
                self._show(self.line(now))

    def close(self) -> None:
        """End on a fresh line with the final counts (also on Ctrl-C and errors); idempotent."""
        with self.lock:
            if self.closed:
                return
            self.closed = True
            now = self.clock()
            due = self.drawn if self.live else now - self.t0 >= LOG_EVERY_S  # a short run stays silent
            if due:
                self._show(self.line(now, final=True), end="\n")

    def around(self, warn: Callable[[str], None]) -> Callable[[str], None]:
        """``warn`` that first wipes the live line, so a message never starts mid-line."""
        def wrapped(msg: str) -> None:
            with self.lock:
                if self.shown:
                    self.stream.write("\r" + " " * self.shown + "\r")
                    self.stream.flush()
                    self.shown, self.last = 0, None  # redraw at the next record
                warn(msg)
        return wrapped

    def line(self, now: float, final: bool = False) -> str:
        """The counts as one line: done/total, rate, ETA (elapsed when final), errors, cached, USD."""
        pct = self.done * 100 // self.total if self.total else 100
        fields = [f"{self.done}/{self.total} records ({pct}%)"]
        elapsed, new = now - self.t0, self.done - self.start_done
        if new > 0 and elapsed > 0:
            rate = new / elapsed
            fields.append(f"{rate:.1f}/s" if rate >= 1 else f"{rate:.2g}/s")
            fields.append(f"took {duration(elapsed)}" if final else f"ETA {duration((self.total - self.done) / rate)}")
        fields += [_count(self.errors, "error"), _count(self.cached, "cached")]
        if self.spent_usd > 0:
            fields.append(f"{self.spent_usd:.4f} USD")
        return "  " + "  ".join(fields) if self.live else "progress: " + ", ".join(fields)

    def _show(self, text: str, end: str = "") -> None:
        if self.live:  # cut to the width (a wrapped line cannot be redrawn in place); pad over the old one
            cols = max(self.width() - 1, 1)
            text = text[:cols]
            self.stream.write("\r" + text.ljust(min(self.shown, cols)) + end)
            self.shown = 0 if end else len(text)
        else:
            self.stream.write(text + "\n")
        self.stream.flush()
        self.drawn = True
