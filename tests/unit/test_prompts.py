"""Prompt templates: front matter, the {article} placeholder, located errors, shipped variants."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from harness.core.errors import UserError
from harness.suite.prompts import load_prompt, parse_prompt

ROOT = Path(__file__).resolve().parents[2]

TEMPLATE = """---
description = "demo"
system = "Be brief."
temperature = 0.3
max_tokens = 50
---
Summarize. Output JSON like {"summary": "..."}.
<article>
{article}
</article>
"""


def test_front_matter_sets_system_message_and_params():
    p = parse_prompt(TEMPLATE, name="demo")
    msgs = p.render("Cats purr.")
    assert msgs[0] == {"role": "system", "content": "Be brief."}
    assert msgs[1]["role"] == "user"
    assert "<article>\nCats purr.\n</article>" in msgs[1]["content"]
    assert '{"summary": "..."}' in msgs[1]["content"]  # other braces are literal text
    assert "---" not in msgs[1]["content"] and "temperature" not in msgs[1]["content"]
    assert p.params() == {"temperature": 0.3, "max_tokens": 50}


def test_system_override_and_no_front_matter():
    p = parse_prompt("Sum up: {article}", name="bare")
    assert p.render("x") == [{"role": "user", "content": "Sum up: x"}]
    assert p.render("x", system="S")[0] == {"role": "system", "content": "S"}
    assert p.params() == {}


def test_article_with_braces_is_inserted_verbatim():
    p = parse_prompt("Summarize: {article}", name="b")
    assert p.render("a {article} b {x}")[0]["content"] == "Summarize: a {article} b {x}"


def test_hash_is_sha256_of_file_text():
    assert parse_prompt(TEMPLATE, name="d").sha256 == hashlib.sha256(TEMPLATE.encode()).hexdigest()
    assert parse_prompt(TEMPLATE.replace("brief", "short"), name="d").sha256 != parse_prompt(TEMPLATE, name="d").sha256


@pytest.mark.parametrize("text, line, words", [
    ("Summarize the article.", 1, "no {article}"),
    ("---\ntemperature = 0.1\n---\n{article} and {article}", 4, "2 {article}"),
    ("---\ntemprature = 0.1\n---\nSum {article}", 2, "temprature"),
    ("---\ntemperature = 7\n---\nSum {article}", 2, "temperature"),
    ("---\ntemperature = 0.1\nSum {article}", 1, "never ends"),
    ("---\ntemperature = = 1\n---\nSum {article}", 2, "invalid TOML"),
    ("{article}\n", 1, "only {article}"),
])
def test_bad_templates_fail_with_file_and_line(text, line, words):
    with pytest.raises(UserError) as ei:
        parse_prompt(text, name="bad", path="prompts/bad.txt")
    msg = ei.value.one_line()
    assert msg.startswith(f"prompts/bad.txt:{line}: ")
    assert words in msg and " — " in msg


def test_load_relative_to_suite_folder_then_cwd(tmp_path, monkeypatch):
    (tmp_path / "suite").mkdir()
    (tmp_path / "suite" / "p.txt").write_text("A {article}", encoding="utf-8")
    assert load_prompt("p.txt", tmp_path / "suite").body == "A {article}"
    monkeypatch.chdir(tmp_path)
    (tmp_path / "q.txt").write_text("B {article}", encoding="utf-8")
    assert load_prompt("q.txt", tmp_path / "suite").body == "B {article}"
    with pytest.raises(UserError, match="not found"):
        load_prompt("missing.txt", tmp_path / "suite")


def test_shipped_variants_parse_and_differ():
    files = sorted((ROOT / "prompts").glob("*.txt"))
    names = {f.stem for f in files}
    assert {"concise", "bullets", "one-sentence"} <= names
    prompts = [load_prompt(str(f)) for f in files if f.stem in {"concise", "bullets", "one-sentence"}]
    assert len({p.body for p in prompts}) == 3
    assert all(p.meta.description and p.meta.max_tokens for p in prompts)
