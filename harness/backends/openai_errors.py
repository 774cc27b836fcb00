"""How the OpenAI-compatible wire classifies failures: transient or final, and one-line,
secret-free explanations for records.

Says what failed, how often it was tried and what to check; removes the
key values in the environment and anything key-shaped a server echoes back
(OpenAI's 401 message quotes part of the key).
"""

from __future__ import annotations

import json
import os
import re
import sys

from harness.backends.retry import transient_status
from harness.core.errors import ERROR_CHARS, BackendError
from harness.core.text import clip

SERVER_CHARS = 500  # of the server's own words: gateways put the useful part at the end

_KEYLIKE = re.compile(r"\b(sk|key|tok)[-_][A-Za-z0-9_*.\-]{5,}[A-Za-z0-9_*]")  # not a closing period


def is_transient(exc: BaseException) -> bool:
    """Worth another attempt: a dropped connection or timeout, HTTP 408/429/5xx, or a 200 whose
    body is cut off (a JSON decode error: from the client's side the same failure as a dropped
    connection; a gateway turns it into a retryable 500). A body that decodes but has the wrong
    shape is the server's answer, and final (it is checked after the retry loop)."""
    import openai

    if cassette_miss(exc) is not None:  # replaying a cassette: asking again gets the same "not recorded"
        return False
    if isinstance(exc, openai.APIConnectionError):  # includes APITimeoutError
        return True
    if isinstance(exc, json.JSONDecodeError):
        return True
    return transient_status(getattr(exc, "status_code", None))


_SCHEMA_WORDS = re.compile(r"response_format|json_schema|json schema|structured output|structured_output|"
                           r"guided_json|json mode|json_object", re.IGNORECASE)


def rejects_schema(exc: BaseException) -> bool:
    """A 400 naming the structured-output request ("response_format json_schema is not supported by
    this model"), or a 422 listing ``response_format`` as an unexpected field (strict validators)."""
    return getattr(exc, "status_code", None) in (400, 422) and bool(_SCHEMA_WORDS.search(error_message(exc)))


def is_timeout(exc: BaseException) -> bool:
    import openai

    return isinstance(exc, openai.APITimeoutError)


def explain_failure(exc: BaseException, *, base_url: str, key_env: str | None, timeout: float) -> str:
    import openai

    tries = getattr(exc, "attempts", 1)
    after = f" (after {tries} attempts)" if tries > 1 else ""
    status = getattr(exc, "status_code", None)
    miss = cassette_miss(exc)
    if miss is not None:
        text = explain_cassette_miss(miss)
    elif isinstance(exc, openai.APITimeoutError):
        text = (f"timed out after {timeout:g}s{after} at {base_url}; the server may still be working on it "
                "(raise timeout, or lower max_tokens)")
    elif isinstance(exc, openai.APIConnectionError):
        cause = exc.__cause__ or exc.__context__
        detail = f": {type(cause).__name__}" if cause else ""
        text = f"connection to {base_url} failed{detail}{after}"
    elif status is not None:
        v1 = "" if base_url.rstrip("/").endswith("/v1") else " (most servers serve the API under /v1)"
        hint = {401: f" — check ${key_env}" if key_env else
                " — the endpoint wants a key: set api_key_env = \"NAME\" on the system and export NAME",
                403: " — the key lacks access to this model",
                404: f" — check the model name and base_url{v1}"}.get(status, "")
        text = f"HTTP {status} from {base_url}: {error_message(exc)}{after}{hint}"
    elif isinstance(exc, ValueError):  # the SDK could not decode the body
        text = f"malformed response body from {base_url} (not complete JSON){after}"
    elif isinstance(exc, BackendError):
        text = str(exc)
    else:
        text = f"{type(exc).__name__}: {exc}"
    return clip(redact(text, key_env), ERROR_CHARS)


def cassette_miss(exc: BaseException) -> BaseException | None:
    """The vcrpy "request not in cassette" error (``CannotOverwriteExistingCassetteException``, raised
    when replaying with ``record_mode="none"``) that is ``exc`` or caused it (openai 3.x lets it through
    as it is; a client that wraps transport errors, e.g. in ``APIConnectionError``, chains it), else None.
    Without vcrpy imported no cassette can be playing, and nothing is imported here."""
    errors = sys.modules.get("vcr.errors")
    seen: set[int] = set()
    while errors is not None and exc is not None and id(exc) not in seen:
        if isinstance(exc, errors.CannotOverwriteExistingCassetteException):
            return exc
        seen.add(id(exc))
        exc = exc.__cause__ or exc.__context__  # type: ignore[assignment]
    return None


def explain_cassette_miss(miss: BaseException) -> str:
    """One line: the cassette and how to re-record it (``harness.testing.user_cassette`` says how)."""
    cassette = getattr(miss, "cassette", None)
    said = getattr(cassette, "miss_explanation", None)  # a `sumbench run --cassette` cassette knows its command
    if isinstance(said, str) and said:
        return said
    return (f"request not in cassette {getattr(cassette, '_path', '?')} (replayed with record_mode "
            f"'{getattr(getattr(cassette, 'record_mode', None), 'value', '?')}') — re-record the cassette")


def redact(text: str, key_env: str | None) -> str:
    for env in {key_env, "OPENAI_API_KEY"}:
        secret = os.environ.get(env or "")
        if secret and len(secret) >= 4:
            text = text.replace(secret, "[redacted]")
    return _KEYLIKE.sub("[redacted]", text)


def error_message(exc: BaseException) -> str:
    """The server's own words: OpenAI/vLLM ``message``, a bare ``error`` or FastAPI ``detail`` string,
    or the title/text of a non-JSON body (a proxy's HTML 502 page)."""
    body = getattr(exc, "body", None)
    if isinstance(body, dict):
        inner = body.get("error", body)
        if isinstance(inner, dict) and inner.get("message"):
            return clip(str(inner["message"]), SERVER_CHARS)
        for said in (inner, body.get("detail"), body.get("message")):
            if isinstance(said, str) and said.strip():
                return clip(said, SERVER_CHARS)
        if isinstance(body.get("detail"), list):  # FastAPI/pydantic validation: [{"loc": [...], "msg": ...}]
            return clip("; ".join(_validation_item(d) for d in body["detail"]), SERVER_CHARS)
    if isinstance(body, (str, bytes)) and body.strip():
        return body_snippet(body)
    return clip(str(getattr(exc, "message", exc)), SERVER_CHARS)


def _validation_item(d: object) -> str:
    if not isinstance(d, dict):
        return str(d)
    loc = ".".join(str(p) for p in d.get("loc") or [])
    return f"{loc}: {d.get('msg', '')}" if loc else str(d.get("msg", d))


def body_snippet(body: str | bytes) -> str:
    """A short readable excerpt of a non-JSON body: an HTML page's title, else its first words."""
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
    title = re.search(r"<title[^>]*>(.*?)</title>", text, re.IGNORECASE | re.DOTALL)
    if title and title.group(1).strip():
        return "HTML page: " + " ".join(title.group(1).split())[:150]
    text = re.sub(r"<[^>]*>", " ", text)
    return " ".join(text.split())[:150]
