"""Replay recorded HTTP exchanges through the real openai SDK (vcrpy, record_mode="none").

The cassettes in cassettes/test_openai_cassettes/ were recorded against the
project's local FAKE server (their first line says so). Re-record with
``SUMBENCH_RECORD=fake pytest tests/integration/test_openai_cassettes.py``, or
against a real endpoint with ``SUMBENCH_RECORD=real`` (see README,
'Cassettes'); faults cannot be forced on a real endpoint, so those tests
keep their fake-server cassettes.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from harness.backends import retry
from harness.backends.base import BackendError
from harness.core.models import Item
from harness.core.registry import backends
from harness.testing.cassettes import FAKE_LABEL, REPLAY_BASE_URL, make_vcr, record_mode
from harness.testing.fake_server import FakeServer

CASSETTES = Path(__file__).parent / "cassettes" / "test_openai_cassettes"
MODEL = "gpt-4o-mini"
KEY_ENV = "SUMBENCH_TEST_KEY"
DUMMY_KEY = "sk-dummy-cassette-key"
ARTICLE = ("The city council approved a new cycling bridge on Tuesday. It will cost 12 million euros. "
           "Construction starts in spring and should take 18 months. Opponents said the money was needed "
           "for schools.")
PROMPT = "Summarize the news article in two sentences.\n\n<article>\n{article}\n</article>\n"


@dataclass
class Endpoint:
    base_url: str
    server: FakeServer | None = None
    real: bool = False

    def script(self, *faults: str) -> None:
        if self.server is not None:  # only the fake server can be told to fail
            self.server.script(*faults)


@pytest.fixture
def endpoint(monkeypatch):
    mode = record_mode()
    monkeypatch.setenv(KEY_ENV, DUMMY_KEY)
    if mode == "real":
        key_env = os.environ.get("SUMBENCH_RECORD_KEY_ENV", "OPENAI_API_KEY")
        if not os.environ.get(key_env):
            pytest.fail(f"SUMBENCH_RECORD=real needs ${key_env}")
        monkeypatch.setenv(KEY_ENV, os.environ[key_env])
        yield Endpoint(os.environ.get("SUMBENCH_RECORD_BASE_URL", "https://api.openai.com/v1"), real=True)
    elif mode == "fake":
        with FakeServer(retry_after=1) as srv:
            yield Endpoint(srv.base_url, srv)
    else:
        yield Endpoint(REPLAY_BASE_URL)


@pytest.fixture
def waits(monkeypatch):
    seen: list[float] = []
    monkeypatch.setattr(retry, "SLEEP", seen.append)
    return seen


@pytest.fixture
def cassette(endpoint):
    label = FAKE_LABEL if not endpoint.real else f"{endpoint.base_url} (real endpoint, model {MODEL})"
    return make_vcr(CASSETTES, label)


def make_backend(endpoint: Endpoint, tmp_path: Path):
    (tmp_path / "prompt.txt").write_text(PROMPT, encoding="utf-8")
    return backends.create("openai", {"model": MODEL, "base_url": endpoint.base_url, "api_key_env": KEY_ENV,
                                      "prompt": str(tmp_path / "prompt.txt"), "temperature": 0,
                                      "max_tokens": 120}, cache=None)


def recorded(name: str) -> list[dict]:
    """The cassette's interactions, read independently of vcrpy."""
    return yaml.safe_load((CASSETTES / name).read_text(encoding="utf-8"))["interactions"]


def body_json(interaction: dict) -> dict:
    return json.loads(interaction["response"]["body"]["string"])


def header(interaction: dict, name: str) -> str | None:
    for k, v in interaction["response"]["headers"].items():
        if k.lower() == name:
            return v[0]
    return None


def skip_faults_on_real(endpoint: Endpoint) -> None:
    if endpoint.real:
        pytest.skip("a real endpoint cannot be made to fail on demand; this cassette comes from the fake server")


def test_normal_call(endpoint, cassette, tmp_path):
    with cassette.use_cassette("normal_call.yaml") as cass:
        out = make_backend(endpoint, tmp_path).summarize(ARTICLE, Item(id="bridge", article=ARTICLE))
    (only,) = recorded("normal_call.yaml")
    want = body_json(only)
    assert only["response"]["status"]["code"] == 200
    assert out.text == want["choices"][0]["message"]["content"].strip()
    assert out.usage == {k: want["usage"][k] for k in ("prompt_tokens", "completion_tokens")}
    if record_mode() is None:
        assert cass.play_count == 1 and cass.all_played


