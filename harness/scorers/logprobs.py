"""Token logprobs → G-Eval's probability-weighted 1-5 scores.

A judge writes its scores as JSON; with ``logprobs`` the server says, for each
token, the top alternatives and their log-probabilities. For each criterion this
finds the token that wrote its ``score`` digit and takes ``sum(d * p(d)) / sum(p(d))``
over the digits 1..5 among that token's alternatives (renormalised), as G-Eval does.
"""

from __future__ import annotations

import math
import re
from bisect import bisect_right
from typing import Any

_JSON_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|[{}\[\]:,]')
_NUMBER = re.compile(r"\s*(\d+)")


def number_offsets(text: str) -> dict[tuple[Any, ...], int]:
    """Where each number of the JSON in ``text`` starts, by key path: ("coherence", "score") -> 812.
    A small scanner, since ``json`` gives no positions; a repeated key keeps its last, as json.loads."""
    out: dict[tuple[Any, ...], int] = {}
    path: list[Any] = []  # the key each open container sits under
    kinds: list[str] = []
    key: Any = None
    expect_key = False
    for m in _JSON_TOKEN.finditer(text, max(text.find("{"), 0)):
        t, in_obj = m.group(), bool(kinds) and kinds[-1] == "{"
        if t in ("{", "["):
            path.append(key)
            kinds.append(t)
            key, expect_key = None, t == "{"
        elif t in ("}", "]"):
            if kinds:
                kinds.pop()
                path.pop()
            if not kinds:
                break  # the JSON ended; anything after is prose
            key = None
        elif t == ",":
            key, expect_key = None, in_obj
        elif t == ":":
            expect_key = False
        elif t.startswith('"'):
            if in_obj and expect_key:
                key = t[1:-1]
        elif key is not None:
            out[(*path[1:], key)] = m.start()
    return out


def digit_mean(alternatives: list[dict[str, Any]], prefix: str = "") -> float | None:
    """Probability-weighted mean of the digits 1..5 among a token's alternatives, renormalised over
    them (tokens spelling the same digit add up); ``prefix``: what the token holds before the digit."""
    mass = [0.0] * 6
    for a in alternatives:
        core = str(a.get("token", "")).lstrip()
        if not core.startswith(prefix.strip()):
            continue
        m = _NUMBER.match(core[len(prefix.strip()):])
        lp = a.get("logprob")
        if m and 1 <= int(m.group(1)) <= 5 and isinstance(lp, (int, float)) and math.isfinite(lp):
            mass[int(m.group(1))] += math.exp(lp)
    total = sum(mass)
    return sum(d * p for d, p in enumerate(mass)) / total if total > 0 else None


def weighted_scores(logprobs: list[dict[str, Any]], names: list[str]) -> dict[str, float]:
    """``digit_mean`` per criterion whose score digit a token of ``logprobs`` generated. The JSON is
    scanned as the tokens spell it (by their bytes when given: a token may split a character)."""
    try:
        by_bytes = all(isinstance(t.get("bytes"), list) for t in logprobs)
        pieces = [bytes(t["bytes"]) if by_bytes else str(t.get("token", "")).encode("utf-8") for t in logprobs]
        starts = [sum(len(p) for p in pieces[:i]) for i in range(len(pieces))]
        text = b"".join(pieces).decode("utf-8", errors="replace")
        offsets, out = number_offsets(text), {}
        for n in names:
            off = offsets.get((n, "score"), offsets.get((n,)))
            if off is None:
                continue
            pos = len(text[:off].encode("utf-8"))
            i = bisect_right(starts, pos) - 1
            entry, prefix = logprobs[i], pieces[i][:pos - starts[i]].decode("utf-8", errors="replace")
            if digit_mean([entry], prefix) is None:
                continue  # the token there is no 1-5 digit: the integer stands
            alts = list(entry.get("top_logprobs") or [])
            if not any(a.get("token") == entry.get("token") for a in alts):
                alts.append(entry)  # the generated token counts even when outside its own top list
            out[n] = digit_mean(alts, prefix)
        return out
    except (AttributeError, TypeError, ValueError):  # a server's odd logprobs: the integers stand
        return {}
