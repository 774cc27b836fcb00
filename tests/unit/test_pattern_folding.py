"""Checklist patterns match what models actually write: curly quotes and typographic hyphens."""

import pytest

from harness.core.models import Claim
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


@pytest.mark.parametrize("pattern_form", ["NFC", "NFD"])
@pytest.mark.parametrize("text_form", ["NFC", "NFD"])
def test_composed_and_decomposed_accents_match_each_other(pattern_form, text_form):
    import unicodedata

    summary = unicodedata.normalize(text_form, "Le café de Zürich a fermé lundi.")
    v = verdict(unicodedata.normalize(pattern_form, r"\bzürich a fermé\b"), summary)
    assert v["verdict"] == "present"
    assert summary[v["evidence"]["start"]:v["evidence"]["end"]] == v["evidence"]["text"]
