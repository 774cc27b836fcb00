"""Concurrency benchmark: how close `sumbench run` gets to ideal throughput, and to the raw SDK.

Against the local FAKE server (run in its own process, 200 ms per answer),
400 synthetic items, one prompt variant, cache off:

1. Efficiency at concurrency 8, 32 and 64:
   ideal request-phase time (400 x 0.2 s / C) divided by the measured one.
   The request phase is measured by the server: from the first request it
   receives to the last answer it sends (it includes all client-side gaps).
   `sumbench run` runs in-process (harness.cli.main) with scoring on.
2. The whole `sumbench run` command (a subprocess: start-up, loading, scoring,
   writing the run folder) next to a minimal script that calls the SDK directly
   from a thread pool of the same size (also a subprocess), in the same run,
   as a ratio (sumbench / raw SDK).

Real-length articles: ``--articles PATH`` takes the items from a JSONL file of
news articles (e.g. FRANK's frank_articles.jsonl: fields ``hash``, ``dataset``,
``article``, ``reference``), using its ``cnndm`` rows (``--dataset``), cycled up
to --items with a unique id each, the ``reference`` field as the reference and
ROUGE only as the scorer (``--scorers`` picks others). The file is read at run
time, never copied into the repository.

``--raw async`` compares with a minimal asyncio script instead (openai.AsyncOpenAI,
a semaphore of C, gather; the same JSONL out); ``--raw threads async`` with both.

``--warm`` first runs each command once, untimed, with Python's bytecode cache
on (in the temporary folder: PYTHONPYCACHEPREFIX), so no timed run compiles
modules from source. Without it, a shell with PYTHONDONTWRITEBYTECODE=1 and a
checkout without __pycache__ makes every `sumbench run` compile its ~90 modules
(about 0.1 s of start-up that an installed sumbench does not pay); the
benchmark says when that is the case.

Usage: python benchmarks/concurrency.py [--items 400] [--latency 0.2] [--repeat 1]
       [--articles PATH] [--raw threads|async ...] [--compare-at 8 32 64] [--scorers rouge ...] [--warm]
Prints the figures and the machine's load average (other work on the machine
slows both sides).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from harness.testing.synthetic import PROMPTS, write_synthetic_suite  # noqa: E402

RAW_SCRIPT = '''
import json, sys
from concurrent.futures import ThreadPoolExecutor
import openai

base_url, items_path, prompt_path, out_path, concurrency = sys.argv[1:]
client = openai.OpenAI(api_key="sk-none", base_url=base_url, max_retries=0)
prompt = open(prompt_path, encoding="utf-8").read()
items = [json.loads(line) for line in open(items_path, encoding="utf-8")]

def one(item):
    messages = [{"role": "user", "content": prompt.replace("{article}", item["article"])}]
    r = client.chat.completions.create(model="sumbench-fake", messages=messages)
    return {"id": item["id"], "summary": r.choices[0].message.content}

with ThreadPoolExecutor(int(concurrency)) as pool, open(out_path, "w", encoding="utf-8") as fh:
    for rec in pool.map(one, items):
        fh.write(json.dumps(rec) + "\\n")
'''

RAW_ASYNC_SCRIPT = '''
import asyncio, json, sys
import openai

base_url, items_path, prompt_path, out_path, concurrency = sys.argv[1:]
prompt = open(prompt_path, encoding="utf-8").read()
items = [json.loads(line) for line in open(items_path, encoding="utf-8")]

async def main():
    client = openai.AsyncOpenAI(api_key="sk-none", base_url=base_url, max_retries=0)
    sem = asyncio.Semaphore(int(concurrency))

    async def one(item):
        messages = [{"role": "user", "content": prompt.replace("{article}", item["article"])}]
        async with sem:
            r = await client.chat.completions.create(model="sumbench-fake", messages=messages)
        return {"id": item["id"], "summary": r.choices[0].message.content}

    recs = await asyncio.gather(*(one(item) for item in items))
    with open(out_path, "w", encoding="utf-8") as fh:
        for rec in recs:
            fh.write(json.dumps(rec) + "\\n")
    await client.close()

asyncio.run(main())
'''
RAW_SCRIPTS = {"threads": RAW_SCRIPT, "async": RAW_ASYNC_SCRIPT}


def write_article_suite(folder: Path, source: Path, n: int, *, base_url: str, dataset: str,
                        scorers: list[str]) -> Path:
    """A suite of ``n`` real articles read from ``source`` (rows of ``dataset``, cycled; unique ids),
    one system (the synthetic suite's "concise" prompt) against ``base_url``."""
    rows = []
    with source.open(encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                row = json.loads(line)
                if row.get("dataset") == dataset and row.get("article") and row.get("reference"):
                    rows.append(row)
    if not rows:
        raise SystemExit(f"{source}: no rows with dataset == {dataset!r} (and an article and a reference)")
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / "items.jsonl").open("w", encoding="utf-8") as fh:
        for i in range(n):
            row = rows[i % len(rows)]
            item_id = f"{dataset}-{i:04d}-{str(row.get('hash', ''))[:10]}"
            fh.write(json.dumps({"id": item_id, "article": row["article"], "reference": row["reference"]}) + "\n")
    (folder / "concise.txt").write_text(PROMPTS["concise"], encoding="utf-8")
    lines = [f'name = "articles-{dataset}"', f'description = "{n} {dataset} articles from {source.name}"',
             'items = "items.jsonl"', "scorers = [" + ", ".join(json.dumps(x) for x in scorers) + "]", "",
             "[fields]", 'id = "id"', 'article = "article"', 'references = "reference"', "",
             "[[systems]]", 'name = "concise"', 'backend = "openai"', 'model = "sumbench-fake"',
             'prompt = "concise.txt"', "price = { input = 0.15, output = 0.60 }", f'base_url = "{base_url}"', ""]
    suite = folder / "suite.toml"
    suite.write_text("\n".join(lines), encoding="utf-8")
    return suite


class Server:
    """The fake server in a child process, so it does not share our GIL."""

    def __init__(self, latency: float):
        self.proc = subprocess.Popen([sys.executable, "-m", "harness.testing.fake_server", "--port", "0",
                                      "--latency", str(latency)], cwd=ROOT, stdout=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline()
        self.base_url = line.split(" on ")[1].split()[0]

    def get(self, path: str) -> dict:
        root = self.base_url.rsplit("/v1", 1)[0]
        with urllib.request.urlopen(root + path, timeout=10) as resp:
            return json.loads(resp.read())

    def close(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=10)


def sumbench_in_process(suite: Path, out: Path, concurrency: int) -> float:
    from harness.cli import main

    t0 = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()):
        code = main(["run", str(suite), "--out", str(out), "--concurrency", str(concurrency), "--no-cache"])
    if code != 0:
        raise SystemExit(f"sumbench run failed with exit code {code}")
    return time.perf_counter() - t0


def timed_subprocess(argv: list[str], env: dict[str, str]) -> float:
    t0 = time.perf_counter()
    subprocess.run(argv, cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - t0


def phased_subprocess(argv: list[str], env: dict[str, str], server: Server) -> tuple[float, float, float, float]:
    """(whole, start-up, request phase, finish) seconds of one command; the phases come from the
    server's clock (time.monotonic() is system-wide), so start-up = launch to first request received."""
    server.get("/_sumbench/reset")
    t0 = time.monotonic()
    subprocess.run(argv, cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
    t1 = time.monotonic()
    st = server.get("/_sumbench/stats")
    first, last = st["first_request_monotonic"], st["last_response_monotonic"]
    return t1 - t0, first - t0, last - first, t1 - last


def uncompiled_modules() -> int:
    """harness modules this interpreter would compile from source at every start: no up-to-date
    .pyc beside them while PYTHONDONTWRITEBYTECODE keeps one from being written."""
    import importlib.util

    if not os.environ.get("PYTHONDONTWRITEBYTECODE") or sys.pycache_prefix:
        return 0
    n = 0
    for src in (ROOT / "harness").rglob("*.py"):
        pyc = Path(importlib.util.cache_from_source(str(src)))
        n += not pyc.exists() or pyc.stat().st_mtime < src.stat().st_mtime
    return n


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--items", type=int, default=400)
    ap.add_argument("--latency", type=float, default=0.2)
    ap.add_argument("--concurrency", type=int, nargs="+", default=[8, 32, 64])
    ap.add_argument("--compare-at", type=int, nargs="+", default=[8, 32],
                    help="concurrency levels for the sumbench-vs-raw-SDK comparison (e.g. 8 32 64)")
    ap.add_argument("--repeat", type=int, default=1, help="repeat each measurement, report the best")
    ap.add_argument("--articles", type=Path, metavar="PATH",
                    help="JSONL of real articles (e.g. FRANK's frank_articles.jsonl) instead of synthetic ones")
    ap.add_argument("--dataset", default="cnndm", help="with --articles: the rows whose 'dataset' is this")
    ap.add_argument("--scorers", nargs="+", metavar="NAME",
                    help="the suite's scorers (default: rouge with --articles; rouge, checklist, length otherwise)")
    ap.add_argument("--raw", nargs="+", choices=sorted(RAW_SCRIPTS), default=["threads"],
                    help="the raw-SDK script(s) to compare with: a thread pool (threads) and/or asyncio (async)")
    ap.add_argument("--skip-efficiency", action="store_true", help="only the whole-command comparison (part 2)")
    ap.add_argument("--warm", action="store_true",
                    help="run each command once untimed first, with the bytecode cache on (in the temp folder)")
    args = ap.parse_args()
    if args.articles is not None and not args.articles.is_file():
        raise SystemExit(f"--articles {args.articles}: no such file (pass FRANK's frank_articles.jsonl, "
                         "or leave --articles out for synthetic articles)")

    tmp = Path(tempfile.mkdtemp(prefix="sumbench-bench-"))
    server = Server(args.latency)
    env = {**os.environ, "SUMBENCH_CACHE_DIR": str(tmp / "cache"), "PYTHONPATH": str(ROOT)}
    if args.warm:  # both sides read compiled modules from the warm-up's cache, none compiles in a timed run
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(tmp / "pycache")
    os.environ["SUMBENCH_CACHE_DIR"] = str(tmp / "cache")
    try:
        if args.articles is not None:
            scorers = args.scorers or ["rouge"]
            suite = write_article_suite(tmp / "ds", args.articles, args.items, base_url=server.base_url,
                                        dataset=args.dataset, scorers=scorers)
            arts = [json.loads(line)["article"] for line in open(tmp / "ds" / "items.jsonl", encoding="utf-8")]
            what = (f"{args.items} {args.dataset} articles from {args.articles.name} "
                    f"(mean {sum(len(a.split()) for a in arts) / len(arts):.0f} words)")
        else:
            scorers = args.scorers or ["rouge", "checklist", "length"]
            suite = write_synthetic_suite(tmp / "ds", args.items, base_url=server.base_url, variants=("concise",))
            if args.scorers:
                text = suite.read_text(encoding="utf-8").replace(
                    'scorers = ["rouge", "checklist", "length"]',
                    "scorers = [" + ", ".join(json.dumps(x) for x in scorers) + "]")
                suite.write_text(text, encoding="utf-8")
            what = f"{args.items} synthetic items"
        print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())} "
              f"({os.cpu_count()} CPUs); {what}, fake server latency {args.latency * 1000:.0f} ms, "
              f"scoring on ({', '.join(scorers)}), cache off\n")
        for kind in args.raw:
            (tmp / f"raw_{kind}.py").write_text(RAW_SCRIPTS[kind], encoding="utf-8")

        def raw_cmd(c: int, n: int, kind: str = args.raw[0]) -> list[str]:
            return [sys.executable, str(tmp / f"raw_{kind}.py"), server.base_url, str(tmp / "ds" / "items.jsonl"),
                    str(tmp / "ds" / "concise.txt"), str(tmp / f"raw{n}.jsonl"), str(c)]

        def ours_cmd(c: int, n: int) -> list[str]:
            return [sys.executable, "-m", "harness", "run", str(suite), "--out", str(tmp / f"cmd{n}"),
                    "--concurrency", str(c), "--no-cache"]

        n = 0
        stale = 0 if args.warm else uncompiled_modules()
        if stale:
            print(f"note: {stale} harness modules have no up-to-date .pyc and PYTHONDONTWRITEBYTECODE is set: every "
                  "`sumbench run` below compiles them from source (~0.1 s of its start-up); --warm avoids it\n")
        if args.warm:
            print("warm-up: one untimed run of each command (compiles every module into the temp folder's cache)\n")
            few = tmp / "ds" / "warm-up.jsonl"  # a few items: the raw scripts have no --limit
            few.write_text("".join(open(tmp / "ds" / "items.jsonl", encoding="utf-8").readlines()[:8]), encoding="utf-8")
            for kind in args.raw:
                n += 1
                argv = raw_cmd(8, n, kind)
                argv[3] = str(few)
                subprocess.run(argv, cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
            n += 1
            subprocess.run(ours_cmd(8, n) + ["--limit", "8"], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
        if not args.skip_efficiency:
            print("1. request-phase efficiency (ideal / measured; measured by the server from first request to "
                  f"last answer)\n   of sumbench run, and of the raw-SDK script ({args.raw[0]}) on the same machine "
                  "for reference")
            print(f"{'concurrency':>11}  {'ideal s':>8}  {'sumbench s':>10}  {'efficiency':>10}  "
                  f"{'raw SDK eff.':>12}  {'whole run s':>11}")
        for c in ([] if args.skip_efficiency else args.concurrency):
            best_span, best_wall = None, None
            for _ in range(args.repeat):
                server.get("/_sumbench/reset")
                n += 1
                wall = sumbench_in_process(suite, tmp / f"run{n}", c)
                stats = server.get("/_sumbench/stats")
                assert stats["requests"] == args.items, stats
                if best_span is None or stats["span_seconds"] < best_span:
                    best_span, best_wall = stats["span_seconds"], wall
            raw_span = None
            for _ in range(args.repeat):
                server.get("/_sumbench/reset")
                n += 1
                timed_subprocess(raw_cmd(c, n), env)
                span = server.get("/_sumbench/stats")["span_seconds"]
                raw_span = span if raw_span is None else min(raw_span, span)
            ideal = args.items * args.latency / c
            print(f"{c:>11}  {ideal:>8.3f}  {best_span:>10.3f}  {ideal / best_span:>10.3f}  {ideal / raw_span:>12.3f}"
                  f"  {best_wall:>11.3f}")

        print(f"\n2. whole `sumbench run` command vs a minimal raw-SDK script ({' and '.join(args.raw)}; both "
              "subprocesses,\n   interleaved, best of --repeat); each time split into start-up (launch to first "
              "request) /\n   request phase / finish (last answer to exit: scoring what is left, metrics, reports)")
        print(f"{'concurrency':>11}  {'raw':>7}  {'raw SDK s':>9}  {'(start/req/finish)':>18}  {'sumbench s':>10}  "
              f"{'(start/req/finish)':>18}  {'ratio':>6}")
        for c in args.compare_at:
            raw_t: dict[str, list[tuple[float, float, float, float]]] = {k: [] for k in args.raw}
            ours_t = []
            for _ in range(args.repeat):
                for kind in args.raw:
                    n += 1
                    raw_t[kind].append(phased_subprocess(raw_cmd(c, n, kind), env, server))
                n += 1
                ours_t.append(phased_subprocess(ours_cmd(c, n), env, server))
            ours_b = min(ours_t)  # the fastest whole run of each, with its phases
            for kind in args.raw:
                raw_b = min(raw_t[kind])
                print(f"{c:>11}  {kind:>7}  {raw_b[0]:>9.3f}  {'/'.join(f'{x:.2f}' for x in raw_b[1:]):>18}  "
                      f"{ours_b[0]:>10.3f}  {'/'.join(f'{x:.2f}' for x in ours_b[1:]):>18}  "
                      f"{ours_b[0] / raw_b[0]:>6.3f}")
        print(f"\nload average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    finally:
        server.close()


if __name__ == "__main__":
    main()
