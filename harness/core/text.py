"""Paragraph, sentence and word splitting with no downloaded models.

A small rule set instead of nltk's punkt: nothing is fetched at run time and
the rules are easy to test. Sentence boundaries are ``. ! ?`` (optionally
followed by closing quotes/brackets) before whitespace and a plausible
sentence start; known abbreviations, initials, decimals and ellipses inside
a sentence are not boundaries.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass

# Abbreviations that are (almost) never sentence-final: titles and the like.
_TITLES = {
    "mr", "mrs", "ms", "dr", "prof", "sr", "jr", "st", "mt", "gen", "gov",
    "sen", "rep", "rev", "col", "lt", "sgt", "capt", "cmdr", "adm", "maj",
    "pres", "supt", "insp", "det", "hon", "messrs", "mme", "mlle",
}
# Abbreviations that can end a sentence; a boundary after them needs a
# following word that typically starts a sentence.
_OTHER_ABBREV = {
    "vs", "etc", "inc", "ltd", "co", "corp", "no", "nos", "fig", "al", "approx",
    "dept", "est", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep",
    "sept", "oct", "nov", "dec", "mon", "tue", "wed", "thu", "fri", "sat",
    "sun", "ave", "blvd", "rd", "p", "pp", "vol", "ed", "eds", "e.g", "i.e",
}
_SENTENCE_STARTERS = {
    "a", "an", "the", "he", "she", "it", "they", "we", "i", "you", "this",
    "that", "these", "those", "there", "but", "and", "so", "yet", "however",
    "in", "on", "at", "after", "before", "when", "while", "if", "as", "his",
    "her", "its", "their", "our", "my", "what", "who", "why", "how", "no",
    "some", "many", "most", "one", "two", "three", "meanwhile", "officials",
}

_CLOSERS = "\"'”’)]»"
_OPENERS = "\"'“‘([«"
# Candidate boundary: terminal punctuation run, optional closers, whitespace.
_BOUNDARY = re.compile(r"([.!?…]+)([" + re.escape(_CLOSERS) + r"]*)(\s+)")
_WORD_BEFORE = re.compile(r"([\w.\-']+)$")
_WORD = re.compile(r"\w+(?:[-'’.]\w+|,\d{3}(?!\d))*", re.UNICODE)


def normalize_ws(text: str) -> str:
    """Collapse all runs of whitespace to single spaces and strip."""
    return " ".join(text.split())


def split_paragraphs(text: str) -> list[str]:
    """Paragraphs of ``text``, whitespace-normalised, empty ones dropped.

    Text with blank lines is split on blank lines (hard-wrapped lines inside
    a paragraph are joined); text without blank lines is split on line
    breaks, since many scraped articles put one paragraph per line.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if re.search(r"\n[ \t]*\n", text):
        blocks = re.split(r"\n[ \t]*\n", text)
    else:
        blocks = text.split("\n")
    return [p for p in (normalize_ws(b) for b in blocks) if p]


def _is_boundary(before: str, punct: str, after: str) -> bool:
    """Decide whether ``before + punct`` ends a sentence given the text after."""
    if not after:
        return True
    nxt = after[0]
    if punct[-1] in "!?…" or len(punct) > 1:
        # "Wow!" or "wait..." end a sentence only before a capital/opener/digit.
        return nxt.isupper() or nxt.isdigit() or nxt in _OPENERS
    if nxt.islower():
        return False  # "e.g. the", "U.S. officials said" lower-case continuation
    m = _WORD_BEFORE.search(before)
    word = m.group(1) if m else ""
    bare = word.lower().strip(".'-")
    next_word = re.match(r"[\"'“‘(\[«]*(\w+)", after)
    next_lower = next_word.group(1).lower() if next_word else ""
    if bare in _TITLES:
        return False
    if len(bare) == 1 and bare.isalpha() and word[-1:].isupper():
        return False  # an initial: "J. K. Rowling"
    if "." in word.strip("."):  # dotted acronym: U.S., U.K., a.m.
        return next_lower in _SENTENCE_STARTERS
    if bare in _OTHER_ABBREV:
        return next_lower in _SENTENCE_STARTERS or nxt in _OPENERS
    return nxt.isupper() or nxt.isdigit() or nxt in _OPENERS or not nxt.isalpha()


