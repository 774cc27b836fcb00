"""``pairwise.jsonl``: one line per item and pair of systems, judged in both orders.

An item's ``outcome`` is a win only when both orders agree (A shown first says A,
B shown first says A too); any disagreement is a ``tie`` with ``consistent`` false,
so a judge that reacts to position cannot hand out wins. An order whose call failed
or whose answer was unusable has ``verdict`` null and an ``error``; the line's
``outcome`` is then null: undecided, counted apart, never a tie and never a pass.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Literal

from pydantic import Field, ValidationError

from harness.core.errors import UserError
from harness.core.files import validation_error, write_atomic
from harness.core.models import Strict

PAIRWISE = "pairwise.jsonl"


class OrderVerdict(Strict):
    first: str  # the system whose summary was shown first
    second: str
    verdict: Literal["first", "second", "tie"] | None
    reason: str = ""
    usage: dict[str, int] = Field(default_factory=dict)
    cost_usd: float | None = None
    cached: bool = False
    error: str | None = None

    @property
    def winner(self) -> str | None:
        """The system this order chose, "tie", or None when it decided nothing."""
        return {"first": self.first, "second": self.second, "tie": "tie"}.get(self.verdict or "")


class PairwiseLine(Strict):
    item_id: str
    a: str
    b: str
    outcome: Literal["a", "b", "tie"] | None
    consistent: bool | None
    orders: list[OrderVerdict]


def outcome(a: str, b: str, orders: list[OrderVerdict]) -> tuple[str | None, bool | None]:
    """(outcome, consistent) from the two orders' verdicts."""
    winners = [o.winner for o in orders]
    if len(winners) != 2 or None in winners:
        return None, None
    if winners[0] != winners[1]:
        return "tie", False
    return {a: "a", b: "b", "tie": "tie"}[winners[0]], True


def read_pairwise(run_dir: Path) -> list[PairwiseLine]:
    path = run_dir / PAIRWISE
    if not path.is_file():
        return []
    out = []
    for no, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            out.append(PairwiseLine.model_validate(json.loads(line)))
        except ValidationError as exc:
            raise validation_error(exc, path, None, line=no) from None
        except ValueError:
            raise UserError("not a JSON line", file=path, line=no,
                            fix=f"re-judge the run: sumbench judge {run_dir}") from None
    return out


def write_pairwise(run_dir: Path, lines: list[PairwiseLine]) -> None:
    """Replace the file whole (a reader sees the old lines or the new ones), sorted by pair and item."""
    lines = sorted(lines, key=lambda x: (x.a, x.b, x.item_id))
    write_atomic(run_dir / PAIRWISE, "".join(x.model_dump_json() + "\n" for x in lines))
