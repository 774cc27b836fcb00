"""`sumbench run SUITE --cassette FILE`: a run recorded against the FAKE server, replayed with no key
and no network (``harness.testing.user_cassette``).

The CLI flag is wired elsewhere; these tests drive ``use_run_cassette`` around ``harness.cli.main``
exactly as the flag does. Replays run with the server stopped, the key unset, and
``socket.create_connection`` / ``socket.connect`` patched to note any attempt: a request vcrpy did
not answer could not reach anything, and the test would see that it tried.
"""

from __future__ import annotations

import json
import os
import re
import socket
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from harness.backends import retry
from harness.backends.openai_errors import explain_failure, is_transient
from harness.cli import main
from harness.run import batches
from harness.testing.cassette_index import PLACEHOLDER_KEY, match_key
from harness.testing.fake_server import FakeServer
from harness.testing.synthetic import write_synthetic_suite
from harness.testing.user_cassette import use_run_cassette

KEY_ENV = "SB_KEY"
KEY = "sbk-0a1b2c3d4e5f60718293a4b5"  # not key-shaped on purpose: only redaction by value can hide it
N = 12


def write_suite(folder: Path, base_url: str, n: int = N, extra: str = "") -> Path:
    return write_synthetic_suite(folder, n=n, base_url=base_url, variants=("concise",),
                                 extra=f'api_key_env = "{KEY_ENV}"' + extra)


def point_at(suite: Path, base_url: str) -> None:
    """Rewrite the suite's base_url (the cassette must not care)."""
    suite.write_text(re.sub(r'base_url = "[^"]*"', f'base_url = "{base_url}"', suite.read_text()), encoding="utf-8")


def run(suite: Path, out: Path) -> int:
    return main(["run", str(suite), "--out", str(out), "--no-cache"])


def records(out: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (out / "records.jsonl").read_text(encoding="utf-8").splitlines()]


def summaries(out: Path) -> dict[str, str]:
    return {r["item_id"]: r["summary"] for r in records(out)}


def dead_url() -> str:
    with socket.socket() as s:  # a port nothing listens on (bound, then released)
        s.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{s.getsockname()[1]}/v1"


@pytest.fixture(autouse=True)
def no_sleep(monkeypatch):
    monkeypatch.setattr(retry, "SLEEP", lambda seconds: None)
    monkeypatch.setattr(batches, "SLEEP", lambda seconds: None)


def go_offline(monkeypatch) -> list[Any]:
    """Note every attempt to open a TCP connection (and refuse it); unset the key."""
    attempts: list[Any] = []
    real_connect = socket.socket.connect

    def create_connection(address, *args, **kwargs):
        attempts.append(address)
        raise OSError("the test is offline")

    def connect(self, address):
        if self.family in (socket.AF_INET, socket.AF_INET6):
            attempts.append(address)
            raise OSError("the test is offline")
        return real_connect(self, address)

    monkeypatch.delenv(KEY_ENV, raising=False)
    monkeypatch.setattr(socket, "create_connection", create_connection)
    monkeypatch.setattr(socket.socket, "connect", connect)
    return attempts


@pytest.fixture
def offline(monkeypatch):
    return go_offline(monkeypatch)


@dataclass
class Recorded:
    suite: Path
    cassette: Path
    out: Path
    base_url: str
    stats: dict[str, Any]
    session: Any

    def text(self) -> str:
        return self.cassette.read_text(encoding="utf-8")


def record(tmp_path: Path, monkeypatch, *, extra: str = "", n: int = N, **server: Any) -> Recorded:
    monkeypatch.setenv(KEY_ENV, KEY)
    cassette = tmp_path / "cassettes" / "synthetic.yaml"
    with FakeServer(require_key=KEY, **server) as srv:
        suite = write_suite(tmp_path / "suite", srv.base_url, n=n, extra=extra)
        with use_run_cassette(cassette, suite=suite, label_info={"endpoints": [srv.base_url]}) as session:
            assert session.mode == "record"  # no file yet
            assert run(suite, tmp_path / "run-record") == 0
        stats = srv.stats()
        assert srv.auth_seen == {f"Bearer {KEY}"}
    monkeypatch.delenv(KEY_ENV)
    return Recorded(suite, cassette, tmp_path / "run-record", srv.base_url, stats, session)


