"""Token-level view of an article for checking what a summary says against it.

Tokens keep character offsets into the original text so flagged spans can
point into the summary. Matching is case/accent-insensitive, tolerant of
tokenizer artefacts found in system outputs (PTB ``do n't``/``'s``, ``\\'``,
````` quotes, glued sentences "community.Dr"), and uses a light suffix
stemmer so "talks"/"talk" agree.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from dataclasses import dataclass, field

STOP = frozenset("""
a about above after again against all am an and any are as at be because been before being below between
both but by can could did do does doing down during each few for from further had has have having he her
here hers herself him himself his how i if in into is it its itself just me more most my myself nor of
off on once only or other our ours ourselves out over own same she should so some such than that the their
theirs them themselves then there these they this those through to too under until up very was we were
what when where which while who whom why will with would you your yours yourself yourselves said says
say also s t ll d re ve m one told tell according new although though however despite amid yet even whether
""".split())
NEGATIONS = frozenset("not n't no never without nobody nothing none neither nor cannot denied deny denies "
                      "refused refuse refuses failed fail fails".split())

_TOKEN = re.compile(r"n't|\d+(?:[.,]\d+)*|[^\W\d_]+?(?=n't\b)|[^\W_]+", re.IGNORECASE)
_PTB = re.compile(r"-(?:lrb|rrb|lsb|rsb|lcb|rcb)-|<unk>|\bUNK\b", re.IGNORECASE)
_PTB_MAP = {"-lrb-": "(", "-rrb-": ")", "-lsb-": "[", "-rsb-": "]", "-lcb-": "{", "-rcb-": "}", "<unk>": "", "unk": ""}
_GLUED = re.compile(r"(?<=[a-z])\.(?=[A-Z][a-z])")


def clean(text: str) -> str:
    """Same-length normalisation (offsets stay valid): curly quotes, escapes, glued sentences."""
    text = text.replace("’", "'").replace("‘", "'").replace("\\", " ")
    text = _PTB.sub(lambda m: _PTB_MAP[m.group(0).lower()].ljust(len(m.group(0))), text)
    return _GLUED.sub(" ", text)


def fold_token(tok: str) -> str:
    tok = unicodedata.normalize("NFKD", tok.casefold())
    return "".join(c for c in tok if not unicodedata.combining(c))


IRREGULAR = {k: v for v, ks in {
    "be": "was were been being am is are", "begin": "began begun", "bring": "brought", "build": "built",
    "buy": "bought", "catch": "caught", "choose": "chose chosen", "come": "came", "drive": "drove driven",
    "fall": "fell fallen", "feel": "felt", "fight": "fought", "find": "found", "give": "gave given",
    "go": "went gone", "hold": "held", "know": "knew known", "lead": "led", "leave": "left", "lose": "lost",
    "make": "made", "meet": "met", "pay": "paid", "run": "ran", "see": "saw seen", "sell": "sold",
    "send": "sent", "show": "shown", "speak": "spoke spoken", "spend": "spent", "stand": "stood",
    "steal": "stole stolen", "strike": "struck", "take": "took taken", "teach": "taught", "think": "thought",
    "throw": "threw thrown", "win": "won", "write": "wrote written", "grow": "grew grown", "hide": "hid hidden",
    "rise": "rose risen", "shoot": "shot", "sing": "sang sung", "sit": "sat", "sleep": "slept", "fly": "flew flown",
    "get": "got gotten", "break": "broke broken", "wear": "wore worn", "draw": "drew drawn", "eat": "ate eaten",
    "forget": "forgot forgotten", "hear": "heard", "keep": "kept", "seek": "sought", "swim": "swam",
}.items() for k in ks.split()}
_SUFFIXES = (("ies", "y"), ("ied", "y"), ("ing", ""), ("ed", ""), ("es", ""), ("s", ""))
_DERIV = (("ically", "ic"), ("ical", "ic"), ("ism", ""), ("ly", ""))


def stem(tok: str) -> str:
    """Light stemming, enough for "captured"/"capture", "led"/"lead", "skeptical"/"skepticism" to agree."""
    if tok.isdigit() or len(tok) < 4:
        return IRREGULAR.get(tok, tok)
    tok = IRREGULAR.get(tok, tok)
    for suf, keep in _SUFFIXES:
        if len(tok) > len(suf) + 2 and tok.endswith(suf) and not tok.endswith("ss"):
            tok = tok[: -len(suf)] + keep
            if suf in ("ing", "ed") and len(tok) > 3 and tok[-1] == tok[-2] and tok[-1] not in "lsz":
                tok = tok[:-1]  # stopped -> stop
            break
    for suf, keep in _DERIV:
        if len(tok) > len(suf) + 4 and tok.endswith(suf):
            tok = tok[: -len(suf)] + keep
            break
    return tok[:-1] if len(tok) > 3 and tok.endswith("e") else tok


@dataclass(frozen=True)
class Token:
    start: int
    end: int
    raw: str
    norm: str
    stem: str


def tokenize(text: str) -> list[Token]:
    text = clean(text)
    out = []
    for m in _TOKEN.finditer(text):
        norm = fold_token(m.group(0))
        if norm.replace(",", "").replace(".", "").isdigit():
            norm = norm.replace(",", "")
        out.append(Token(m.start(), m.end(), m.group(0), norm, stem(norm)))
    return out


def ngrams(seq: list[str], n: int) -> list[tuple[str, ...]]:
    return [tuple(seq[i:i + n]) for i in range(len(seq) - n + 1)]


@dataclass
class ArticleIndex:
    """What the article contains: stems, stem n-grams, capitalised words, sentences' tokens."""

    tokens: list[Token]
    stems: set[str] = field(default_factory=set)
    grams: dict[int, set[tuple[str, ...]]] = field(default_factory=dict)
    proper: set[str] = field(default_factory=set)
    positions: dict[str, list[int]] = field(default_factory=dict)
    norms: set[str] = field(default_factory=set)
    _near: dict[tuple[str, str, int], bool] = field(default_factory=dict)  # memo: repeated pairs cost nothing

    @classmethod
    def build(cls, article: str, max_n: int = 4) -> "ArticleIndex":
        toks = tokenize(article)
        idx = cls(tokens=toks)
        seq = [t.stem for t in toks]
        idx.stems = set(seq)
        idx.grams = {n: set(ngrams(seq, n)) for n in range(2, max_n + 1)}
        idx.proper = {t.norm for t in toks if t.raw[:1].isupper()}
        for i, st in enumerate(seq):
            idx.positions.setdefault(st, []).append(i)
        idx.norms = {t.norm for t in toks}
        return idx

    def near(self, a: str, b: str, window: int) -> bool:
        """Whether stems ``a`` and ``b`` occur within ``window`` tokens of each other."""
        key = (a, b, window) if a <= b else (b, a, window)
        if key not in self._near:
            pa, pb = self.positions.get(a), self.positions.get(b)
            if pa and pb and len(pa) > len(pb):
                pa, pb = pb, pa
            self._near[key] = bool(pa and pb) and any(
                (k := bisect.bisect_left(pb, i - window)) < len(pb) and pb[k] <= i + window for i in pa)
        return self._near[key]

    def contains(self, stems: list[str]) -> bool:
        """Whether the stem sequence occurs contiguously in the article."""
        n = len(stems)
        if n == 0:
            return True
        if n == 1:
            return stems[0] in self.stems
        if n in self.grams:
            return tuple(stems) in self.grams[n]
        head = tuple(stems[:4])
        if head not in self.grams.get(4, set()):
            return False
        seq = [t.stem for t in self.tokens]
        return any(seq[i:i + n] == stems for i in range(len(seq) - n + 1))
