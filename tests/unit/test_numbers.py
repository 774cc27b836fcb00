"""Number normalisation: every spelling of a quantity maps to the same value."""

import pytest

from harness.scorers.numbers import find_numbers, values


def vals(text):
    return [(m.text, m.value) for m in find_numbers(text)]


@pytest.mark.parametrize("text,value", [
    ("five", 5.0), ("5", 5.0), ("5,000", 5000.0), ("five thousand", 5000.0), ("5k", 5000.0),
    ("twenty-one", 21.0), ("one hundred", 100.0), ("a dozen", 12.0), ("$5m", 5e6), ("2.5 billion", 2.5e9),
    ("£12,000", 12000.0), ("3rd", 3.0), ("fifth", 5.0), ("4am", 4.0), ("1.30pm", 1.3), ("50%", 50.0),
])
def test_one_value_per_spelling(text, value):
    found = vals(f"They counted {text} of them.")
    assert [v for _, v in found] == [value]


def test_offsets_point_into_the_text():
    text = "In March 2012 about 5,000 people came."
    assert [(text[m.start:m.end], m.value) for m in find_numbers(text)] == [
        ("March", ("month", 3)), ("2012", 2012.0), ("5,000", 5000.0)]


def test_ambiguous_words_are_not_numbers():
    # "one of", "may" (verb), "second" (time unit / ordinal) are too ambiguous to check
    assert vals("One of them may come in a second.") == []


def test_ages_percentages_and_scores():
    assert vals("The 23-year-old scored in a 2-1 win, up 50 per cent.") == [
        ("23", 23.0), ("2", 2.0), ("1", 1.0), ("50", 50.0)]


def test_article_values_include_rounded_forms():
    # an article's 5,312,000 supports a summary's "5.3 million" and "5 million"
    v = values("The fund raised 5,312,000 dollars.")
    assert 5.3e6 in v and 5e6 in v and 5312000.0 in v
