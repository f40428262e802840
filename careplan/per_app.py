"""One object per application instance, kept on the application itself.

A ``WeakKeyDictionary`` keyed by the application leaks when its value holds the application (a
session table, an access log, a read side all do): the value keeps its key alive, so every
application ever built stays open with its connections and file handles (a long test run ran out of
descriptors). Kept as an attribute of the application instead, the object lives and dies with it.
"""

from __future__ import annotations

from typing import Any, Generic, TypeVar

V = TypeVar("V")


class PerApp(Generic[V]):
    """The mapping interface the registries used (``get``, ``[app] = ``, ``setdefault``)."""

    def __init__(self, name: str) -> None:
        self.attribute = f"_careplan_per_app_{name}"

    def get(self, app: Any) -> V | None:
        return app.__dict__.get(self.attribute)

    def __setitem__(self, app: Any, value: V) -> None:
        app.__dict__[self.attribute] = value

    def setdefault(self, app: Any, value: V) -> V:
        return app.__dict__.setdefault(self.attribute, value)
