"""Direct edits of the store's rows, as someone with database access and no application would make.

Works on the tables the application really uses (their names are read from its recorders), through a
connection of its own: plain ``sqlite3`` or ``psycopg``, never the library.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from typing import Any
from uuid import UUID

import psycopg

from careplan.application import CarePlan


class Tamperer:
    def __init__(self, app: CarePlan) -> None:
        self.kind = app.store.kind
        self.url = app.store.url
        self.events = app.recorder.events_table_name  # type: ignore[attr-defined]
        self.snapshots = app.snapshots.recorder.events_table_name if app.snapshots else ""  # type: ignore[attr-defined]

    # -- plumbing ---------------------------------------------------------------------------------

    def _sql(self, statement: str, params: tuple[Any, ...]) -> list[tuple[Any, ...]]:
        if self.kind == "sqlite":
            with sqlite3.connect(self.url[len("sqlite:///") :]) as conn:
                return conn.execute(statement, params).fetchall()
        with psycopg.connect(self.url, autocommit=True) as conn:
            cursor = conn.execute(statement.replace("?", "%s"), params)
            return cursor.fetchall() if cursor.description else []

    def _id(self, journey_id: UUID) -> Any:
        return journey_id.hex if self.kind == "sqlite" else journey_id

    # -- edits ------------------------------------------------------------------------------------

    def state(self, journey_id: UUID, version: int, table: str | None = None) -> bytes:
        rows = self._sql(
            f"SELECT state FROM {table or self.events} WHERE originator_id=? AND originator_version=?",
            (self._id(journey_id), version),
        )
        return bytes(rows[0][0])

    def rewrite(self, journey_id: UUID, version: int, change: Callable[[bytes], bytes], table: str | None = None) -> None:
        state = change(self.state(journey_id, version, table))
        self._sql(
            f"UPDATE {table or self.events} SET state=? WHERE originator_id=? AND originator_version=?",
            (state, self._id(journey_id), version),
        )

    def edit_json(self, journey_id: UUID, version: int, change: Callable[[dict[str, Any]], None], table: str | None = None) -> None:
        """Loads the stored JSON state, lets ``change`` edit it in place, and writes it back."""

        def edit(state: bytes) -> bytes:
            document = json.loads(state)
            change(document)
            return json.dumps(document, separators=(",", ":")).encode()

        self.rewrite(journey_id, version, edit, table)

    def delete(self, journey_id: UUID, version: int) -> None:
        self._sql(
            f"DELETE FROM {self.events} WHERE originator_id=? AND originator_version=?", (self._id(journey_id), version)
        )

    def swap(self, journey_id: UUID, first: int, second: int) -> None:
        """Exchanges two rows' versions (through a spare version, since (journey, version) is unique)."""
        spare = -1
        for old, new in ((first, spare), (second, first), (spare, second)):
            self._sql(
                f"UPDATE {self.events} SET originator_version=? WHERE originator_id=? AND originator_version=?",
                (new, self._id(journey_id), old),
            )
