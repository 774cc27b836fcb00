"""Name → component registries: built-ins and plugins alike come in through entry points.

A component is a class with a nested pydantic ``Options`` model
(``extra="forbid"``) and a constructor taking those options, so unknown or
mistyped options fail at construction with the known names listed.

Components are found through the entry-point groups ``sumbench.backends`` and
``sumbench.scorers`` (sumbench's own are declared in its ``pyproject.toml`` the same
way a plugin declares its own), loaded lazily on first use: a run that needs
``lead`` does not import the OpenAI SDK. A class can also be registered directly
with ``@backends.register("name")`` (tests, notebooks).
"""

from __future__ import annotations

import inspect
import threading
from importlib.metadata import EntryPoint, entry_points
from typing import Any, Callable, Generic, Iterator, TypeVar

from pydantic import ValidationError

from harness.core.errors import UserError

T = TypeVar("T")


class Registry(Generic[T]):
    def __init__(self, kind: str, group: str, required: tuple[str, ...] = ("Options",)):
        self.kind = kind
        self.group = group
        self.required = required  # class attributes every component declares (checked when registered)
        self._items: dict[str, type[T]] = {}
        self._eps: dict[str, EntryPoint] | None = None  # scanning every installed package costs ~30 ms
        self._lock = threading.RLock()

    def register(self, name: str) -> Callable[[type[T]], type[T]]:
        def deco(cls: type[T]) -> type[T]:
            with self._lock:
                if self._items.get(name, cls) is not cls:
                    raise RuntimeError(f"{self.kind} {name!r} registered twice")
                missing = [a for a in self.required if not hasattr(cls, a)]
                if missing:
                    raise UserError(f"{self.kind} {name!r} ({cls.__module__}.{cls.__qualname__}) does not declare "
                                    f"{', '.join(missing)}", fix=f"subclass harness.{self.kind}s.base's base class, "
                                    "which gives every declaration a default, or add them")
                cls.name = name  # type: ignore[attr-defined]
                self._items[name] = cls
            return cls
        return deco

    def _entry_points(self, fresh: bool = False) -> dict[str, EntryPoint]:
        """The group's entry points, read once (again when ``fresh``: a name not seen yet)."""
        if self._eps is None or fresh:
            found: dict[str, EntryPoint] = {}
            for ep in entry_points(group=self.group):
                found.setdefault(ep.name, ep)  # the first distribution on sys.path wins, as for imports
            self._eps = found
        return self._eps

    def _load(self, ep: EntryPoint) -> None:
        try:
            obj = ep.load()
        except Exception as exc:  # a broken plugin names itself, it does not take sumbench down
            dist = f" (package {ep.dist.name})" if ep.dist is not None else ""
            raise UserError(f"{self.kind} {ep.name!r}{dist} failed to load: {type(exc).__name__}: {exc}",
                            fix=f"reinstall or remove the package; its entry point is {ep.value}") from None
        with self._lock:
            if ep.name not in self._items:
                if not inspect.isclass(obj):
                    raise UserError(f"{self.kind} entry point {ep.name!r} ({ep.value}) is not a class",
                                    fix="point the entry point at the component class (module:Class)")
                self.register(ep.name)(obj)

    def names(self, strict: bool = True) -> list[str]:
        """Every known name: loads every entry point of the group (for listings and error messages).
        ``strict=False`` passes over plugins that fail to load instead of raising."""
        for name, ep in self._entry_points().items():
            if name not in self._items:
                try:
                    self._load(ep)
                except UserError:
                    if strict:
                        raise
        return sorted(self._items)

    def get(self, name: str) -> type[T]:
        if name not in self._items:
            ep = self._entry_points().get(name) or self._entry_points(fresh=True).get(name)
            if ep is not None:
                self._load(ep)
        try:
            return self._items[name]
        except KeyError:
            known = self.names()
            fix = f"use one of: {', '.join(known)}" if known else (
                f"no {self.kind}s are installed (entry-point group {self.group} is empty): "
                "install sumbench with `pip install .` (or `pip install -e .` in a checkout)")
            raise UserError(f"unknown {self.kind} {name!r}", fix=fix) from None

    def classes(self, strict: bool = True) -> Iterator[tuple[str, type[T]]]:
        for name in self.names(strict):
            yield name, self._items[name]

    def describe(self) -> list[tuple[str, str]]:
        """(name, first docstring line) for ``sumbench list``."""
        out = []
        for name, cls in self.classes():
            doc = (cls.__doc__ or "").strip().splitlines()
            out.append((name, doc[0] if doc else ""))
        return out

    def create(self, name: str, options: dict[str, Any], **context: Any) -> T:
        """Validate ``options`` against the component's Options and build it.

        ``context`` (e.g. ``suite=``) lets a component resolve paths relative
        to the suite; components accept and may ignore it.
        """
        cls = self.get(name)
        opts_model = cls.Options  # type: ignore[attr-defined]  (checked when registered)
        try:
            opts = opts_model(**options)
        except ValidationError as exc:
            err = exc.errors()[0]
            field = ".".join(str(p) for p in err.get("loc", ()))
            if err.get("type") == "extra_forbidden":
                known = ", ".join(opts_model.model_fields) or "none"
                raise UserError(f"unknown option '{field}' for {self.kind} '{name}'",
                                fix=f"known options: {known}") from None
            raise UserError(f"option '{field}' of {self.kind} '{name}': {err.get('msg')}",
                            fix="see `sumbench list " + self.kind + "s` and the README") from None
        return cls(opts, **_accepted(cls, context))  # type: ignore[call-arg]


def _accepted(cls: type, context: dict[str, Any]) -> dict[str, Any]:
    """The context keywords ``cls`` takes (all of them if it has ``**kwargs``)."""
    params = inspect.signature(cls.__init__).parameters
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values()):
        return context
    return {k: v for k, v in context.items() if k in params}


backends: Registry[Any] = Registry("backend", "sumbench.backends")
scorers: Registry[Any] = Registry("scorer", "sumbench.scorers", required=("Options", "metrics"))