@pytest.fixture
def recorded(tmp_path, monkeypatch) -> Recorded:
    rec = record(tmp_path, monkeypatch)
    assert rec.stats["chat_completions"] == N
    return rec


# -- record, then replay offline --------------------------------------------------------------
def test_replay_without_key_or_network_gives_the_recorded_summaries(recorded, tmp_path, offline, monkeypatch):
    import vcr.cassette

    def linear_scan(*args):  # vcrpy's O(N) matching must not be what answers
        raise AssertionError("vcrpy's linear matcher was used")
    monkeypatch.setattr(vcr.cassette, "requests_match", linear_scan)

    with use_run_cassette(recorded.cassette, suite=recorded.suite) as session:
        assert session.mode == "replay" and session.placeholders == [KEY_ENV]
        assert os.environ[KEY_ENV] == PLACEHOLDER_KEY  # the planner would skip the system without it
        assert run(recorded.suite, tmp_path / "run-replay") == 0
    assert KEY_ENV not in os.environ  # the placeholder is gone again
    assert offline == []
    assert session.misses == 0 and session.played == N
    assert "replayed 12 response(s)" in session.summary()

    want = summaries(recorded.out)
    assert len(want) == N and all(s.startswith("[fake]") for s in want.values())
    assert summaries(tmp_path / "run-replay") == want
    assert all(r["error"] is None for r in records(tmp_path / "run-replay"))


def test_the_cassette_is_labelled_small_and_holds_no_credential(recorded):
    text = recorded.text()
    first = text.splitlines()[0]
    assert first.startswith("# sumbench cassette: recorded by sumbench ")
    assert f"against {recorded.base_url} (the sumbench local FAKE server: responses are NOT model output)" in first
    assert first.endswith("models sumbench-fake")
    assert KEY not in text and "bearer" not in text.lower()
    body = "\n".join(line for line in text.splitlines() if not line.startswith("#"))
    assert "authorization" not in body.lower()
    data = yaml.safe_load(text)
    assert data["metadata"]["sumbench"]["key_envs"] == [KEY_ENV]  # the name, never the value
    assert data["metadata"]["sumbench"]["fake"] == "all"
    assert len(data["interactions"]) == N
    for i in data["interactions"]:
        assert {h.lower() for h in i["request"]["headers"]} <= {"content-type", "accept", "user-agent"}
        assert "x-sumbench-fake" in {h.lower() for h in i["response"]["headers"]}
        assert not {h.lower() for h in i["response"]["headers"]} & {"set-cookie", "openai-organization"}


def test_replay_matches_against_any_base_url(recorded, tmp_path, offline):
    point_at(recorded.suite, dead_url())  # another dead port: only method, path and body are matched
    with use_run_cassette(recorded.cassette, suite=recorded.suite) as session:
        assert run(recorded.suite, tmp_path / "run-elsewhere") == 0
    assert session.misses == 0 and offline == []
    assert summaries(tmp_path / "run-elsewhere") == summaries(recorded.out)


def test_a_request_not_in_the_cassette_is_that_records_error_at_once(recorded, tmp_path, offline):
    items = recorded.suite.parent / "items.jsonl"
    rows = [json.loads(line) for line in items.read_text(encoding="utf-8").splitlines()]
    rows[3]["article"] = rows[3]["article"].replace("Tuesday", "Wednesday")
    items.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")

    with use_run_cassette(recorded.cassette, suite=recorded.suite) as session:
        rc = run(recorded.suite, tmp_path / "run-changed")
    assert rc == 1  # the miss is a failed record, counted against the error budget (0)
    by_id = {r["item_id"]: r for r in records(tmp_path / "run-changed")}
    want = (f"request not in cassette {recorded.cassette} — re-record with: "
            f"sumbench run {recorded.suite} --cassette {recorded.cassette} --record")
    assert by_id[rows[3]["id"]]["error"] == want
    assert by_id[rows[3]["id"]]["summary"] is None
    assert session.misses == 1  # one attempt: a miss is not retried
    assert session.missed == ["POST /v1/chat/completions"]
    assert offline == []  # and no connection was tried
    others = {k: r["summary"] for k, r in by_id.items() if k != rows[3]["id"]}
    assert others == {k: v for k, v in summaries(recorded.out).items() if k != rows[3]["id"]}
    assert "1 request(s) not in the cassette" in session.summary() and "--record" in session.summary()


