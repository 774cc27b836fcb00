"""Pieces of report.html checked by hand: offsets, highlight segments, spans, Pareto, paired differences."""

import base64
import gzip
import json
import re

import pytest

from harness.core.errors import UserError
from harness.core.metrics import catalog_of
from harness.core.models import Record
from harness.report.compare import build_comparison, plan_sides
from harness.report.data import claim_spans, describe_system, direction, record_view
from harness.report.faith_spans import faithfulness_spans
from harness.report.highlight import segments, to_original
from harness.report.html import data_block, script_json
from harness.report.svg import cost_quality, pareto


def reference_positions(text: str) -> tuple[str, list[int]]:
    """The mapping spelled out one character at a time: (" ".join(text.split()), the index
    in ``text`` of each of its characters; a space stands at the whitespace just before a word)."""
    out: list[str] = []
    pos: list[int] = []
    for i, ch in enumerate(text):
        if ch.isspace():
            continue
        if out and text[i - 1].isspace():
            out.append(" ")
            pos.append(i - 1)
        out.append(ch)
        pos.append(i)
    return "".join(out), pos


def test_normalised_offsets_map_back_to_the_text_with_its_line_breaks():
    text = "Talks  ended\nwithout   agreement.\n\nPutin spoke."
    assert " ".join(text.split()) == "Talks ended without agreement. Putin spoke."
    # "ended without" is norm[6:19]; in the original it spans the line break
    assert to_original(text, 6, 19) == (7, 20)
    assert text[7:20] == "ended\nwithout"


def test_span_mapping_agrees_with_the_per_character_definition_for_every_kind_of_whitespace():
    import random

    spaces = [c for c in map(chr, range(0x3000 + 1)) if c.isspace()]  # tabs, NBSP, U+2028, ideographic...
    rng = random.Random(4)
    for _ in range(400):
        text = "".join(rng.choice(spaces) if rng.random() < 0.3 else rng.choice(["ab", "c", "Déf", "."])
                       for _ in range(rng.randrange(1, 25)))
        norm, pos = reference_positions(text)
        assert norm == " ".join(text.split())
        for _ in range(10):
            if not norm:
                assert to_original(text, 0, 1) is None
                break
            start = rng.randrange(len(norm))
            end = rng.randrange(start + 1, len(norm) + 1)
            assert to_original(text, start, end) == (pos[start], pos[end - 1] + 1)


def test_offsets_that_disagree_with_the_matched_text_fall_back_to_searching_it():
    text = "A b c. The deal was signed."
    # offsets point at "A b c" but the evidence text says "deal was signed"
    start, end = to_original(text, 0, 5, expect="deal was signed")
    assert text[start:end] == "deal was signed"
    assert to_original(text, 0, 5, expect="not there") is None


def test_segments_cut_at_every_boundary_and_list_covering_spans():
    text = "abcdefghij"
    segs = segments(text, [(2, 6, 0), (4, 8, 1)])
    assert segs == [["ab", []], ["cd", [0]], ["ef", [0, 1]], ["gh", [1]], ["ij", []]]
    assert "".join(s[0] for s in segs) == text
    assert segments("plain", []) == [["plain", []]]


def test_checklist_evidence_from_a_real_record_lands_on_the_matched_words():
    summary = "Russia appears ready.\nThe  five-hour meeting\nended without progress."
    claims = [{"id": "five", "kind": "required", "claim": "five hours", "verdict": "present",
               "evidence": {"text": "five-hour", "start": 26, "end": 35}},
              {"id": "nodeal", "kind": "required", "claim": "no deal", "verdict": "present",
               "evidence": {"text": "without progress", "start": 50, "end": 66}},
              {"id": "absent", "kind": "required", "claim": "x", "verdict": "absent"}]
    norm = " ".join(summary.split())
    assert norm[26:35] == "five-hour" and norm[50:66] == "without progress"  # the scorer's coordinates
    spans, meta = claim_spans(summary, claims)
    assert [summary[s:e] for s, e, _ in spans] == ["five-hour", "without progress"]
    assert [m["claim"] for m in meta] == ["five", "nodeal"]


