"""The ``[pairwise]`` judge's request and parse path over HTTP, replayed from a cassette (vcrpy).

The cassette in cassettes/test_pairwise_cassette/ was recorded against the project's
local FAKE server (its first line says so) with the scripted ``responder`` below: the
verdicts and reasons are test fixtures, not a model's judgement. Replay is offline
(``record_mode="none"``, base URL ``http://127.0.0.1:9/v1`` where nothing listens).
Re-record with ``SUMBENCH_RECORD=fake pytest tests/integration/test_pairwise_cassette.py``.

Why the set-up looks like this:

* the judge is built the way ``sumbench run`` builds it (``PairwiseJudge`` from a suite's
  ``[pairwise]`` table, loaded by ``load_suite``) with ``cache=None``: every order is an
  HTTP request;
* a chat request's body does not contain the base URL, and requests are matched on
  method, path and body, so recording may use any port and replay another URL;
* 2 items x 1 pair x 2 orders = 4 requests with 4 different bodies: vcrpy matches each
  by its body, so the order in which the judge's threads send them does not matter,
  and playback repeats are off (each recorded answer is used exactly once);
* the responder says "first" when the summary shown first carries ``MARKER``, else
  "second": the orders agree for the item whose ``alpha`` summary has the marker and
  disagree for the other; each reason holds non-ASCII text and quotes.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from harness.backends import retry
from harness.core.models import Record, Usage
from harness.results.pairwise import OrderVerdict, outcome, read_pairwise
from harness.run.pairwise import SCHEMA, PairwiseJudge, run_pairwise
from harness.suite.datasets import load_suite
from harness.testing.cassettes import FAKE_LABEL, REPLAY_BASE_URL, make_vcr, record_mode
from harness.testing.fake_server import FakeServer

CASSETTES = Path(__file__).parent / "cassettes" / "test_pairwise_cassette"
CASSETTE = "pairwise_both_orders.yaml"
KEY_ENV = "SUMBENCH_TEST_KEY"
DUMMY_KEY = "test-only-not-a-key-pairwise-cassette"
MODEL = "fake-judge"
PRICE = (0.15, 0.60)  # USD per million input / output tokens
A, B = "alpha", "beta"
MARKER = "(marked)"

# item id -> (article, alpha's summary, beta's summary); the articles carry non-ASCII too
ITEMS = {
    "bridge": (("The city council approved a new cycling bridge on Tuesday. It will cost 12 million € and "
                "should take 18 months. Opponents said the money was needed for schools."),
               f"The council approved a 12 million € cycling bridge {MARKER}.",
               "A bridge was discussed."),
    "harbour": (("Fishermen in Ærøskøbing reported a record herring catch this week, the largest since 1998. "
                 "Prices at the harbour fell by a third."),
                "Herring catches were high in Ærøskøbing.",
                "A record herring catch made prices fall by a third."),
}
EXPECTED = {"bridge": ("a", True), "harbour": ("tie", False)}  # what the responder's rule gives


def between(text: str, tag: str) -> str:
    return text.split(f"<{tag}>")[1].split(f"</{tag}>")[0]


def responder(body: dict[str, Any]) -> str | None:
    """The scripted judge: 'first' when the first summary carries MARKER, else 'second'."""
    fmt = body.get("response_format") or {}
    if (fmt.get("json_schema") or {}).get("name") != "pairwise_verdict":
        return None  # nothing else should be asked; the test asserts the fake saw only judge calls
    prompt = body["messages"][-1]["content"]
    first = between(prompt, "first_summary").strip()
    verdict = "first" if MARKER in first else "second"
    reason = f'Résumé «{first[:16]}» — the {verdict} one says "more", l\'autre non.'
    return json.dumps({"verdict": verdict, "reason": reason}, ensure_ascii=False)


# -- the endpoint and the judge --------------------------------------------------------------------
@pytest.fixture
def server(monkeypatch):
    """A FakeServer (any free port) while recording; None on replay: nothing listens."""
    mode = record_mode()
    if mode == "real":
        pytest.skip("this cassette is recorded against the FAKE server only (SUMBENCH_RECORD=fake)")
    monkeypatch.setenv(KEY_ENV, DUMMY_KEY)
    monkeypatch.setattr(retry, "SLEEP", lambda seconds: None)  # retries never sleep in tests
    if mode == "fake":
        with FakeServer(responder=responder, require_key=DUMMY_KEY) as srv:
            yield srv
        stats = srv.stats()
        assert stats["chat_completions"] == stats["requests"] == 2 * len(ITEMS)  # the judge's calls, no more
        assert srv.auth_seen == {f"Bearer {DUMMY_KEY}"}  # the key from $SUMBENCH_TEST_KEY was sent
    else:
        yield None


def write_suite(folder: Path, base_url: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / "items.jsonl").open("w", encoding="utf-8") as fh:
        for item_id, (article, *_) in ITEMS.items():
            fh.write(json.dumps({"id": item_id, "article": article, "reference": "-"}, ensure_ascii=False) + "\n")
    suite = folder / "suite.toml"
    suite.write_text("\n".join([
        'name = "pairwise-cassette"', 'items = "items.jsonl"', 'scorers = ["length"]', "",
        "[fields]", 'id = "id"', 'article = "article"', 'references = "reference"', "",
        "[[systems]]", f'name = "{A}"', 'backend = "lead"', "",
        "[[systems]]", f'name = "{B}"', 'backend = "lead"', "",
        "[pairwise]", f'pairs = [["{A}", "{B}"]]',
        (f'judge = {{backend = "openai", model = "{MODEL}", base_url = "{base_url}", temperature = 0, '
         f'api_key_env = "{KEY_ENV}", max_attempts = 1, price = {{input = {PRICE[0]}, output = {PRICE[1]}}}}}'),
        ""]), encoding="utf-8")
    return suite


def make_judge(tmp_path: Path, srv: FakeServer | None) -> PairwiseJudge:
    suite = load_suite(write_suite(tmp_path / "suite", srv.base_url if srv else REPLAY_BASE_URL))
    assert suite.config.pairwise is not None
    return PairwiseJudge(suite.config.pairwise, suite, cache=None)  # no cache: every order is a request


def spy_bodies(judge: PairwiseJudge) -> list[dict[str, Any]]:
    """Record every body the judge backend hands to the SDK (thread-safe: list.append)."""
    sent: list[dict[str, Any]] = []
    send = judge.backend.send

    def spying(body: dict[str, Any]) -> Any:
        sent.append(json.loads(json.dumps(body)))
        return send(body)

    judge.backend.send = spying
    return sent


def use_cassette() -> Any:
    # recording replaces the file (make_vcr drops unused interactions when recording)
    return make_vcr(CASSETTES, FAKE_LABEL).use_cassette(CASSETTE, allow_playback_repeats=False)


# -- reading the cassette independently of vcrpy -----------------------------------------------
def cassette_text() -> str:
    return (CASSETTES / CASSETTE).read_text(encoding="utf-8")


def _text(body: Any) -> str:
    if isinstance(body, dict):
        body = body.get("string")
    return body.decode("utf-8") if isinstance(body, bytes) else str(body or "")


def recorded() -> dict[tuple[str, str, str], dict[str, Any]]:
    """(item id, system shown first, system shown second) -> {"request": body, "response": body}."""
    out = {}
    for i in yaml.safe_load(cassette_text())["interactions"]:
        assert i["request"]["method"] == "POST"
        assert re.sub(r"^https?://[^/]+", "", i["request"]["uri"]) == "/v1/chat/completions"
        assert i["response"]["status"]["code"] == 200
        req, resp = json.loads(_text(i["request"]["body"])), json.loads(_text(i["response"]["body"]))
        prompt = req["messages"][-1]["content"]
        (item_id,) = [k for k, (article, *_) in ITEMS.items() if between(prompt, "article").strip() == article]
        summaries = {A: ITEMS[item_id][1], B: ITEMS[item_id][2]}
        shown = tuple(next(s for s, text in summaries.items() if between(prompt, tag).strip() == text)
                      for tag in ("first_summary", "second_summary"))
        key = (item_id, *shown)
        assert key not in out, f"{key} recorded twice"
        out[key] = {"request": req, "response": resp}
    return out


def answer(resp: dict[str, Any]) -> dict[str, Any]:
    return json.loads(resp["choices"][0]["message"]["content"])


def check_order(order: Any, item_id: str, rec: dict[tuple[str, str, str], dict[str, Any]]) -> None:
    """One OrderVerdict against its recorded response."""
    assert order.error is None, order.error
    resp = rec[(item_id, order.first, order.second)]["response"]
    want = answer(resp)
    assert (order.verdict, order.reason) == (want["verdict"], want["reason"])
    usage = {k: resp["usage"][k] for k in ("prompt_tokens", "completion_tokens")}
    assert order.usage == usage and all(v > 0 for v in usage.values())
    assert order.cost_usd == pytest.approx((usage["prompt_tokens"] * PRICE[0]
                                            + usage["completion_tokens"] * PRICE[1]) / 1e6)
    assert order.cached is False


# -- tests --------------------------------------------------------------------------------------
def test_judge_requests_and_verdicts_replay_offline(server, tmp_path):
    judge = make_judge(tmp_path, server)
    sent = spy_bodies(judge)
    with use_cassette() as cass:
        lines = {item_id: judge.judge(item_id, article, (A, sa), (B, sb))
                 for item_id, (article, sa, sb) in ITEMS.items()}

    # what the judge sent: one structured-output request per order, the verdict enum in its schema
    assert len(sent) == 2 * len(ITEMS)
    for body in sent:
        assert body["model"] == MODEL and body["temperature"] == 0
        fmt = body["response_format"]
        assert fmt["type"] == "json_schema" and fmt["json_schema"] == SCHEMA
        assert fmt["json_schema"]["name"] == "pairwise_verdict"
        assert fmt["json_schema"]["schema"]["properties"]["verdict"]["enum"] == ["first", "second", "tie"]
        assert [m["role"] for m in body["messages"]] == ["user"]

    rec = recorded()
    assert sorted(rec) == sorted((i, *o) for i in ITEMS for o in ((A, B), (B, A)))  # both orders of each item
    assert sorted(json.dumps(r["request"], sort_keys=True) for r in rec.values()) \
        == sorted(json.dumps(b, sort_keys=True) for b in sent)  # the recorded requests are the ones sent
    for r in rec.values():
        reason = answer(r["response"])["reason"]
        assert '"' in reason and "«" in reason and "é" in reason  # non-ASCII and quotes survive the trip
        assert r["response"]["system_fingerprint"] == "sumbench-fake"

    for item_id, line in lines.items():
        assert (line.item_id, line.a, line.b) == (item_id, A, B)
        assert [(o.first, o.second) for o in line.orders] == [(A, B), (B, A)]
        for order in line.orders:
            check_order(order, item_id, rec)
        # the outcome follows from the recorded verdicts, and is the one the responder's rule gives
        want = outcome(A, B, [OrderVerdict(first=o.first, second=o.second,
                                          verdict=answer(rec[(item_id, o.first, o.second)]["response"])["verdict"])
                              for o in line.orders])
        assert (line.outcome, line.consistent) == want == EXPECTED[item_id], item_id
    assert [o.verdict for o in lines["bridge"].orders] == ["first", "second"]  # alpha, wherever shown
    assert [o.verdict for o in lines["harbour"].orders] == ["second", "second"]  # the second, whichever it is

    if record_mode() is None:  # replay: every recorded answer used exactly once
        assert cass.play_count == 2 * len(ITEMS) and cass.all_played
        assert all(n == 1 for n in cass.play_counts.values())


def test_run_pairwise_from_threads_writes_the_recorded_verdicts(server, tmp_path):
    """``run_pairwise`` with 4 threads: pairwise.jsonl holds what the cassette answered, whatever the order."""
    judge = make_judge(tmp_path, server)
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    with (run_dir / "records.jsonl").open("w", encoding="utf-8") as fh:
        for item_id, (_, sa, sb) in ITEMS.items():
            for system, summary in ((A, sa), (B, sb)):
                fh.write(Record(item_id=item_id, system=system, summary=summary, usage=Usage()).model_dump_json()
                         + "\n")
    articles = [(item_id, article) for item_id, (article, *_) in ITEMS.items()]
    with use_cassette() as cass:
        res = run_pairwise(run_dir, judge, [(A, B)], articles, concurrency=4)
    assert (res.lines, res.undecided, res.stopped) == (len(ITEMS), 0, None)

    rec = recorded()
    lines = {x.item_id: x for x in read_pairwise(run_dir)}
    assert sorted(lines) == sorted(ITEMS)
    spent = 0.0
    for item_id, line in lines.items():
        assert (line.outcome, line.consistent) == EXPECTED[item_id]
        assert [(o.first, o.second) for o in line.orders] == [(A, B), (B, A)]
        for order in line.orders:
            check_order(order, item_id, rec)
            spent += order.cost_usd or 0.0
    assert res.spent_usd == pytest.approx(spent) and spent > 0
    assert DUMMY_KEY not in (run_dir / "pairwise.jsonl").read_text(encoding="utf-8")
    if record_mode() is None:
        assert cass.play_count == 2 * len(ITEMS) and cass.all_played


def test_cassette_is_labelled_fake_and_free_of_credentials():
    text = cassette_text()
    first = text.splitlines()[0]
    assert first.startswith("# sumbench cassette. recorded against: ") and "FAKE" in first
    assert "x-sumbench-fake" in text.lower()  # the fake server's own marker was recorded too
    body_lines = "\n".join(line for line in text.splitlines() if not line.startswith("#"))  # not the label
    assert "authorization" not in body_lines.lower() and "bearer" not in text.lower()
    assert DUMMY_KEY not in text
    interactions = yaml.safe_load(text)["interactions"]
    assert len(interactions) == 2 * len(ITEMS)
    for i in interactions:
        assert not {h.lower() for h in i["request"]["headers"]} & {"authorization", "api-key", "x-api-key"}
    secret = os.environ.get("OPENAI_API_KEY")
    if secret:
        assert secret not in text
