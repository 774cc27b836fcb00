"""One OpenAI Batch API round trip through sumbench's batch mode, replayed from a cassette (vcrpy).

The cassette in cassettes/test_batch_cassette/ was recorded against the project's
local FAKE server (its first line says so): probe (GET /v1/files), upload
(POST /v1/files, multipart), create (POST /v1/batches), poll (GET /v1/batches/{id})
and download (GET /v1/files/{id}/content). Replay is offline (``record_mode="none"``).
Re-record with ``SUMBENCH_RECORD=fake pytest tests/integration/test_batch_cassette.py``.

Why the set-up looks like this:

* a request's cache key (so each line's ``custom_id`` and the uploaded bytes) includes
  the base URL, so recording runs a FakeServer on the fixed ``PORT`` and replay uses the
  same URL with no server at all: a request vcrpy did not intercept is refused loudly;
* the run folder name is in the upload's filename and the batch's metadata: it is fixed;
* the multipart upload has a random boundary, so bodies are compared by
  ``body_or_multipart``: multipart bodies part by part, every other body byte for byte;
* the fake finishes a ``batch_delay=0`` batch at its first retrieve, and the cassette
  allows playback repeats, so replay does not depend on how many polls happen.
"""

from __future__ import annotations

import email.parser
import email.policy
import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from harness.backends import retry
from harness.cli import main
from harness.run import batches
from harness.testing.cassettes import FAKE_LABEL, make_vcr, record_mode
from harness.testing.fake_server import FakeServer
from harness.testing.synthetic import write_synthetic_suite

CASSETTES = Path(__file__).parent / "cassettes" / "test_batch_cassette"
CASSETTE = "batch_round_trip.yaml"
PORT = 18431  # fixed: the base URL is part of every cache key, so of the recorded request bodies
BASE_URL = f"http://127.0.0.1:{PORT}/v1"
RUN_NAME = "run-batch-cassette"  # fixed: it is in the upload's filename and the batch's metadata
SYSTEM = "concise"
N_ITEMS = 4
KEY_ENV = "SUMBENCH_TEST_KEY"
DUMMY_KEY = "test-only-not-a-key-batch-cassette"
UPLOAD_NAME = f"sumbench-{RUN_NAME}-001-system_{SYSTEM}.jsonl"
MATCH_ON = ("method", "path", "body_or_multipart")


# -- matching -----------------------------------------------------------------------------------
def _header(headers: Any, name: str) -> str:
    for k, v in (headers or {}).items():
        if k.lower() == name:
            return v[0] if isinstance(v, list) else str(v)
    return ""


def _as_bytes(body: Any) -> bytes:
    if body is None:
        return b""
    return body.encode("utf-8") if isinstance(body, str) else bytes(body)


def multipart_fields(content_type: str, body: Any) -> dict[str, tuple[str | None, bytes]] | None:
    """name -> (filename, content) of a multipart/form-data body, or None for any other body."""
    if not content_type.lower().startswith("multipart/form-data"):
        return None
    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode()
    msg = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + _as_bytes(body))
    assert msg.is_multipart(), "a multipart/form-data body that does not parse as one"
    fields = {}
    for part in msg.iter_parts():
        name = part.get_param("name", header="content-disposition")
        fields[str(name)] = (part.get_filename(), part.get_payload(decode=True) or b"")
    return fields


def body_or_multipart(r1: Any, r2: Any) -> None:
    """vcrpy matcher: multipart bodies by their parts (the boundary is random), others exactly."""
    f1 = multipart_fields(_header(r1.headers, "content-type"), r1.body)
    f2 = multipart_fields(_header(r2.headers, "content-type"), r2.body)
    if f1 is None and f2 is None:
        assert _as_bytes(r1.body) == _as_bytes(r2.body), "bodies differ"
        return
    assert f1 is not None and f2 is not None, "one body is multipart, the other is not"
    assert f1.keys() == f2.keys(), f"multipart fields differ: {sorted(f1)} != {sorted(f2)}"
    for name in f1:
        assert f1[name] == f2[name], f"multipart field {name!r} differs"


