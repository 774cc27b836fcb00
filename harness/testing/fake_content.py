"""What the FAKE server says: labelled summaries, token counts, schema-conforming JSON, logprobs.

Deterministic functions of the request, so recorded cassettes and test
expectations never drift. Nothing here is a model.
"""

from __future__ import annotations

import math
import re
from typing import Any

from harness.core.text import split_sentences


def message_text(content: Any) -> str:
    """Text of a chat message ``content`` (a string or a list of parts)."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "\n".join(p.get("text", "") for p in content if isinstance(p, dict))
    return ""


def split_prompt(messages: list[dict[str, Any]]) -> tuple[str, str]:
    """(instructions, article) seen in a chat request."""
    users = [message_text(m.get("content")) for m in messages if m.get("role") == "user"]
    others = [message_text(m.get("content")) for m in messages if m.get("role") != "user"]
    last = users[-1] if users else ""
    start, end = last.find("<article>"), last.rfind("</article>")
    if start != -1 and end > start:
        article = last[start + len("<article>"):end]
        instructions = last[:start] + last[end:]
    else:
        article, instructions = last, ""
    return "\n".join(others + [instructions]).lower(), article.strip()


def fake_summary(body: dict[str, Any]) -> tuple[str, str]:
    """(text, finish_reason): leading sentences, shaped by the prompt's wording."""
    instructions, article = split_prompt(body.get("messages") or [])
    sents = split_sentences(article) or ["(empty article)"]
    if "one sentence" in instructions or "single sentence" in instructions:
        n, bullets = 1, False
    else:
        n, bullets = 3, "bullet" in instructions
    # A sampled request (temperature > 0 with a seed) starts further down, so
    # repeats with different seeds differ, deterministically.
    start = 0
    if body.get("seed") is not None and (body.get("temperature") or 0) > 0:
        start = int(body["seed"]) % max(1, len(sents) - n + 1)
    picked = sents[start:start + n]
    text = "\n".join(f"- {s}" for s in picked) if bullets else "\n".join(picked)
    text = "[fake] " + text
    limit = body.get("max_tokens") or body.get("max_completion_tokens")
    if limit and count_tokens(text) > limit:
        words = text.split(" ")[: max(1, int(limit) * 3 // 4)]
        return " ".join(words), "length"
    return text, "stop"


def count_tokens(text: str) -> int:
    """Rough token count (4 characters a token), like a real tokenizer's order of magnitude."""
    return max(1, math.ceil(len(text) / 4))


def fake_json(schema: dict[str, Any], defs: dict[str, Any] | None = None) -> Any:
    """A deterministic instance of a JSON schema (objects, arrays, enums, refs, unions)."""
    defs = defs if defs is not None else {**schema.get("$defs", {}), **schema.get("definitions", {})}
    if "$ref" in schema:
        return fake_json(defs.get(schema["$ref"].rsplit("/", 1)[-1], {}), defs)
    if "const" in schema:
        return schema["const"]
    if schema.get("enum"):
        return schema["enum"][0]
    for union in ("anyOf", "oneOf", "allOf"):
        if schema.get(union):
            non_null = [s for s in schema[union] if s.get("type") != "null"] or schema[union]
            return fake_json(non_null[0], defs)
    kind = schema.get("type", "object")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "null")
    if kind == "object":
        return {k: fake_json(v, defs) for k, v in (schema.get("properties") or {}).items()}
    if kind == "array":
        return [fake_json(schema.get("items") or {"type": "string"}, defs)
                for _ in range(max(1, schema.get("minItems", 1)))]
    if kind == "string":
        return "[fake]"
    if kind in ("integer", "number"):
        low = schema.get("minimum", 0)
        return int(low) if kind == "integer" else float(low)
    if kind == "boolean":
        return False
    return None


_FAKE_TOKEN = re.compile(r"\d|[^\W\d]+|\s+|[^\w\s]")  # digits alone, as real tokenizers split numbers
_DIGIT_SHARES = (0.6, 0.2, 0.1, 0.05, 0.03, 0.01, 0.005, 0.003, 0.001, 0.001)  # chosen, +1, -1, +2, -2, ...
_FILLERS = ('"', " ", ",", "\n", "}", ":", "the", "a")


def _entry(token: str, p: float) -> dict[str, Any]:
    return {"token": token, "logprob": round(math.log(p), 6), "bytes": list(token.encode("utf-8"))}


def _alternatives(token: str, k: int) -> list[dict[str, Any]]:
    """``k`` deterministic alternatives, the token itself first; a digit's are the neighbouring digits
    (0 and 6-9 included, so a weighting must renormalise over the digits it scores)."""
    if token.isdigit():
        d = int(token)
        near = [d + s * i for i in range(1, 10) for s in (1, -1)]
        digits = [d] + [n for n in near if 0 <= n <= 9]
        return [_entry(str(n), p) for n, p in zip(digits, _DIGIT_SHARES, strict=True)][:k]
    others = [f for f in _FILLERS if f != token]
    return [_entry(token, 0.9)] + [_entry(f, 0.1 / 2 ** (i + 1)) for i, f in enumerate(others[:k - 1])]


def fake_logprobs(text: str, top: int) -> list[dict[str, Any]]:
    """``choices[0].logprobs.content`` for ``text`` in OpenAI's shape: one entry per token (the
    tokens spell ``text``), each with its ``top`` alternatives (at most 20, as OpenAI allows)."""
    out = []
    for token in _FAKE_TOKEN.findall(text):
        alts = _alternatives(token, max(1, min(int(top), 20)))
        out.append({**alts[0], "top_logprobs": alts if top else []})
    return out
