"""How far can you trust the LLM judge you picked? Its agreement with human labels, before you gate on it.

    python benchmarks/judge_validation.py --limit 20                     # offline: FAKE server, figures meaningless
    python benchmarks/judge_validation.py --base-url https://api.openai.com/v1 --model gpt-4o-mini \\
        --api-key-env OPENAI_API_KEY --price-input 0.15 --price-output 0.6
    python benchmarks/judge_validation.py --base-url http://localhost:8000/v1 --model qwen2.5-7b --split test

Runs one configured judge (any OpenAI-compatible endpoint) two ways over FRANK
(and, with ``--split test``, SummEval), from the same files as
``benchmarks/factuality.py``:

- ``geval.consistency``: sumbench's ``geval`` scorer with ``criteria = ["consistency"]``,
  weighted by the score digit's token probabilities when the server gives them;
- the faithfulness question: one structured-output call per (article, summary) asking
  whether every statement of the summary is supported by the article (no checklist),
  scored P(yes) from the verdict token's logprobs, else yes/no -> 1/0;

and prints their correlation with the human labels next to sumbench's deterministic
``faithfulness.score`` on the same rows and the published figures: FRANK, partial
Pearson/Spearman with each system's mean removed (as factuality.py); SummEval, mean
over articles of the per-article Spearman with expert consistency (as factuality.py).
Each Spearman has a 95% bootstrap interval (articles resampled, seeded) and the
judge's difference to ``faithfulness.score`` on the same resamples: an interval
that straddles 0 says the judge is not shown to be better on these rows.

Both judges are built from the registry (``openai`` backend) and call
``LLMBackend.complete``, so sumbench's cache and retries apply: a rerun with the
same ``--cache-dir`` (default: sumbench's cache) and a larger ``--limit`` pays only
for the new rows. Rows: articles in a seeded random order (``--seed``), all
summaries of an article together, the first ``--limit`` summaries of that order
(a larger limit extends a smaller one). FRANK ``valid`` is the development split;
``--split test`` reports the held-out FRANK test split and SummEval (held out
as a whole, so it is never read by default; see ../shared/data/README.md).
Without ``--base-url`` the project's FAKE server is started in-process: it
answers every judge prompt with the same schema-shaped JSON, so the plumbing
runs end to end and the figures mean nothing.
"""

from __future__ import annotations

import argparse
import math
import random
import re
import sys
import tempfile
import threading
import time
from bisect import bisect_right
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from itertools import accumulate
from pathlib import Path
from typing import Any, Callable

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from factuality import PUBLISHED, fmt, partial_corr, read_jsonl, spearman  # noqa: E402
from harness.backends.base import BackendError  # noqa: E402
from harness.backends.cache import Cache, default_cache_dir  # noqa: E402
from harness.core.errors import UserError  # noqa: E402
from harness.core.models import Item  # noqa: E402
from harness.core.registry import backends, scorers  # noqa: E402
from harness.core.text import remove_duplicate_paragraphs  # noqa: E402
from harness.scorers.judge import tolerant_json  # noqa: E402

FAKE_WARNING = "FAKE server: figures are meaningless (the fake judge does not read the text)"
GEVAL = "geval.consistency"
QUESTION = "faithfulness question"
FAITH = "faithfulness.score"
METRICS = (GEVAL, QUESTION, FAITH)
LABELS = {GEVAL: "geval.consistency (judge, 1-5)", QUESTION: "faithfulness question (judge, P(yes))",
          FAITH: "faithfulness.score (sumbench, no LLM)"}
# Liu et al. 2023, "G-Eval: NLG Evaluation using GPT-4 with Better Human Alignment", Table 1:
# SummEval consistency, per-article Spearman averaged over the 100 articles (all 1600 summaries;
# the protocol ../shared/data/summeval/README.md reproduces for ROUGE to within 0.002).
PUBLISHED_SUMMEVAL = [("G-Eval-4 (GPT-4, probability-weighted)", 0.507)]
TOP_LOGPROBS = 5