def test_record_flag_replaces_the_cassette(recorded, tmp_path, monkeypatch):
    monkeypatch.setenv(KEY_ENV, KEY)
    with FakeServer(require_key=KEY) as srv:
        point_at(recorded.suite, srv.base_url)
        with use_run_cassette(recorded.cassette, record=True, suite=recorded.suite) as session:
            assert session.mode == "record"
            assert run(recorded.suite, tmp_path / "run-again") == 0
    data = yaml.safe_load(recorded.text())
    assert len(data["interactions"]) == N  # replaced, not appended to
    assert {urlhost(i) for i in data["interactions"]} == {srv.base_url.rsplit("/", 1)[0]}
    assert session.recorded == N


def urlhost(interaction: dict[str, Any]) -> str:
    return re.match(r"https?://[^/]+", interaction["request"]["uri"]).group(0)


# -- batch runs ---------------------------------------------------------------------------------
def test_a_batch_run_replays_into_another_run_folder(tmp_path, monkeypatch):
    rec = record(tmp_path, monkeypatch, extra="\nbatch = true\nbatch_poll = 0.01", n=4, batch_delay=0)
    assert (rec.stats["chat_completions"], rec.stats["files_uploaded"], rec.stats["batches_created"]) == (0, 1, 1)
    attempts = go_offline(monkeypatch)
    # the run folder's name is in the upload's file name and the batch's metadata: matching ignores both
    # (the base URL is not: it is part of every cache key, so of each line's custom_id)
    with use_run_cassette(rec.cassette, suite=rec.suite) as session:
        assert run(rec.suite, tmp_path / "another-folder") == 0
    assert session.misses == 0 and attempts == []
    assert summaries(tmp_path / "another-folder") == summaries(rec.out)
    assert all(r["batch"] is True for r in records(tmp_path / "another-folder"))


# -- classification and matching, without a run ----------------------------------------------
def test_a_miss_is_final_and_explains_itself(tmp_path, offline):
    import httpx2
    import openai
    import vcr
    from vcr.errors import CannotOverwriteExistingCassetteException as Miss

    path = tmp_path / "empty.yaml"
    path.write_text("interactions: []\nversion: 1\n", encoding="utf-8")
    client = openai.OpenAI(api_key="sk-none", base_url="http://127.0.0.1:9/v1", max_retries=0)
    with use_run_cassette(path, suite="datasets/seed") as session, pytest.raises(Miss) as caught:
        client.post("/chat/completions", cast_to=object, body={"model": "m", "messages": []})
    miss = caught.value
    want = f"request not in cassette {path} — re-record with: sumbench run datasets/seed --cassette {path} --record"
    wrapped = openai.APIConnectionError(request=httpx2.Request("POST", "http://127.0.0.1:9/v1/chat/completions"))
    wrapped.__cause__ = miss
    for exc in (miss, wrapped):
        assert not is_transient(exc)
        assert explain_failure(exc, base_url="http://127.0.0.1:9/v1", key_env=None, timeout=5) == want
    assert session.misses == 1
    assert is_transient(openai.APIConnectionError(request=wrapped.request))  # a real connection error still is

    # a plain vcrpy cassette (the project's own tests) gets a generic line
    with vcr.VCR(record_mode="none").use_cassette(str(path)), pytest.raises(Miss) as caught:
        client.post("/chat/completions", cast_to=object, body={"model": "m"})
    text = explain_failure(caught.value, base_url="x", key_env=None, timeout=5)
    assert text.startswith(f"request not in cassette {path}") and "\n" not in text
    assert not is_transient(caught.value)


