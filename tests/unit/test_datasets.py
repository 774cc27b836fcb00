"""Loading suites and items: formats, field maps, and located one-line errors."""

import json

import pytest

from harness.core.errors import UserError
from harness.suite.datasets import load_suite

SUITE = """name = "t"
items = "items/*.toml"

[[systems]]
name = "lead3"
backend = "lead"
"""

ITEM = '''id = "a1"
article = """First sentence here. Second one follows."""
references = ["""A reference."""]

[[checklist]]
id = "c1"
claim = "Something."
patterns = ['first']
'''


def load_items(path):
    suite = load_suite(path)
    suite.validate()
    return list(suite.iter_items())


def err(path) -> UserError:
    with pytest.raises(UserError) as info:
        load_items(path)
    return info.value


def test_toml_item_loads_with_article_file_relative_to_item(write, tmp_path):
    write("ds/suite.toml", SUITE)
    write("texts/art.txt", "Body text.")
    write("ds/items/a.toml", 'id = "a"\narticle_file = "../../texts/art.txt"\n'
                             'references = ["r1", "r2"]\n[meta]\nsource = "x"\n')
    (item,) = load_items(tmp_path / "ds")
    assert item.article == "Body text."
    assert item.references == ["r1", "r2"]
    assert item.meta == {"source": "x"}


@pytest.mark.parametrize("name, item_text, line, fragment", [
    ("bad_toml", 'id = "a1"\narticle = "unterminated\n', 2, "invalid TOML"),
    ("unknown_key", ITEM + 'refrences = ["x"]\n', None, "unknown key"),
    ("missing_reference", ITEM.replace('references = ["""A reference."""]\n', ""), None, "references"),
    ("empty_reference_list", ITEM.replace('["""A reference."""]', "[]"), 3, "no reference"),
    ("invalid_regex", ITEM.replace("['first']", "['(unclosed']"), 8, "invalid regular expression"),
    ("claim_unknown_key", ITEM + 'wieght = 2\n', 9, "unknown key 'wieght'"),
    ("missing_article_file", ITEM.replace('article = """First sentence here. Second one follows."""',
                                          'article_file = "nope.txt"'), 2, "not found"),
    ("both_article_and_file", ITEM.replace('references', 'article_file = "x.txt"\nreferences'), None,
     "exactly one of"),
    ("bad_claim_kind", ITEM.replace('claim = "Something."', 'claim = "Something."\nkind = "maybe"'), 8, "kind"),
])
def test_item_errors_name_file_line_and_fix(write, tmp_path, name, item_text, line, fragment):
    write("ds/suite.toml", SUITE)
    path = write("ds/items/a.toml", item_text)
    e = err(tmp_path / "ds")
    assert e.file == str(path)
    assert fragment in e.what
    if line is not None:
        assert e.line == line
    assert e.fix, "every error says how to fix it"
    assert "\n" not in e.one_line()


def test_unknown_key_in_claim_points_at_that_line(write, tmp_path):
    write("ds/suite.toml", SUITE)
    write("ds/items/a.toml", ITEM + 'wieght = 2\n')
    assert err(tmp_path / "ds").line == 9


@pytest.mark.parametrize("suite_text, line, fragment", [
    ("colour = 1\n" + SUITE, 1, "unknown key 'colour'"),
    (SUITE.replace('name = "t"\n', ""), None, "missing required key 'name'"),
    (SUITE.replace('items = "items/*.toml"', 'items = "nothing/*.toml"'), 2, "matches no file"),
    ('name = "t"\nitems = "items/*.toml"\n', None, "systems"),
])
def test_suite_errors(write, tmp_path, suite_text, line, fragment):
    write("ds/items/a.toml", ITEM)
    path = write("ds/suite.toml", suite_text)
    e = err(tmp_path / "ds")
    assert e.file == str(path) and fragment in e.what
    if line is not None:
        assert e.line == line


def test_duplicate_item_ids_are_an_error(write, tmp_path):
    write("ds/suite.toml", SUITE)
    write("ds/items/a.toml", ITEM)
    write("ds/items/b.toml", ITEM)
    e = err(tmp_path / "ds")
    assert "a1" in e.what and e.file.endswith("b.toml")


