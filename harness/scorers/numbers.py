"""Find numbers, percentages and dates in text and normalise them to values.

"five", "5", "5,000", "5k", "five thousand", "$5m", "2.5 billion", "50%",
"50 per cent" all become plain floats (a percentage keeps its number: 50),
so a summary's "5,000" is supported by an article's "five thousand".
Month names become ``("month", n)``. Ambiguous words ("one", "second",
"may") are not treated as numbers unless they are part of a compound such
as "one million" or "twenty-one".
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_UNITS = {"zero": 0, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
          "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
          "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "dozen": 12}
_TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80,
         "ninety": 90}
_SCALES = {"hundred": 100, "thousand": 1e3, "million": 1e6, "billion": 1e9, "trillion": 1e12,
           "k": 1e3, "m": 1e6, "mn": 1e6, "bn": 1e9, "b": 1e9, "tn": 1e12}
_ORDINALS = {"third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7, "eighth": 8, "ninth": 9,
             "tenth": 10, "eleventh": 11, "twelfth": 12, "twentieth": 20, "hundredth": 100}
MONTHS = {m: i for i, m in enumerate(
    "january february march april june july august september october november december".split(), 1)}
MONTHS = {**{m: (i if i < 5 else i + 1) for m, i in MONTHS.items()}}  # 'may' is skipped: ambiguous
_MONTH_ABBR = {"jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8, "sep": 9, "sept": 9,
               "oct": 10, "nov": 11, "dec": 12}

NUMBER_WORDS = frozenset([*_UNITS, *_TENS, *_ORDINALS, *MONTHS, *_MONTH_ABBR, "may", "one", "first", "second",
                          "hundred", "thousand", "million", "billion", "trillion"])
_NUMWORDS = [*_UNITS, *_TENS, "one", "hundred", "thousand", "million", "billion", "trillion"]
_WORDNUM = "|".join(sorted([*_NUMWORDS, "a", "an", "and"], key=len, reverse=True))
_FINAL = "|".join(sorted(_NUMWORDS, key=len, reverse=True))
_DIGITS = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
_NUMBER = re.compile(
    r"(?<![\w.,])(?P<cur>[$£€])?\s?(?P<num>" + _DIGITS + r")(?:\s?(?P<scale>hundred|thousand|million|billion|"
    r"trillion|bn|mn|tn|k|m|b)\b)?(?P<ord>st|nd|rd|th|am|pm|a\.m\.|p\.m\.)?(?![\w])"
    r"|(?<![\w'-])(?P<words>(?:(?:" + _WORDNUM + r")[\s-]+)*(?:" + _FINAL + r"))(?![\w'])"
    r"|(?<![\w'-])(?P<ordw>" + "|".join(_ORDINALS) + r")(?![\w'])"
    r"|(?<![\w'-])(?P<month>" + "|".join([*MONTHS, *_MONTH_ABBR]) + r")\.?(?![\w'])",
    re.IGNORECASE)


@dataclass(frozen=True)
class Mention:
    start: int
    end: int
    text: str
    value: float | tuple[str, int]


def _words_value(text: str) -> float | None:
    """'twenty-one' -> 21, 'five thousand' -> 5000, 'a dozen' -> 12; None if not a number."""
    total, current, seen = 0.0, 0.0, False
    for w in re.split(r"[\s-]+", text.lower()):
        if w in ("a", "an", "and", ""):
            continue
        if w == "one":
            current += 1
        elif w in _UNITS:
            current += _UNITS[w]
        elif w in _TENS:
            current += _TENS[w]
        elif w == "hundred":
            current = (current or 1) * 100
        elif w in _SCALES:
            total += (current or 1) * _SCALES[w]
            current = 0
        else:
            return None
        seen = True
    return total + current if seen else None


def find_numbers(text: str) -> list[Mention]:
    """Number, ordinal and month mentions with character offsets into ``text``."""
    out: list[Mention] = []
    for m in _NUMBER.finditer(text):
        if m.group("num"):
            value = float(m.group("num").replace(",", ""))
            scale = (m.group("scale") or "").lower()
            if scale:
                value *= _SCALES[scale]
            out.append(Mention(m.start("num") if not m.group("cur") else m.start(), m.end(), m.group(0).strip(),
                               value))
        elif m.group("words"):
            phrase = m.group("words")
            value = _words_value(phrase)
            if value is None or phrase.lower() in ("one", "a one", "an one"):  # "one of the" is not a count
                continue
            out.append(Mention(m.start("words"), m.end("words"), phrase, value))
        elif m.group("ordw"):
            out.append(Mention(m.start(), m.end(), m.group(0), float(_ORDINALS[m.group("ordw").lower()])))
        else:
            name = m.group("month").lower()
            if name in ("mar", "jun", "dec", "sep", "oct", "nov", "jan", "feb", "apr", "aug", "jul", "sept") and \
                    m.group("month")[0].islower() and text[m.start():m.end()] == name:
                continue  # lower-case 'dec', 'mar' are more often words or noise than months
            out.append(Mention(m.start(), m.end(), m.group(0),
                               ("month", MONTHS.get(name) or _MONTH_ABBR[name])))
    return out


def values(text: str) -> set[float | tuple[str, int]]:
    """Every value mentioned in ``text``, with the forms a summary may round to."""
    out: set[float | tuple[str, int]] = set()
    for m in find_numbers(text):
        out.add(m.value)
        if isinstance(m.value, float) and m.value >= 1e3:
            # "5.3 million" in a summary may stand for "5,312,000" in the article
            for unit in (1e3, 1e6, 1e9):
                if m.value >= unit:
                    out.add(round(m.value / unit, 1) * unit)
                    out.add(float(round(m.value / unit)) * unit)
    return out


def supported(mention: Mention, article_values: set[float | tuple[str, int]]) -> bool:
    return mention.value in article_values
