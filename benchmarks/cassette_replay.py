"""Replay cost per request: ``sumbench run --cassette``'s indexed matcher vs vcrpy's default matching.

For each cassette size N, N chat completions are recorded from the local FAKE server (through
the ``openai`` SDK, as a run sends them, into a cassette written by
``harness.testing.user_cassette``), then ``--requests`` of them, spread over the whole cassette,
are replayed twice from that file:

* ``indexed``: ``use_run_cassette`` (a dict from method, path and normalised-body digest to the
  recorded answers: the cost should stay flat as N grows);
* ``vcrpy``: a plain ``vcr.VCR(record_mode="none", match_on=("method", "path", "body"))``, which
  tries the stored interactions one by one (every body parsed as JSON): the cost grows with N.

Two timings per replay: the whole SDK call (what a run pays per request) and the lookup alone
(``can_play_response_for`` + ``play_response`` on a ready vcrpy Request, without the SDK's own
~0.3 ms). Loading the file (YAML parse, and for ``indexed`` building the index) is shown apart.
The answers are FAKE; only the plumbing is measured.

    python benchmarks/cassette_replay.py                     # N = 100, 1000, 5000
    python benchmarks/cassette_replay.py --sizes 100 1000 --requests 50
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from harness.testing.fake_server import FakeServer  # noqa: E402
from harness.testing.synthetic import PROMPTS, synthetic_item  # noqa: E402
from harness.testing.user_cassette import use_run_cassette  # noqa: E402

DEAD_URL = "http://127.0.0.1:9/v1"  # replays point here: nothing listens, vcrpy must answer


def bodies(n: int) -> list[dict]:
    """n distinct chat-completion bodies shaped like a run's (a ~1 KB prompt each)."""
    rng = random.Random(0)
    return [{"model": "sumbench-fake", "temperature": 0, "max_tokens": 200,
             "messages": [{"role": "user",
                           "content": PROMPTS["concise"].format(article=synthetic_item(i, rng)["article"])}]}
            for i in range(n)]


def client(base_url: str):
    import openai

    return openai.OpenAI(api_key="sk-none", base_url=base_url, max_retries=0, timeout=30)


def record(path: Path, reqs: list[dict]) -> float:
    t0 = time.perf_counter()
    with FakeServer() as srv, use_run_cassette(path, record=True, suite="(benchmark)"):
        c = client(srv.base_url)
        for body in reqs:
            c.post("/chat/completions", cast_to=object, body=body)
    return time.perf_counter() - t0


def vcr_request(body: dict):
    import json

    from vcr.request import Request

    return Request("POST", f"{DEAD_URL}/chat/completions", json.dumps(body).encode(),
                   {"Content-Type": "application/json"})


def timed(items: list, fn, budget: float) -> float:
    """µs per item of ``fn(item)``, over the items done within ``budget`` seconds (at least 3)."""
    t0 = time.perf_counter()
    for done, item in enumerate(items, 1):
        fn(item)
        if done >= 3 and time.perf_counter() - t0 > budget:
            break
    return (time.perf_counter() - t0) / done * 1e6


def replay(path: Path, sample: list[dict], indexed: bool, budget: float) -> tuple[float, float, float]:
    """(load seconds, SDK call µs per request, lookup µs per request)."""
    import vcr

    t0 = time.perf_counter()
    if indexed:
        ctx = use_run_cassette(path, suite="(benchmark)")
    else:
        ctx = vcr.VCR(record_mode="none", match_on=("method", "path", "body")).use_cassette(
            str(path), allow_playback_repeats=True)
    with ctx as cm:
        cassette = cm.cassette if indexed else cm
        load = time.perf_counter() - t0
        c = client(DEAD_URL)
        for body in sample[:3]:  # warm-up: the SDK's first request builds its machinery
            c.post("/chat/completions", cast_to=object, body=body)
        call = timed(sample, lambda body: c.post("/chat/completions", cast_to=object, body=body), budget)

        def lookup_one(r) -> None:
            assert cassette.can_play_response_for(r)
            cassette.play_response(r)
        for body in sample[:3]:
            lookup_one(vcr_request(body))
        lookup = timed([vcr_request(b) for b in sample], lookup_one, budget)
    if indexed:
        assert cm.misses == 0
    return load, call, lookup


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[100, 1000, 5000])
    ap.add_argument("--requests", type=int, default=100, help="replayed per cassette and matcher (at most)")
    ap.add_argument("--budget", type=float, default=4.0,
                    help="seconds per timing at most (vcrpy's default matching needs ~0.2 ms x N per request)")
    args = ap.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.sizes:
            reqs = bodies(n)
            path = Path(tmp) / f"cassette-{n}.yaml"
            rec_s = record(path, reqs)
            sample = random.Random(1).sample(reqs, min(n, args.requests))  # any prefix is spread over the file
            ours = replay(path, sample, indexed=True, budget=args.budget)
            theirs = replay(path, sample, indexed=False, budget=args.budget)
            rows.append((n, path.stat().st_size / 1e6, rec_s, ours, theirs))
            print(f"N={n}: recorded in {rec_s:.1f}s ({path.stat().st_size / 1e6:.1f} MB)", file=sys.stderr)
    print(f"\nreplaying up to {args.requests} requests drawn from each cassette, at most {args.budget:g}s per "
          "timing (FAKE server recordings)\n")
    head = ("N", "MB", "load idx s", "load vcr s", "call idx µs", "call vcr µs", "call ratio",
            "lookup idx µs", "lookup vcr µs", "lookup ratio")
    print("  ".join(f"{h:>13}" for h in head))
    for n, mb, _, (l1, c1, k1), (l2, c2, k2) in rows:
        cells = (n, f"{mb:.1f}", f"{l1:.2f}", f"{l2:.2f}", f"{c1:.0f}", f"{c2:.0f}", f"{c2 / c1:.1f}x",
                 f"{k1:.0f}", f"{k2:.0f}", f"{k2 / k1:.1f}x")
        print("  ".join(f"{c:>13}" for c in cells))
    first, last = rows[0], rows[-1]
    print(f"\nindexed lookup from N={first[0]} to N={last[0]}: {first[3][2]:.0f} -> {last[3][2]:.0f} µs "
          f"({last[3][2] / first[3][2]:.1f}x); vcrpy default: {first[4][2]:.0f} -> {last[4][2]:.0f} µs "
          f"({last[4][2] / first[4][2]:.1f}x)")


if __name__ == "__main__":
    main()
