"""Prompt templates: ``prompts/<variant>.txt`` files with optional TOML front matter.

A template is plain text with one ``{article}`` placeholder (no other brace
is special, so JSON examples in a prompt need no escaping). Optional front
matter between ``---`` lines sets the system message and default sampling
parameters, so a variant is fully described by its file::

    ---
    description = "three plain sentences"
    system = "You are a careful news editor."
    temperature = 0.2
    max_tokens = 200
    ---
    Summarize the news article in three sentences.
    <article>
    {article}
    </article>

The sha256 of the whole file identifies the variant in manifests and records;
options on the system (``temperature = ...``) override the front matter.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from harness.core.errors import UserError
from harness.core.files import read_text
from harness.core.shipped import shipped
from harness.core.text import sha256_text

PLACEHOLDER = "{article}"

DEFAULT_TEXT = """Summarize the following news article in three sentences. Keep names, numbers
and quotations exactly as they appear in the article; do not add facts.

<article>
{article}
</article>
"""


class PromptMeta(BaseModel):
    """What front matter may set."""

    model_config = ConfigDict(extra="forbid")
    description: str = ""
    system: str | None = None
    temperature: float | None = Field(default=None, ge=0, le=2)
    max_tokens: int | None = Field(default=None, ge=1)
    top_p: float | None = Field(default=None, gt=0, le=1)


@dataclass(frozen=True)
class Prompt:
    """A parsed template; ``render`` gives the chat messages for one article."""

    name: str
    body: str
    meta: PromptMeta = field(default_factory=PromptMeta)
    path: str | None = None
    sha256: str = ""

    def render(self, article: str, system: str | None = None) -> list[dict[str, str]]:
        messages = []
        sys_text = system if system is not None else self.meta.system
        if sys_text:
            messages.append({"role": "system", "content": sys_text})
        messages.append({"role": "user", "content": self.body.replace(PLACEHOLDER, article)})
        return messages

    def params(self) -> dict[str, Any]:
        """Sampling defaults from front matter (only those that are set)."""
        return {k: v for k, v in self.meta.model_dump(exclude={"description", "system"}).items()
                if v is not None}


def parse_prompt(text: str, *, name: str, path: str | None = None) -> Prompt:
    """Parse template text; errors name the file and line."""
    body, meta, body_line = text, PromptMeta(), 1
    lines = text.splitlines(keepends=True)
    if lines and lines[0].strip() == "---":
        end = next((i for i in range(1, len(lines)) if lines[i].strip() == "---"), None)
        if end is None:
            raise UserError("front matter starts with '---' but never ends", file=path, line=1,
                            fix="close it with a second line containing only '---'")
        try:
            data = tomllib.loads("".join(lines[1:end]))
        except tomllib.TOMLDecodeError as exc:
            raise UserError(f"invalid TOML in front matter: {exc}", file=path, line=2,
                            fix='write key = value lines, e.g. temperature = 0.2, system = "..."') from None
        try:
            meta = PromptMeta(**data)
        except ValidationError as exc:
            err = exc.errors()[0]
            key = ".".join(str(p) for p in err["loc"])
            line = next((i + 1 for i in range(1, end) if lines[i].lstrip().startswith(key)), 2)
            fix = ("known keys: " + ", ".join(PromptMeta.model_fields)) if err["type"] == "extra_forbidden" \
                else "see the prompt file format in the README"
            raise UserError(f"front matter '{key}': {err['msg']}", file=path, line=line, fix=fix) from None
        body, body_line = "".join(lines[end + 1:]), end + 2
    n = body.count(PLACEHOLDER)
    if n != 1:
        what = "has no {article} placeholder" if n == 0 else f"has {n} {{article}} placeholders"
        raise UserError(f"prompt template {what}", file=path, line=body_line,
                        fix="put {article} exactly once where the article text goes")
    if not body.replace(PLACEHOLDER, "").strip():
        raise UserError("prompt template has no instructions, only {article}", file=path, line=body_line,
                        fix="tell the model what to do with the article")
    digest = sha256_text(text)
    return Prompt(name=name, body=body, meta=meta, path=path, sha256=digest)


def default_prompt() -> Prompt:
    return parse_prompt(DEFAULT_TEXT, name="default")


def load_prompt(ref: str, base_dir: Path | None = None) -> Prompt:
    """Load ``ref`` relative to ``base_dir`` (the suite's folder), else the current folder."""
    p = Path(ref)
    candidates = [p] if p.is_absolute() else [*([base_dir / p] if base_dir else []), p]
    found = next((c for c in candidates if c.is_file()), None)
    if found is None:
        tried = " or ".join(dict.fromkeys(str(c) for c in candidates))
        raise UserError(f"prompt file {ref!r} not found (tried {tried})",
                        fix="give a path relative to the suite file or the current folder (see `sumbench list prompts`)")
    return parse_prompt(read_text(found, "prompt file"), name=found.stem, path=str(found))


def load_judge_template(path: str | None, default: str, base: Path | None, needs: tuple[str, ...],
                        what: str) -> tuple[str, str]:
    """(template, where it was found) of an LLM judge's prompt: ``path`` (default ``default``, one of
    the shipped ``prompts/judge/*``) relative to the suite folder, then the current one, then the
    shipped prompts; it must hold every ``{placeholder}`` in ``needs``."""
    rel = Path(path or default)
    candidates = [rel] if rel.is_absolute() else [*([base / rel] if base else []), Path.cwd() / rel, shipped(rel)]
    for cand in candidates:
        if cand.is_file():
            text = cand.read_text(encoding="utf-8")
            missing = [p for p in needs if f"{{{p}}}" not in text]
            if missing:
                raise UserError(f"{what} prompt {cand} lacks the {{{missing[0]}}} placeholder",
                                fix="put " + ", ".join(f"{{{p}}}" for p in needs) + " in the template")
            return text, str(cand)
    raise UserError(f"{what} prompt {rel} not found", fix='set judge_prompt = "path/to/template.txt" (relative to '
                    f"the suite folder); the default {default} ships with sumbench: reinstall it if it is missing")
