"""The openai backend against what other OpenAI-compatible servers really send.

Ollama/llama.cpp variants omit ``usage``; refusals come as ``content: null``;
gateways answer with HTML error pages; vLLM's 404 body is not OpenAI's. The
local FAKE server's ``raw`` hook sends those shapes verbatim.
"""

from __future__ import annotations

import json

import pytest

from harness.backends import retry
from harness.backends.base import BackendError
from harness.backends.cache import Cache
from harness.core.models import Item
from harness.core.registry import backends
from harness.testing.fake_server import FakeServer

ARTICLE = "The bridge opened on Monday. It cost 4 million euros. Residents cheered."
ITEM = Item(id="a", article=ARTICLE)
PAGE_502 = (b"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway"
            b"</h1></center>\r\n<hr><center>nginx/1.18.0 (Ubuntu)</center>\r\n</body>\r\n</html>\r\n")


@pytest.fixture(autouse=True)
def no_sleep(monkeypatch):
    waits: list[float] = []
    monkeypatch.setattr(retry, "SLEEP", waits.append)
    for var in ("OPENAI_API_KEY", "OPENAI_BASE_URL"):
        monkeypatch.delenv(var, raising=False)
    return waits


def completion(content="The bridge opened.", *, usage=True, **choice):
    body = {"id": "c1", "object": "chat.completion", "created": 1, "model": "m",
            "choices": [{"index": 0, "finish_reason": "stop",
                         "message": {"role": "assistant", "content": content}, **choice}]}
    if usage:
        body["usage"] = {"prompt_tokens": 12, "completion_tokens": 4, "total_tokens": 16}
    return body


def serve(status, body, content_type="application/json"):
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    return FakeServer(raw=lambda request: (status, content_type, data))


def make(srv, tmp_path, base_url=None, **opts):
    options = {"model": "m", "base_url": base_url or srv.base_url, "max_attempts": 3,
               "price": {"input": 1.0, "output": 2.0}, **opts}
    return backends.create("openai", options, cache=Cache(tmp_path / "cache"))


def failure(backend) -> str:
    with pytest.raises(BackendError) as info:
        backend.summarize(ARTICLE, ITEM)
    return str(info.value)


@pytest.mark.parametrize("body", [
    {k: v for k, v in completion().items() if k != "usage"},  # llama.cpp / older Ollama: no usage at all
    {**completion(), "usage": None},
])
def test_answer_without_usage_is_a_summary_with_unknown_cost_and_is_cached(tmp_path, body):
    with serve(200, body) as srv:
        b = make(srv, tmp_path)
        first = b.summarize(ARTICLE, ITEM)
        again = b.summarize(ARTICLE, ITEM)
        assert first.text == "The bridge opened." and not first.usage and first.cost_usd is None
        assert again.cached and srv.requests == 1


def test_unknown_extra_fields_are_ignored(tmp_path):
    body = completion(logprobs=None, weird=[1, 2])
    body["choices"][0]["message"]["reasoning_content"] = "hidden thoughts"
    body.update(timings={"predicted_ms": 3}, system_fingerprint="fp_x")
    body["usage"]["completion_tokens_details"] = {"reasoning_tokens": 2}
    with serve(200, body) as srv:
        s = make(srv, tmp_path).summarize(ARTICLE, ITEM)
        assert s.text == "The bridge opened." and s.usage == {"prompt_tokens": 12, "completion_tokens": 4}
        assert s.cost_usd == pytest.approx((12 * 1.0 + 4 * 2.0) / 1e6)


@pytest.mark.parametrize("message, fragment", [
    ({"role": "assistant", "content": None, "refusal": "I can't help with that."}, "refused"),
    ({"role": "assistant", "content": None}, "empty answer"),
])
def test_null_content_is_an_error_never_cached(tmp_path, message, fragment):
    body = completion()
    body["choices"][0]["message"] = message
    with serve(200, body) as srv:
        b = make(srv, tmp_path)
        assert fragment in failure(b)
        assert fragment in failure(b)
        assert srv.requests == 2  # nothing was cached


