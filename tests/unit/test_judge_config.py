"""Judge configuration errors fail before any work, on one line, with exit code 2."""

import pytest

from harness.cli import main
from harness.core.models import Claim
from harness.scorers.judge import combine, parse_answer, render, tolerant_json

SUITE = '''
name = "judged"
items = "items/*.toml"
scorers = ["checklist"]
[scorer.checklist]
{judge}
[[systems]]
name = "lead1"
backend = "lead"
sentences = 1
'''
ITEM = '''
id = "a"
article = "The council approved the budget on Monday after a long debate."
references = ["The council approved the budget."]
[[checklist]]
id = "budget"
claim = "The budget was approved."
'''


@pytest.mark.parametrize("judge,message", [
    ('judge = {model = "m"}', "judge has no 'backend'"),
    ('judge = {backend = "lead"}', "judge backend 'lead' cannot answer prompts"),
    ('judge = {backend = "openai", model = "m", modle = "m", base_url = "http://127.0.0.1:9/v1"}', "unknown option 'modle'"),
    ('judge = {backend = "openai", model = "m"}', "needs $OPENAI_API_KEY"),
    ('judge = {backend = "openai", model = "m", base_url = "http://127.0.0.1:9/v1"}\njudge_prompt = "nope.txt"',
     "judge prompt nope.txt not found"),
])
def test_bad_judge_config_is_a_one_line_error(write, tmp_path, capsys, monkeypatch, judge, message):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    write("ds/suite.toml", SUITE.format(judge=judge))
    write("ds/items/a.toml", ITEM)
    assert main(["run", str(tmp_path / "ds"), "--out", str(tmp_path / "run")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and message in err and len(err.splitlines()) == 1
    assert not (tmp_path / "run").exists()


def test_prompt_placeholders_are_filled_once():
    # a summary that contains "{claims}" must not pull the claim list in a second time
    msgs = render("C: {claims}\nS: {summary}", "odd {claims} text", [Claim(id="x", claim="A {summary} B")])
    assert msgs[0]["content"] == 'C: {"id": "x", "claim": "A {summary} B"}\nS: odd {claims} text'


def test_tolerant_json_finds_json_in_fences_and_prose():
    assert tolerant_json('```json\n{"claims": []}\n```') == {"claims": []}
    assert tolerant_json('Sure! {"claims": [1]} Hope that helps.') == {"claims": [1]}
    assert tolerant_json("no json here") is None


def test_parse_answer_accepts_a_bare_list_and_flags_everything_else():
    claims = [Claim(id="a", claim="x"), Claim(id="b", claim="y")]
    got = parse_answer([{"id": "a", "verdict": "ABSENT"}], claims)
    assert got["a"] == {"verdict": "absent", "evidence": ""}
    assert got["b"]["verdict"] == "nan"
    assert all(v["verdict"] == "nan" for v in parse_answer({"verdicts": []}, claims).values())


def test_combine_takes_the_plurality_and_breaks_ties_by_the_first_repeat():
    votes = [{"verdict": "absent", "evidence": ""}, {"verdict": "supported", "evidence": "e"},
             {"verdict": "nan", "reason": "bad"}]
    c = combine(votes)
    # one valid vote each: tie -> the earliest repeat's verdict; agreement 1 of 2 valid votes
    assert c["verdict"] == "absent" and c["agreement"] == 0.5 and c["invalid_votes"] == 1
    assert combine([{"verdict": "nan", "reason": "bad"}])["verdict"] == "nan"
