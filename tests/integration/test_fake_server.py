"""The local FAKE OpenAI-compatible server: labelled output, schema answers, faults, 64+ connections."""

from __future__ import annotations

import http.client
import json
import threading

import pytest

from harness.testing.fake_server import FakeServer, fake_json, fake_summary

ARTICLE = "First sentence here. Second one follows. Third is last. Fourth is extra."


def post(srv: FakeServer, body: dict | bytes, timeout: float = 5.0) -> tuple[int, dict, str]:
    conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=timeout)
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    conn.request("POST", "/v1/chat/completions", body=data, headers={"Content-Type": "application/json"})
    resp = conn.getresponse()
    out = (resp.status, dict(resp.getheaders()), resp.read().decode())
    conn.close()
    return out


def chat(content: str, **extra) -> dict:
    return {"model": "m", "messages": [{"role": "user", "content": content}], **extra}


def test_summaries_are_marked_fake_and_follow_the_prompt_shape():
    text, finish = fake_summary(chat(f"Summarize in three sentences.\n<article>\n{ARTICLE}\n</article>"))
    assert text == "[fake] First sentence here.\nSecond one follows.\nThird is last." and finish == "stop"
    text, _ = fake_summary(chat(f"Use bullet points.\n<article>{ARTICLE}</article>"))
    assert text.splitlines() == ["[fake] - First sentence here.", "- Second one follows.", "- Third is last."]
    text, _ = fake_summary(chat(f"Write one sentence.\n<article>{ARTICLE}</article>"))
    assert text == "[fake] First sentence here."
    text, finish = fake_summary(chat(ARTICLE, max_tokens=3))
    assert finish == "length" and len(text.split()) == 2


def test_schema_answers_conform():
    schema = {"type": "object", "properties": {
        "ok": {"type": "boolean"}, "n": {"type": "integer", "minimum": 2}, "tag": {"enum": ["a", "b"]},
        "items": {"type": "array", "minItems": 2, "items": {"type": "string"}},
        "maybe": {"anyOf": [{"type": "null"}, {"type": "number"}]}, "fixed": {"const": 7}}}
    assert fake_json(schema) == {"ok": False, "n": 2, "tag": "a", "items": ["[fake]", "[fake]"],
                                 "maybe": 0.0, "fixed": 7}


def test_http_answers_usage_marker_and_counter():
    with FakeServer() as srv:
        status, headers, body = post(srv, chat(f"<article>{ARTICLE}</article>"))
        assert status == 200 and headers["X-Sumbench-Fake"] == "1"
        data = json.loads(body)
        assert data["system_fingerprint"] == "sumbench-fake" and data["model"] == "m"
        assert data["usage"]["prompt_tokens"] == (len(f"<article>{ARTICLE}</article>") + 3) // 4
        assert post(srv, b"not json")[0] == 400
        assert srv.requests == 2 and srv.outcomes["ok"] == 2


def test_scripted_faults_in_order():
    with FakeServer(retry_after=3) as srv:
        srv.script("429", "503", "malformed", "ok")
        status, headers, _ = post(srv, chat("x"))
        assert status == 429 and headers["Retry-After"] == "3"
        assert post(srv, chat("x"))[0] == 503
        status, _, body = post(srv, chat("x"))
        assert status == 200
        with pytest.raises(ValueError):
            json.loads(body)
        assert post(srv, chat("x"))[0] == 200
        srv.script("drop")
        with pytest.raises((http.client.RemoteDisconnected, ConnectionError)):
            post(srv, chat("x"))
        with pytest.raises(ValueError, match="unknown fault"):
            srv.script("teapot")


def test_random_faults_are_seeded():
    def run(seed: int) -> list[int]:
        with FakeServer(fault_rate=0.5, fault_kinds=("500",), seed=seed) as srv:
            return [post(srv, chat("x"))[0] for _ in range(20)]
    a, b = run(3), run(3)
    assert a == b and 500 in a and 200 in a


def test_hang_outlasts_a_client_timeout():
    with FakeServer(hang_seconds=2) as srv:
        srv.script("hang")
        with pytest.raises(TimeoutError):
            post(srv, chat("x"), timeout=0.2)


def test_require_key_answers_401():
    with FakeServer(require_key="k1") as srv:
        assert post(srv, chat("x"))[0] == 401


def test_binds_loopback_only_and_serves_96_simultaneous_connections():
    with FakeServer(latency=0.3) as srv:
        assert srv._httpd.server_address[0] == "127.0.0.1"
        statuses: list[int] = []
        lock = threading.Lock()
        start = threading.Barrier(96)

        def one():
            start.wait()
            status = post(srv, chat("Sentence one. Sentence two."), timeout=10)[0]
            with lock:
                statuses.append(status)
        threads = [threading.Thread(target=one) for _ in range(96)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=20)
        assert statuses == [200] * 96