QUESTION_PROMPT = """\
You check a summary of a news article for factual consistency with the article.

Read the article, then each statement the summary makes. A statement is supported when the article \
says it or it follows directly from what the article says. It is not supported when the article \
contradicts it, or when it adds something the article does not say (a name, number, date, place, \
cause, quotation or event), however plausible. Leaving things out does not matter: judge only what \
the summary asserts. Ignore grammar, style, casing and tokenisation (" 's", " , ").

First write one or two sentences naming the least supported statement, or saying that all are \
supported. Then answer the question: is every statement of the summary supported by the article? \
Answer "yes" or "no".

Answer with JSON only: {"reason": "<one or two sentences>", "verdict": "yes" or "no"}

<article>
{article}
</article>

<summary>
{summary}
</summary>
"""
QUESTION_SCHEMA = {"name": "faithfulness_question", "strict": True, "schema": {
    "type": "object", "additionalProperties": False, "required": ["reason", "verdict"],
    "properties": {"reason": {"type": "string"}, "verdict": {"type": "string", "enum": ["yes", "no"]}}}}
_PLACEHOLDER = re.compile(r"\{(article|summary)\}")
_VERDICT_VALUE = re.compile(rb'"verdict"\s*:\s*"')


# -- usage ------------------------------------------------------------
class Usage:
    """Judge calls, cache hits, tokens and dollars, summed over threads."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.n = {"calls": 0, "cached": 0, "prompt_tokens": 0, "completion_tokens": 0}
        self.spent = 0.0  # uncached calls at the given price
        self.worth = 0.0  # every call at the given price (what the cached ones cost once)

    def add(self, calls: int, cached: int, prompt: int, completion: int, cost: float, spent: float) -> None:
        with self.lock:
            for k, v in (("calls", calls), ("cached", cached), ("prompt_tokens", prompt),
                         ("completion_tokens", completion)):
                self.n[k] += v
            self.worth += cost
            self.spent += spent


# -- the checklist-free faithfulness question -----------------------------
def yes_probability(logprobs: list[dict[str, Any]]) -> float | None:
    """P(yes) / (P(yes) + P(no)) over the top alternatives of the token that wrote the verdict's
    first letter (tokens with the same text before the value, e.g. a quote, are compared); None when
    the verdict cannot be located or neither word is among the alternatives."""
    try:
        by_bytes = all(isinstance(t.get("bytes"), list) for t in logprobs)
        pieces = [bytes(t["bytes"]) if by_bytes else str(t.get("token", "")).encode("utf-8") for t in logprobs]
        text = b"".join(pieces)
        found = list(_VERDICT_VALUE.finditer(text))
        if not found:
            return None
        pos, ends = found[-1].end(), list(accumulate(len(p) for p in pieces))
        i = bisect_right(ends, pos)  # the token holding the value's first byte
        if i >= len(pieces):
            return None
        start = ends[i] - len(pieces[i])
        prefix = text[start:pos].decode("utf-8", errors="replace").strip()
        mass = {"yes": 0.0, "no": 0.0}
        for alt in logprobs[i].get("top_logprobs") or [logprobs[i]]:
            core, lp = str(alt.get("token", "")).lstrip(), alt.get("logprob")
            if not core.startswith(prefix) or not isinstance(lp, (int, float)) or not math.isfinite(lp):
                continue
            word = core[len(prefix):].strip().strip('"').lower()
            for w in mass:
                if word == w or (word.startswith(w) and not word[len(w):].isalpha()):
                    mass[w] += math.exp(lp)
        total = mass["yes"] + mass["no"]
        return mass["yes"] / total if total > 0 else None
    except (TypeError, ValueError, KeyError, AttributeError):
        return None


class FaithfulnessQuestion:
    """One structured call per (article, summary): is every statement supported? -> P(yes) or 1/0."""

    def __init__(self, backend: Any, logprobs: bool, usage: Usage):
        self.backend, self.usage = backend, usage
        self.params = {"logprobs": True, "top_logprobs": TOP_LOGPROBS} if logprobs else {}
        self.use_schema = backend.supports_json_schema  # until the endpoint refuses it (as the judges do)

    def _call(self, messages: list[dict[str, str]], schema: dict[str, Any] | None) -> Any:
        c = self.backend.complete(messages, json_schema=schema, **self.params)
        cost = c.cost_usd or 0.0
        self.usage.add(1, int(c.cached), c.usage.get("prompt_tokens", 0), c.usage.get("completion_tokens", 0),
                       cost, 0.0 if c.cached else cost)
        return c

    def ask(self, article: str, summary: str) -> dict[str, Any]:
        """{"value", "source", "verdict"} or {"error"}; never raises."""
        values = {"article": article, "summary": summary}
        messages = [{"role": "user", "content": _PLACEHOLDER.sub(lambda m: values[m.group(1)], QUESTION_PROMPT)}]
        try:
            schema = QUESTION_SCHEMA if self.use_schema else None
            try:
                c = self._call(messages, schema)
            except BackendError as exc:
                if schema is None or exc.reason not in ("schema_rejected", "invalid_json"):
                    raise
                if exc.reason == "schema_rejected":
                    self.use_schema = False
                c = self._call(messages, None)
        except Exception as exc:  # a failed call is a NaN for this row, as in the judges
            return {"error": f"judge call failed: {' '.join(str(exc).split())}"[:300]}
        data = c.data if c.data is not None else tolerant_json(c.text)
        verdict = data.get("verdict") if isinstance(data, dict) else None
        verdict = verdict.strip().lower() if isinstance(verdict, str) else None
        if verdict not in ("yes", "no"):
            return {"error": "judge answer has no yes/no verdict"}
        p = yes_probability(c.logprobs) if self.params and c.logprobs else None
        if p is None:
            return {"value": 1.0 if verdict == "yes" else 0.0, "source": "yes/no", "verdict": verdict}
        return {"value": p, "source": "logprobs", "verdict": verdict}


# -- scoring the rows ---------------------------------------------------
class Judges:
    def __init__(self, args: argparse.Namespace, base_url: str, cache: Cache):
        price = ({"input": args.price_input or 0.0, "output": args.price_output or 0.0}
                 if args.price_input is not None or args.price_output is not None else None)
        judge = {"backend": "openai", "model": args.model, "base_url": base_url,
                 **({"api_key_env": args.api_key_env} if args.api_key_env else {}),
                 **({"temperature": args.temperature} if args.temperature is not None else {}),
                 **({"price": price} if price else {}), "timeout": args.timeout}
        self.geval = scorers.create("geval", {"judge": judge, "criteria": ["consistency"],
                                              "logprobs": not args.no_logprobs}, cache=cache)
        cfg = {k: v for k, v in judge.items() if k != "backend"}
        qbackend = backends.create("openai", cfg, cache=cache)
        if qbackend.missing_key():
            raise UserError(f"the judge needs ${qbackend.missing_key()}, which is not set",
                            fix="export it, or point --base-url at a server that needs none")
        for b in (self.geval.backend, qbackend):
            b.set_concurrency(args.concurrency)
            b.warm_up()
        self.usage = Usage()
        self.question = FaithfulnessQuestion(qbackend, not args.no_logprobs, self.usage)
        self.faith = scorers.create("faithfulness", {})
        self.concurrency = args.concurrency

    def _judge(self, row: tuple[Item, str, str]) -> dict[str, Any]:
        item, article, summary = row
        g = self.geval.score(item, summary, article)
        u = g.details["judge"]["usage"]
        spent = 0.0 if u["calls"] == u["cached"] else u["cost_usd"]  # one call per row
        self.usage.add(u["calls"], u["cached"], u["prompt_tokens"], u["completion_tokens"], u["cost_usd"], spent)
        crit = g.details["criteria"]["consistency"]
        out = {GEVAL: g.metrics[GEVAL], "geval_source": crit.get("source"),
               "geval_error": crit["reason"] if crit.get("score") is None else None}
        q = self.question.ask(article, summary)
        out.update({QUESTION: q.get("value", math.nan), "question_source": q.get("source"),
                    "question_error": q.get("error")})
        return out

    def score(self, rows: list[dict[str, Any]], refs: Callable[[dict[str, Any]], list[str]]) -> list[dict[str, Any]]:
        """Each row's three metrics (judges on ``concurrency`` threads, faithfulness.score here)."""
        prepared = []
        for r in rows:
            article, _ = remove_duplicate_paragraphs(r["article"])  # as `sumbench run` does
            prepared.append((Item(id=r["id"], article=r["article"], references=refs(r)), article, r["summary"]))
        with ThreadPoolExecutor(max_workers=self.concurrency) as pool:
            futures = [pool.submit(self._judge, p) for p in prepared]
            faith = [self.faith.score(item, summary, article).metrics.get(FAITH, math.nan)
                     for item, article, summary in prepared]
            judged = [f.result() for f in futures]
        return [{**j, FAITH: f} for j, f in zip(judged, faith, strict=True)]