def test_suite_not_found_is_user_error(tmp_path):
    with pytest.raises(UserError, match="suite not found"):
        load_suite(tmp_path / "missing")
    (tmp_path / "empty").mkdir()
    with pytest.raises(UserError, match="no suite.toml"):
        load_suite(tmp_path / "empty")


JSONL_SUITE = 'name = "j"\nitems = "data.jsonl"\n[[systems]]\nname = "l"\nbackend = "lead"\n'


def test_cnndm_style_jsonl_autodetected(write, tmp_path):
    write("ds/suite.toml", JSONL_SUITE)
    rows = [{"id": "x1", "article": "A. B.", "highlights": "h1", "url": "u"},
            {"id": "x2", "article": "C. D.", "highlights": "h2", "url": "v"}]
    write("ds/data.jsonl", "\n".join(json.dumps(r) for r in rows) + "\n\n")
    items = load_items(tmp_path / "ds")
    assert [(i.id, i.article, i.references, i.meta) for i in items] == [
        ("x1", "A. B.", ["h1"], {"url": "u"}), ("x2", "C. D.", ["h2"], {"url": "v"})]


def test_xsum_style_jsonl_without_id_uses_line_numbers(write, tmp_path):
    write("ds/suite.toml", JSONL_SUITE)
    write("ds/data.jsonl", '{"document": "Doc one.", "summary": "S1"}\n\n{"document": "Doc two.", "summary": "S2"}\n')
    items = load_items(tmp_path / "ds")
    assert [(i.id, i.references) for i in items] == [("line-1", ["S1"]), ("line-3", ["S2"])]


def test_field_map_with_several_references_and_meta(write, tmp_path):
    write("ds/suite.toml", JSONL_SUITE + '[fields]\nid = "doc_id"\narticle = "text"\nreferences = "refs"\n')
    write("ds/data.jsonl", json.dumps({"doc_id": 7, "text": "T.", "refs": ["r1", "r2"], "summary": "sys"}) + "\n")
    (item,) = load_items(tmp_path / "ds")
    assert (item.id, item.references, item.meta) == ("7", ["r1", "r2"], {"summary": "sys"})


@pytest.mark.parametrize("line2, fragment", [
    ('{"article": "x"', "invalid JSON"),
    ('{"article": "x"}', "missing field 'references'"),
    ('{"references": "r"}', "missing field 'article'"),
    ('{"article": "x", "references": []}', "non-empty"),
    ('[1, 2]', "not a JSON object"),
])
def test_jsonl_errors_name_the_line(write, tmp_path, line2, fragment):
    write("ds/suite.toml", JSONL_SUITE + '[fields]\narticle = "article"\nreferences = "references"\n')
    path = write("ds/data.jsonl", '{"article": "ok", "references": "r"}\n' + line2 + "\n")
    e = err(tmp_path / "ds")
    assert (e.file, e.line) == (str(path), 2)
    assert fragment in e.what


def test_byte_order_mark_and_binary_article(write, tmp_path):
    write("ds/suite.toml", "\ufeff" + SUITE)  # a BOM from a Windows editor is fine
    write("ds/items/a.toml", ITEM)
    assert [i.id for i in load_items(tmp_path / "ds")] == ["a1"]
    (tmp_path / "ds" / "bin.txt").write_bytes(b"\xff\xfe\x00binary")
    write("ds/items/a.toml", ITEM.replace('article = """First sentence here. Second one follows."""',
                                          'article_file = "../bin.txt"'))
    e = err(tmp_path / "ds")
    assert "UTF-8" in e.what and e.line == 2


def test_repeated_claim_ids_and_system_names_are_errors(write, tmp_path):
    write("ds/suite.toml", SUITE + '[[systems]]\nname = "lead3"\nbackend = "textrank"\n')
    write("ds/items/a.toml", ITEM)
    e = err(tmp_path / "ds")
    assert "system name 'lead3' is used twice" in e.what
    write("ds/suite.toml", SUITE)
    write("ds/items/a.toml", ITEM + "[[checklist]]\nid = \"c1\"\nclaim = \"Again.\"\npatterns = ['x']\n")
    assert "checklist id 'c1' is used twice" in err(tmp_path / "ds").what
