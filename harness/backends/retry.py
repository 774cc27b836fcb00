"""The one place that retries (tenacity); SDK clients are built with ``max_retries=0``.

Which failures are worth another attempt is the wire's call (``is_retryable``
given by the provider module: for OpenAI-compatible servers HTTP 408, 429, 5xx,
timeouts and dropped connections; never 400/401/403/404/422). This module only
decides *when*: exponential back-off with full jitter, capped at ``max_wait``; a
server's ``Retry-After`` / ``retry-after-ms`` wins when given (capped too). It
imports no SDK. ``SLEEP`` is looked up at call time, so tests replace it and never
sleep.
"""

from __future__ import annotations

import time
from email.utils import parsedate_to_datetime
from typing import Any, Callable, TypeVar

from tenacity import RetryCallState, Retrying, retry_if_exception, stop_after_attempt
from tenacity.wait import wait_random_exponential

T = TypeVar("T")
SLEEP: Callable[[float], None] = time.sleep
RETRY_STATUS = frozenset({408, 429})


def transient_status(status: int | None) -> bool:
    """HTTP statuses that say "try again": 408, 429 and every 5xx."""
    return status is not None and (status in RETRY_STATUS or status >= 500)


def retry_after(exc: BaseException) -> float | None:
    """Seconds the server asked us to wait, from the headers of the error's HTTP response
    (any error with ``.response.headers``, as HTTP clients' status errors have).

    ``retry-after-ms`` and ``retry-after`` first; then a gateway's own name for the
    upstream's wait, any header ending in ``retry-after(-ms)`` (LiteLLM passes it on as
    ``llm_provider-retry-after``): retrying sooner only burns attempts.
    """
    response = getattr(exc, "response", None)
    headers = getattr(response, "headers", None)
    if not headers:
        return None
    names = [str(k).lower() for k in headers.keys()]
    gateway = [n for n in names if n not in ("retry-after", "retry-after-ms") and n.endswith("retry-after")]
    gateway_ms = [n for n in names if n != "retry-after-ms" and n.endswith("retry-after-ms")]
    for name in ("retry-after-ms", *gateway_ms):
        seconds = _seconds(headers.get(name), scale=1000)
        if seconds is not None:
            return seconds
    for name in ("retry-after", *gateway):
        seconds = _seconds(headers.get(name))
        if seconds is not None:
            return seconds
    return None


def _seconds(value: str | None, scale: float = 1.0) -> float | None:
    """A header's wait: a number (of seconds, or of milliseconds with ``scale``) or an HTTP date."""
    if not value:
        return None
    try:
        return max(0.0, float(value) / scale)
    except ValueError:
        pass
    if scale != 1.0:
        return None
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError):
        return None


class _Wait:
    """Retry-After when the server gives one, else exponential backoff with jitter."""

    def __init__(self, base: float, max_wait: float):
        self.max_wait = max_wait
        self.backoff = wait_random_exponential(multiplier=base, max=max_wait)

    def __call__(self, state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        asked = retry_after(exc) if exc is not None else None
        if asked is not None:
            return min(asked, self.max_wait)
        return self.backoff(state)


def call_with_retry(fn: Callable[[], T], *, retryable: Callable[[BaseException], bool], max_attempts: int = 6,
                    base: float = 0.5, max_wait: float = 60.0,
                    on_retry: Callable[[BaseException, float], Any] | None = None) -> T:
    """Call ``fn`` until it succeeds, fails for good, or ``max_attempts`` is used up.

    The last exception is re-raised as it is (not wrapped), with
    ``exc.attempts`` set so error messages can say how often we tried.
    """
    def before_sleep(state: RetryCallState) -> None:
        if on_retry and state.outcome is not None:
            exc = state.outcome.exception()
            if exc is not None:
                on_retry(exc, state.next_action.sleep if state.next_action else 0.0)

    retrying = Retrying(
        stop=stop_after_attempt(max_attempts),
        wait=_Wait(base, max_wait),
        retry=retry_if_exception(retryable),
        sleep=lambda seconds: SLEEP(seconds),
        before_sleep=before_sleep,
        reraise=True,
    )
    attempts = 0

    def counted() -> T:
        nonlocal attempts
        attempts += 1
        return fn()

    try:
        return retrying(counted)
    except BaseException as exc:
        try:
            exc.attempts = attempts  # type: ignore[attr-defined]
        except AttributeError:
            pass
        raise