# -- selection and statistics -------------------------------------------
def select(rows: list[dict[str, Any]], doc: str, limit: int, seed: int) -> list[dict[str, Any]]:
    """Articles in a seeded random order, each with all its summaries (file order), cut at ``limit``."""
    by_doc: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        by_doc[r[doc]].append(r)
    docs = list(by_doc)
    random.Random(seed).shuffle(docs)
    return [r for d in docs for r in by_doc[d]][:limit]


def _ranks(x: np.ndarray) -> np.ndarray:
    """Average ranks, vectorised (equal to factuality.rankdata)."""
    _, inv, counts = np.unique(x, return_inverse=True, return_counts=True)
    return (np.cumsum(counts) - (counts - 1) / 2)[inv]


def _fast_partial_spearman(m: np.ndarray, h: np.ndarray, g: np.ndarray) -> float:
    keep = ~np.isnan(m) & ~np.isnan(h)
    m, h, g = m[keep].copy(), h[keep].copy(), g[keep]
    for s in np.unique(g):
        sel = g == s
        m[sel] -= m[sel].mean()
        h[sel] -= h[sel].mean()
    if len(m) < 3:
        return math.nan
    a, b = _ranks(m), _ranks(h)
    if a.std() == 0 or b.std() == 0:
        return math.nan
    return float(np.corrcoef(a, b)[0, 1])