def _request(body: bytes, content_type: str, uri: str = "http://a:1/v1/chat/completions", method: str = "POST"):
    from vcr.request import Request

    return Request(method, uri, body, {"Content-Type": content_type})


def test_matching_ignores_host_json_key_order_and_multipart_boundary():
    a = _request(b'{"model": "m", "messages": [{"role": "user", "content": "x"}]}', "application/json")
    b = _request(b'{"messages":[{"content":"x","role":"user"}],"model":"m"}', "application/json",
                 uri="https://elsewhere.example/v1/chat/completions")
    c = _request(b'{"model": "m", "messages": [{"role": "user", "content": "y"}]}', "application/json")
    assert match_key(a) == match_key(b) != match_key(c)

    def upload(boundary: str, filename: str, content: bytes) -> Any:
        body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\nbatch\r\n"
                f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{filename}\"\r\n"
                f"Content-Type: application/jsonl\r\n\r\n").encode() + content + f"\r\n--{boundary}--\r\n".encode()
        return _request(body, f"multipart/form-data; boundary={boundary}", uri="http://a/v1/files")
    assert match_key(upload("b1", "sumbench-run-a.jsonl", b"{}\n")) == match_key(upload("b2", "run-b.jsonl", b"{}\n"))
    assert match_key(upload("b1", "x.jsonl", b"{}\n")) != match_key(upload("b1", "x.jsonl", b"[]\n"))

    create = b'{"input_file_id": "file-1", "endpoint": "/v1/chat/completions", "metadata": {"sumbench_run": "%s"}}'
    assert (match_key(_request(create % b"a", "application/json", uri="http://a/v1/batches"))
            == match_key(_request(create % b"b", "application/json", uri="http://b/v1/batches")))


def test_credentials_and_key_like_strings_are_not_recorded(tmp_path, monkeypatch):
    from harness.testing.cassette_index import scrub_response
    from harness.testing.user_cassette import CassetteSession

    monkeypatch.setenv("SOME_PROVIDER_KEY", "opaque-key-value-1234")
    session = CassetteSession(path=tmp_path / "c.yaml", recording=True)
    req = _request(b'{"prompt": "use sk-proj-abcdefghijklmnop1234 please"}', "application/json",
                   uri="http://a/v1/chat/completions?api_key=zzz&x=1")
    req.headers.update({"Authorization": "Bearer opaque-key-value-1234", "X-Api-Key": "k", "Cookie": "c=1",
                        "x-stainless-os": "Linux"})
    out = session.scrub_request(req)
    assert {h.lower() for h in out.headers} == {"content-type"}
    assert b"sk-proj" not in out.body and b"[redacted]" in out.body
    assert "zzz" not in out.uri and "x=1" in out.uri
    assert session.key_envs == {"SOME_PROVIDER_KEY"} and session.secrets == {"opaque-key-value-1234"}
    resp = scrub_response({"status": {"code": 200, "message": "OK"},
                           "body": {"string": b"token Bearer abcdefghijklmnopqrstuvwxyz"},
                           "headers": {"Set-Cookie": ["s=1"], "openai-organization": ["org-1"], "x-request-id": ["r"]}})
    assert resp["headers"] == {"x-request-id": ["r"]} and b"abcdefghijklmnop" not in resp["body"]["string"]
    hidden, _ = session.hide_secrets(_request(b'{"echo": "opaque-key-value-1234"}', "application/json"), resp)
    assert b"opaque-key-value-1234" not in hidden.body


def test_without_vcrpy_a_cassette_is_one_line_naming_the_install(tmp_path, monkeypatch):
    import sys

    from harness.core.errors import UserError

    for name in [m for m in sys.modules if m == "vcr" or m.startswith("vcr.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "vcr", None)  # as if it were not installed: the import fails
    with pytest.raises(UserError, match=r"--cassette needs vcrpy") as e:
        with use_run_cassette(tmp_path / "t.yaml", record=True):
            pass
    assert 'pip install "sumbench[test]"' in e.value.one_line()
    assert not (tmp_path / "t.yaml").exists()
