"""Sentence/paragraph splitting on hand-checked cases (no downloaded models)."""

import pytest

from harness.core.text import (
    describe_duplicates,
    find_duplicate_paragraphs,
    fold,
    remove_duplicate_paragraphs,
    split_paragraphs,
    split_sentences,
    words,
)
from tests.paths import SEED_ARTICLE


@pytest.mark.parametrize("text, expected", [
    ("Mr. Smith went to Washington. He arrived on Monday.",
     ["Mr. Smith went to Washington.", "He arrived on Monday."]),
    ("The U.S. Senate voted 52-48. The bill passed.",
     ["The U.S. Senate voted 52-48.", "The bill passed."]),
    ("He moved to the U.S. He was happy there.",
     ["He moved to the U.S.", "He was happy there."]),
    ("Prices rose 2.5 percent. Analysts expected 3.1.",
     ["Prices rose 2.5 percent.", "Analysts expected 3.1."]),
    ('She said, "We are ready." Then she left.',
     ['She said, "We are ready."', "Then she left."]),
    ("“Is it over?” he asked. Nobody answered.",
     ["“Is it over?” he asked.", "Nobody answered."]),
    ("J. K. Rowling wrote it. Dr. Jones agreed.",
     ["J. K. Rowling wrote it.", "Dr. Jones agreed."]),
    ("The meeting ended at 3 p.m. on Friday. Talks resume today.",
     ["The meeting ended at 3 p.m. on Friday.", "Talks resume today."]),
    ("Apple Inc. reported results. Shares fell!", ["Apple Inc. reported results.", "Shares fell!"]),
    ("Wait... what happened? Nobody knows.", ["Wait... what happened?", "Nobody knows."]),
    ("It cost $5.2 billion, e.g. more than planned. Officials said so.",
     ["It cost $5.2 billion, e.g. more than planned.", "Officials said so."]),
    ("No final period here", ["No final period here"]),
    ("", []),
])
def test_split_sentences_hand_checked(text, expected):
    assert split_sentences(text) == expected


def test_line_breaks_and_blank_lines_end_sentences():
    assert split_sentences("First line without period\nSecond line.") == [
        "First line without period", "Second line."]


def test_paragraphs_blank_line_separated_join_wrapped_lines():
    text = "First paragraph\nwrapped here.\n\nSecond   paragraph.\n\n\n"
    assert split_paragraphs(text) == ["First paragraph wrapped here.", "Second paragraph."]


def test_paragraphs_one_per_line_when_no_blank_lines():
    assert split_paragraphs("One.\r\nTwo.\n") == ["One.", "Two."]
    # once blank lines exist, single line breaks are wrapping inside a paragraph
    assert split_paragraphs("A.\r\nB.\n\nC.") == ["A. B.", "C."]


def test_seed_article_repeats_paragraphs_2_to_7():
    paragraphs = split_paragraphs(SEED_ARTICLE.read_text(encoding="utf-8"))
    assert len(paragraphs) == 13
    dups = find_duplicate_paragraphs(paragraphs)
    assert [(d.index, d.first) for d in dups] == [(8, 2), (9, 3), (10, 4), (11, 5), (12, 6), (13, 7)]
    assert describe_duplicates(dups) == "paragraphs 8-13 repeat paragraphs 2-7"


def test_remove_duplicates_keeps_first_occurrences_in_order():
    text, dups = remove_duplicate_paragraphs("A one.\n\nB two.\n\nA  ONE.\n\nC three.\n\nB two.")
    assert text == "A one.\n\nB two.\n\nC three."
    assert [d.index for d in dups] == [3, 5]
    assert describe_duplicates(dups) == "paragraph 3 repeats paragraph 1; paragraph 5 repeats paragraph 2"


def test_words_keep_inner_punctuation():
    assert words("Zelenskyy's five-hour talk cost 5,000 U.S. dollars.") == [
        "Zelenskyy's", "five-hour", "talk", "cost", "5,000", "U.S", "dollars"]


@pytest.mark.parametrize("text, folded", [
    ("Héllo  WORLD\n", "hello world"),            # accent dropped, case and whitespace folded
    ("STRASSE and Straße", "strasse and strasse"),  # casefold, not lower: ß compares as ss
    ("  The U.S.\tEconomy ", "the u.s. economy"),  # plain ASCII (the fast path)
    ("Ｆｕｌｌｗｉｄｔｈ", "fullwidth"),              # NFKD compatibility forms
])
def test_fold_hand_checked(text, folded):
    assert fold(text) == folded


def test_fold_fast_ascii_path_equals_the_unicode_definition():
    import random
    import string
    import unicodedata

    rng = random.Random(5)
    for _ in range(500):
        s = "".join(rng.choice(string.printable) for _ in range(rng.randrange(40)))
        # the general definition, written out independently: NFKD, drop combining marks, casefold, squeeze spaces
        slow = "".join(c for c in unicodedata.normalize("NFKD", s) if not unicodedata.combining(c)).casefold()
        assert fold(s) == " ".join(slow.split())