def interval(values: list[float]) -> tuple[float, float]:
    """The 2.5/97.5 percentiles of the finite resampled values (n/a when under half are finite)."""
    v = np.asarray(values, float)
    v = v[np.isfinite(v)]
    if len(values) == 0 or len(v) < len(values) / 2:
        return math.nan, math.nan
    return float(np.percentile(v, 2.5)), float(np.percentile(v, 97.5))


def fmt_ci(ci: tuple[float, float]) -> str:
    lo, hi = ci
    return "n/a".rjust(15) if math.isnan(lo) else f"[{lo:+.2f}, {hi:+.2f}]".rjust(15)


def usable(scored: list[dict[str, Any]], name: str) -> int:
    return sum(1 for s in scored if not math.isnan(s[name]))


def judge_notes(scored: list[dict[str, Any]]) -> list[str]:
    """How each judge's values were read, and the first reason of any unusable answer."""
    notes = []
    how = {"logprobs": "weighted by token logprobs", "samples": "plain integers (no logprobs)",
           "yes/no": "yes/no as 1/0 (no logprobs)", None: "unusable (NaN, left out)"}
    for name, key in ((GEVAL, "geval"), (QUESTION, "question")):
        src: dict[Any, int] = defaultdict(int)
        for s in scored:
            src[s[f"{key}_source"]] += 1
        if key == "question":
            how["logprobs"] = "P(yes) from the verdict token's logprobs"
        errors = [s[f"{key}_error"] for s in scored if s[f"{key}_error"]]
        line = f"  {name} values: " + ", ".join(f"{n} {how.get(k, k)}" for k, n in src.items())
        if errors:
            line += f"; first unusable answer: {errors[0]}"
        notes.append(line)
    return notes


