"""Metric declarations: what a metric means, said once, by the scorer that emits it.

A scorer lists its metrics in ``metrics`` (a tuple of ``Metric``). Everything that
ranks, stars, gates, orders or formats a metric (``compare``, ``check``,
``metrics.json``, report.md, report.html, ``sumbench list scorers``) asks a
``Catalog`` instead of naming metrics itself.

A run records the declarations of its scorers in its manifest, so a run folder
keeps meaning the same when read where a plugin scorer is not installed; older
runs fall back to the installed scorers' declarations.
"""

from __future__ import annotations

import fnmatch
from dataclasses import asdict, dataclass
from typing import Any, Callable, Iterable, Literal

Direction = Literal["higher", "lower"]
Kind = Literal["share", "count", "ratio"]
KINDS = ("share", "count", "ratio")


@dataclass(frozen=True)
class Metric:
    """One emitted metric.

    ``name`` may hold one ``*`` for a family whose members depend on options
    (``extractiveness.novel_*gram``). ``direction`` is None for descriptive metrics
    (a length, a density): no "best" exists, so they are never ranked or starred
    unless a user asks. ``kind``: a share in [0, 1], a count, or an unbounded ratio.
    ``headline`` places the metric in the console table and the report's plots
    (lower first; None: listed after the headline metrics, alphabetically);
    ``primary`` ranks the candidates for the report's primary metric.
    """

    name: str
    direction: Direction | None
    kind: Kind
    description: str
    headline: int | None = None
    primary: int | None = None

    def __post_init__(self) -> None:
        if self.direction not in ("higher", "lower", None):
            raise ValueError(f"metric {self.name!r}: direction must be 'higher', 'lower' or None")
        if self.kind not in KINDS:
            raise ValueError(f"metric {self.name!r}: kind must be one of {', '.join(KINDS)}")
        if self.name.count("*") > 1:
            raise ValueError(f"metric {self.name!r}: at most one '*' in a name")

    def matches(self, name: str) -> bool:
        return name == self.name or ("*" in self.name and fnmatch.fnmatchcase(name, self.name))

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: Any) -> "Metric | None":
        """A declaration read from a manifest; None when it is not one (a damaged or foreign file)."""
        if not isinstance(data, dict):
            return None
        try:
            return cls(**{k: data.get(k) for k in ("name", "direction", "kind", "description", "headline",
                                                     "primary")})
        except (TypeError, ValueError):
            return None

    @property
    def direction_text(self) -> str:
        return f"{self.direction} is better" if self.direction else "no better direction"


class Catalog:
    """Look-ups over declared metrics; exact names win over ``*`` families, earlier over later.

    ``fallback`` supplies more declarations on the first name the given ones do not cover
    (the installed scorers', whose loading imports every scorer module: a new run's
    manifest declares all its metrics, so reading it never pays for that).
    """

    def __init__(self, declared: Iterable[Metric], fallback: Callable[[], list[Metric]] | None = None):
        self.declared: list[Metric] = []
        self._exact: dict[str, Metric] = {}
        self._families: list[Metric] = []
        self._fallback = fallback
        self._memo: dict[str, Metric | None] = {}
        self._add(declared)

    def _add(self, metrics: Iterable[Metric]) -> None:
        for m in metrics:
            self.declared.append(m)
            self._exact.setdefault(m.name, m)
            if "*" in m.name:
                self._families.append(m)

    def _find(self, name: str) -> Metric | None:
        return self._exact.get(name) or next((m for m in self._families if m.matches(name)), None)

    def get(self, name: str) -> Metric | None:
        if name not in self._memo:
            found = self._find(name)
            if found is None and self._fallback is not None:
                more, self._fallback = self._fallback(), None
                self._add(more)
                self._memo.clear()  # earlier misses may be covered now
                found = self._find(name)
            self._memo[name] = found
        return self._memo[name]

    def direction(self, name: str) -> Direction | None:
        """The declared direction; a metric no scorer declares has none (never ranked by guess)."""
        m = self.get(name)
        return m.direction if m else None

    def kind(self, name: str) -> Kind | None:
        m = self.get(name)
        return m.kind if m else None

    def is_headline(self, name: str) -> bool:
        m = self.get(name)
        return m is not None and m.headline is not None

    def order(self, names: Iterable[str]) -> list[str]:
        """Headline metrics in their declared places, then the rest alphabetically."""
        names = set(names)
        head = sorted((n for n in names if self.is_headline(n)), key=lambda n: (self.get(n).headline, n))
        return head + sorted(names - set(head))

    def primary(self, names: Iterable[str]) -> str | None:
        """The most preferred primary metric present, if any declares a ``primary`` rank."""
        ranked = [(self.get(n).primary, n) for n in names if self.get(n) and self.get(n).primary is not None]
        return min(ranked)[1] if ranked else None

    def as_json(self) -> list[dict[str, Any]]:
        return [m.to_json() for m in self.declared]


def catalog_of(manifest: dict[str, Any] | None = None) -> Catalog:
    """The declarations a run recorded (``manifest["metrics"]``), then those of the installed scorers."""
    recorded = (manifest or {}).get("metrics") if isinstance(manifest, dict) else None
    declared = [m for m in (Metric.from_json(d) for d in recorded or []) if m is not None] \
        if isinstance(recorded, list) else []
    return Catalog(declared, fallback=installed_metrics)


def installed_metrics() -> list[Metric]:
    """Every metric declared by a registered scorer (built-ins and entry-point plugins)."""
    from harness.core.registry import scorers

    out: list[Metric] = []
    for _, cls in scorers.classes(strict=False):  # a broken plugin must not stop reading other runs
        out.extend(cls.metrics)
    return out
