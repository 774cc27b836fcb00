"""batches.jsonl and the batch wire's line parsing: the parts that need no server."""

from __future__ import annotations

import pytest

from harness.backends.openai_batch import OpenAIBatchWire
from harness.core.errors import UserError
from harness.results.batches import BatchEntry, Journal
from harness.run.batch_submit import custom_id, key_prefix

KEY = "ab" * 32


def test_journal_round_trips_and_replaces_the_file_whole(tmp_path):
    j = Journal(tmp_path)
    j.add(BatchEntry(n=1, group="system:a", name="x.jsonl", custom_ids=[custom_id(KEY, 1)]))
    j.entries[0].status = "uploaded"
    j.save()
    again = Journal(tmp_path).entries
    assert [(e.n, e.status, e.custom_ids) for e in again] == [(1, "uploaded", [f"sb1-{KEY[:40]}"])]
    assert [p.name for p in tmp_path.iterdir()] == ["batches.jsonl"]  # no temporary file left


@pytest.mark.parametrize("line, what", [("{not json", "not a JSON line"),
                                         ('{"n": 1, "group": "g", "name": "x", "custom_ids": [], "oops": 1}',
                                          "unknown key 'oops'")])
def test_a_damaged_journal_is_one_line_naming_file_and_line(tmp_path, line, what):
    good = BatchEntry(n=1, group="g", name="x", custom_ids=[]).model_dump_json()
    (tmp_path / "batches.jsonl").write_text(good + "\n" + line + "\n")
    with pytest.raises(UserError) as e:
        Journal(tmp_path)
    assert e.value.line == 2 and what in e.value.one_line() and "batches.jsonl" in e.value.one_line()


def test_custom_ids_carry_attempt_and_key_and_refuse_foreign_ones():
    assert key_prefix(custom_id(KEY, 3)) == (KEY[:40], 3)
    assert key_prefix("request-1") is None and key_prefix("sbx-" + KEY[:40]) is None
    assert key_prefix("sb1-short") is None


class _Backend:
    key_env = None

    def parse_body(self, body):
        return {"text": body["choices"][0]["message"]["content"]}


@pytest.mark.parametrize("row, retry", [
    ({"custom_id": "c", "response": {"status_code": 500, "body": {"error": {"message": "boom"}}},
      "error": {"code": "server_error", "message": "boom"}}, True),
    ({"custom_id": "c", "response": {"status_code": 429, "body": {}}, "error": None}, True),
    ({"custom_id": "c", "response": None, "error": {"code": "batch_expired", "message": "late"}}, True),
    ({"custom_id": "c", "response": {"status_code": 400, "body": {"error": {"message": "bad model"}}},
      "error": None}, False),
])
def test_failed_lines_say_why_and_whether_another_batch_may_succeed(row, retry):
    answer, error, again = OpenAIBatchWire(_Backend()).parse_line(row)
    assert answer is None and again is retry and error


def test_an_answered_line_is_parsed_by_the_chat_wire():
    row = {"custom_id": "c", "error": None,
           "response": {"status_code": 200, "body": {"choices": [{"message": {"content": "Hi."}}]}}}
    assert OpenAIBatchWire(_Backend()).parse_line(row) == ({"text": "Hi."}, None, False)
