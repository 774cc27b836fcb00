"""The one call path of every LLM backend: cache → client-side limits → retries → checks → cost.

``LLMBackend.complete(messages, *, json_schema=None, sample=0, **params)`` serves
summaries and anything built on a backend (the checklist judge) alike::

    cache lookup → RPM/TPM window and adaptive in-flight cap → wire.send (one attempt)
    → harness.backends.retry (the only retrier) → wire.parse → checks (invalid JSON
    raises BackendError and is never cached) → cache store → Completion

A provider module subclasses it and supplies only its wire: ``request_fields``
extras (what besides model/messages/params can change an answer), ``build_body``,
``send``, ``parse``, ``is_retryable``, ``is_rate_limited``, ``explain`` and the
client (``warm_up``). Everything else — prompts, sampling parameters, the cache,
limits, retries, usage, cost, dry-run estimates — lives here once.
"""

from __future__ import annotations

import contextlib
import json
import re
import time
from collections.abc import Iterator
from typing import Any, ClassVar

from harness.backends.base import BackendError, BaseBackend, Completion, Summary
from harness.backends.batch import DEFERRED, BatchAnswers, Collecting, Request
from harness.backends.cache import Cache, cache_key, default_cache_dir
from harness.backends.limits import AdaptiveLimit, WindowLimit
from harness.backends.pricing import Price, estimate_tokens
from harness.backends.retry import call_with_retry
from harness.core.models import Item
from harness.core.notices import warn_once
from harness.suite.prompts import Prompt, default_prompt, load_prompt

UNSET: Any = object()  # "no cache given": use the default cache folder
SANE_MAX_TOKENS = 8192  # far beyond any summary; servers that keep generating after a timeout suffer


_WORD = re.compile(r"\w")


def has_words(text: str) -> bool:
    """Whether an answer says anything: a model past its context window answered 200 characters of
    U+FFFD (the replacement character) with finish_reason "length", which is no summary."""
    return bool(_WORD.search(text.replace("\ufffd", "")))


