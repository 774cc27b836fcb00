"""A catastrophic checklist pattern must be visible, not a silent 'absent' on every item."""

import pytest

from harness.core import patterns
from harness.core.models import Claim
from harness.scorers.checklist import check_claim

EVIL = "(a+)+$"
TEXT = "a" * 5000 + "b the minister spoke"


@pytest.fixture(autouse=True)
def fast_limit(monkeypatch):
    monkeypatch.setattr(patterns, "MATCH_TIMEOUT_S", 0.01)
    monkeypatch.setattr(patterns, "_warned", set())


def test_timed_out_pattern_is_warned_about_once_with_the_pattern(capsys):
    alone = Claim(id="c", claim="x", patterns=[EVIL])
    mixed = Claim(id="d", claim="y", patterns=[EVIL, "minister"])
    assert check_claim(alone, TEXT)["verdict"] == "undecided"
    assert check_claim(mixed, TEXT)["verdict"] == "present"  # another pattern still decides
    check_claim(alone, TEXT + " again")
    warnings = [ln for ln in capsys.readouterr().err.splitlines() if ln.startswith("warning:")]
    assert len(warnings) == 1 and repr(EVIL) in warnings[0] and "simplify" in warnings[0]