def test_faithfulness_flags_in_the_scorers_shape_and_bare_word_lists():
    summary = "Kushner met Putin for 9 hours.\nKushner left."
    details = {"flagged": [{"kind": "number", "start": 22, "end": 23, "text": "9", "reason": "number not in the article"}],
               "unsupported_words": ["Kushner", "Kushner"]}
    spans, meta = faithfulness_spans(summary, details)
    placed = sorted((summary[s:e], meta[i]["cls"]) for s, e, i in spans)
    assert placed == [("9", "faith"), ("Kushner", "faith-weak"), ("Kushner", "faith-weak")]
    assert any(m["label"] == "number: number not in the article" for m in meta)
    # offsets into the normalised text and a [start, end] pair are understood too
    spans, _ = faithfulness_spans("a  b\nc", {"spans": [{"span": [2, 5], "text": "b c"}]})
    assert [(s, e) for s, e, _ in spans] == [(3, 6)]
    assert faithfulness_spans("x", "not a dict") == ([], [])
    assert faithfulness_spans("x", {"flagged": [{"start": 9, "end": 12}]}) == ([], [])


def test_script_json_cannot_close_the_script_tag_and_round_trips():
    data = {"s": "</script><script>alert(1)</script> & <!-- \u2028\u2029", "n": float("nan")}
    text = script_json(data)
    for bad in ("<", ">", "&", "\u2028", "\u2029"):
        assert bad not in text
    back = json.loads(text)
    assert back == {"s": data["s"], "n": None}


def test_large_item_data_is_gzipped_and_round_trips():
    payload = {"items": [{"id": "a", "article": "</script><b>x</b> \u2028 " * 50}]}
    assert data_block(payload, 10_000)[0] == "json"
    encoding, text = data_block(payload, 100)
    assert encoding == "gzip+base64"
    assert set(text) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=")
    assert json.loads(gzip.decompress(base64.b64decode(text))) == payload
    assert len(text) < len(json.dumps(payload)) / 4
    payload["items"][0]["scores"] = {"rouge1": float("inf"), "rouge2": [float("nan"), 0.5]}
    back = json.loads(gzip.decompress(base64.b64decode(data_block(payload, 100)[1])))
    assert back["items"][0]["scores"] == {"rouge1": None, "rouge2": [None, 0.5]}  # JSON has no NaN/inf


def test_pareto_front_by_hand():
    # (cost, quality, index): 0 cheap+ok, 1 dearer+better, 2 dearer+worse than 1, 3 cheapest+worst
    pts = [(1.0, 0.5, 0), (2.0, 0.6, 1), (3.0, 0.55, 2), (0.5, 0.2, 3), (1.0, 0.4, 4)]
    assert sorted(pareto(pts)) == [0, 1, 3]


def test_cost_scatter_marks_the_front_for_lower_is_better_metrics():
    def row(name, cost, v):
        return {"system": name, "cost_per_item": cost, "cells": {"checklist.violations": {"mean": v}}}
    rows = [row("cheap-bad", 1.0, 0.5), row("dear-good", 2.0, 0.1), row("dear-bad", 3.0, 0.4)]
    svg = str(cost_quality(rows, "checklist.violations", "cost_per_item", "cost", sign=-1))
    front = re.findall(r'<circle class="pt front-pt"[^>]*><title>([^:]+):', svg)
    assert sorted(front) == ["cheap-bad", "dear-good"]


def test_metric_directions_follow_the_declarations_and_suite_overrides():
    cat = catalog_of()
    assert direction("rougeLsum", cat) == 1 and direction("checklist.recall", cat) == 1
    assert direction("checklist.violations", cat) == -1 and direction("extractiveness.redundancy", cat) == -1
    assert direction("length.words", cat) == 0 and direction("extractiveness.density", cat) == 0
    gate = {"extractiveness.density": {"better": "lower"}, "length.words": {"better": "higher"}, "alpha": 0.05}
    assert direction("extractiveness.density", cat, gate) == -1 and direction("length.words", cat, gate) == 1


def _run(tmp_path, name, rows):
    """A run folder with records (item, system, rouge1 value, summary)."""
    run = tmp_path / name
    run.mkdir()
    systems = list(dict.fromkeys(r[1] for r in rows))
    (run / "manifest.json").write_text(json.dumps({"status": "complete", "seed": 0,
                                                   "systems": {s: {"backend": "lead"} for s in systems}}))
    (run / "records.jsonl").write_text("".join(
        json.dumps({"item_id": i, "system": s, "summary": text, "scores": {"rouge1": v}}) + "\n"
        for i, s, v, text in rows))
    return run


