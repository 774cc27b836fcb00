"""`sumbench lint`: find dataset problems before they silently skew scores.

Errors: unreadable/invalid item files, duplicated paragraphs, empty
articles, duplicate item ids, patterns that match everything, required
claims no reference supports, forbidden claims a reference asserts,
invalid systems/scorers. Warnings: very short or huge articles, claims that
need the LLM judge, references longer than their article.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from harness.core.errors import UserError
from harness.core.files import line_of
from harness.core.models import Item
from harness.core.patterns import compile_pattern, first_match
from harness.core.text import (
    describe_duplicates,
    find_duplicate_paragraphs,
    normalize_ws,
    split_paragraphs,
    words,
)
from harness.suite.datasets import Suite, iter_jsonl, load_suite, load_toml_item


@dataclass
class Finding:
    level: str  # "error" | "warning"
    file: str
    line: int | None
    message: str

    def format(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{self.level}: {where}: {self.message}"


@dataclass
class LintResult:
    findings: list[Finding]
    n_items: int
    load_failures: int

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.level == "error"]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.level == "warning"]


def _item_location(item: Item) -> tuple[str, str | None]:
    """(file, toml text or None) for an item's source."""
    src = item.source
    if src.endswith(".toml"):
        try:
            return src, Path(src).read_text(encoding="utf-8")
        except OSError:
            return src, None
    return src, None


def lint_item(item: Item, suite: Suite) -> list[Finding]:
    out: list[Finding] = []
    file, text = _item_location(item)
    jsonl_file, _, jsonl_line = file.rpartition(":") if text is None and ":" in file else (file, "", "")
    base_file = jsonl_file if jsonl_line.isdigit() else file
    base_line = int(jsonl_line) if jsonl_line.isdigit() else None

    def at(*loc: object) -> int | None:
        return (line_of(text, loc) if text is not None else None) or base_line

    def add(level: str, msg: str, *loc: object) -> None:
        out.append(Finding(level, base_file, at(*loc), f"item '{item.id}': {msg}"))

    n_words = len(words(item.article))
    loc_article = "article_file" if text is not None and "article_file" in text else "article"
    if n_words == 0:
        add("error", "article is empty — give the article text", loc_article)
    elif n_words < suite.config.lint.min_words:
        add("warning", f"article is very short ({n_words} words < lint.min_words = "
                       f"{suite.config.lint.min_words})", loc_article)
    elif n_words > suite.config.lint.max_words:
        add("warning", f"article is huge ({n_words} words > lint.max_words = "
                       f"{suite.config.lint.max_words}); models may truncate it", loc_article)
    dups = find_duplicate_paragraphs(split_paragraphs(item.article))
    if dups:
        add("error", f"duplicated paragraphs: {describe_duplicates(dups)} — remove the repeats "
                     "(`sumbench run` drops them unless --keep-duplicates)", loc_article)
    for ref in item.references:
        if n_words and len(words(ref)) > n_words:
            add("warning", "a reference is longer than its article", "references")
    if "rouge" in suite.config.scorers and any(_rouge_blind(r) for r in item.references):
        add("warning", "the reference is mostly in letters ROUGE drops (rouge-score keeps only a-z and 0-9), "
                       "so ROUGE will be near 0 for every system — rely on the checklist for this item",
            "references")
    refs = [normalize_ws(r) for r in item.references]
    for i, claim in enumerate(item.checklist):
        loc = ("checklist", i)
        if not claim.patterns:
            add("warning", f"claim '{claim.id}' has no patterns; only the LLM judge can decide it", *loc)
            continue
        for p in claim.patterns:
            if compile_pattern(p).search("") is not None:
                add("error", f"claim '{claim.id}': pattern {p!r} matches the empty string, so it matches "
                             "every summary — make it require some text", *loc, "patterns")
        if not refs:
            continue
        try:
            hits = [first_match(claim.patterns, r) for r in refs]
        except TimeoutError:
            add("error", f"claim '{claim.id}': a pattern timed out — simplify it (nested repeats?)", *loc)
            continue
        if claim.kind == "required" and not any(hits):
            add("error", f"required claim '{claim.id}' is not supported by any reference (no pattern "
                         "matches) — fix the patterns or the reference", *loc)
        if claim.kind == "forbidden" and any(hits):
            hit = next(h for h in hits if h)
            add("error", f"forbidden claim '{claim.id}' matches the reference ({hit.text!r}) — "
                         "the reference asserts it, or the pattern is too broad", *loc)
    return out


def _rouge_blind(text: str) -> bool:
    """Most letters are outside a-z (Arabic, CJK, Cyrillic, ...): rouge-score's tokenizer deletes them."""
    letters = [c for c in text.lower() if c.isalpha()]
    return len(letters) >= 10 and sum("a" <= c <= "z" for c in letters) < len(letters) / 2


def _items_with_failures(suite: Suite, findings: list[Finding]):
    """Yield loadable items; record each unloadable file/line as an error."""
    for f in suite.item_files():
        try:
            if f.suffix == ".jsonl":
                yield from iter_jsonl(f, suite.field_map(f))
            elif f.suffix == ".toml":
                yield load_toml_item(f)
            else:
                findings.append(Finding("error", str(f), None, f"unsupported item file type '{f.suffix}'"))
        except UserError as exc:
            findings.append(Finding("error", exc.file or str(f), exc.line,
                                    exc.what + (f" — {exc.fix}" if exc.fix else "")))


def lint_suite(arg: str | Path) -> LintResult:
    from harness.core.registry import backends, scorers

    suite = load_suite(arg)
    findings: list[Finding] = []
    for i, s in enumerate(suite.config.systems):
        try:
            backend = backends.create(s.backend, s.options, suite=suite)
        except UserError as exc:
            findings.append(Finding("error", str(suite.path), suite.line_of("systems", i),
                                    f"system '{s.name}': {exc.what} — {exc.fix}"))
            continue
        findings += [Finding("warning", str(suite.path), suite.line_of("systems", i), f"system '{s.name}': {w}")
                     for w in backend.config_warnings()]
    for name in suite.config.scorers:
        try:
            scorers.create(name, suite.config.scorer.get(name, {}))
        except UserError as exc:
            findings.append(Finding("error", str(suite.path), suite.line_of("scorers"), f"{exc.what} — {exc.fix}"))
    failures: list[Finding] = []
    seen: dict[str, str] = {}
    n = 0
    for item in _items_with_failures(suite, failures):
        n += 1
        if item.id in seen:
            findings.append(Finding("error", item.source, None,
                                    f"item id '{item.id}' is also used by {seen[item.id]} — ids must be unique"))
        seen.setdefault(item.id, item.source)
        findings.extend(lint_item(item, suite))
    return LintResult(findings=failures + findings, n_items=n, load_failures=len(failures))