# -- reports --------------------------------------------------------------
def title(name: str, fake: bool) -> str:
    return f"{name}: {FAKE_WARNING}" if fake else name


def frank(path: Path, split: str, judges: Judges, args: argparse.Namespace, fake: bool) -> None:
    rows = select([r for r in read_jsonl(path / "frank_benchmark.jsonl") if r["split"] == split],
                  "hash", args.limit, args.seed)
    t0 = time.perf_counter()
    scored = judges.score(rows, lambda r: [r["reference"]])
    elapsed = time.perf_counter() - t0
    human = np.asarray([r["human"]["Factuality"] for r in rows], float)
    groups = np.asarray([r["model_name"] for r in rows])
    docs = [r["hash"] for r in rows]
    print(f"FRANK {split} ({'development split' if split == 'valid' else 'held out'}): {len(rows)} summaries, "
          f"{len(set(docs))} articles, {len(set(groups.tolist()))} systems; judged in {elapsed:.1f}s")
    print(f"== {title(f'FRANK {split}', fake)} ==")
    print("partial correlation with human Factuality (system means removed); 95% bootstrap interval over "
          f"articles ({args.bootstrap} resamples)")
    print(f"  {'metric':40s} {'n':>5s} {'Pearson':>7s} {'Spearman':>8s} {'Spearman 95%':>15s} "
          f"{'Δ Spearman vs faithfulness.score':>32s}")
    values = {m: np.asarray([s[m] for s in scored], float) for m in METRICS}
    boots = frank_bootstrap(values, human, groups, docs, args.bootstrap, args.seed)
    for m in METRICS:
        p, s, n = partial_corr(values[m], human, groups.tolist())
        delta = "" if m == FAITH else f"{fmt(s - partial_corr(values[FAITH], human, groups.tolist())[1])} " \
                                      f"{fmt_ci(interval(boots['delta'][m]))}"
        print(f"  {LABELS[m]:40s} {n:5d} {fmt(p)}  {fmt(s)}  {fmt_ci(interval(boots[m]))} {delta:>32s}")
    published = PUBLISHED["test"] if split == "test" else PUBLISHED["all"]
    where = "test split" if split == "test" else "all 2246 summaries"
    print(f"  published ({where}, ../shared/data/README.md): "
          + ", ".join(f"{n} {p:.3f}/{s:.3f}" for n, p, s in published))
    for line in judge_notes(scored):
        print(line)


def frank_bootstrap(values: dict[str, np.ndarray], human: np.ndarray, groups: np.ndarray, docs: list[str],
                    b: int, seed: int) -> dict[str, Any]:
    """Partial Spearman of each metric and its difference to faithfulness.score, articles resampled."""
    by_doc: dict[str, list[int]] = defaultdict(list)
    for i, d in enumerate(docs):
        by_doc[d].append(i)
    blocks = [np.asarray(ix) for ix in by_doc.values()]
    rng = np.random.default_rng(seed)
    out: dict[str, Any] = {m: [] for m in METRICS}
    out["delta"] = {m: [] for m in METRICS if m != FAITH}
    for _ in range(b):
        idx = np.concatenate([blocks[j] for j in rng.integers(0, len(blocks), len(blocks))])
        rho = {m: _fast_partial_spearman(values[m][idx], human[idx], groups[idx]) for m in METRICS}
        for m in METRICS:
            out[m].append(rho[m])
        for m in out["delta"]:
            out["delta"][m].append(rho[m] - rho[FAITH])
    return out


