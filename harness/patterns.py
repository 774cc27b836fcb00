"""User-written checklist patterns: compiled once, matched with a time limit.

Patterns come from dataset authors, so a catastrophic-backtracking pattern
must not hang a run: the ``regex`` module accepts a per-call timeout.
Matching is case-insensitive and treats any run of whitespace in the text
as one space.
"""

from __future__ import annotations

import sys
import threading
from dataclasses import dataclass
from functools import lru_cache

MATCH_TIMEOUT_S = 1.0


@dataclass(frozen=True)
class Match:
    pattern: str
    start: int
    end: int
    text: str


class PatternError(ValueError):
    """A pattern that does not compile; message says why."""


@lru_cache(maxsize=4096)
def compile_pattern(pattern: str):
    import regex

    if not pattern.strip():
        raise PatternError("empty pattern")
    try:
        return regex.compile(pattern, regex.IGNORECASE | regex.UNICODE)
    except regex.error as exc:
        raise PatternError(f"invalid regular expression {pattern!r}: {exc}") from None


_warned: set[str] = set()
_warned_lock = threading.Lock()


def _warn_slow(pattern: str) -> None:
    """Say once per pattern that it timed out: otherwise a claim silently reads as absent/undecided
    and every item waits out the limit again."""
    with _warned_lock:
        if pattern in _warned:
            return
        _warned.add(pattern)
    print(f"warning: checklist pattern {pattern!r} took longer than {MATCH_TIMEOUT_S:g}s and was skipped "
          "(no match) — simplify it: nested repeats such as (a+)+ backtrack catastrophically; "
          "each further timeout costs every item another second", file=sys.stderr)


def first_match(patterns: list[str], text: str) -> Match | None:
    """The earliest match of any pattern in ``text``, or None.

    A pattern that exceeds the time limit counts as not matching; it raises
    TimeoutError only if *every* pattern timed out, so the caller can report it.
    """
    best: Match | None = None
    timeouts = 0
    for pattern in patterns:
        try:
            m = compile_pattern(pattern).search(text, timeout=MATCH_TIMEOUT_S)
        except TimeoutError:
            timeouts += 1
            _warn_slow(pattern)
            continue
        if m and (best is None or m.start() < best.start):
            best = Match(pattern, m.start(), m.end(), m.group(0))
    if best is None and patterns and timeouts == len(patterns):
        raise TimeoutError(f"pattern matching took longer than {MATCH_TIMEOUT_S}s")
    return best
