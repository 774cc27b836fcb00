"""A 25% fault soak against the local FAKE server: answers recovered, every record has an outcome, none twice.

Faults of every kind a client can see (429 with Retry-After, 500, 503, a dropped connection,
a truncated 200 body, a request that hangs past the timeout) on a quarter of all requests.
One request at a time, so the seeded fault sequence meets the same requests on every run.
"""

from __future__ import annotations

import json

from harness.backends import retry
from harness.cli import main
from harness.testing.fake_server import FakeServer
from harness.testing.synthetic import write_synthetic_suite

ITEMS = 150


def test_a_quarter_of_requests_failing_loses_no_answer(tmp_path, monkeypatch):
    monkeypatch.setattr(retry, "SLEEP", lambda seconds: None)
    monkeypatch.setenv("SUMBENCH_CACHE_DIR", str(tmp_path / "cache"))
    kinds = ("429", "500", "503", "drop", "malformed", "hang")
    with FakeServer(fault_rate=0.25, fault_kinds=kinds, seed=7, hang_seconds=5) as srv:
        suite = write_synthetic_suite(tmp_path / "ds", ITEMS, variants=("concise",), base_url=srv.base_url,
                                      extra="timeout = 0.3")
        code = main(["run", str(suite), "--out", str(tmp_path / "run"), "--concurrency", "1"])
        outcomes = dict(srv.outcomes)
    recs = [json.loads(line) for line in (tmp_path / "run" / "records.jsonl").read_text().splitlines()]
    assert len(recs) == ITEMS and len({r["item_id"] for r in recs}) == ITEMS  # one record per item, none twice
    assert all((r["summary"] is None) != (r["error"] is None) for r in recs)  # every record has one outcome
    recovered = sum(r["summary"] is not None for r in recs)
    assert recovered / ITEMS >= 0.995, [r["error"] for r in recs if r["error"]]
    assert sum(n for k, n in outcomes.items() if k != "ok") >= 0.2 * sum(outcomes.values())  # faults did happen
    assert all(outcomes.get(k, 0) > 0 for k in kinds)
    assert code == (0 if recovered == ITEMS else 1)
