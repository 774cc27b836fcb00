"""Checkable pieces of a summary: sentences, quotations, named entities, numbers.

Each finder returns spans with character offsets into the summary as given,
so the report can highlight exactly what was flagged.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from harness.scorers.support import STOP, Token

TITLES = frozenset("mr mrs ms miss dr prof sir lord lady dame president minister chancellor senator sen gov "
                   "governor rep king queen prince princess pope judge general gen col captain capt sgt "
                   "officer chief coach manager boss st saint".split())
_SENT_END = re.compile(r"(?<=[.!?])[\"'”’)\]]*\s+|\n+")
_ABBREV_END = re.compile(r"(?:\b[A-Za-z]|\b(?:mr|mrs|ms|dr|st|prof|jr|sr|vs|no|u\.s|u\.k))\.$", re.IGNORECASE)
_QUOTES = [re.compile(p) for p in (r'"([^"\n]+?)"', r"“([^”\n]+?)”", r"``\s?(.+?)\s?''",
                                   r"(?<![\w`])`\s?([^`'\n]+?)\s?'(?![\w])")]


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    text: str


def sentences(text: str) -> list[Span]:
    """Sentence spans: break after . ! ? + space (not after initials/titles) and at newlines."""
    out: list[Span] = []
    start = 0
    for m in _SENT_END.finditer(text):
        piece = text[start:m.start()]
        if m.group(0).strip(" \t") == "" and not m.group(0).startswith("\n") and _ABBREV_END.search(piece):
            continue
        if piece.strip():
            out.append(_span(text, start, m.start()))
        start = m.end()
    if text[start:].strip():
        out.append(_span(text, start, len(text)))
    return out


def _span(text: str, start: int, end: int) -> Span:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return Span(start, end, text[start:end])


def quotations(text: str, min_tokens: int = 2) -> list[Span]:
    """Quoted passages (straight, curly, PTB ``...'' and `...' quotes) of at least ``min_tokens`` words."""
    found: list[Span] = []
    for pat in _QUOTES:
        for m in pat.finditer(text):
            inner = m.group(1)
            if len(re.findall(r"\w+", inner)) < min_tokens:
                continue
            if any(s.start <= m.start(1) < s.end for s in found):
                continue
            found.append(Span(m.start(1), m.end(1), inner))
    return sorted(found, key=lambda s: s.start)


def is_cased(tokens: list[Token]) -> bool:
    """Whether the text keeps capitalisation (many system outputs are lower-cased)."""
    alpha = [t for t in tokens if t.raw[:1].isalpha()]
    return bool(alpha) and any(t.raw[:1].isupper() for t in alpha[1:]) and \
        sum(t.raw[:1].isupper() for t in alpha) < 0.8 * len(alpha)


def entities(tokens: list[Token], sentence_starts: set[int], text: str, offset: int = 0) -> list[list[Token]]:
    """Runs of capitalised tokens (a cheap proper-noun finder for cased text).

    A sentence's first word only starts an entity when it is not a common
    function word; "of"/"de"/"the" may sit inside a run ("Bank of England").
    """
    runs: list[list[Token]] = []
    cur: list[Token] = []
    for i, t in enumerate(tokens):
        cap = t.raw[:1].isupper() and not t.raw.isdigit()
        if cap and t.start in sentence_starts and t.norm in STOP:
            cap = False
        if cap and cur and text[cur[-1].end - offset:t.start - offset].strip():
            runs.append(cur)  # punctuation between capitalised words ends a name
            cur = []
        if cap:
            cur.append(t)
            continue
        if cur and t.norm in ("of", "de") and i + 1 < len(tokens) \
                and tokens[i + 1].raw[:1].isupper():
            cur.append(t)
            continue
        if cur:
            runs.append(cur)
        cur = []
    if cur:
        runs.append(cur)
    return [[t for t in r if t.norm not in ("of", "de")] or r for r in runs]
