"""Suites for exercising report.html: hostile text, and a large synthetic run.

Both are written to a folder the caller chooses (a test's tmp_path, a
benchmark's temp dir) and then run through the normal ``sumbench run``
path, so the report sees exactly what real runs produce.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

# Each payload would run script, add an element or close a tag if it were not escaped.
XSS_PAYLOADS = (
    '<script>window.__xss = 1; alert("xss-script")</script>',
    '<img src=x onerror="window.__xss = 2; alert(\'xss-img\')">',
    '</textarea><svg onload="window.__xss = 3"></svg>',
    '</script><script>window.__xss = 4</script>',
    '<!-- <script>window.__xss = 5</script> -->\u2028\u2029',
    '<a href="javascript:window.__xss=6" id="xss-link">click</a>',
)


def _toml_str(text: str) -> str:
    return json.dumps(text)  # a JSON string is a valid TOML basic string for this text


def write_xss_suite(root: Path) -> Path:
    """A suite whose article, reference, claims, description and summaries carry XSS payloads."""
    items = root / "items"
    items.mkdir(parents=True)
    p = XSS_PAYLOADS
    paragraphs = [
        f"Officials in Harbourton said the council approved the budget on Monday. {p[0]} The vote was close.",
        f"The mayor said the plan {p[1]} would cut waiting times for buses by ten minutes.",
        f"Critics wrote {p[2]} in a letter and said the budget ignored the libraries.",
        f"A spokesperson added {p[3]} that the libraries would be reviewed next year.",
        f"The mayor said the plan {p[1]} would cut waiting times for buses by ten minutes.",
        f"Residents can comment until Friday. {p[4]} {p[5]}",
    ]
    summary = (f"The council approved the budget {p[0]}.\nThe mayor said {p[1]} buses will be faster.\n"
               f"Critics {p[2]} {p[3]} objected.\n{p[4]} {p[5]}")
    (items / "xss.toml").write_text(
        f'id = "xss-item"\n'
        f"article = {_toml_str(chr(10).join(paragraphs))}\n"
        f"references = [{_toml_str('The council approved the budget. ' + p[1] + ' Critics ' + p[2] + ' objected.')}]\n"
        f"[meta]\nsummary = {_toml_str(summary)}\n"
        f"[[checklist]]\nid = \"approved\"\nclaim = {_toml_str('The budget was approved ' + p[0])}\n"
        f"patterns = ['approved the budget']\n"
        f"[[checklist]]\nid = \"payload-evidence\"\nclaim = {_toml_str('Evidence that is itself a payload ' + p[3])}\n"
        f"patterns = ['<img src=x onerror=[^>]*>']\n"
        f"[[checklist]]\nid = \"no-cuts\"\nkind = \"forbidden\"\nclaim = {_toml_str('Libraries closed ' + p[2])}\n"
        f"patterns = ['</textarea>']\n",
        encoding="utf-8")
    suite = root / "suite.toml"
    suite.write_text(
        'name = "xss"\n'
        f"description = {_toml_str('Hostile text ' + p[0] + p[1] + p[2])}\n"
        'items = "items/*.toml"\nscorers = ["rouge", "checklist", "length"]\n'
        '[[systems]]\nname = "lead2"\nbackend = "lead"\nsentences = 2\n'
        '[[systems]]\nname = "given"\nbackend = "precomputed"\nfield = "summary"\n',
        encoding="utf-8")
    return suite


_WORDS = ("council budget minister court police hospital school river bridge election union strike market "
          "energy price report inquiry village storm harbour railway museum festival teacher patient farmer "
          "factory airport contract plan vote deal protest study survey league match coach player season").split()
_VERBS = "said announced approved rejected warned promised opened closed delayed reported confirmed denied".split()
_PLACES = "Harbourton Eastline Kelling Saltmarsh Brookfield Norhaven Westmere Ashby".split()


def _sentence(rng: random.Random, vocabulary: list[str]) -> str:
    n = rng.randint(12, 24)
    words = [rng.choice(vocabulary) for _ in range(n)]
    words.insert(rng.randint(1, 4), rng.choice(_VERBS))
    words.insert(rng.randint(5, 8), rng.choice(_PLACES))
    words.insert(rng.randint(8, 10), str(rng.randint(2, 900)))
    return " ".join(words).capitalize() + "."


def synthetic_item(i: int, rng: random.Random, vocabulary: list[str]) -> dict:
    paras = [" ".join(_sentence(rng, vocabulary) for _ in range(rng.randint(2, 4)))
             for _ in range(rng.randint(7, 11))]
    if i % 7 == 0:  # some scraped articles repeat a paragraph
        paras.append(paras[1])
    sents = [s + "." for p in paras for s in p.split(". ") if s][:6]
    reference = "\n".join(rng.sample(sents, 3)).replace("..", ".")
    words = reference.split()
    checklist = [{"id": f"c{k}", "claim": f"The summary mentions {w.strip('.').lower()}.",
                  "patterns": [rf"\b{w.strip('.').lower()}\b"]}
                 for k, w in enumerate(rng.sample([w for w in words if len(w) > 5] or words, 3))]
    checklist.append({"id": "no-war", "kind": "forbidden", "claim": "A war was declared.",
                      "patterns": [r"\bdeclared war\b"]})
    return {"id": f"item-{i:04d}", "article": "\n\n".join(paras), "reference": reference, "checklist": checklist}


ALL_SCORERS = ("rouge", "checklist", "length", "faithfulness", "extractiveness")


def write_synthetic_suite(root: Path, n_items: int, seed: int = 0,
                          scorers: tuple[str, ...] = ("rouge", "checklist", "length"),
                          vocabulary: list[str] | None = None) -> Path:
    """A JSONL suite of ``n_items`` generated articles (~600 words) and three extractive systems.

    Words are drawn from ``vocabulary`` (a list with repeats, so real word
    frequencies carry over; default: a small built-in list). A realistic
    vocabulary matters when measuring size, because it sets how well gzip packs.
    """
    rng = random.Random(seed)
    vocab = vocabulary or list(_WORDS)
    root.mkdir(parents=True, exist_ok=True)
    with (root / "items.jsonl").open("w", encoding="utf-8") as fh:
        for i in range(n_items):
            fh.write(json.dumps(synthetic_item(i, rng, vocab)) + "\n")
    suite = root / "suite.toml"
    suite.write_text(
        'name = "synthetic"\ndescription = "Generated articles for the report-size benchmark"\n'
        f'items = "items.jsonl"\nscorers = {json.dumps(list(scorers))}\n'
        '[fields]\nid = "id"\narticle = "article"\nreferences = "reference"\nchecklist = "checklist"\n'
        '[[systems]]\nname = "lead3"\nbackend = "lead"\nsentences = 3\n'
        '[[systems]]\nname = "lead5"\nbackend = "lead"\nsentences = 5\n'
        '[[systems]]\nname = "textrank"\nbackend = "textrank"\nsentences = 3\n',
        encoding="utf-8")
    return suite