# -- the run ------------------------------------------------------------------------------------
@pytest.fixture
def server(monkeypatch):
    """A FakeServer on PORT while recording; None on replay (nothing listens: no network)."""
    mode = record_mode()
    if mode == "real":
        pytest.skip("this cassette is recorded against the FAKE server only (SUMBENCH_RECORD=fake)")
    monkeypatch.setenv(KEY_ENV, DUMMY_KEY)
    monkeypatch.setattr(retry, "SLEEP", lambda seconds: None)  # retries never sleep in tests
    monkeypatch.setattr(batches, "SLEEP", lambda seconds: None)  # nor do the polls
    if mode == "fake":
        with FakeServer(port=PORT, batch_delay=0, require_key=DUMMY_KEY) as srv:
            assert srv.base_url == BASE_URL
            yield srv
    else:
        yield None


def run_round_trip(tmp_path: Path, srv: FakeServer | None) -> tuple[int, Path, Any]:
    """`sumbench run` of 4 items x 1 batch system under the cassette: (exit code, run folder, cassette)."""
    suite = write_synthetic_suite(tmp_path / "suite", n=N_ITEMS, base_url=BASE_URL, variants=(SYSTEM,),
                                  extra=f'batch = true\nbatch_poll = 0.01\napi_key_env = "{KEY_ENV}"')
    run_dir = tmp_path / RUN_NAME
    v = make_vcr(CASSETTES, FAKE_LABEL)
    v.register_matcher("body_or_multipart", body_or_multipart)
    # recording drops what the file held: "all" mode keeps loaded interactions that nothing re-recorded
    # matches, and every recording has new file and batch ids (so new create/retrieve/content requests)
    with v.use_cassette(CASSETTE, match_on=MATCH_ON, allow_playback_repeats=True,
                        drop_unused_requests=record_mode() is not None) as cass:
        rc = main(["run", str(suite), "--out", str(run_dir), "--no-cache"])
    if srv is not None:  # recording: the fake saw one batch round trip and no chat call
        stats = srv.stats()
        assert (stats["chat_completions"], stats["files_uploaded"], stats["batches_created"],
                stats["batch_lines"], stats["batch_lines_failed"]) == (0, 1, 1, N_ITEMS, 0)
        assert srv.auth_seen == {f"Bearer {DUMMY_KEY}"}  # the key from $SUMBENCH_TEST_KEY was sent
    return rc, run_dir, cass


# -- reading the cassette independently of vcrpy -----------------------------------------------
def cassette_text() -> str:
    return (CASSETTES / CASSETTE).read_text(encoding="utf-8")


def interactions() -> list[dict[str, Any]]:
    return yaml.safe_load(cassette_text())["interactions"]


def path_of(interaction: dict[str, Any]) -> str:
    return re.sub(r"^https?://[^/]+", "", interaction["request"]["uri"]).split("?", 1)[0]


def kind(interaction: dict[str, Any]) -> str:
    """'probe', 'upload', 'create', 'retrieve', 'content' or 'METHOD path' for anything else."""
    method, path = interaction["request"]["method"], path_of(interaction)
    if (method, path) == ("GET", "/v1/files"):
        return "probe"
    if (method, path) == ("POST", "/v1/files"):
        return "upload"
    if (method, path) == ("POST", "/v1/batches"):
        return "create"
    if method == "GET" and re.fullmatch(r"/v1/batches/[^/]+", path):
        return "retrieve"
    if method == "GET" and re.fullmatch(r"/v1/files/[^/]+/content", path):
        return "content"
    return f"{method} {path}"


def response_text(interaction: dict[str, Any]) -> str:
    body = interaction["response"]["body"]["string"]
    return body.decode("utf-8") if isinstance(body, bytes) else body


def records(run_dir: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (run_dir / "records.jsonl").read_text(encoding="utf-8").splitlines()]