def test_comparison_section_by_hand(tmp_path):
    run = _run(tmp_path, "r", [("i1", "A", 0.2, "a1"), ("i2", "A", 0.5, "a2"), ("i3", "A", 0.9, "a3 <b>"),
                               ("only-a", "A", 0.1, "x"),
                               ("i1", "B", 0.4, "b1"), ("i2", "B", 0.5, "b2"), ("i3", "B", 0.6, "b3")])
    [sec] = build_comparison(run, None, "A", "B", "rouge1")
    [row] = sec["metrics"]
    assert row["n"] == 3  # only-a has no partner, and is named in a note
    assert row["diff"] == pytest.approx((0.2 + 0.0 - 0.3) / 3)
    assert (row["wins"], row["ties"], row["losses"]) == (1, 1, 1)
    assert row["lo"] <= row["diff"] <= row["hi"]
    assert any("only-a" in n for n in sec["notes"])
    assert [c["item"] for c in sec["changed"]] == ["i3", "i1", "i2"]
    assert sec["changed"][0]["diff"] == pytest.approx(-0.3)
    assert (sec["changed"][0]["summary_a"], sec["changed"][0]["summary_b"]) == ("a3 <b>", "b3")


def test_two_runs_compare_every_shared_system(tmp_path):
    a = _run(tmp_path, "a", [("i1", "x", 0.1, ""), ("i1", "y", 0.2, ""), ("i1", "z", 0.3, "")])
    b = _run(tmp_path, "b", [("i1", "x", 0.4, ""), ("i1", "z", 0.3, "")])
    secs = build_comparison(a, b, None, None, "rouge1")
    assert [(s["a"], s["b"]) for s in secs] == [("x (a)", "x (b)"), ("z (a)", "z (b)")]
    assert secs[0]["metrics"][0]["diff"] == pytest.approx(0.3)
    assert plan_sides(a, None, None, None) == []
    with pytest.raises(UserError, match="3 systems"):
        plan_sides(a, None, "x", None)
    with pytest.raises(UserError, match="not in this run"):
        plan_sides(a, b, "x", "y")


def test_header_describes_systems_with_prompt_hash_and_no_secrets():
    desc = {"backend": "openai", "model": "gpt-4o-mini", "base_url": "http://127.0.0.1:9/v1",
            "api_key_env": "OPENAI_API_KEY", "prompt": "prompts/concise.txt",
            "prompt_sha256": "abcdef0123456789abcdef", "params": {"temperature": 0}}
    assert describe_system(desc) == ("openai · gpt-4o-mini · base_url http://127.0.0.1:9/v1 · "
                                     "prompt prompts/concise.txt · prompt_sha256 abcdef012345")
    assert describe_system(None) == ""


def test_judge_evidence_uses_offsets_into_the_summary_as_written():
    summary = "Line one.\n\nThe  talks failed."
    # the judge's locate(): raw offsets, and a case-insensitive quote without offsets
    claims = [{"id": "j1", "kind": "required", "claim": "x", "verdict": "present", "decided_by": "judge",
               "evidence": {"text": "talks failed", "found": True, "start": 16, "end": 28}},
              {"id": "j2", "kind": "required", "claim": "y", "verdict": "present", "decided_by": "judge",
               "evidence": {"text": "LINE ONE", "found": True}}]
    assert summary[16:28] == "talks failed"
    spans, _ = claim_spans(summary, claims)
    assert [summary[s:e] for s, e, _ in spans] == ["talks failed", "Line one"]


def test_repeated_samples_are_kept_for_the_drilldown():
    rec = Record(item_id="i", system="s", summary="first <b>", scores={"rouge1": 0.5}, spread={"rouge1": 0.1},
                 samples=[{"summary": "first <b>", "scores": {"rouge1": 0.4}},
                          {"summary": None, "error": "BackendError: 500", "scores": {}},
                          {"summary": "third", "scores": {"rouge1": 0.6}}])
    view = record_view(rec, ["rouge1"])
    assert view["smp"] == [["first <b>", None, [0.4]], [None, "BackendError: 500", [None]], ["third", None, [0.6]]]
    assert view["sd"] == {"rouge1": 0.1} and view["sc"] == [0.5]
