"""Pieces of report.html checked by hand: offsets, highlight segments, spans, Pareto, paired differences."""

import base64
import gzip
import json

import pytest

from harness.faith_spans import faithfulness_spans
from harness.highlight import normalized_positions, segments, to_original
from harness.html_report import data_block, script_json
from harness.models import Record
from harness.report_compare import build_comparison, pair_plan
from harness.report_data import claim_spans, describe_system, direction
from harness.report_svg import pareto
from harness.errors import UserError


def test_normalised_offsets_map_back_to_the_text_with_its_line_breaks():
    text = "Talks  ended\nwithout   agreement.\n\nPutin spoke."
    norm, pos = normalized_positions(text)
    assert norm == "Talks ended without agreement. Putin spoke."
    # "ended without" is norm[6:19]; in the original it spans the line break
    assert to_original(text, 6, 19) == (7, 20)
    assert text[7:20] == "ended\nwithout"

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


def test_pareto_front_by_hand():
    # (cost, quality, index): 0 cheap+ok, 1 dearer+better, 2 dearer+worse than 1, 3 cheapest+worst
    pts = [(1.0, 0.5, 0), (2.0, 0.6, 1), (3.0, 0.55, 2), (0.5, 0.2, 3), (1.0, 0.4, 4)]
    assert sorted(pareto(pts)) == [0, 1, 3]


def test_metric_directions():
    assert direction("rougeLsum") == 1 and direction("checklist.recall") == 1
    assert direction("checklist.violations") == -1 and direction("extractiveness.redundancy") == -1
    assert direction("length.words") == 0 and direction("extractiveness.density") == 0


def _rec(item, system, value):
    return Record(item_id=item, system=system, summary=f"{system} on {item}", scores={"rouge1": value})


def test_paired_differences_by_hand():
    a = [_rec("i1", "A", 0.2), _rec("i2", "A", 0.5), _rec("i3", "A", 0.9), _rec("only-a", "A", 0.1)]
    b = [_rec("i1", "B", 0.4), _rec("i2", "B", 0.5), _rec("i3", "B", 0.6)]
    [res] = build_comparison(a + b, a + b, [("A", "B")], ["rouge1"], "rouge1", 0, "run", "run")
    [row] = res["metrics"]
    assert row["n"] == 3  # only-a has no partner
    assert row["diff"] == pytest.approx((0.2 + 0.0 - 0.3) / 3)
    assert (row["wins"], row["ties"], row["losses"]) == (1, 1, 1)
    assert row["lo"] <= row["diff"] <= row["hi"]
    assert [c["item"] for c in res["changed"]] == ["i3", "i1", "i2"]
    assert res["changed"][0]["diff"] == pytest.approx(-0.3)


def test_pair_plan_errors_and_defaults():
    with pytest.raises(UserError, match="--a and --b go together"):
        pair_plan(["x"], ["x"], "x", None, False, "r", "r")
    with pytest.raises(UserError, match="unknown system 'z'"):
        pair_plan(["x"], ["x"], "z", "x", False, "r", "r")
    with pytest.raises(UserError, match="no system in common"):
        pair_plan(["x"], ["y"], None, None, True, "r", "r2")
    assert pair_plan(["x", "y", "z"], ["z", "x"], None, None, True, "r", "r2") == [("x", "x"), ("z", "z")]
    assert pair_plan(["x"], ["x"], None, None, False, "r", "r") == []


def test_header_describes_systems_with_prompt_hash_and_no_secrets():
    desc = {"backend": "openai", "model": "gpt-4o-mini", "base_url": "http://127.0.0.1:9/v1",
            "api_key_env": "OPENAI_API_KEY", "prompt": "prompts/concise.txt",
            "prompt_sha256": "abcdef0123456789abcdef", "params": {"temperature": 0}}
    assert describe_system(desc) == ("openai · gpt-4o-mini · base_url http://127.0.0.1:9/v1 · "
                                     "prompt prompts/concise.txt · prompt_sha256 abcdef012345")
    assert describe_system(None) == ""
