"""User-written checklist patterns: compiled once, matched with a time limit.

Patterns come from dataset authors, so a catastrophic-backtracking pattern
must not hang a run: the ``regex`` module accepts a per-call timeout.
Matching is case-insensitive and treats any run of whitespace in the text
as one space; typographic quotes and hyphens match their ASCII forms.
"""

from __future__ import annotations

import sys
import threading
import unicodedata
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


# Typographic quotes and hyphens -> ASCII, one character for one (offsets stay valid). Models write
# "Putin’s" and "five–hour" where authors type "Putin's" and "five-hour"; without this a present
# claim silently reads as absent. Em dashes are punctuation, not hyphens, and are left alone.
_FOLD = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'",
                       "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"',
                       "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2212": "-"})


_ESCAPED_QUOTES = {"\\u2018": "'", "\\u2019": "'", "\\u201c": '"', "\\u201d": '"'}


def fold(text: str) -> str:
    return text.translate(_FOLD)


def _fold_pattern(pattern: str) -> str:
    """Fold literal typographic quotes, and their \\u escapes (``n[\\x27\\u2019]t`` keeps working)."""
    for escape, ascii_char in _ESCAPED_QUOTES.items():
        pattern = pattern.replace(escape, ascii_char)
    return fold(pattern)


@lru_cache(maxsize=4096)
def compile_pattern(pattern: str, form: str = "NFC"):
    """``form``: the Unicode normal form of the text it will search ("é" is one code point in NFC,
    "e" plus a combining accent in NFD; a pattern only matches text in its own form)."""
    import regex

    if not pattern.strip():
        raise PatternError("empty pattern")
    try:
        return regex.compile(unicodedata.normalize(form, _fold_pattern(pattern)), regex.IGNORECASE | regex.UNICODE)
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
    folded = fold(text)
    decomposed = not unicodedata.is_normalized("NFC", folded)  # e.g. text from macOS: try NFD patterns too
    for pattern in patterns:
        try:
            m = compile_pattern(pattern).search(folded, timeout=MATCH_TIMEOUT_S)
            if m is None and decomposed:
                m = compile_pattern(pattern, "NFD").search(folded, timeout=MATCH_TIMEOUT_S)
        except TimeoutError:
            timeouts += 1
            _warn_slow(pattern)
            continue
        if m and (best is None or m.start() < best.start):
            best = Match(pattern, m.start(), m.end(), text[m.start():m.end()])  # the summary's own characters
    if best is None and patterns and timeouts == len(patterns):
        raise TimeoutError(f"pattern matching took longer than {MATCH_TIMEOUT_S}s")
    return best
