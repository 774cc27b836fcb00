"""``openai`` backend: the chat-completions wire on any OpenAI-compatible endpoint.

Works with OpenAI, vLLM, Ollama, llama.cpp server and gateways through the
``openai`` SDK (``max_retries=0``: ``harness.backends.retry`` is the only retrier).
This module is only the wire: which fields of a request change its answer, the
request body, one attempt, parsing the answer and classifying failures. The cache,
limits, retries, usage, cost and prompts are ``harness.backends.llm.LLMBackend``'s.

Keys: the default OpenAI endpoint uses ``$OPENAI_API_KEY``. A custom
``base_url`` (option, or ``$OPENAI_BASE_URL``) never receives that key: it
gets the key in ``$<api_key_env>`` when the system names one, otherwise a
placeholder (local servers need none). Keys never enter the cache key, the
manifest, records or error messages.
"""

from __future__ import annotations

import contextlib
import os
import threading
from typing import Any
from urllib.parse import urlparse

from pydantic import BaseModel, ConfigDict, Field, field_validator

from harness.backends.base import BackendError
from harness.backends.cache import Cache
from harness.backends.llm import UNSET, LLMBackend, Price
from harness.backends.openai_errors import (
    body_snippet,
    explain_failure,
    is_timeout,
    is_transient,
    redact,
    rejects_schema,
)
from harness.core.errors import UserError
from harness.core.registry import backends

OPENAI_URL = "https://api.openai.com/v1"
NO_KEY = "sk-none"  # sent to custom endpoints that need no key; the SDK insists on one


class OpenAIOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")
    model: str = Field(min_length=1)
    prompt: str | None = None  # template file; default: a built-in three-sentence prompt
    base_url: str | None = None
    api_key_env: str | None = Field(default=None, pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")
    system: str | None = None  # overrides the prompt's front-matter system message
    temperature: float | None = Field(default=None, ge=0, le=2)
    max_tokens: int | None = Field(default=None, ge=1)
    top_p: float | None = Field(default=None, gt=0, le=1)
    seed: int | None = None
    extra_body: dict[str, Any] = Field(default_factory=dict)
    timeout: float = Field(default=60.0, gt=0)  # seconds per request
    max_attempts: int = Field(default=6, ge=1, le=20)
    retry_timeouts: int = Field(default=1, ge=0, le=20)  # a timed-out request may still be generating
    max_wait: float = Field(default=60.0, ge=0)  # longest single back-off
    rpm: int | None = Field(default=None, ge=1)
    tpm: int | None = Field(default=None, ge=1)
    price: Price | None = None
    batch: bool = False  # send uncached requests through the Batch API (half price, minutes to 24 h)
    batch_poll: float = Field(default=30.0, gt=0, le=3600)  # longest wait between two looks at a batch
    batch_max_requests: int = Field(default=50_000, ge=1)  # per input file (OpenAI's limit: 50,000)
    batch_max_mb: float = Field(default=200.0, gt=0)  # per input file (OpenAI's limit: 200 MB)

    @field_validator("base_url")
    @classmethod
    def _url(cls, v: str | None) -> str | None:
        if v is not None and (urlparse(v).scheme not in ("http", "https") or not urlparse(v).hostname):
            raise ValueError(f"{v!r} is not an http(s) URL; write e.g. http://localhost:8000/v1")
        if v is not None and (urlparse(v).username or urlparse(v).password):
            # the URL is written to the manifest, the cache and reports; a secret in it would be too
            raise ValueError("base_url must not contain a user name or password; put the key in an "
                             "environment variable and name it with api_key_env")
        return v


@backends.register("openai")
class OpenAICompat(LLMBackend):
    """Chat completions on any OpenAI-compatible endpoint (OpenAI, vLLM, Ollama, llama.cpp, gateways)."""

    Options = OpenAIOptions
    supports_batch = True

    def __init__(self, options: OpenAIOptions, suite: Any = None, cache: Cache | None = UNSET, **context: Any):
        super().__init__(options, suite=suite, cache=cache)
        self.base_url = (options.base_url or os.environ.get("OPENAI_BASE_URL") or OPENAI_URL).rstrip("/")
        if urlparse(self.base_url).username or urlparse(self.base_url).password:
            raise UserError("$OPENAI_BASE_URL must not contain a user name or password (it would be written to "
                            "the manifest, the cache and reports)",
                            fix="put the key in an environment variable and name it with api_key_env")
        host = urlparse(self.base_url).hostname or ""
        self.key_env = options.api_key_env or ("OPENAI_API_KEY" if host == "api.openai.com" else None)
        self._client: Any = None
        self._client_lock = threading.Lock()

    def missing_key(self) -> str | None:
        """Name of the environment variable this system needs but is unset, else None."""
        if self.key_env and not os.environ.get(self.key_env):
            return self.key_env
        return None

    def describe_endpoint(self) -> dict[str, Any]:
        return {"base_url": self.base_url, "api_key_env": self.key_env}

    def describe_transport(self) -> dict[str, Any]:
        return {"extra_body": self.options.extra_body, "timeout": self.options.timeout}

    # -- the wire ------------------------------------------------------
    def wire_fields(self, json_schema: dict[str, Any] | None) -> dict[str, Any]:
        return {"base_url": self.base_url, "extra_body": self.options.extra_body,
                "response_format": response_format(json_schema)}

    def build_body(self, messages: list[dict[str, Any]], json_schema: dict[str, Any] | None,
                   params: dict[str, Any]) -> dict[str, Any]:
        body: dict[str, Any] = {"model": self.options.model, "messages": messages, **params}
        fmt = response_format(json_schema)
        if fmt:
            body["response_format"] = fmt
        body.update(self.options.extra_body)  # last, and they win: what the SDK's extra_body does
        return body

    def send(self, body: dict[str, Any]) -> Any:
        """One request. ``client.post`` is the SDK's documented call for a ready JSON body (same
        client, headers, timeout, errors and ChatCompletion parsing as ``chat.completions.create``,
        which would first re-walk our plain-dict body through its TypedDict transform: about 30%
        of the client's CPU per request, measured 0.83 vs 0.59 ms, which counts at 64 in flight)."""
        return self.client().post("/chat/completions", cast_to=self._response_type, body=body)

    def parse(self, resp: Any) -> dict[str, Any]:
        if isinstance(resp, (str, bytes)):  # the SDK hands back a non-JSON body (a web page) as text
            said = redact(body_snippet(resp), None)
            raise BackendError(f"the endpoint answered with text, not a chat completion ({said!r}) "
                               "— check base_url (OpenAI-compatible servers usually serve under /v1)")
        if not getattr(resp, "choices", None):
            raise BackendError("response has no choices")
        choice = resp.choices[0]
        msg = choice.message
        refusal = getattr(msg, "refusal", None)
        if refusal:
            raise BackendError(f"model refused: {' '.join(str(refusal).split())[:200]}")
        if choice.finish_reason == "content_filter":
            raise BackendError("answer withheld by the endpoint's content filter")
        text = (msg.content or "").strip()  # no words at all: the call path's "empty answer"
        usage = {"prompt_tokens": getattr(resp.usage, "prompt_tokens", 0) or 0,
                 "completion_tokens": getattr(resp.usage, "completion_tokens", 0) or 0} if resp.usage else {}
        return {"text": text, "usage": usage, "finish_reason": choice.finish_reason,
                "model": getattr(resp, "model", None), "logprobs": token_logprobs(choice)}

    def parse_body(self, body: dict[str, Any]) -> dict[str, Any]:
        """``parse`` of a chat completion given as JSON (a Batch API output line's body)."""
        self.client()
        try:
            resp = self._response_type.model_validate(body)
        except ValueError:  # a server's odd but usable shape: the SDK's own lenient build, as for HTTP
            resp = self._response_type.construct(**body)
        return self.parse(resp)

    def is_retryable(self, exc: BaseException) -> bool:
        return is_transient(exc)

    def is_rate_limited(self, exc: BaseException) -> bool:
        return getattr(exc, "status_code", None) == 429

    def is_timeout(self, exc: BaseException) -> bool:
        return is_timeout(exc)

    def rejects_schema(self, exc: BaseException) -> bool:
        return rejects_schema(exc)

    def explain(self, exc: BaseException) -> str:
        return explain_failure(exc, base_url=self.base_url, key_env=self.key_env, timeout=self.options.timeout)

    @property
    def batched(self) -> bool:
        return self.options.batch

    def batch_wire(self) -> Any:
        from harness.backends.openai_batch import OpenAIBatchWire

        return OpenAIBatchWire(self)

    # -- the client ----------------------------------------------------
    def connect(self) -> None:
        self.client()

    def warm_up(self) -> None:
        """Build the SDK client now (importing openai takes ~0.3 s): done before the runner
        queues work, the first request need not wait for it while items are being queued.
        A missing key is not raised here; the requests report it as before."""
        with contextlib.suppress(BackendError):
            self.client()

    def client(self) -> Any:
        with self._client_lock:
            if self._client is None:
                import openai

                key = os.environ.get(self.key_env, "") if self.key_env else NO_KEY
                if not key:
                    raise BackendError(f"${self.key_env} is not set — export it, or point base_url at a "
                                       "server that needs no key")
                from openai.types.chat import ChatCompletion

                self._response_type = ChatCompletion
                self._client = openai.OpenAI(api_key=key, base_url=self.base_url, max_retries=0,
                                             timeout=self.options.timeout)
            return self._client


def _get(obj: Any, name: str) -> Any:
    """A field of an SDK object or of a plain dict (a leniently built response holds dicts)."""
    return obj.get(name) if isinstance(obj, dict) else getattr(obj, name, None)


def token_logprobs(choice: Any) -> list[dict[str, Any]] | None:
    """The answer's token logprobs as plain JSON (answers are cached), or None when not asked for.

    Judges weight a score by the probabilities of its digit (``harness.scorers.geval``). Each
    token keeps its ``bytes`` (tokens that split a character do not spell it); its alternatives
    keep only token and logprob, which is all a weighting reads.
    """
    content = _get(_get(choice, "logprobs"), "content")
    if not content:
        return None
    out = []
    for t in content:
        top = [{"token": str(_get(a, "token") or ""), "logprob": float(_get(a, "logprob") or 0.0)}
               for a in _get(t, "top_logprobs") or []]
        out.append({"token": str(_get(t, "token") or ""), "logprob": float(_get(t, "logprob") or 0.0),
                    "bytes": _get(t, "bytes"), "top_logprobs": top})
    return out


def response_format(json_schema: dict[str, Any] | None) -> dict[str, Any] | None:
    if json_schema is None:
        return None
    if "schema" in json_schema and "name" in json_schema:
        return {"type": "json_schema", "json_schema": json_schema}
    return {"type": "json_schema", "json_schema": {"name": "response", "schema": json_schema, "strict": True}}
