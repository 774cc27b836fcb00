"""The precomputed backend: stored summaries are scored like any run."""

import json

import pytest

from harness.backends.base import BackendError
from harness.backends.precomputed import Precomputed, PrecomputedOptions
from harness.cli import main
from harness.core.errors import UserError
from harness.core.models import Item
from harness.core.registry import backends

ARTICLE = "The council approved the budget on Monday. The vote was seven to two. Critics said it was rushed."


def _item(**meta):
    return Item(id="a1", article=ARTICLE, references=["The budget passed."], meta=meta)


def test_returns_the_stored_field_verbatim():
    b = Precomputed(PrecomputedOptions(field="output"))
    assert b.summarize(ARTICLE, _item(output="The council approved the budget.")).text == \
        "The council approved the budget."


def test_sentence_lists_join_with_newlines_and_dotted_paths_reach_nested_keys():
    b = Precomputed(PrecomputedOptions(field="outputs.bart"))
    s = b.summarize(ARTICLE, _item(outputs={"bart": ["One.", "Two."]}))
    assert s.text == "One.\nTwo."


def test_missing_field_is_a_clear_record_error_naming_the_known_fields():
    b = Precomputed(PrecomputedOptions())
    with pytest.raises(BackendError) as exc:
        b.summarize(ARTICLE, _item(model="bart", output="x"))
    msg = str(exc.value)
    assert "no field 'summary'" in msg and "model, output" in msg


def test_non_string_and_empty_values_are_rejected():
    b = Precomputed(PrecomputedOptions())
    with pytest.raises(BackendError, match="is int"):
        b.summarize(ARTICLE, _item(summary=3))
    with pytest.raises(BackendError, match="is empty"):
        b.summarize(ARTICLE, _item(summary="   "))
    assert Precomputed(PrecomputedOptions(allow_empty=True)).summarize(ARTICLE, _item(summary="")).text == ""


def test_unknown_option_is_a_user_error():
    with pytest.raises(UserError, match="unknown option 'feild'.*known options: field"):
        backends.create("precomputed", {"feild": "summary"})


def test_jsonl_of_outside_outputs_runs_end_to_end(write, tmp_path):
    lines = [
        {"id": "a1:good", "article": ARTICLE, "reference": "The council approved the budget.",
         "summary": "The council approved the budget on Monday.", "model": "good"},
        {"id": "a1:none", "article": ARTICLE, "reference": "The council approved the budget.",
         "model": "broken"},
    ]
    write("ds/outputs.jsonl", "".join(json.dumps(x) + "\n" for x in lines))
    write("ds/suite.toml", """
name = "outside"
items = "outputs.jsonl"
scorers = ["rouge"]
[run]
error_budget = 1
[fields]
id = "id"
article = "article"
references = "reference"
[[systems]]
name = "given"
backend = "precomputed"
field = "summary"
""")
    out = tmp_path / "run"
    assert main(["run", str(tmp_path / "ds"), "--out", str(out)]) == 0
    recs = {r["item_id"]: r for r in map(json.loads, (out / "records.jsonl").read_text().splitlines())}
    assert recs["a1:good"]["summary"] == "The council approved the budget on Monday."
    # every reference word is in the summary -> ROUGE-1 recall 1, precision 5/7 (stemmed)
    assert recs["a1:good"]["scores"]["rouge1"] == pytest.approx(2 * (5 / 7) / (5 / 7 + 1))
    assert recs["a1:none"]["summary"] is None
    assert "no field 'summary'" in recs["a1:none"]["error"]
