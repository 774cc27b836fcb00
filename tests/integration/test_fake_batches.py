"""The fake server's Batch API (files, batches) through the real openai SDK."""

from __future__ import annotations

import io
import json

import openai
import pytest

from harness.testing.fake_server import FakeServer

ENDPOINT = "/v1/chat/completions"


def client(srv: FakeServer, key: str = "k") -> openai.OpenAI:
    return openai.OpenAI(base_url=srv.base_url, api_key=key, max_retries=0, timeout=5)


def line(i: int, **over) -> dict:
    body = {"model": "m", "messages": [{"role": "user", "content":
            f"Summarize in one sentence.\n<article>Item {i} is here. It has more. And more.</article>"}]}
    return {"custom_id": f"req-{i}", "method": "POST", "url": ENDPOINT, "body": body, **over}


def jsonl(rows: list) -> bytes:
    return "".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in rows).encode()


def submit(c: openai.OpenAI, rows: list):
    f = c.files.create(file=("in.jsonl", io.BytesIO(jsonl(rows))), purpose="batch")
    return c.batches.create(input_file_id=f.id, endpoint=ENDPOINT, completion_window="24h",
                            metadata={"run": "t"})


def wait_done(c: openai.OpenAI, batch_id: str):
    for _ in range(10):  # batch_delay=0: the first retrieve finishes it
        b = c.batches.retrieve(batch_id)
        if b.status in ("completed", "failed", "cancelled", "expired"):
            return b
    raise AssertionError(f"batch still {b.status}")


def rows_of(c: openai.OpenAI, file_id: str | None) -> list[dict]:
    return [] if file_id is None else [json.loads(x) for x in c.files.content(file_id).text.splitlines()]


def test_batch_answers_every_line_like_the_interactive_endpoint():
    rows = [line(i) for i in range(5)]
    with FakeServer() as srv:
        c = client(srv)
        data = jsonl(rows)
        f = c.files.create(file=("in.jsonl", io.BytesIO(data)), purpose="batch")
        assert f.id.startswith("file-") and f.object == "file" and f.purpose == "batch" and f.bytes == len(data)
        assert c.files.retrieve(f.id).filename == "in.jsonl" and c.files.content(f.id).content == data
        b = c.batches.create(input_file_id=f.id, endpoint=ENDPOINT, completion_window="24h", metadata={"a": "1"})
        assert b.id.startswith("batch_") and b.status == "validating" and b.metadata == {"a": "1"}
        assert b.expires_at == b.created_at + 86400 and b.output_file_id is None
        b = wait_done(c, b.id)
        assert b.status == "completed" and b.error_file_id is None and b.completed_at and b.in_progress_at
        assert (b.request_counts.total, b.request_counts.completed, b.request_counts.failed) == (5, 5, 0)
        out = rows_of(c, b.output_file_id)
        assert [r["custom_id"] for r in out] != [r["custom_id"] for r in rows]  # no order promised
        assert sorted(r["custom_id"] for r in out) == sorted(r["custom_id"] for r in rows)
        stats = srv.stats()
        assert stats["chat_completions"] == 0 and stats["requests"] == 0
        assert (stats["files_uploaded"], stats["batches_created"], stats["batch_lines"]) == (1, 1, 5)
        by_id = {r["custom_id"]: r for r in out}
        for row in rows:
            got = by_id[row["custom_id"]]
            assert got["error"] is None and got["response"]["status_code"] == 200
            assert got["id"].startswith("batch_req_") and got["response"]["request_id"]
            body = got["response"]["body"]
            assert body["object"] == "chat.completion" and body["system_fingerprint"] == "sumbench-fake"
            live = c.chat.completions.create(**row["body"])
            assert body["choices"][0]["message"]["content"] == live.choices[0].message.content
            assert body["choices"][0]["message"]["content"].startswith("[fake] Item")
            assert body["usage"] == live.usage.model_dump(exclude_none=True)
        assert srv.stats()["chat_completions"] == 5


def failed_ids(fail_rate: float, n: int) -> tuple[set[str], set[str], object]:
    with FakeServer(batch_fail_rate=fail_rate, seed=7) as srv:
        c = client(srv)
        b = wait_done(c, submit(c, [line(i) for i in range(n)]).id)
        ok = [r["custom_id"] for r in rows_of(c, b.output_file_id)]
        bad = rows_of(c, b.error_file_id)
        assert all(r["response"]["status_code"] == 500 and r["error"]["code"] for r in bad)
        assert srv.stats()["batch_lines_failed"] == len(bad) and srv.stats()["chat_completions"] == 0
        return set(ok), {r["custom_id"] for r in bad}, b


