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

Usage: python benchmarks/concurrency.py [--items 400] [--latency 0.2] [--repeat 1]
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

from harness.testing.synthetic import write_synthetic_suite  # noqa: E402

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


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--items", type=int, default=400)
    ap.add_argument("--latency", type=float, default=0.2)
    ap.add_argument("--concurrency", type=int, nargs="+", default=[8, 32, 64])
    ap.add_argument("--compare-at", type=int, nargs="+", default=[8, 32],
                    help="concurrency levels for the sumbench-vs-raw-SDK comparison (8 is the default)")
    ap.add_argument("--repeat", type=int, default=1, help="repeat each measurement, report the best")
    args = ap.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="sumbench-bench-"))
    server = Server(args.latency)
    env = {**os.environ, "SUMBENCH_CACHE_DIR": str(tmp / "cache"), "PYTHONPATH": str(ROOT)}
    os.environ["SUMBENCH_CACHE_DIR"] = str(tmp / "cache")
    try:
        suite = write_synthetic_suite(tmp / "ds", args.items, base_url=server.base_url, variants=("concise",))
        print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())} "
              f"({os.cpu_count()} CPUs); {args.items} items, fake server latency {args.latency * 1000:.0f} ms, "
              "scoring on (rouge, checklist, length), cache off\n")
        raw = tmp / "raw.py"
        raw.write_text(RAW_SCRIPT, encoding="utf-8")

        def raw_cmd(c: int, n: int) -> list[str]:
            return [sys.executable, str(raw), server.base_url, str(tmp / "ds" / "items.jsonl"),
                    str(tmp / "ds" / "concise.txt"), str(tmp / f"raw{n}.jsonl"), str(c)]

        print("1. request-phase efficiency (ideal / measured; measured by the server from first request to last "
              "answer)\n   of sumbench run, and of the raw-SDK script on the same machine for reference")
        print(f"{'concurrency':>11}  {'ideal s':>8}  {'sumbench s':>10}  {'efficiency':>10}  {'raw SDK eff.':>12}"
              f"  {'whole run s':>11}")
        n = 0
        for c in args.concurrency:
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

        print("\n2. whole `sumbench run` command vs a minimal raw-SDK thread-pool script (both subprocesses);\n"
              "   each time split into start-up (launch to first request) / request phase / finish (last answer\n"
              "   to exit: scoring what is left, metrics, reports)")
        print(f"{'concurrency':>11}  {'raw SDK s':>9}  {'(start/req/finish)':>18}  {'sumbench s':>10}  "
              f"{'(start/req/finish)':>18}  {'ratio':>6}")
        for c in args.compare_at:
            raw_t, ours_t = [], []
            for _ in range(args.repeat):
                n += 1
                raw_t.append(phased_subprocess(raw_cmd(c, n), env, server))
                ours_t.append(phased_subprocess([sys.executable, "-m", "harness", "run", str(suite), "--out",
                                                 str(tmp / f"cmd{n}"), "--concurrency", str(c), "--no-cache"],
                                                env, server))
            raw_b, ours_b = min(raw_t), min(ours_t)  # the fastest whole run of each, with its phases
            print(f"{c:>11}  {raw_b[0]:>9.3f}  {'/'.join(f'{x:.2f}' for x in raw_b[1:]):>18}  {ours_b[0]:>10.3f}  "
                  f"{'/'.join(f'{x:.2f}' for x in ours_b[1:]):>18}  {ours_b[0] / raw_b[0]:>6.3f}")
        print(f"\nload average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    finally:
        server.close()


if __name__ == "__main__":
    main()
