"""Flagged faithfulness spans from a record's details, whatever their exact shape.

The faithfulness scorer flags unsupported numbers, entities and quotations.
The report accepts the shapes such a scorer plausibly writes, so a change
of detail format degrades to "no highlight" instead of a broken report:

- ``{"spans": [{"start": 3, "end": 9, "text": "1,200", "kind": "number", "reason": ...}]}``
  (also under ``flagged``, ``flags``, ``issues`` or any ``unsupported*`` key)
- ``{"unsupported_words": ["1,200", ...]}`` — bare strings: every whole-word
  occurrence is marked (``unsupported_words`` as a weaker flag)
- ``"span": [start, end]`` instead of ``start``/``end``

Offsets may be into the raw or the whitespace-normalised summary; the text,
when given, decides which (see ``highlight.place_span``).
"""

from __future__ import annotations

import re
from typing import Any

from harness.report.highlight import place_span

SPAN_KEYS = ("spans", "flagged", "flags", "issues", "unsupported", "hallucinations")
MAX_SPANS = 200
# Single words missing from the article: worth seeing, weaker than a wrong number or name.
WEAK_KEYS = {"unsupported_words", "unsupported_tokens"}
WEAK_CLASS = "faith-weak"


def _occurrences(summary: str, word: str) -> list[int]:
    """Start offsets of ``word`` in ``summary`` as a whole word (all of them)."""
    if not word.strip():
        return []
    pattern = (r"(?<!\w)" if word[:1].isalnum() else "") + re.escape(word) + (r"(?!\w)" if word[-1:].isalnum() else "")
    return [m.start() for m in re.finditer(pattern, summary)][:20]


def _label(entry: dict[str, Any], key: str) -> str:
    kind = next((str(entry[k]) for k in ("kind", "type", "category", "label") if entry.get(k)), "")
    kind = kind or key.replace("unsupported_", "unsupported ").replace("_", " ")
    reason = next((str(entry[k]) for k in ("reason", "why", "message", "note") if entry.get(k)), "")
    return f"{kind}: {reason}" if reason else kind


def _entries(details: dict[str, Any]) -> list[tuple[str, Any]]:
    out = []
    for key, value in details.items():
        if isinstance(value, list) and any(key.startswith(k) or key == k for k in SPAN_KEYS):
            out += [(key, v) for v in value]
    return out


def faithfulness_spans(summary: str, details: Any) -> tuple[list[tuple[int, int, int]], list[dict[str, Any]]]:
    """(spans as (start, end, index) in summary coordinates, their labels)."""
    if not isinstance(details, dict):
        return [], []
    spans: list[tuple[int, int, int]] = []
    meta: list[dict[str, Any]] = []
    seen: set[tuple[str, str]] = set()
    for key, entry in _entries(details)[:MAX_SPANS]:
        if isinstance(entry, str):
            if (key, entry) in seen:
                continue
            seen.add((key, entry))
            for at in _occurrences(summary, entry):
                meta.append({"cls": WEAK_CLASS if key in WEAK_KEYS else "faith", "label": _label({}, key)})
                spans.append((at, at + len(entry), len(meta) - 1))
            continue
        if isinstance(entry, dict):
            start, end = entry.get("start"), entry.get("end")
            if isinstance(entry.get("span"), (list, tuple)) and len(entry["span"]) == 2:
                start, end = entry["span"]
            text = next((entry[k] for k in ("text", "value", "surface", "quote") if isinstance(entry.get(k), str)),
                        None)
            placed, label = place_span(summary, start, end, text), _label(entry, key)
        else:
            continue
        if placed:
            meta.append({"cls": "faith", "label": label})
            spans.append((placed[0], placed[1], len(meta) - 1))
    return spans, meta