def test_fail_rate_puts_each_line_in_exactly_one_file_reproducibly():
    ok, bad, b = failed_ids(0.4, 20)
    assert ok and bad and not ok & bad and ok | bad == {f"req-{i}" for i in range(20)}
    assert b.status == "completed"
    assert (b.request_counts.total, b.request_counts.completed, b.request_counts.failed) == (20, len(ok), len(bad))
    assert failed_ids(0.4, 20)[1] == bad  # same seed, same custom_ids: the same lines fail


def test_cancel_before_any_work_leaves_no_output():
    with FakeServer() as srv:
        c = client(srv)
        b = submit(c, [line(i) for i in range(5)])
        assert c.batches.cancel(b.id).status == "cancelling"
        b = c.batches.retrieve(b.id)
        assert b.status == "cancelled" and b.cancelled_at and b.output_file_id is None and b.error_file_id is None
        assert (b.request_counts.total, b.request_counts.completed) == (5, 0)
        with pytest.raises(openai.ConflictError):
            c.batches.cancel(b.id)


def test_progress_follows_batch_delay_and_cancel_keeps_only_done_lines():
    with FakeServer(batch_delay=10) as srv:
        now = [100.0]
        srv.batches.clock = lambda: now[0]  # move time without sleeping
        c = client(srv)
        b = submit(c, [line(i) for i in range(5)])
        assert c.batches.retrieve(b.id).status == "in_progress"
        now[0] += 5
        assert c.batches.retrieve(b.id).status == "in_progress"
        c.batches.cancel(b.id)
        b = c.batches.retrieve(b.id)
        assert b.status == "cancelled" and b.request_counts.completed == 2 and b.error_file_id is None
        assert sorted(r["custom_id"] for r in rows_of(c, b.output_file_id)) == ["req-0", "req-1"]
        b2 = submit(c, [line(i) for i in range(3)])
        assert c.batches.retrieve(b2.id).status == "in_progress"
        now[0] += 10
        assert c.batches.retrieve(b2.id).status == "completed"


def test_expired_batch_has_part_done_and_the_rest_as_batch_expired():
    with FakeServer(batch_expire=True) as srv:
        c = client(srv)
        b = wait_done(c, submit(c, [line(i) for i in range(5)]).id)
        assert b.status == "expired" and b.expired_at
        done, rest = rows_of(c, b.output_file_id), rows_of(c, b.error_file_id)
        assert len(done) == 2 and len(rest) == 3 and (b.request_counts.completed, b.request_counts.failed) == (2, 3)
        assert all(r["response"] is None and r["error"]["code"] == "batch_expired" for r in rest)


def test_invalid_lines_fail_the_batch_with_line_errors():
    rows = [line(0), "{not json", {"method": "POST", "url": ENDPOINT, "body": {}}, line(0),
            line(4, url="/v1/embeddings"), line(5, method="GET")]
    with FakeServer() as srv:
        c = client(srv)
        b = wait_done(c, submit(c, rows).id)
        assert b.status == "failed" and b.failed_at and b.output_file_id is None
        got = [(e.code, e.line) for e in b.errors.data]
        assert got == [("invalid_json_line", 2), ("missing_required_parameter", 3), ("duplicate_custom_id", 4),
                       ("invalid_url", 5), ("invalid_method", 6)]
        assert all(e.message for e in b.errors.data) and srv.stats()["batch_lines"] == 0


def test_unknown_ids_are_404_and_bad_requests_400():
    with FakeServer() as srv:
        c = client(srv)
        with pytest.raises(openai.NotFoundError):
            c.batches.create(input_file_id="file-nope", endpoint=ENDPOINT, completion_window="24h")
        with pytest.raises(openai.NotFoundError):
            c.files.retrieve("file-nope")
        with pytest.raises(openai.NotFoundError):
            c.batches.retrieve("batch_nope")
        f = c.files.create(file=("x.jsonl", io.BytesIO(jsonl([line(0)]))), purpose="batch")
        with pytest.raises(openai.BadRequestError):
            c.batches.create(input_file_id=f.id, endpoint="/v1/embeddings", completion_window="24h")
        assert srv.stats()["batches_created"] == 0


def test_batch_routes_check_the_key_like_chat_completions():
    with FakeServer(require_key="k1") as srv:
        with pytest.raises(openai.AuthenticationError):
            client(srv, "wrong").files.create(file=("x.jsonl", io.BytesIO(jsonl([line(0)]))), purpose="batch")
        c = client(srv, "k1")
        b = wait_done(c, submit(c, [line(0)]).id)
        assert b.status == "completed"
        with pytest.raises(openai.AuthenticationError):
            client(srv, "wrong").batches.retrieve(b.id)
        assert srv.stats()["files_uploaded"] == 1