class LLMBackend(BaseBackend):
    """Shared call path. ``options`` must carry the common LLM options (see ``OpenAIOptions``)."""

    calls_network: ClassVar[bool] = True
    needs_key: ClassVar[bool] = True
    can_sample: ClassVar[bool] = True
    can_complete: ClassVar[bool] = True
    supports_json_schema: ClassVar[bool] = True

    def __init__(self, options: Any, suite: Any = None, cache: Cache | None = UNSET, **context: Any):
        super().__init__(options)
        self.prompt: Prompt = (load_prompt(options.prompt, getattr(suite, "dir", None))
                               if options.prompt else default_prompt())
        self.prompt_sha256 = self.prompt.sha256
        self.cache = Cache(default_cache_dir()) if cache is UNSET else cache
        self.limit = AdaptiveLimit()
        self.window = WindowLimit(options.rpm, options.tpm)
        self.batch_answers = BatchAnswers()  # filled by the batch mode (harness.run.batches)
        self.batch_only = False  # summaries come from batches: a request without an answer there is a bug
        self.collecting: Collecting | None = None  # the batch mode learning which requests a judge needs

    # -- the wire: what a provider module supplies ---------------------
    def wire_fields(self, json_schema: dict[str, Any] | None) -> dict[str, Any]:
        """Request fields besides backend, model, messages, params and sample that change the answer."""
        raise NotImplementedError

    def build_body(self, messages: list[dict[str, Any]], json_schema: dict[str, Any] | None,
                   params: dict[str, Any]) -> dict[str, Any]:
        raise NotImplementedError

    def connect(self) -> None:
        """Make sure a client exists before an attempt is counted against the limits; raises
        BackendError when none can be built (a missing key)."""

    def send(self, body: dict[str, Any]) -> Any:
        """One attempt; raises the client's own exceptions (classified by ``is_retryable``)."""
        raise NotImplementedError

    def parse(self, response: Any) -> dict[str, Any]:
        """{"text", "usage", "finish_reason", "model"}; a refusal raises BackendError (an answer
        without words is refused by the call path, for every wire alike)."""
        raise NotImplementedError

    def is_retryable(self, exc: BaseException) -> bool:
        raise NotImplementedError

    def is_rate_limited(self, exc: BaseException) -> bool:
        raise NotImplementedError

    def is_timeout(self, exc: BaseException) -> bool:
        """A request that ran out of time (retried at most ``retry_timeouts`` times)."""
        return False

    def rejects_schema(self, exc: BaseException) -> bool:
        """The server refused the request's structured-output part (its judges then ask without)."""
        return False

    def explain(self, exc: BaseException) -> str:
        """One line for the record: what failed and what to check, with no secret in it."""
        raise NotImplementedError

    def describe_endpoint(self) -> dict[str, Any]:
        """Where requests go (manifest): e.g. base URL and the key's variable name, never the key."""
        return {}

    def describe_transport(self) -> dict[str, Any]:
        """Wire settings that do not change answers but identify the set-up (manifest)."""
        return {}

    def batch_wire(self) -> Any:
        """The provider's Batch API (``supports_batch``): see ``harness.backends.openai_batch``."""
        raise NotImplementedError

    @contextlib.contextmanager
    def noting_requests(self) -> Iterator[Collecting]:
        """Inside the block a request neither cached nor fetched from a batch is noted, not sent
        (``complete`` refuses it as ``DEFERRED``): how the batch mode learns a judge's requests."""
        self.collecting = noted = Collecting()
        try:
            yield noted
        finally:
            self.collecting = None

    # -- configuration -------------------------------------------------
    def config_warnings(self) -> list[str]:
        cap = self.params().get("max_tokens")
        if cap is not None and cap > SANE_MAX_TOKENS:
            return [f"max_tokens = {cap} is far more than a summary needs (over {SANE_MAX_TOKENS}); a timed-out "
                    "request can keep a local server generating that long — lower it"]
        return []

    def set_concurrency(self, n: int) -> None:
        self.limit.set_ceiling(n)

    def params(self, overrides: dict[str, Any] | None = None, sample: int = 0) -> dict[str, Any]:
        """Sampling parameters: system options over prompt front matter, then ``overrides``.

        Sample k > 0 of a seeded system uses ``seed + k`` so repeats can differ.
        """
        o = self.options
        out = self.prompt.params()
        out.update({k: v for k, v in dict(temperature=o.temperature, max_tokens=o.max_tokens,
                                             top_p=o.top_p, seed=o.seed).items() if v is not None})
        out.update(overrides or {})
        if sample and out.get("seed") is not None:
            out["seed"] = int(out["seed"]) + sample
        return out

    def describe(self) -> dict[str, Any]:
        o = self.options
        return {"backend": self.name, "model": o.model, **self.describe_endpoint(),
                "prompt": self.prompt.path or "(built-in default)", "prompt_sha256": self.prompt.sha256,
                "params": self.params(), **self.describe_transport(),
                "max_attempts": o.max_attempts, "rpm": o.rpm, "tpm": o.tpm,
                "price": o.price.model_dump() if o.price else None,
                **({"batch": True, "batch_poll": o.batch_poll} if self.batched else {})}

    def request_fields(self, messages: list[dict[str, Any]], json_schema: dict[str, Any] | None,
                       params: dict[str, Any], sample: int) -> dict[str, Any]:
        """Everything that can change the answer: the cache key's input."""
        return {"backend": self.name, "model": self.options.model, "messages": messages, "params": params,
                "sample": sample, **self.wire_fields(json_schema)}

    # -- the one call path ---------------------------------------------
    def prepare(self, messages: list[dict[str, Any]], json_schema: dict[str, Any] | None = None,
                sample: int = 0, **params: Any) -> tuple[Request, dict[str, Any]]:
        """The request exactly as it would be sent, and the fields its cache key hashes."""
        merged = self.params(params, sample)
        fields = self.request_fields(messages, json_schema, merged, sample)
        tokens = sum(estimate_tokens(str(m.get("content", ""))) for m in messages) + (merged.get("max_tokens") or 0)
        return Request(cache_key(fields), self.build_body(messages, json_schema, merged), tokens,
                       merged.get("max_tokens")), fields

    def complete(self, messages: list[dict[str, Any]], *, json_schema: dict[str, Any] | None = None,
                 sample: int = 0, **params: Any) -> Completion:
        t0 = time.perf_counter()
        req, fields = self.prepare(messages, json_schema, sample, **params)
        if self.cache is not None:
            hit = self.cache.get(req.key)
            if hit is not None and has_words(hit["text"]):  # an older entry of garbage is a miss
                return self._completion(hit, json_schema, cached=True, t0=t0, batch=bool(hit.get("batch")))
        fetched = self.batch_answers.get(req.key)
        if fetched is not None:
            if fetched.answer is None:
                raise BackendError(fetched.error or "the batch gave no answer")
            answer, batch = fetched.answer, True
        elif self.collecting is not None:
            self.collecting.note(req)
            raise BackendError("deferred to a batch", reason=DEFERRED)
        elif self.batch_only:
            raise BackendError("no batch answered this request (a sumbench bug: please report it); "
                               "resume the run to submit it again")
        else:
            answer, batch = self._interactive(req.body, req.tokens, json_schema), False
        if not has_words(answer["text"]):  # like a refusal: never a summary, never cached
            raise BackendError(f"empty answer: no words in {len(answer['text'])} characters "
                               f"(finish_reason={answer.get('finish_reason')})")
        done = self._completion(answer, json_schema, cached=False, t0=t0, batch=batch)  # validates first
        if batch and fetched.latency_ms is not None:
            done.latency_ms = fetched.latency_ms
        self._store(req.key, {**answer, "batch": True} if batch else answer, fields)  # priced as it was paid
        return done

    def _interactive(self, body: dict[str, Any], tokens: int, json_schema: dict[str, Any] | None) -> dict[str, Any]:
        try:
            resp = call_with_retry(lambda: self._attempt(body, tokens), retryable=_Retryable(self),
                                   max_attempts=self.options.max_attempts, max_wait=self.options.max_wait)
        except Exception as exc:
            reason = "schema_rejected" if json_schema is not None and self.rejects_schema(exc) else None
            raise BackendError(self.explain(exc), reason=reason) from None
        return self.parse(resp)

    def _attempt(self, body: dict[str, Any], tokens: int) -> Any:
        self.connect()
        self.window.reserve(tokens)
        generation = self.limit.acquire()
        limited = False
        try:
            return self.send(body)
        except Exception as exc:
            limited = self.is_rate_limited(exc)
            raise
        finally:
            self.limit.release(generation, rate_limited=limited)

    def _store(self, key: str, answer: dict[str, Any], fields: dict[str, Any]) -> None:
        if self.cache is None:
            return
        try:
            self.cache.put(key, answer, request=fields)
        except OSError as exc:  # a full disk or read-only cache must not cost a paid answer
            warn_once(f"cache:{self.cache.root}", f"cannot write the response cache at {self.cache.root}: "
                      f"{exc.strerror} (answers of this run are not cached; see --cache-dir)")

    def _completion(self, answer: dict[str, Any], json_schema: dict[str, Any] | None, *, cached: bool,
                    t0: float, batch: bool = False) -> Completion:
        data = None
        if json_schema is not None:
            try:
                data = json.loads(answer["text"])
            except ValueError:
                raise BackendError("structured answer is not valid JSON", reason="invalid_json") from None
        usage = answer.get("usage") or {}
        return Completion(text=answer["text"], usage=usage, cost_usd=self.cost(usage, batch=batch), cached=cached,
                          latency_ms=round((time.perf_counter() - t0) * 1000, 3),
                          finish_reason=answer.get("finish_reason"), model=answer.get("model"), data=data,
                          batch=batch, logprobs=answer.get("logprobs"))

    def cost(self, usage: dict[str, int], batch: bool = False) -> float | None:
        price = self.options.price
        if price is None or not usage:
            return None
        return price.usd(usage.get("prompt_tokens", 0), usage.get("completion_tokens", 0), batch)

    # -- summaries and estimates ---------------------------------------
    def summary_request(self, article: str, sample: int = 0) -> tuple[Request, dict[str, Any]]:
        """The request ``summarize`` sends for ``article`` (what the batch mode submits)."""
        return self.prepare(self.prompt.render(article, self.options.system), sample=sample)

    def summarize(self, article: str, item: Item, sample: int = 0) -> Summary:
        c = self.complete(self.prompt.render(article, self.options.system), sample=sample)
        # finish_reason "length" (cut off by max_tokens) is scored as it is, recorded per record and
        # counted once in the run's summary, across systems
        return Summary(c.text, usage=c.usage, cost_usd=c.cost_usd, cached=c.cached,
                       meta={"prompt_sha256": self.prompt.sha256, "finish_reason": c.finish_reason,
                             "model": c.model, "request_ms": c.latency_ms, "batch": c.batch})

    def estimate(self, article: str, item: Item, sample: int = 0) -> dict[str, Any]:
        """For --dry-run: is it cached, and roughly how many tokens and dollars if not."""
        messages = self.prompt.render(article, self.options.system)
        params = self.params(sample=sample)
        key = cache_key(self.request_fields(messages, None, params, sample))
        usage = {"prompt_tokens": sum(estimate_tokens(m["content"]) + 4 for m in messages),
                 "completion_tokens": params.get("max_tokens") or 200}
        return {"cached": self.cache is not None and self.cache.contains(key), "usage": usage,
                "cost_usd": self.cost(usage), "batch_cost_usd": self.cost(usage, batch=True),
                "output_is_cap": "max_tokens" in params}


class _Retryable:
    """Which failure of one call gets another attempt: the wire's verdict, with timeouts capped.

    A server that keeps generating after the client gave up (``transformers serve``, many
    local servers) gets one more generation per retried timeout: three attempts at a huge
    ``max_tokens`` wedged one. So a timeout is retried at most ``retry_timeouts`` times.
    """

    def __init__(self, backend: LLMBackend):
        self.backend = backend
        self.timeouts = 0

    def __call__(self, exc: BaseException) -> bool:
        if self.backend.is_timeout(exc):
            self.timeouts += 1
            if self.timeouts > self.backend.options.retry_timeouts:
                return False
        return self.backend.is_retryable(exc)


__all__ = ["LLMBackend", "Price", "estimate_tokens", "UNSET"]