def summeval(path: Path, judges: Judges, args: argparse.Namespace, fake: bool) -> None:
    rows = select(read_jsonl(path / "summeval_expert.jsonl"), "doc_id", args.limit, args.seed)
    t0 = time.perf_counter()
    scored = judges.score(rows, lambda r: r["references"][:1])
    elapsed = time.perf_counter() - t0
    by_doc: dict[str, list[int]] = defaultdict(list)
    for i, r in enumerate(rows):
        by_doc[r["doc_id"]].append(i)
    human = np.asarray([r["expert"]["consistency"] for r in rows], float)
    print(f"SummEval (held out): {len(rows)} summaries, {len(by_doc)} articles; judged in {elapsed:.1f}s")
    print(f"== {title('SummEval', fake)} ==")
    print("expert consistency, mean over articles of per-article Spearman (articles where all summaries tie "
          f"are skipped); 95% bootstrap interval over articles ({args.bootstrap} resamples)")
    print(f"  {'metric':40s} {'n':>5s} {'articles':>8s} {'Spearman':>8s} {'Spearman 95%':>15s} "
          f"{'Δ Spearman vs faithfulness.score':>32s}")
    per_doc: dict[str, list[float]] = {}
    for m in METRICS:
        vals = np.asarray([s[m] for s in scored], float)
        rhos = []
        for ix in by_doc.values():
            keep = [i for i in ix if vals[i] == vals[i]]
            rhos.append(spearman(vals[keep], human[keep]) if len(keep) >= 2 else math.nan)
        per_doc[m] = rhos
    rng = np.random.default_rng(args.seed)
    draws = [rng.integers(0, len(by_doc), len(by_doc)) for _ in range(args.bootstrap)]

    def mean_rho(rhos: np.ndarray) -> float:
        finite = rhos[np.isfinite(rhos)]
        return float(finite.mean()) if len(finite) else math.nan

    faith = np.asarray(per_doc[FAITH], float)
    for m in METRICS:
        rhos = np.asarray(per_doc[m], float)
        boot = [mean_rho(rhos[d]) for d in draws]
        delta = ""
        if m != FAITH:
            both = np.isfinite(rhos) & np.isfinite(faith)  # the same articles for both
            diff = rhos - faith
            point = float(diff[both].mean()) if both.any() else math.nan
            ci = interval([mean_rho(np.where(both, diff, np.nan)[d]) for d in draws])
            delta = f"{fmt(point)} {fmt_ci(ci)}"
        print(f"  {LABELS[m]:40s} {usable(scored, m):5d} {int(np.isfinite(rhos).sum()):8d} {fmt(mean_rho(rhos))}  "
              f"{fmt_ci(interval(boot))} {delta:>32s}")
    print("  published (Liu et al. 2023, G-Eval, Table 1; all 1600 summaries): "
          + ", ".join(f"{n} {s:.3f}" for n, s in PUBLISHED_SUMMEVAL))
    for line in judge_notes(scored):
        print(line)


