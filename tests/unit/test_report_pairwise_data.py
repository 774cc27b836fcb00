"""harness.report.pairwise: compare's figures per judged pair, in suite order; verdicts only for the
shown items, bounded; a missing, broken or empty pairwise.jsonl never breaks a report."""

from __future__ import annotations

from harness.analysis.pairwise import pairwise_stats, pairwise_text
from harness.report.markdown import pairwise_table
from harness.report.pairwise import TEXT_CHARS, html_payload, item_verdicts, judged_pairs, load_pairwise
from harness.results.pairwise import PAIRWISE, OrderVerdict, PairwiseLine, outcome, write_pairwise

MANIFEST = {"seed": 7, "systems": {"x": {}, "y": {}, "z": {}}}


def line(item: str, a: str, b: str, first: str, second: str, reason: str = "r") -> PairwiseLine:
    """Both orders say ``first`` / ``second`` (a system name or "tie") of the (a, b) pair."""
    def order(shown_first: str, shown_second: str) -> OrderVerdict:
        pick = first if shown_first == a else second
        verdict = "tie" if pick == "tie" else "first" if pick == shown_first else "second"
        return OrderVerdict(first=shown_first, second=shown_second, verdict=verdict, reason=reason)
    orders = [order(a, b), order(b, a)]
    out, consistent = outcome(a, b, orders)
    return PairwiseLine(item_id=item, a=a, b=b, outcome=out, consistent=consistent, orders=orders)


def test_no_file_means_nothing_and_a_broken_file_is_said(tmp_path):
    assert load_pairwise(tmp_path, MANIFEST) is None
    assert pairwise_table(tmp_path, MANIFEST) == []
    (tmp_path / PAIRWISE).write_text("{not json\n")
    view = load_pairwise(tmp_path, MANIFEST)
    assert view.pairs == [] and "could not be read" in view.note
    assert pairwise_table(tmp_path, MANIFEST)[-1].startswith("**Note:** pairwise.jsonl could not be read")
    (tmp_path / PAIRWISE).write_text("")
    assert "holds no verdicts yet" in load_pairwise(tmp_path, MANIFEST).note


def test_pairs_in_suite_order_with_compares_numbers_and_warnings(tmp_path):
    lines = [line(f"i{k}", "y", "z", "y", "y") for k in range(4)]  # y always wins, consistently
    lines += [line(f"i{k}", "x", "y", "x", "y") for k in range(4)]  # the orders never agree
    write_pairwise(tmp_path, lines)  # sorted by pair in the file: (x, y) first
    view = load_pairwise(tmp_path, {**MANIFEST, "systems": {"z": {}, "y": {}, "x": {}}})
    assert [(r["a"], r["b"]) for r in view.pairs] == [("y", "z"), ("x", "y")]
    for r in view.pairs:
        stats = pairwise_stats(lines, r["a"], r["b"], 7)
        assert {k: r[k] for k in stats} == stats
        assert r["warnings"] == [t.removeprefix("warning: ") for t in pairwise_text(stats, r["a"], r["b"])
                                 if t.startswith("warning:")]
    assert view.pairs[0]["warnings"] == [] and not view.pairs[0]["low"]
    assert view.pairs[1]["low"] and "mostly reacting to order" in view.pairs[1]["warnings"][0]


def test_a_pair_judged_both_ways_is_one_pair():
    lines = [line("i1", "x", "y", "x", "x"), line("i2", "y", "x", "x", "x")]
    assert judged_pairs(lines, MANIFEST) == [("x", "y")]


def test_verdicts_only_for_shown_items_with_reasons_cut(tmp_path):
    long = "why " * TEXT_CHARS
    write_pairwise(tmp_path, [line(f"i{k}", "x", "y", "x", "x", reason=long) for k in range(10)])
    view = load_pairwise(tmp_path, MANIFEST)
    got = item_verdicts(view, {"i3", "i7", "missing"})
    assert sorted(got) == ["i3", "i7"]
    (x,) = got["i3"]
    assert (x["a"], x["b"], x["outcome"], x["consistent"]) == ("x", "y", "a", True)
    assert [(o["first"], o["second"], o["verdict"]) for o in x["orders"]] == [("x", "y", "first"), ("y", "x", "second")]
    reason = x["orders"][0]["reason"]
    assert reason.startswith(long[:TEXT_CHARS]) and len(reason) < TEXT_CHARS + 60 and PAIRWISE in reason
    assert html_payload(view, {"i3"}) == {"items": [("i3", got["i3"])]}  # [id, lines] pairs: any id is safe
