"""Checklist patterns match what models actually write: curly quotes and typographic hyphens."""

import pytest

from harness.models import Claim
from harness.scorers.checklist import check_claim


def verdict(pattern: str, summary: str) -> dict:
    return check_claim(Claim(id="c", claim="x", patterns=[pattern]), summary)


@pytest.mark.parametrize("pattern, summary", [
    (r"\bputin's warning\b", "Putin’s warning about Europe was stark."),   # model: right single quote
    (r"\bputin’s warning\b", "Putin's warning about Europe was stark."),   # author typed the curly one
    (r"\bdon\u2019t\b", "They don't agree."),                              # escape in the pattern
    (r'"extremely useful"', "He called it “extremely useful”."),
    (r"\b(five|5)[- ]hours?\b", "after a five‑hour meeting"),              # non-breaking hyphen
    (r"\b(five|5)[- ]hours?\b", "after a five–hour meeting"),              # en dash
])
def test_typographic_forms_match_their_ascii_pattern(pattern, summary):
    assert verdict(pattern, summary)["verdict"] == "present"


def test_evidence_keeps_the_summary_characters_and_offsets():
    summary = "Talks: Putin’s warning came late."
    ev = verdict(r"putin's warning", summary)["evidence"]
    assert ev["text"] == "Putin’s warning" and summary[ev["start"]:ev["end"]] == ev["text"]


def test_em_dash_is_not_a_hyphen():
    assert verdict(r"\btalks-ended\b", "the talks—ended")["verdict"] == "absent"
