"""Name → component registries filled by decorators.

A component is a class with a nested pydantic ``Options`` model
(``extra="forbid"``) and a constructor taking those options, so unknown or
mistyped options fail at construction with the known names listed.
Registration happens on import of ``harness.backends`` / ``harness.scorers``.
"""

from __future__ import annotations

from typing import Any, Callable, Generic, TypeVar

from pydantic import ValidationError

from harness.errors import UserError

T = TypeVar("T")


class Registry(Generic[T]):
    def __init__(self, kind: str):
        self.kind = kind
        self._items: dict[str, type[T]] = {}

    def register(self, name: str) -> Callable[[type[T]], type[T]]:
        def deco(cls: type[T]) -> type[T]:
            if name in self._items:
                raise RuntimeError(f"{self.kind} {name!r} registered twice")
            cls.name = name  # type: ignore[attr-defined]
            self._items[name] = cls
            return cls
        return deco

    def names(self) -> list[str]:
        return sorted(self._items)

    def get(self, name: str) -> type[T]:
        try:
            return self._items[name]
        except KeyError:
            raise UserError(f"unknown {self.kind} {name!r}",
                            fix=f"use one of: {', '.join(self.names())}") from None

    def describe(self) -> list[tuple[str, str]]:
        """(name, first docstring line) for ``sumbench list``."""
        out = []
        for name in self.names():
            doc = (self._items[name].__doc__ or "").strip().splitlines()
            out.append((name, doc[0] if doc else ""))
        return out

    def create(self, name: str, options: dict[str, Any], **context: Any) -> T:
        """Validate ``options`` against the component's Options and build it.

        ``context`` (e.g. ``suite=``) lets a component resolve paths relative
        to the suite; components accept and may ignore it.
        """
        cls = self.get(name)
        opts_model = getattr(cls, "Options")
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
    import inspect

    params = inspect.signature(cls.__init__).parameters
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values()):
        return context
    return {k: v for k, v in context.items() if k in params}


backends: Registry[Any] = Registry("backend")
scorers: Registry[Any] = Registry("scorer")