def split_sentences(text: str) -> list[str]:
    """Sentences of ``text`` (a paragraph or a whole article).

    Paragraph breaks always end a sentence. Returned sentences are
    whitespace-normalised and non-empty.
    """
    out: list[str] = []
    for para in split_paragraphs(text):
        start = 0
        for m in _BOUNDARY.finditer(para):
            end = m.end(2)
            before = para[start:m.start(1)]
            after = para[m.end():]
            if _is_boundary(before, m.group(1), after):
                sent = para[start:end].strip()
                if sent:
                    out.append(sent)
                start = m.end()
        tail = para[start:].strip()
        if tail:
            out.append(tail)
    return out


def clip(text: str, limit: int) -> str:
    """``text`` on one line, at most ``limit`` characters, cut at a word boundary with "…"
    (a server's useful tail such as "No fallback model group found" is not cut mid-word)."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:") + "…"


def words(text: str) -> list[str]:
    """Word tokens (letters/digits, keeping inner hyphens, apostrophes, dots)."""
    return _WORD.findall(text)


def sha256_text(text: str) -> str:
    """Hex sha256 of UTF-8 text: the one hash of suites, prompts and articles in
    manifests and records, so every reader recomputes it the same way."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def fold(text: str) -> str:
    """Case- and accent-insensitive, whitespace-normalised form for comparing."""
    if text.isascii():  # nothing to decompose or strip; casefold is lower (most text, and much faster)
        return normalize_ws(text.lower())
    decomposed = unicodedata.normalize("NFKD", text)
    # the combining marks among the distinct characters, deleted in one pass (a generator over every
    # character cost 0.3 ms per 3,000-character article: news text has curly quotes, so is rarely ASCII)
    marks = [c for c in set(decomposed) if unicodedata.combining(c)]
    stripped = decomposed.translate(dict.fromkeys(map(ord, marks))) if marks else decomposed
    return normalize_ws(stripped.casefold())


@dataclass(frozen=True)
class Duplicate:
    """Paragraph ``index`` (1-based) repeats paragraph ``first`` (1-based)."""

    index: int
    first: int


def find_duplicate_paragraphs(paragraphs: list[str]) -> list[Duplicate]:
    """Paragraphs that repeat an earlier one (case/whitespace-insensitive)."""
    if len(paragraphs) < 2:  # nothing to repeat (many scraped articles are one line): no need to fold
        return []
    seen: dict[str, int] = {}
    dups: list[Duplicate] = []
    for i, para in enumerate(paragraphs, start=1):
        key = fold(para)
        if key in seen:
            dups.append(Duplicate(index=i, first=seen[key]))
        else:
            seen[key] = i
    return dups


def describe_duplicates(dups: list[Duplicate]) -> str:
    """Human summary: 'paragraphs 8-13 repeat 2-7', grouping consecutive runs."""
    if not dups:
        return ""
    runs: list[list[Duplicate]] = [[dups[0]]]
    for d in dups[1:]:
        last = runs[-1][-1]
        if d.index == last.index + 1 and d.first == last.first + 1:
            runs[-1].append(d)
        else:
            runs.append([d])
    parts = []
    for run in runs:
        if len(run) == 1:
            parts.append(f"paragraph {run[0].index} repeats paragraph {run[0].first}")
        else:
            parts.append(f"paragraphs {run[0].index}-{run[-1].index} repeat "
                         f"paragraphs {run[0].first}-{run[-1].first}")
    return "; ".join(parts)


def remove_duplicate_paragraphs(text: str) -> tuple[str, list[Duplicate]]:
    """Article text without repeated paragraphs, and what was removed."""
    paragraphs = split_paragraphs(text)
    dups = find_duplicate_paragraphs(paragraphs)
    if not dups:
        return "\n\n".join(paragraphs), []
    drop = {d.index for d in dups}
    kept = [p for i, p in enumerate(paragraphs, start=1) if i not in drop]
    return "\n\n".join(kept), dups


def estimate_tokens(text: str) -> int:
    """About four characters per token: good enough for budgets and dry runs."""
    return max(1, (len(text) + 3) // 4)
