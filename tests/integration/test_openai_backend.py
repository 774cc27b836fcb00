"""The openai backend against the local FAKE server: keys, retries, faults, cache, structured output."""

from __future__ import annotations

import json

import pytest

from harness.backends import retry
from harness.backends.base import BackendError
from harness.backends.cache import Cache
from harness.core.models import Item
from harness.core.registry import backends
from harness.testing.fake_server import FakeServer

SECRET = "sk-" + "test-SECRET-0123456789abcdef"  # a dummy; split so secret scanners do not flag it
ARTICLE = "The bridge opened on Monday. It cost 4 million euros. Residents cheered. Traffic fell by half."
ITEM = Item(id="a", article=ARTICLE)


@pytest.fixture(autouse=True)
def no_sleep_no_env(monkeypatch):
    waits: list[float] = []
    monkeypatch.setattr(retry, "SLEEP", waits.append)
    for var in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "MY_GATEWAY_KEY"):
        monkeypatch.delenv(var, raising=False)
    return waits


@pytest.fixture
def server():
    with FakeServer(retry_after=2, hang_seconds=5) as srv:
        yield srv


def make(server, tmp_path, **opts):
    options = {"model": "gpt-test", "base_url": server.base_url, **opts}
    return backends.create("openai", options, cache=Cache(tmp_path / "cache"))


def cache_files(tmp_path):
    return [p for p in (tmp_path / "cache").rglob("*.json")] if (tmp_path / "cache").exists() else []


