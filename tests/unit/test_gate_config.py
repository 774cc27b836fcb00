"""[gate] rules are validated when the suite loads, with the rule's line."""

import pytest

from harness.core.errors import UserError
from harness.core.metrics import catalog_of
from harness.suite.datasets import load_suite
from harness.suite.gate_config import GateRule

SUITE = """name = "t"
items = "items/*.toml"

[[systems]]
name = "lead3"
backend = "lead"

[gate]
"rouge1" = { min = 0.1 }
"""


def gate_error(write, rule: str) -> UserError:
    path = write("s/suite.toml", SUITE + rule + "\n")
    with pytest.raises(UserError) as info:
        load_suite(path)
    return info.value


def test_valid_rules_and_settings(write):
    path = write("s/suite.toml", SUITE + 'alpha = 0.01\n"checklist.violations" = { max = 0.1, max_drop = 0.05 }\n')
    gate = load_suite(path).config.gate
    assert gate.alpha == 0.01
    assert set(gate.rules) == {"rouge1", "checklist.violations"}
    assert gate.rules["checklist.violations"].max == 0.1 and gate.rules["rouge1"].max_drop is None


def test_misspelled_rule_key_names_line_and_suggests(write):
    e = gate_error(write, '"rougeLsum" = { min = 0.2, max_dorp = 0.02 }')
    assert e.line == 10 and e.file.endswith("suite.toml")
    assert "max_dorp" in e.what and "did you mean 'max_drop'" in e.what


@pytest.mark.parametrize("rule, words", [
    ('"rougeLsum" = { }', "at least one of min, max, max_drop"),
    ('"rougeLsum" = { min = 0.5, max = 0.2 }', "greater than max"),
    ('"rougeLsum" = { max_drop = -0.1 }', "greater than or equal to 0"),
    ('"rougeLsum" = { min = 0.1, better = "up" }', "'higher' or 'lower'"),
    ('"rougeLsum" = { min = 0.1, systems = [] }', "gates nothing"),
    ('"rougeLsum" = 0.3', "valid dictionary"),
])
def test_bad_rules_are_one_line_errors_at_their_line(write, rule, words):
    e = gate_error(write, rule)
    assert words in e.one_line() and e.line == 10


def test_alpha_must_be_a_probability(write):
    e = gate_error(write, "alpha = 1.5")
    assert "alpha" in e.what and e.line == 10


def test_metric_directions():
    direction = catalog_of().direction
    assert direction("rougeLsum") == "higher"
    assert direction("checklist.violations") == "lower"
    assert direction("length.words") is None
    assert GateRule(max_drop=0.1, better="lower").direction(direction("length.words")) == "lower"
    assert GateRule(max_drop=0.1).direction(direction("checklist.violations")) == "lower"


def test_directions_of_metrics_the_scorers_emit():
    direction = catalog_of().direction
    # lower is better: violations, the judge's failure count, repeated sentences
    assert [direction(m) for m in ("checklist.violations", "checklist.judge_errors",
                                   "extractiveness.redundancy")] == ["lower"] * 3
    # faithfulness sub-signals are shares of supported items (1 = nothing flagged)
    assert direction("faithfulness.numbers") == direction("faithfulness.score") == "higher"
    assert direction("length.words") is None


def test_descriptive_metrics_have_no_direction():
    """How copied or how long a summary is describes it; neither end is better (the seed report
    used to star lead-3's density as "best")."""
    direction = catalog_of().direction
    for m in ("extractiveness.density", "extractiveness.compression", "extractiveness.coverage",
              "extractiveness.novel_1gram", "extractiveness.novel_2gram", "extractiveness.novel_3gram",
              "extractiveness.novel_4gram", "length.words", "length.sentences", "length.ratio"):
        assert direction(m) is None, m


def test_a_metric_no_scorer_declares_is_never_ranked():
    assert catalog_of().direction("made.up") is None
