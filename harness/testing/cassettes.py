"""vcrpy set-up for HTTP cassettes: labelled, secret-free, replayable from any host and port.

Replay (the default, ``record_mode="none"``): requests are matched on method,
path and body only, so a test can point its client at any base URL (tests
use the closed port ``http://127.0.0.1:9/v1``: if vcrpy did not intercept,
the request would fail loudly instead of reaching a network).

Recording (``SUMBENCH_RECORD=fake`` or ``=real``) rewrites cassettes. Every
cassette starts with a comment saying what it was recorded against, e.g.
``# recorded against: sumbench local FAKE OpenAI-compatible server`` — fake
output must never pass for a model's. Authorization, organisation/project
headers and cookies are dropped before anything is written.

vcrpy ≥ 9.4 patches ``httpx2`` (the transport of openai 3.x) natively.
"""

from __future__ import annotations

import os
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

FAKE_LABEL = ("sumbench local FAKE OpenAI-compatible server (harness.testing.fake_server); "
              "responses are NOT model output")
REPLAY_BASE_URL = "http://127.0.0.1:9/v1"
SECRET_HEADERS = ("authorization", "api-key", "x-api-key", "openai-organization", "openai-project", "cookie")
SECRET_RESPONSE_HEADERS = ("set-cookie", "openai-organization", "openai-project")


def record_mode() -> str | None:
    """'fake', 'real' or None (replay), from $SUMBENCH_RECORD."""
    mode = os.environ.get("SUMBENCH_RECORD", "").strip().lower() or None
    if mode not in (None, "fake", "real"):
        raise RuntimeError(f"SUMBENCH_RECORD must be 'fake' or 'real', not {mode!r}")
    return mode


class LabelledYaml:
    """vcrpy's YAML format with a leading comment naming what was recorded."""

    def __init__(self, label: str):
        self.label = label

    def serialize(self, cassette_dict: dict[str, Any]) -> str:
        from vcr.serializers import yamlserializer

        stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d")
        header = (f"# sumbench cassette. recorded against: {self.label}\n"
                  f"# recorded on {stamp}; Authorization and other credentials were filtered out.\n"
                  "# Re-record: see README, section 'Cassettes'.\n")
        return header + yamlserializer.serialize(cassette_dict)

    @staticmethod
    def deserialize(text: str) -> dict[str, Any]:
        from vcr.serializers import yamlserializer

        return yamlserializer.deserialize(text)


def _scrub_response(response: dict[str, Any]) -> dict[str, Any]:
    headers = response.get("headers") or {}
    for name in list(headers):
        if name.lower() in SECRET_RESPONSE_HEADERS:
            del headers[name]
    return response


def make_vcr(cassette_dir: Path, label: str = FAKE_LABEL) -> Any:
    """A configured ``vcr.VCR``: replay-only unless $SUMBENCH_RECORD asks to record."""
    import vcr

    recording = record_mode() is not None
    v = vcr.VCR(
        cassette_library_dir=str(cassette_dir),
        record_mode="all" if recording else "none",
        drop_unused_requests=recording,  # re-recording replaces a cassette, stale exchanges (old batch ids) go
        match_on=("method", "path", "body"),
        filter_headers=list(SECRET_HEADERS),
        before_record_response=_scrub_response,
        decode_compressed_response=True,
        serializer="labelled-yaml",
    )
    v.register_serializer("labelled-yaml", LabelledYaml(label))
    return v