def print_usage(judges: Judges, args: argparse.Namespace, fake: bool) -> None:
    u = judges.usage
    n = u.n
    print(f"judge calls: {n['calls']} ({n['cached']} from the cache, {n['calls'] - n['cached']} sent); tokens: "
          f"{n['prompt_tokens']:,} prompt + {n['completion_tokens']:,} completion")
    if args.price_input is None and args.price_output is None:
        print("cost: no price given (--price-input/--price-output, USD per million tokens)")
    else:
        print(f"cost: ${u.spent:.4f} spent on the calls sent; ${u.worth:.4f} for all {n['calls']} calls at "
              f"${args.price_input or 0:g}/${args.price_output or 0:g} per million tokens"
              + (" (FAKE server: nothing was paid)" if fake else ""))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--base-url", help="the judge's OpenAI-compatible endpoint (default: the FAKE server, "
                                       "started here; figures meaningless)")
    ap.add_argument("--model", help="the judge model (required with --base-url)")
    ap.add_argument("--api-key-env", help="name of the environment variable holding the key (never printed)")
    ap.add_argument("--limit", type=int, default=200, help="summaries per dataset (default 200)")
    ap.add_argument("--split", choices=["valid", "test"], default="valid",
                    help="FRANK valid (development, default) or test (held out; SummEval too)")
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data",
                    help="folder holding frank/ and summeval/ (default ../shared/data from the repo root)")
    ap.add_argument("--concurrency", type=int, default=8, help="judge requests in flight (default 8)")
    ap.add_argument("--cache-dir", type=Path, help="response cache (default: sumbench's, "
                                                   "$SUMBENCH_CACHE_DIR or ~/.cache/sumbench)")
    ap.add_argument("--no-logprobs", action="store_true", help="do not ask for token logprobs")
    ap.add_argument("--temperature", type=float, help="judge temperature (default: the server's)")
    ap.add_argument("--timeout", type=float, default=120.0, help="seconds per request (default 120)")
    ap.add_argument("--price-input", type=float, help="USD per million prompt tokens")
    ap.add_argument("--price-output", type=float, help="USD per million completion tokens")
    ap.add_argument("--seed", type=int, default=0, help="order of articles and bootstrap (default 0)")
    ap.add_argument("--bootstrap", type=int, default=1000, help="bootstrap resamples (default 1000)")
    args = ap.parse_args(argv)
    if args.limit < 1 or args.concurrency < 1 or args.bootstrap < 0:
        ap.error("--limit and --concurrency must be >= 1, --bootstrap >= 0")
    fake = args.base_url is None
    if not fake and not args.model:
        ap.error("--model is required with --base-url")
    if fake:
        print(FAKE_WARNING)
        print("  (no --base-url: the project's FAKE server answers every judge prompt with the same "
              "schema-shaped JSON; pass --base-url/--model to validate a real judge)")
        args.model = args.model or "sumbench-fake"
    frank_file = args.data / "frank" / "frank_benchmark.jsonl"
    summeval_file = args.data / "summeval" / "summeval_expert.jsonl"
    t0 = time.perf_counter()
    with ExitStack() as stack:
        if fake:
            from harness.testing.fake_server import FakeServer

            base_url = stack.enter_context(FakeServer()).base_url
        else:
            base_url = args.base_url
        if args.cache_dir is not None:
            cache_dir = args.cache_dir
        elif fake:  # fake answers on a random port would only litter the real cache
            cache_dir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="judge-validation-")))
        else:
            cache_dir = default_cache_dir()
        try:
            judges = Judges(args, base_url, Cache(cache_dir))
        except UserError as exc:
            print(f"error: {exc.what}" + (f" ({exc.fix})" if exc.fix else ""), file=sys.stderr)
            return 2
        key = f", key from ${args.api_key_env}" if args.api_key_env else ""
        print(f"judge: model {args.model} at {'the FAKE server ' if fake else ''}{base_url}{key}; "
              f"logprobs {'off' if args.no_logprobs else 'asked'}; cache "
              f"{'temporary' if fake and args.cache_dir is None else cache_dir}; "
              f"rows: articles in seeded order (seed {args.seed}), first {args.limit} summaries per dataset")
        for name, needed, report in (
                ("FRANK", frank_file, lambda: frank(frank_file.parent, args.split, judges, args, fake)),
                ("SummEval", summeval_file, lambda: summeval(summeval_file.parent, judges, args, fake))):
            print()
            if name == "SummEval" and args.split != "test":
                print("SummEval: not read (held out as a whole; --split test reports it)")
            elif needed.exists():
                report()
            else:
                print(f"skipped {name}: {needed} not found")
        print()
        print_usage(judges, args, fake)
    if fake:
        print(FAKE_WARNING)
    print(f"total {time.perf_counter() - t0:.1f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