def test_custom_base_url_never_gets_openai_key(server, tmp_path, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", SECRET)
    b = make(server, tmp_path)
    assert b.missing_key() is None
    b.summarize(ARTICLE, ITEM)
    assert server.auth_seen and not any(SECRET in a for a in server.auth_seen)


def test_named_key_env_is_sent_and_required(server, tmp_path, monkeypatch):
    b = make(server, tmp_path, api_key_env="MY_GATEWAY_KEY")
    assert b.missing_key() == "MY_GATEWAY_KEY"
    monkeypatch.setenv("MY_GATEWAY_KEY", SECRET)
    assert b.missing_key() is None
    b.summarize(ARTICLE, ITEM)
    assert server.auth_seen == {f"Bearer {SECRET}"}
    assert SECRET not in json.dumps(b.describe())


def test_default_endpoint_needs_openai_key(monkeypatch, tmp_path):
    b = backends.create("openai", {"model": "gpt-4o-mini"}, cache=None)
    assert b.base_url == "https://api.openai.com/v1" and b.missing_key() == "OPENAI_API_KEY"
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")
    b = backends.create("openai", {"model": "m"}, cache=None)
    assert b.base_url == "http://127.0.0.1:9/v1" and b.missing_key() is None


def test_summary_usage_cost_and_cache(server, tmp_path):
    b = make(server, tmp_path, price={"input": 1.0, "output": 2.0})
    first = b.summarize(ARTICLE, ITEM)
    assert first.text.startswith("[fake] The bridge opened on Monday.") and not first.cached
    u = first.usage
    assert u["prompt_tokens"] > 0 and u["completion_tokens"] > 0
    assert first.cost_usd == pytest.approx((u["prompt_tokens"] * 1.0 + u["completion_tokens"] * 2.0) / 1e6)
    again = make(server, tmp_path, timeout=5, max_attempts=2, rpm=1000, price={"input": 9, "output": 9})
    second = again.summarize(ARTICLE, ITEM)  # settings that cannot change the answer share the cache
    assert second.cached and second.text == first.text and server.requests == 1
    other = make(server, tmp_path, temperature=0.7)
    assert not other.summarize(ARTICLE, ITEM).cached and server.requests == 2


@pytest.mark.parametrize("fault", ["429", "500", "503", "drop", "hang", "malformed"])
def test_transient_faults_are_retried(server, tmp_path, fault, no_sleep_no_env):
    """A truncated 200 body ("malformed") is, from the client's side, a dropped connection."""
    b = make(server, tmp_path, timeout=0.3)
    server.script(fault, "ok")
    out = b.summarize(ARTICLE, ITEM)
    assert out.text.startswith("[fake]") and server.requests == 2
    if fault == "429":
        assert no_sleep_no_env == [2.0]  # the server's Retry-After
        assert b.limit.decreases == 1


def test_permanent_failures_are_not_retried_or_cached(server, tmp_path, monkeypatch):
    monkeypatch.setenv("MY_GATEWAY_KEY", SECRET)
    b = make(server, tmp_path, api_key_env="MY_GATEWAY_KEY")
    server.script("401")
    with pytest.raises(BackendError) as ei:
        b.summarize(ARTICLE, ITEM)
    assert "HTTP 401" in str(ei.value) and SECRET not in str(ei.value)
    assert server.requests == 1 and cache_files(tmp_path) == []


def test_a_body_that_stays_truncated_fails_after_the_attempts_and_is_not_cached(server, tmp_path, no_sleep_no_env):
    b = make(server, tmp_path, max_attempts=3)
    server.script("malformed", "malformed", "malformed", "ok")
    with pytest.raises(BackendError, match=r"malformed response body .*not complete JSON.*after 3 attempts"):
        b.summarize(ARTICLE, ITEM)
    assert server.requests == 3 and cache_files(tmp_path) == []


def test_gives_up_with_attempt_count(server, tmp_path):
    b = make(server, tmp_path, max_attempts=3)
    server.script("503", "503", "503", "ok")
    with pytest.raises(BackendError, match=r"HTTP 503 .*after 3 attempts"):
        b.summarize(ARTICLE, ITEM)
    assert server.requests == 3


@pytest.mark.parametrize("answer, words", [("", "empty answer"), ("   \n", "empty answer")])
def test_empty_answers_are_errors_and_never_cached(tmp_path, answer, words):
    with FakeServer(responder=lambda body: answer) as srv:
        b = make(srv, tmp_path)
        with pytest.raises(BackendError, match=words):
            b.summarize(ARTICLE, ITEM)
    assert cache_files(tmp_path) == []


def test_refusal_is_an_error(tmp_path, monkeypatch):
    with FakeServer() as srv:
        original = srv.completion

        def refusing(body):
            out = original(body)
            out["choices"][0]["message"].update(content=None, refusal="I can't help with that.")
            return out
        monkeypatch.setattr(srv, "completion", refusing)
        b = make(srv, tmp_path)
        with pytest.raises(BackendError, match="model refused: I can't help"):
            b.summarize(ARTICLE, ITEM)
    assert cache_files(tmp_path) == []


def test_complete_with_json_schema_returns_conforming_data(server, tmp_path):
    schema = {"type": "object", "required": ["claims"], "additionalProperties": False, "properties": {
        "claims": {"type": "array", "items": {"$ref": "#/$defs/claim"}}},
        "$defs": {"claim": {"type": "object", "properties": {
            "id": {"type": "string"}, "verdict": {"enum": ["present", "absent"]},
            "confidence": {"type": "number", "minimum": 0}}}}}
    b = make(server, tmp_path)
    c = b.complete([{"role": "user", "content": "Judge these claims."}], json_schema=schema)
    assert c.data == {"claims": [{"id": "[fake]", "verdict": "present", "confidence": 0.0}]}
    assert not c.cached
    assert b.complete([{"role": "user", "content": "Judge these claims."}], json_schema=schema).cached
    assert server.requests == 1


def test_invalid_json_for_schema_is_error_not_cached(tmp_path):
    with FakeServer(responder=lambda body: "not json") as srv:
        b = make(srv, tmp_path)
        with pytest.raises(BackendError, match="not valid JSON"):
            b.complete([{"role": "user", "content": "x"}], json_schema={"type": "object"})
    assert cache_files(tmp_path) == []


def test_samples_have_their_own_cache_entries_and_seeds(server, tmp_path):
    b = make(server, tmp_path, temperature=1.0, seed=1)
    texts = [b.summarize(ARTICLE, ITEM, sample=k).text for k in range(3)]
    assert server.requests == 3 and len(set(texts)) > 1  # fake varies with the seed (seed + k)
    assert [b.summarize(ARTICLE, ITEM, sample=k).cached for k in range(3)] == [True] * 3
    assert server.requests == 3


def test_front_matter_params_are_sent_and_options_override(server, tmp_path):
    seen = []
    server.responder = lambda body: seen.append(body) or None
    (tmp_path / "p.txt").write_text("---\ntemperature = 0.2\nmax_tokens = 30\nsystem = \"S\"\n---\n"
                                    "Summarize.\n<article>\n{article}\n</article>\n", encoding="utf-8")
    b = backends.create("openai", {"model": "m", "base_url": server.base_url, "prompt": str(tmp_path / "p.txt"),
                                   "max_tokens": 60, "extra_body": {"top_k": 5}}, cache=None)
    out = b.summarize(ARTICLE, ITEM)
    body = seen[0]
    assert body["temperature"] == 0.2 and body["max_tokens"] == 60 and body["top_k"] == 5
    assert body["messages"][0] == {"role": "system", "content": "S"}
    assert out.meta["prompt_sha256"] == b.prompt.sha256


def test_rpm_and_tpm_options_pace_requests(server, tmp_path):
    from harness.backends.limits import WindowLimit

    b = make(server, tmp_path, rpm=2, tpm=100000, max_tokens=50)
    assert (b.window.rpm, b.window.tpm) == (2, 100000)
    now = [0.0]
    waited: list[float] = []
    b.window = WindowLimit(2, 100000, clock=lambda: now[0],
                           sleep=lambda s: (waited.append(s), now.__setitem__(0, now[0] + s)))
    for k in range(3):
        b.complete([{"role": "user", "content": f"article {k}"}])
    assert waited == [60.0] and server.requests == 3  # the third request waited for the window
    tokens = [t for _, t in b.window._tokens]
    assert all(t > 50 for t in tokens)  # estimated prompt tokens + the max_tokens cap count toward tpm


def test_burst_of_429s_lowers_in_flight_limit_and_every_call_succeeds(server, tmp_path):
    from concurrent.futures import ThreadPoolExecutor

    b = make(server, tmp_path)
    b.set_concurrency(8)
    server.script(*["429"] * 8)
    with ThreadPoolExecutor(8) as pool:
        out = list(pool.map(lambda k: b.complete([{"role": "user", "content": f"a{k}. b."}]).text, range(16)))
    assert all(t.startswith("[fake]") for t in out)
    # The limit dropped and every 429 was retried. How many halvings a burst causes
    # depends on thread timing (requests that started after the first 429 belong to
    # a new generation); "once per generation" is tested deterministically in
    # tests/unit/test_ratelimit.py.
    assert 1 <= b.limit.decreases <= 8
    assert server.requests == 16 + 8


def test_unwritable_cache_keeps_the_answer_and_warns_once(server, tmp_path, capsys):
    blocker = tmp_path / "cache"
    blocker.write_text("a file where the cache folder should be", encoding="utf-8")
    b = backends.create("openai", {"model": "m", "base_url": server.base_url}, cache=Cache(blocker))
    other = backends.create("openai", {"model": "m2", "base_url": server.base_url}, cache=Cache(blocker))
    texts = [b.summarize(f"Story {k}. More.", ITEM).text for k in range(2)] + [other.summarize("Story 9.", ITEM).text]
    assert all(t.startswith("[fake] Story") for t in texts)
    err = capsys.readouterr().err
    assert err.count("cannot write the response cache") == 1  # once, although two systems share the folder


def test_llm_provider_retry_after_with_three_attempts_waits_at_least_3_s(tmp_path, no_sleep_no_env):
    with FakeServer(retry_after=1.5, retry_after_header="llm_provider-retry-after") as srv:
        b = make(srv, tmp_path, max_attempts=3)
        srv.script("429", "429", "ok")
        assert b.summarize(ARTICLE, ITEM).text.startswith("[fake]")
    assert no_sleep_no_env == [1.5, 1.5] and sum(no_sleep_no_env) >= 3


def test_a_timeout_is_retried_once_by_default_and_says_the_server_may_still_be_busy(server, tmp_path,
                                                                                    no_sleep_no_env):
    b = make(server, tmp_path, timeout=0.3, max_attempts=6)
    server.script("hang", "hang", "ok")
    with pytest.raises(BackendError, match=r"timed out .*after 2 attempts.*may still be working on it"):
        b.summarize(ARTICLE, ITEM)
    assert server.requests == 2
    again = make(server, tmp_path / "more", timeout=0.3, max_attempts=6, retry_timeouts=2)
    server.script("hang", "hang", "ok")
    assert again.summarize(ARTICLE, ITEM).text.startswith("[fake]")


def test_replacement_characters_are_an_empty_answer_never_a_summary(server, tmp_path):
    b = make(server, tmp_path)
    server.script("garbage")
    with pytest.raises(BackendError, match=r"empty answer: no words in 200 characters \(finish_reason=length\)"):
        b.summarize(ARTICLE, ITEM)
    assert cache_files(tmp_path) == []


def test_an_absurd_max_tokens_is_a_config_warning(server, tmp_path):
    assert make(server, tmp_path, max_tokens=100_000).config_warnings()[0].startswith("max_tokens = 100000")
    assert make(server, tmp_path, max_tokens=400).config_warnings() == []
