"""What a run's summary reports beyond the table: cut-off answers and undecided judgements.

Counted as records are written (and, on resume, from the records already there), so
the summary needs no second pass over records.jsonl. Each line is printed once for
the whole run, naming every system it applies to, instead of once per system.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from harness.core.models import Record


@dataclass
class Tally:
    cut_off: Counter[str] = field(default_factory=Counter)  # system -> answers with finish_reason "length"
    undecided: Counter[str] = field(default_factory=Counter)  # reason -> judgements no scorer could make
    undecided_systems: set[str] = field(default_factory=set)

    def add(self, rec: Record) -> None:
        answers = rec.samples or [rec]
        self.cut_off[rec.system] += sum(a.finish_reason == "length" for a in answers)
        if rec.undecided:
            self.undecided.update(rec.undecided)
            self.undecided_systems.add(rec.system)

    @property
    def n_undecided(self) -> int:
        return sum(self.undecided.values())

    def lines(self, judge_error_budget: int) -> list[str]:
        """One warning per kind of trouble, for the whole run."""
        out = []
        cut = {s: n for s, n in self.cut_off.items() if n}
        if cut:
            out.append(f"warning: {sum(cut.values())} answer(s) were cut off by max_tokens (finish_reason=length) "
                       f"in {', '.join(sorted(cut))}: they are scored as they are — raise max_tokens")
        if self.undecided:
            reason, n = self.undecided.most_common(1)[0]
            over = self.n_undecided > judge_error_budget
            out.append(f"{'error' if over else 'warning'}: {self.n_undecided} judgement(s) were left undecided "
                       f"in {', '.join(sorted(self.undecided_systems))} (judge_error_budget {judge_error_budget}); "
                       f"most often ({n}): {reason}")
        return out
