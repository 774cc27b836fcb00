"""Failure lines for records: what failed, how often, what to check — and never a key."""

from __future__ import annotations

import httpx2
import openai

from harness.backends.openai_errors import explain_failure

URL = "https://api.example.test/v1"


def status_error(status: int, message: str) -> openai.APIStatusError:
    response = httpx2.Response(status, request=httpx2.Request("POST", URL + "/chat/completions"))
    return openai.APIStatusError(message, response=response, body={"error": {"message": message}})


def test_401_names_the_key_variable_and_hides_the_echoed_key(monkeypatch):
    monkeypatch.setenv("MY_KEY", "sk-" + "proj-REALSECRET1234567890")  # dummy, split for secret scanners
    exc = status_error(401, "Incorrect API key provided: sk-proj-****7890. You can find your API key at ...")
    line = explain_failure(exc, base_url=URL, key_env="MY_KEY", timeout=60)
    assert line.startswith(f"HTTP 401 from {URL}: Incorrect API key provided: [redacted].")
    assert line.endswith("— check $MY_KEY")
    assert "sk-proj" not in line


def test_the_exact_key_value_is_removed_wherever_it_appears(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "abcd1234secret")
    exc = status_error(400, "bad request for key abcd1234secret")
    assert "abcd1234secret" not in explain_failure(exc, base_url=URL, key_env=None, timeout=60)


def test_attempts_timeouts_and_connection_errors_are_named():
    exc = status_error(503, "overloaded")
    exc.attempts = 6
    assert explain_failure(exc, base_url=URL, key_env=None, timeout=60) == \
        f"HTTP 503 from {URL}: overloaded (after 6 attempts)"
    req = httpx2.Request("POST", URL)
    assert explain_failure(openai.APITimeoutError(request=req), base_url=URL, key_env=None, timeout=2.5) == \
        f"timed out after 2.5s at {URL}; the server may still be working on it (raise timeout, or lower max_tokens)"
    assert explain_failure(ValueError("Expecting value"), base_url=URL, key_env=None, timeout=1) == \
        f"malformed response body from {URL} (not complete JSON)"
    assert len(explain_failure(status_error(500, "x" * 2000), base_url=URL, key_env=None, timeout=1)) <= 800


def test_a_long_server_message_keeps_500_characters_cut_at_a_word():
    """LiteLLM's useful tail ("No fallback model group found ...") sat past the old 200-character cut."""
    said = ("litellm.RateLimitError: upstream said: " + "quota exceeded for this deployment " * 9
            + "No fallback model group found for original model_group=gpt-4o-mini.")
    out = explain_failure(status_error(429, said), base_url=URL, key_env=None, timeout=1)
    server_part = out.split(": ", 1)[1]
    assert len(said) > 300 and "No fallback model group found" in out  # 372 characters: kept whole
    long = explain_failure(status_error(500, "word " * 300), base_url=URL, key_env=None, timeout=1)
    kept = long.split(": ", 1)[1]
    assert kept.endswith("word…") and 480 <= len(kept) <= 500 and server_part.startswith("litellm")
