"""Hostile dataset files a new user will produce: Windows editors, bad bytes, greedy globs.

Each must load, or fail with one UserError that points at the right file
and line (never a wrong line, never a silent zero score).
"""

import json

import pytest

from harness.core.errors import UserError
from harness.suite.datasets import load_suite

JSONL_SUITE = 'name = "t"\nitems = "data.jsonl"\n[[systems]]\nname = "lead3"\nbackend = "lead"\n'
ROW = {"id": "a", "article": "The minister spoke. Farmers protested.", "highlights": "The minister spoke."}


def items(path):
    suite = load_suite(path)
    suite.validate()
    return list(suite.iter_items())


def error(path) -> UserError:
    with pytest.raises(UserError) as info:
        items(path)
    return info.value


def jsonl(rows) -> bytes:
    return b"".join(json.dumps(r).encode() + b"\n" for r in rows)


def test_jsonl_with_byte_order_mark_loads_with_its_preset(write, tmp_path):
    write("ds/suite.toml", JSONL_SUITE)
    (tmp_path / "ds" / "data.jsonl").write_bytes(b"\xef\xbb\xbf" + jsonl([ROW, {**ROW, "id": "b"}]))
    loaded = items(tmp_path / "ds")
    assert [i.id for i in loaded] == ["a", "b"]  # "id" detected through the BOM
    assert loaded[0].references == ["The minister spoke."]  # cnndm preset detected through the BOM


def test_jsonl_with_windows_line_endings_loads(write, tmp_path):
    write("ds/suite.toml", JSONL_SUITE)
    (tmp_path / "ds" / "data.jsonl").write_bytes(jsonl([ROW, {**ROW, "id": "b"}]).replace(b"\n", b"\r\n"))
    assert [i.id for i in items(tmp_path / "ds")] == ["a", "b"]


def test_invalid_utf8_in_a_later_jsonl_line_names_that_line(write, tmp_path):
    write("ds/suite.toml", JSONL_SUITE)
    bad = b'{"id": "z", "article": "caf\xe9", "highlights": "x"}\n'
    (tmp_path / "ds" / "data.jsonl").write_bytes(jsonl([ROW, {**ROW, "id": "b"}]) + bad + jsonl([{**ROW, "id": "c"}]))
    e = error(tmp_path / "ds")
    assert e.line == 3 and "UTF-8" in e.what


def test_jsonl_syntax_error_column_is_on_the_line(write, tmp_path):
    write("ds/suite.toml", JSONL_SUITE)
    broken = '{"id": "q", "article": "x", "highlights": "y"'
    (tmp_path / "ds" / "data.jsonl").write_bytes(jsonl([ROW]) + broken.encode() + b"\n")
    e = error(tmp_path / "ds")
    assert e.line == 2 and f"column {len(broken) + 1}" in e.what


def test_invalid_utf8_in_a_toml_item_names_its_line(write, tmp_path):
    write("ds/suite.toml", 'name = "t"\nitems = "items/*.toml"\n[[systems]]\nname = "l"\nbackend = "lead"\n')
    (tmp_path / "ds" / "items").mkdir()
    (tmp_path / "ds" / "items" / "a.toml").write_bytes(b'id = "a"\nreferences = ["r"]\narticle = "caf\xe9"\n')
    e = error(tmp_path / "ds")
    assert e.line == 3 and "UTF-8" in e.what


def test_binary_article_file_says_how_to_fix_the_encoding(write, tmp_path):
    write("ds/suite.toml", 'name = "t"\nitems = "items/*.toml"\n[[systems]]\nname = "l"\nbackend = "lead"\n')
    (tmp_path / "ds" / "junk.bin").write_bytes(b"\x00\xff\xfe" * 100)
    write("ds/items/a.toml", 'id = "a"\narticle_file = "../junk.bin"\nreferences = ["r"]\n')
    e = error(tmp_path / "ds")
    assert e.line == 2 and "UTF-8" in e.what and "UTF-8" in e.fix


def test_items_glob_that_matches_the_suite_file_skips_it(write, tmp_path):
    write("ds/suite.toml", 'name = "t"\nitems = "*.toml"\n[[systems]]\nname = "l"\nbackend = "lead"\n')
    write("ds/a.toml", 'id = "a"\narticle = "Some text here."\nreferences = ["r"]\n')
    assert [i.id for i in items(tmp_path / "ds")] == ["a"]


@pytest.mark.parametrize("article", ['article = ""', 'article = """  \n\n """'])
def test_empty_article_is_an_error_at_its_line(write, tmp_path, article):
    write("ds/suite.toml", 'name = "t"\nitems = "items/*.toml"\n[[systems]]\nname = "l"\nbackend = "lead"\n')
    path = write("ds/items/a.toml", f'id = "a"\nreferences = ["r"]\n{article}\n')
    e = error(tmp_path / "ds")
    assert (e.file, e.line) == (str(path), 3) and "empty" in e.what


def test_empty_article_in_jsonl_names_the_line(write, tmp_path):
    write("ds/suite.toml", JSONL_SUITE)
    path = tmp_path / "ds" / "data.jsonl"
    path.write_bytes(jsonl([ROW, {**ROW, "id": "b", "article": " "}]))
    e = error(tmp_path / "ds")
    assert (e.file, e.line) == (str(path), 2) and "empty" in e.what


def test_item_id_error_says_ids_start_with_a_letter_or_digit(write, tmp_path):
    write("ds/suite.toml", JSONL_SUITE)
    (tmp_path / "ds" / "data.jsonl").write_bytes(jsonl([{**ROW, "id": "../x"}]))
    e = error(tmp_path / "ds")
    assert e.line == 1 and "start with a letter or digit" in e.what


@pytest.mark.parametrize("kind", ["fifo", "device"])
def test_article_file_that_never_ends_is_refused_not_read(write, tmp_path, kind):
    import os

    if kind == "fifo":
        target = tmp_path / "pipe"
        os.mkfifo(target)  # reading it would block forever
    else:
        target = "/dev/zero"  # reading it would fill memory
    write("ds/suite.toml", 'name = "t"\nitems = "items/*.toml"\n[[systems]]\nname = "l"\nbackend = "lead"\n')
    write("ds/items/a.toml", f'id = "a"\narticle_file = "{target}"\nreferences = ["r"]\n')
    e = error(tmp_path / "ds")
    assert e.line == 2 and "not a regular file" in e.what


def test_oversized_article_file_is_refused_before_reading(write, tmp_path, monkeypatch):
    from harness.core import files as fileerrors

    monkeypatch.setattr(fileerrors, "MAX_TEXT_BYTES", 300)  # the suite and item files are smaller
    write("ds/suite.toml", 'name = "t"\nitems = "items/*.toml"\n[[systems]]\nname = "l"\nbackend = "lead"\n')
    write("ds/big.txt", "word " * 200)
    write("ds/items/a.toml", 'id = "a"\narticle_file = "../big.txt"\nreferences = ["r"]\n')
    e = error(tmp_path / "ds")
    assert e.line == 2 and "limit" in e.what
