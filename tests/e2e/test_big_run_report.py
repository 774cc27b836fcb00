"""A run with more items than a report shows one by one: the selection keeps what a reader needs.

700 synthetic items, two offline systems (one fails on every 50th item), real `sumbench run`.
The expectations are computed here from records.jsonl with json, not from the report code.
"""

from __future__ import annotations

import base64
import gzip
import json
import random
import re
from pathlib import Path

import pytest

from harness.cli import main
from harness.report.selection import HTML_ITEMS, MD_ITEMS
from harness.testing.synthetic import synthetic_item

N = 700
PRIMARY = "rougeLsum"  # rouge's declared primary metric


@pytest.fixture(scope="module")
def big_run(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("big")
    rng = random.Random(5)
    with (root / "items.jsonl").open("w", encoding="utf-8") as fh:
        for i in range(N):
            item = synthetic_item(i, rng)
            if i % 50:  # every 50th item has no precomputed summary: its record fails
                words = item["article"].split()
                item["given"] = " ".join(words[: 8 + (i * 7) % 40])
            fh.write(json.dumps(item) + "\n")
    (root / "suite.toml").write_text(
        'name = "big"\nitems = "items.jsonl"\nscorers = ["rouge", "checklist"]\n'
        '[fields]\nid = "id"\narticle = "article"\nreferences = "reference"\nchecklist = "checklist"\n'
        '[run]\nerror_budget = 100\n'
        '[[systems]]\nname = "given"\nbackend = "precomputed"\nfield = "given"\n'
        '[[systems]]\nname = "lead2"\nbackend = "lead"\nsentences = 2\n', encoding="utf-8")
    run = root / "run"
    assert main(["run", str(root), "--out", str(run)]) == 0
    return run


def _records(run: Path) -> list[dict]:
    return [json.loads(line) for line in (run / "records.jsonl").read_text(encoding="utf-8").splitlines()]


def _embedded_items(run: Path) -> list[dict]:
    html = (run / "report.html").read_text(encoding="utf-8")
    m = re.search(r'<script type="[^"]+" id="report-data" data-encoding="([^"]+)">(.*?)</script>', html, re.S)
    assert m, "no item data block in report.html"
    text = m.group(2)
    if m.group(1) == "gzip+base64":
        text = gzip.decompress(base64.b64decode(text)).decode("utf-8")
    return json.loads(text)["items"]


def _failed(records: list[dict]) -> set[str]:
    return {r["item_id"] for r in records if r["error"]}


def _worst(records: list[dict], system: str) -> str:
    scored = [(r["scores"][PRIMARY], r["item_id"]) for r in records
              if r["system"] == system and not r["error"] and r["scores"].get(PRIMARY) is not None]
    return min(scored)[1]


def test_html_embeds_a_bounded_selection_with_every_failed_and_the_worst_items(big_run):
    records = _records(big_run)
    items = _embedded_items(big_run)
    ids = {it["id"] for it in items}
    assert len(items) == HTML_ITEMS < N
    assert _failed(records) and _failed(records) <= ids
    for system in ("given", "lead2"):
        assert _worst(records, system) in ids
    assert all(it["why"] for it in items)  # each shown item says why it was picked
    html = (big_run / "report.html").read_text(encoding="utf-8")
    assert f"This run has {N} items" in html and f"The other {N - HTML_ITEMS} are in records.jsonl" in html


def test_html_tables_still_count_every_record(big_run):
    html = (big_run / "report.html").read_text(encoding="utf-8")
    metrics = json.loads((big_run / "metrics.json").read_text(encoding="utf-8"))
    assert metrics["systems"]["lead2"]["metrics"][PRIMARY]["n"] == N
    assert f"<b>{2 * N}</b><span>records</span>" in html
    n_failed = len(_failed(_records(big_run)))
    assert f"<b>{n_failed}</b><span>errors</span>" in html


def test_markdown_lists_a_bounded_selection_and_accounts_for_every_failure(big_run):
    md = (big_run / "report.md").read_text(encoding="utf-8")
    records = _records(big_run)
    listed = set(re.findall(r"^### `([^`]+)` — ", md, re.M))
    assert len(listed) == MD_ITEMS
    assert f"This run has {N} items; {MD_ITEMS} are listed below" in md
    assert f"The other {N - MD_ITEMS} are left out here" in md
    failures = md.split("### Failed records, by error", 1)[1].split("\n### ", 1)[0]
    for item in _failed(records):
        assert f"`{item}`" in failures
    assert _worst(records, "lead2") in listed and _worst(records, "given") in listed
    assert len(md.encode("utf-8")) < 400_000


def test_a_small_run_lists_every_item_with_no_selection_note(tmp_path):
    run = tmp_path / "run"
    assert main(["run", "datasets/seed", "--out", str(run)]) == 0
    md = (run / "report.md").read_text(encoding="utf-8")
    n_records = len(_records(run))
    assert md.count("\n### `") == n_records and "are listed below" not in md
    assert 'id="selection"' not in (run / "report.html").read_text(encoding="utf-8")


def test_markdown_lists_fewer_items_when_each_has_many_systems():
    from harness.report.selection import md_item_limit

    # hand-checked: 900 records' worth, never more than 300 items, never fewer than 50
    assert [md_item_limit(n) for n in (1, 2, 3, 4, 6, 18, 100)] == [300, 300, 300, 225, 150, 50, 50]