def test_cut_off_answer_is_kept_with_its_finish_reason(tmp_path, capsys):
    """Scored as it is; the run counts cut-off answers once, across systems (tests/e2e/test_llm_runs.py)."""
    with serve(200, completion("The bridge opened on Mon", finish_reason="length")) as srv:
        b = make(srv, tmp_path)
        out = b.summarize(ARTICLE, ITEM)
        again = b.summarize(ARTICLE, ITEM)
    assert out.text == again.text == "The bridge opened on Mon"
    assert out.meta["finish_reason"] == again.meta["finish_reason"] == "length"
    assert capsys.readouterr().err == ""


def test_html_502_from_a_proxy_is_retried_and_named_by_its_title(tmp_path):
    with serve(502, PAGE_502, "text/html") as srv:
        msg = failure(make(srv, tmp_path))
        assert srv.requests == 3  # 5xx is retried up to max_attempts
    assert "HTTP 502" in msg and "502 Bad Gateway" in msg and "<" not in msg and "\n" not in msg


def test_html_page_with_status_200_says_check_base_url(tmp_path):
    with serve(200, b"<html><body><h1>Welcome to nginx!</h1></body></html>", "text/html") as srv:
        msg = failure(make(srv, tmp_path))
        assert srv.requests == 1  # not retried: the same page would come back
    assert "not a chat completion" in msg and "Welcome to nginx!" in msg and "/v1" in msg


def test_429_without_retry_after_backs_off_and_gives_up(tmp_path, no_sleep):
    with serve(429, {"error": {"message": "Rate limit reached", "type": "requests"}}) as srv:
        msg = failure(make(srv, tmp_path))
        assert srv.requests == 3
    assert "HTTP 429" in msg and "after 3 attempts" in msg
    assert len(no_sleep) == 2 and all(0 <= w <= 60 for w in no_sleep)


def test_wrong_model_is_one_clear_error_without_retries(tmp_path):
    vllm_404 = {"object": "error", "message": "The model `gpt-nope` does not exist.", "type": "NotFoundError",
                "param": None, "code": 404}
    with serve(404, vllm_404) as srv:
        msg = failure(make(srv, tmp_path))
        assert srv.requests == 1
    assert "HTTP 404" in msg and "The model `gpt-nope` does not exist." in msg and "check the model name" in msg


@pytest.mark.parametrize("suffix, hinted", [("", True), ("/v1", False), ("/v1/", False)])
def test_404_hints_at_v1_only_when_base_url_lacks_it(tmp_path, suffix, hinted):
    with serve(404, b"404 page not found", "text/plain") as srv:
        root = srv.base_url.removesuffix("/v1")
        msg = failure(make(srv, tmp_path, base_url=root + suffix))
    assert "404 page not found" in msg
    assert ("under /v1" in msg) is hinted


@pytest.mark.parametrize("body", [{"error": "context length exceeded"}, {"detail": "context length exceeded"}])
def test_plain_string_error_bodies_are_shown(tmp_path, body):
    with serve(400, body) as srv:
        assert "context length exceeded" in failure(make(srv, tmp_path))


def test_401_from_an_endpoint_without_a_configured_key_says_how_to_send_one(tmp_path):
    with serve(401, {"error": {"message": "missing bearer token"}}) as srv:
        msg = failure(make(srv, tmp_path))
    assert "HTTP 401" in msg and 'api_key_env = "NAME"' in msg and "$None" not in msg


@pytest.mark.parametrize("where", ["option", "env"])
def test_credentials_in_base_url_are_refused_before_they_reach_any_file(tmp_path, monkeypatch, capsys, where):
    from harness.cli import main

    url = "http://bob:hunter2secret@127.0.0.1:9/v1"
    line = f'base_url = "{url}"\n' if where == "option" else ""
    if where == "env":
        monkeypatch.setenv("OPENAI_BASE_URL", url)
    (tmp_path / "ds").mkdir()
    (tmp_path / "ds" / "suite.toml").write_text(
        f'name = "c"\nitems = "i.jsonl"\nscorers = ["length"]\n[[systems]]\nname = "x"\nbackend = "openai"\n'
        f'model = "m"\n{line}')
    (tmp_path / "ds" / "i.jsonl").write_text('{"id": "a", "article": "One. Two.", "references": "One."}\n')
    code = main(["run", str(tmp_path / "ds"), "--out", str(tmp_path / "r"), "--cache-dir", str(tmp_path / "c")])
    err = capsys.readouterr().err
    assert code == 2 and "user name or password" in err and "hunter2secret" not in err
    assert not (tmp_path / "r").exists() and not (tmp_path / "c").exists()
