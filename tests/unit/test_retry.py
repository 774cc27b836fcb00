"""The one retrier: what is retried, how long it waits, and that it never sleeps in tests.

*Whether* to retry is the wire's call (``openai_errors.is_transient`` for OpenAI-compatible
servers); *when* is ``harness.backends.retry``'s, which imports no SDK."""

from __future__ import annotations

import email.utils
import time

import httpx2
import openai
import pytest

from harness.backends import retry
from harness.backends.openai_errors import is_transient

URL = "http://127.0.0.1:9/v1/chat/completions"


def status_error(status: int, headers: dict[str, str] | None = None) -> openai.APIStatusError:
    response = httpx2.Response(status, headers=headers or {}, request=httpx2.Request("POST", URL))
    cls = {429: openai.RateLimitError, 500: openai.InternalServerError, 401: openai.AuthenticationError,
           400: openai.BadRequestError, 403: openai.PermissionDeniedError, 404: openai.NotFoundError,
           422: openai.UnprocessableEntityError}.get(status, openai.APIStatusError)
    return cls(f"HTTP {status}", response=response, body=None)


@pytest.fixture
def sleeps(monkeypatch):
    waits: list[float] = []
    monkeypatch.setattr(retry, "SLEEP", waits.append)
    return waits


def flaky(errors: list[BaseException], result: str = "ok"):
    calls = {"n": 0}

    def fn():
        calls["n"] += 1
        if errors:
            raise errors.pop(0)
        return result
    return fn, calls


@pytest.mark.parametrize("status", [408, 429, 500, 502, 503, 504])
def test_transient_statuses_are_retried(status):
    assert is_transient(status_error(status))


@pytest.mark.parametrize("status", [400, 401, 403, 404, 409, 422])
def test_client_errors_are_never_retried(status, sleeps):
    fn, calls = flaky([status_error(status)])
    with pytest.raises(openai.APIStatusError):
        retry.call_with_retry(fn, retryable=is_transient, max_attempts=5)
    assert calls["n"] == 1 and sleeps == []


def test_timeouts_and_connection_errors_are_retried():
    req = httpx2.Request("POST", URL)
    assert is_transient(openai.APITimeoutError(request=req))
    assert is_transient(openai.APIConnectionError(request=req))
    assert not is_transient(ValueError("malformed body"))


def test_retry_after_wins_over_backoff(sleeps):
    fn, calls = flaky([status_error(429, {"Retry-After": "7"}), status_error(503)])
    assert retry.call_with_retry(fn, retryable=is_transient, max_attempts=5, base=0.5, max_wait=60) == "ok"
    assert calls["n"] == 3
    assert sleeps[0] == 7.0
    assert 0 <= sleeps[1] <= 1.0  # second exponential step: random in [0, base * 2]


def test_retry_after_is_capped_and_ms_header_preferred(sleeps):
    fn, _ = flaky([status_error(429, {"Retry-After": "3600"}), status_error(429, {"retry-after-ms": "250"})])
    retry.call_with_retry(fn, retryable=is_transient, max_attempts=5, max_wait=30)
    assert sleeps == [30.0, 0.25]


def test_retry_after_http_date():
    when = email.utils.formatdate(time.time() + 20, usegmt=True)
    assert 15 <= retry.retry_after(status_error(429, {"Retry-After": when})) <= 21
    assert retry.retry_after(status_error(429, {"Retry-After": "soon"})) is None
    assert retry.retry_after(status_error(429)) is None


def test_gives_up_after_max_attempts_and_says_how_often(sleeps):
    fn, calls = flaky([status_error(500) for _ in range(10)])
    with pytest.raises(openai.InternalServerError) as ei:
        retry.call_with_retry(fn, retryable=is_transient, max_attempts=4)
    assert calls["n"] == 4 and len(sleeps) == 3
    assert ei.value.attempts == 4


def test_backoff_grows_and_respects_cap(sleeps, monkeypatch):
    monkeypatch.setattr("random.uniform", lambda a, b: b)  # take the top of each jitter range
    fn, _ = flaky([status_error(500) for _ in range(5)])
    retry.call_with_retry(fn, retryable=is_transient, max_attempts=6, base=1.0, max_wait=5.0)
    assert sleeps == [1.0, 2.0, 4.0, 5.0, 5.0]  # base * 2**(retry-1), capped


def test_the_retrier_imports_no_sdk():
    """A second provider or execution mode reuses the retrier without pulling in openai."""
    import subprocess
    import sys

    code = "import sys, harness.backends.retry; print('openai' in sys.modules or 'httpx2' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "False"


def test_the_retrier_asks_the_wire_what_is_transient(sleeps):
    """The same 500 is retried or final depending on the classifier it is given."""
    fn, calls = flaky([status_error(500)])
    with pytest.raises(openai.InternalServerError):
        retry.call_with_retry(fn, retryable=lambda exc: False, max_attempts=5)
    assert calls["n"] == 1 and sleeps == []


def test_a_gateways_retry_after_header_is_honoured(sleeps):
    """LiteLLM passes the upstream's wait on as llm_provider-retry-after; retrying sooner burns attempts."""
    fn, calls = flaky([status_error(429, {"llm_provider-retry-after": "1.5"}),
                       status_error(429, {"x-upstream-retry-after-ms": "250"})])
    assert retry.call_with_retry(fn, retryable=is_transient, max_attempts=3) == "ok"
    assert calls["n"] == 3 and sleeps == [1.5, 0.25]


def test_the_standard_header_wins_over_a_gateways():
    assert retry.retry_after(status_error(429, {"Retry-After": "2", "llm_provider-retry-after": "9"})) == 2.0
    assert retry.retry_after(status_error(429, {"llm_provider-retry-after": "soon"})) is None
