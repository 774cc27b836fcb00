"""Turn character spans into highlight segments of the text as written.

Checklist evidence offsets point into the whitespace-normalised summary
(``" ".join(text.split())``) while the report shows the summary with its
line breaks, so offsets are mapped back first. Overlapping spans are fine:
the text is cut at every span boundary and each piece lists the spans that
cover it. Leaf module: no harness imports.
"""

from __future__ import annotations

import bisect
import functools
import re
from typing import Any

_NON_SPACE = re.compile(r"\S+")


@functools.lru_cache(maxsize=256)
def _words(text: str) -> tuple[str, tuple[int, ...], tuple[int, ...]]:
    """(normalised text, where each word starts in it, where each word starts in ``text``).

    One entry per word rather than per character: a report maps several spans in
    each of thousands of summaries. ``\\S`` is exactly "not str.isspace()" (checked
    over all code points), the same split that ``" ".join(text.split())`` makes."""
    parts: list[str] = []
    norm_starts: list[int] = []
    orig_starts: list[int] = []
    at = 0
    for word in _NON_SPACE.finditer(text):
        if parts:
            at += 1  # the one space between words
        parts.append(word.group())
        norm_starts.append(at)
        orig_starts.append(word.start())
        at += len(parts[-1])
    return " ".join(parts), tuple(norm_starts), tuple(orig_starts)


def _original_index(norm: str, norm_starts: tuple[int, ...], orig_starts: tuple[int, ...], k: int) -> int:
    i = bisect.bisect_right(norm_starts, k) - 1
    word_end = norm_starts[i + 1] - 1 if i + 1 < len(norm_starts) else len(norm)
    if k < word_end:
        return orig_starts[i] + (k - norm_starts[i])
    return orig_starts[i + 1] - 1  # the space stands at the whitespace just before the next word


def to_original(text: str, start: int, end: int, expect: str | None = None) -> tuple[int, int] | None:
    """Map a [start, end) span of the normalised text to the original text.

    When ``expect`` (the matched text) is given and does not agree with the
    offsets, it is searched for instead; None when it cannot be placed.
    """
    norm, norm_starts, orig_starts = _words(text)
    ok = 0 <= start < end <= len(norm)
    if ok and expect is not None and norm[start:end] != " ".join(expect.split()):
        ok = False
    if not ok:
        if not expect or not expect.strip():
            return None
        want = " ".join(expect.split())
        start = norm.find(want)
        if start < 0 and len(norm.lower()) == len(norm):  # quoted evidence may differ in case
            start = norm.lower().find(want.lower())
        if start < 0:
            return None
        end = start + len(want)
    return (_original_index(norm, norm_starts, orig_starts, start),
            _original_index(norm, norm_starts, orig_starts, end - 1) + 1)


def place_span(text: str, start: Any, end: Any, expect: str | None = None) -> tuple[int, int] | None:
    """Place a span whose coordinate system is unknown (raw or normalised text).

    Raw offsets win when they reproduce ``expect`` (or when no text is
    given and they fit); otherwise normalised offsets or a text search.
    """
    if isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(text):
        if expect is None or text[start:end] == expect:
            return start, end
    if isinstance(start, int) and isinstance(end, int):
        placed = to_original(text, start, end, expect)
        if placed:
            return placed
    if expect and expect.strip():
        at = text.find(expect)
        if at >= 0:
            return at, at + len(expect)
        return to_original(text, -1, -1, expect)
    return None


def segments(text: str, spans: list[tuple[int, int, int]]) -> list[list[Any]]:
    """Cut ``text`` at span boundaries: ``[[piece, [span ids covering it]], ...]``.

    ``spans`` are (start, end, id) in original coordinates; adjacent pieces
    with the same cover are merged, so plain text stays one piece.
    """
    cuts = {0, len(text)}
    for s, e, _ in spans:
        cuts.add(max(0, min(s, len(text))))
        cuts.add(max(0, min(e, len(text))))
    edges = sorted(cuts)
    out: list[list[Any]] = []
    for a, b in zip(edges, edges[1:], strict=False):
        if a == b:
            continue
        cover = [sid for s, e, sid in spans if s <= a and b <= e]
        if out and out[-1][1] == cover:
            out[-1][0] += text[a:b]
        else:
            out.append([text[a:b], cover])
    return out