def test_429_then_200_honours_retry_after(endpoint, cassette, tmp_path, waits):
    skip_faults_on_real(endpoint)
    endpoint.script("429", "ok")
    with cassette.use_cassette("rate_limited_then_ok.yaml") as cass:
        b = make_backend(endpoint, tmp_path)
        out = b.summarize(ARTICLE, Item(id="bridge", article=ARTICLE))
    first, second = recorded("rate_limited_then_ok.yaml")
    assert first["response"]["status"]["code"] == 429
    assert waits == [float(header(first, "retry-after"))]
    assert out.text == body_json(second)["choices"][0]["message"]["content"].strip()
    assert b.limit.decreases == 1
    if record_mode() is None:
        assert cass.play_count == 2 and cass.all_played


def test_500_then_200_is_retried(endpoint, cassette, tmp_path, waits):
    skip_faults_on_real(endpoint)
    endpoint.script("500", "ok")
    with cassette.use_cassette("server_error_then_ok.yaml") as cass:
        out = make_backend(endpoint, tmp_path).summarize(ARTICLE, Item(id="bridge", article=ARTICLE))
    first, second = recorded("server_error_then_ok.yaml")
    assert first["response"]["status"]["code"] == 500
    assert len(waits) == 1 and 0 <= waits[0] <= 0.5  # jittered first back-off, no Retry-After given
    assert out.text == body_json(second)["choices"][0]["message"]["content"].strip()
    if record_mode() is None:
        assert cass.play_count == 2


def test_401_fails_once_with_clear_error(endpoint, cassette, tmp_path, waits, monkeypatch):
    endpoint.script("401")
    if endpoint.real:
        monkeypatch.setenv(KEY_ENV, "sk-" + "invalid-key-for-cassette-recording")
    with cassette.use_cassette("unauthorized.yaml") as cass:
        with pytest.raises(BackendError) as ei:
            make_backend(endpoint, tmp_path).summarize(ARTICLE, Item(id="bridge", article=ARTICLE))
    (only,) = recorded("unauthorized.yaml")
    assert only["response"]["status"]["code"] == 401
    msg = str(ei.value)
    assert msg.startswith("HTTP 401 from ") and f"check ${KEY_ENV}" in msg
    assert DUMMY_KEY not in msg and "sk-invalid" not in msg
    assert waits == []  # never retried
    if record_mode() is None:
        assert cass.play_count == 1


def test_truncated_body_is_retried_like_a_dropped_connection(endpoint, cassette, tmp_path, waits):
    skip_faults_on_real(endpoint)
    endpoint.script("malformed", "ok")
    with cassette.use_cassette("truncated_body_then_ok.yaml") as cass:
        out = make_backend(endpoint, tmp_path).summarize(ARTICLE, Item(id="bridge", article=ARTICLE))
    first, second = recorded("truncated_body_then_ok.yaml")
    with pytest.raises(ValueError):
        json.loads(first["response"]["body"]["string"])  # the recorded first body really is cut off
    assert json.loads(second["response"]["body"]["string"])["choices"][0]["message"]["content"] == out.text
    assert first["response"]["status"]["code"] == 200 and len(waits) == 1
    if record_mode() is None:
        assert cass.play_count == 2


def test_cassettes_are_labelled_and_free_of_credentials():
    files = sorted(CASSETTES.glob("*.yaml"))
    assert len(files) >= 5
    for f in files:
        text = f.read_text(encoding="utf-8")
        assert text.startswith("# sumbench cassette. recorded against: "), f.name
        if "FAKE" in text.splitlines()[0]:
            assert "x-sumbench-fake" in text.lower()  # the server's own marker was recorded too
        for interaction in yaml.safe_load(text)["interactions"]:
            assert not {h.lower() for h in interaction["request"]["headers"]} & {"authorization", "api-key"}
        assert "Bearer" not in text and DUMMY_KEY not in text
        for env in {"OPENAI_API_KEY", os.environ.get("SUMBENCH_RECORD_KEY_ENV", "OPENAI_API_KEY")}:
            secret = os.environ.get(env)
            if secret:  # after a real re-recording, the real key must not be in any cassette
                assert secret not in text, f"{f.name} contains ${env}"
