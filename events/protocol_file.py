"""Reading protocol files: the packaged plan definitions and a clinic's own.

A protocol file that does not validate stops the program with one sentence naming the file and the
first failing field (``steps.3.due.within_days: Must be greater than or equal to 1.``), because a
clinic editing its JSON by hand needs to know where to look, not a traceback.
"""

from __future__ import annotations

import json
import os
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

from marshmallow import ValidationError

from careplan.domain.protocol import Protocol, ProtocolRegistry
from events.schemas.protocol_document import ProtocolDocumentSchema

__all__ = [
    "ProtocolDocumentSchema",
    "ProtocolFileError",
    "default_protocols",
    "load_protocol_file",
    "parse_protocol",
]


class ProtocolFileError(ValueError):
    """A protocol file that cannot be read, is not JSON, or does not validate."""


def load_protocol_file(path: str | Path | Traversable) -> Protocol:
    """The protocol in the JSON file at ``path``; ProtocolFileError if it is unreadable or invalid."""
    try:
        text = path.read_text(encoding="utf-8") if isinstance(path, Traversable) else Path(path).read_text("utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ProtocolFileError(f"{path}: cannot be read: {error}") from error
    return parse_protocol(text, source=str(path))


def parse_protocol(text: str, source: str = "<protocol>") -> Protocol:
    """The protocol in ``text``; ``source`` names it in error messages."""
    try:
        document = json.loads(text, object_pairs_hook=_refuse_duplicate_keys)
    except json.JSONDecodeError as error:
        raise ProtocolFileError(
            f"{source}: not valid JSON at line {error.lineno} column {error.colno}: {error.msg}."
        ) from error
    except ValueError as error:  # a duplicate key
        raise ProtocolFileError(f"{source}: {error}") from error
    try:
        valid = ProtocolDocumentSchema().load(document)
    except ValidationError as error:
        raise ProtocolFileError(f"{source}: {first_error(error.messages)}") from error
    return Protocol.from_dict(valid)


def first_error(messages: Any, path: tuple[str, ...] = ()) -> str:
    """``a.b.0.c: message`` for the first message of a marshmallow error tree."""
    if isinstance(messages, dict):
        key, inner = next(iter(messages.items()))
        return first_error(inner, path if key == "_schema" else (*path, str(key)))
    if isinstance(messages, list) and messages:
        return first_error(messages[0], path)
    where = ".".join(path) or "(document)"
    return f"{where}: {messages}"


def default_protocols(extra_dir: str | Path | None = None, open_on: str | None = None) -> ProtocolRegistry:
    """The packaged protocols (``careplan/protocols/*.json``) and every ``*.json`` in ``extra_dir``.

    A clinic's file may add a protocol or a new version; redefining an existing id and version with
    different content is refused, because journeys opened on it would silently change their rules.

    ``open_on`` (``CAREPLAN_PROTOCOL_VERSION``, read from the environment when not given) pins the
    version new journeys open on when none is named: ``2`` for ``ketamine-trd``, or ``ID=N,ID=N``.
    Unset, new journeys open on each protocol's latest version (the contract's default).
    """
    packaged = resources.files("careplan").joinpath("protocols")
    files: list[Traversable | Path] = sorted(
        (f for f in packaged.iterdir() if f.name.endswith(".json")), key=lambda f: f.name
    )
    if extra_dir is not None:
        folder = Path(extra_dir)
        if not folder.is_dir():
            raise ProtocolFileError(f"{folder}: not a directory of protocol files.")
        files.extend(sorted(folder.glob("*.json")))
    registry = ProtocolRegistry()
    for file in files:
        _register(registry, load_protocol_file(file), file)
    pins = os.environ.get("CAREPLAN_PROTOCOL_VERSION") if open_on is None else open_on
    for protocol_id, version in _pins(pins or ""):
        try:
            registry.open_on(protocol_id, version)
        except KeyError:
            raise ProtocolFileError(
                f"CAREPLAN_PROTOCOL_VERSION: no protocol {protocol_id} version {version} is registered."
            ) from None
    return registry


DEFAULT_ID = "ketamine-trd"


def _pins(text: str) -> list[tuple[str, int]]:
    """``2`` or ``ketamine-trd=2,other=1``; a malformed pin is one sentence, not a traceback."""
    pins = []
    for part in (p.strip() for p in text.split(",") if p.strip()):
        protocol_id, _, version = part.rpartition("=")
        if not (version.isascii() and version.isdigit() and len(version) <= 18):
            raise ProtocolFileError(f"CAREPLAN_PROTOCOL_VERSION: {part!r} is not a version number (e.g. 2 or ketamine-trd=2).")
        pins.append((protocol_id or DEFAULT_ID, int(version)))
    return pins


def _register(registry: ProtocolRegistry, protocol: Protocol, file: Traversable | Path) -> None:
    try:
        existing = registry.get(protocol.id, protocol.version)
    except KeyError:
        registry.add(protocol)
        return
    if existing != protocol:
        raise ProtocolFileError(
            f"{file}: protocol {protocol.id} version {protocol.version} is already defined differently; "
            "give the changed plan a new version."
        )


def _refuse_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    keys = [key for key, _ in pairs]
    duplicates = sorted({key for key in keys if keys.count(key) > 1})
    if duplicates:
        raise ValueError(f"duplicate key {duplicates[0]!r} in an object")
    return dict(pairs)