# -- tests --------------------------------------------------------------------------------------
def test_batch_round_trip_replays_offline(server, tmp_path):
    rc, run_dir, cass = run_round_trip(tmp_path, server)
    assert rc == 0

    recs = records(run_dir)
    assert len(recs) == N_ITEMS and {r["system"] for r in recs} == {SYSTEM}
    assert len({r["item_id"] for r in recs}) == N_ITEMS
    for r in recs:
        assert isinstance(r["summary"], str) and r["summary"], r["item_id"]
        assert r["batch"] is True and r["error"] is None, r["item_id"]
        assert r["cached"] is False

    (entry,) = [json.loads(line) for line in (run_dir / "batches.jsonl").read_text(encoding="utf-8").splitlines()]
    assert entry["status"] == "collected" and entry["name"] == UPLOAD_NAME
    assert len(entry["custom_ids"]) == N_ITEMS == len(set(entry["custom_ids"]))
    assert entry["request_counts"] == {"total": N_ITEMS, "completed": N_ITEMS, "failed": 0}

    # the cassette: labelled FAKE, the Batch API round trip and nothing else, no credential
    text = cassette_text()
    assert "FAKE" in text.splitlines()[0]
    assert "x-sumbench-fake" in text.lower()
    recorded = interactions()
    body_lines = "\n".join(line for line in text.splitlines() if not line.startswith("#"))  # not the label
    assert "authorization" not in body_lines.lower() and "bearer" not in text.lower()
    for i in recorded:
        assert not {h.lower() for h in i["request"]["headers"]} & {"authorization", "api-key", "x-api-key"}
    assert DUMMY_KEY not in text
    kinds = [kind(i) for i in recorded]
    assert sorted(kinds) == ["content", "create", "probe", "retrieve", "upload"], kinds
    assert kinds.index("probe") < kinds.index("upload") < kinds.index("create") < kinds.index("retrieve") \
        < kinds.index("content")
    assert not any(i["request"]["method"] == "POST" and path_of(i).endswith("/chat/completions") for i in recorded)
    assert all(i["response"]["status"]["code"] == 200 for i in recorded)
    by_kind = {kind(i): i for i in recorded}
    assert json.loads(response_text(by_kind["retrieve"]))["status"] == "completed"
    assert entry["batch_id"] == json.loads(response_text(by_kind["create"]))["id"]
    assert entry["output_file_id"] == json.loads(response_text(by_kind["retrieve"]))["output_file_id"]
    assert path_of(by_kind["content"]) == f"/v1/files/{entry['output_file_id']}/content"
    create_body = json.loads(by_kind["create"]["request"]["body"])
    assert create_body["metadata"]["sumbench_run"] == RUN_NAME
    upload = by_kind["upload"]["request"]
    fields = multipart_fields(_header(upload["headers"], "content-type"), upload["body"])
    assert fields is not None and fields["purpose"] == (None, b"batch")
    assert fields["file"][0] == UPLOAD_NAME
    assert fields["file"][1] == (run_dir / "batches" / UPLOAD_NAME).read_bytes()  # what was uploaded

    # the key is nowhere in the run folder
    for f in run_dir.rglob("*"):
        if f.is_file():
            assert DUMMY_KEY.encode() not in f.read_bytes(), f.relative_to(run_dir)

    if record_mode() is None:  # replay: every interaction played, each but the poll exactly once
        assert cass.all_played
        plays = {kind(i): cass.play_counts[n] for n, i in enumerate(recorded)}
        assert plays.pop("retrieve") >= 1
        assert plays == {"probe": 1, "upload": 1, "create": 1, "content": 1}


def test_batch_summaries_are_the_recorded_output_lines(server, tmp_path):
    """The summaries are what the cassette's output file says, read here from the YAML itself."""
    rc, run_dir, _ = run_round_trip(tmp_path, server)
    assert rc == 0
    recorded = {kind(i): i for i in interactions()}

    # which item each custom_id is: the uploaded input lines (the cassette's multipart body)
    upload = recorded["upload"]["request"]
    fields = multipart_fields(_header(upload["headers"], "content-type"), upload["body"])
    assert fields is not None
    articles = {json.loads(line)["id"]: json.loads(line)["article"]
                for line in (tmp_path / "suite" / "items.jsonl").read_text(encoding="utf-8").splitlines()}
    item_of: dict[str, str] = {}
    for line in fields["file"][1].decode("utf-8").splitlines():
        row = json.loads(line)
        prompt = "\n".join(str(m["content"]) for m in row["body"]["messages"])
        (item_id,) = [i for i, article in articles.items() if article in prompt]
        item_of[row["custom_id"]] = item_id
    assert sorted(item_of.values()) == sorted(articles)

    # what the recorded output file answers for each custom_id
    output_file_id = json.loads(response_text(recorded["retrieve"]))["output_file_id"]
    assert path_of(recorded["content"]) == f"/v1/files/{output_file_id}/content"
    want: dict[str, str] = {}
    for line in response_text(recorded["content"]).splitlines():
        row = json.loads(line)
        assert row["error"] is None and row["response"]["status_code"] == 200
        want[item_of[row["custom_id"]]] = row["response"]["body"]["choices"][0]["message"]["content"].strip()
    assert len(want) == N_ITEMS and len(set(want.values())) == N_ITEMS  # four different texts
    assert all(text.startswith("[fake]") for text in want.values())  # the fake server's, not a model's

    got = {r["item_id"]: r["summary"] for r in records(run_dir)}
    assert got == want
