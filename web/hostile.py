"""Hostile input refused at the door, before any view, schema or database sees it, with a 400 or 422
that says what is wrong (never a 500): JSON nested deeper than any request of the API needs, text
that is not Unicode (a lone surrogate such as "\\ud800", which cannot be stored or hashed), integers
beyond 64 bits (a 5,000-digit number), NUL in any text (PostgreSQL cannot store it; SQLite cuts at
it) and control characters in JSON keys (names such as ``ScreeningResulted.values`` keys).

A JSON body is checked however it is framed: with a Content-Length, or sent with
``Transfer-Encoding: chunked`` and none (the server decodes the chunks; ``MAX_CONTENT_LENGTH`` still
bounds what is read).

Registered as a blueprint without routes (``bp``), so its hook applies to the whole app.
"""

from __future__ import annotations

import json
import re
from typing import Any

from flask import Blueprint, abort, request
from werkzeug.wrappers import Response

from web import errors

bp = Blueprint("hostile", __name__)

MAX_DEPTH = 32
MAX_INT = 2**63 - 1
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")


class Refused(ValueError):
    def __init__(self, where: str, message: str) -> None:
        super().__init__(message)
        self.where = where


@bp.before_app_request
def _refuse_hostile_input() -> Response | None:
    try:
        sources = (request.args,) if request.is_json else (request.args, request.form)
        for source in sources:
            for name, value in source.items(multi=True):
                _check_text(name, name, key=True)
                _check_text(name, value)
        if request.is_json:  # whatever the framing: a chunked body has no Content-Length
            body = request.get_data(cache=True)
            if body:
                _check_json(body)
    except Refused as refused:
        if errors.is_api_request():
            return errors.problem(422, "validation_failed", "The request did not pass validation; see the fields.",
                                  errors={refused.where: [str(refused)]})  # fmt: skip
        abort(400, description=f"{refused.where}: {refused}")
    except _Malformed as malformed:
        if errors.is_api_request():
            return errors.problem(400, "malformed_json", str(malformed))
        abort(400, description=str(malformed))
    return None


class _Malformed(ValueError):
    pass


def _check_json(body: bytes) -> None:
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise _Malformed("The request body is not UTF-8 text.") from None
    if _depth(text) > MAX_DEPTH:
        raise _Malformed(f"The JSON is nested more than {MAX_DEPTH} levels deep.")
    try:
        document = json.loads(text, parse_int=_integer)
    except Refused:
        raise
    except (ValueError, RecursionError):
        return  # malformed JSON: the API's parser answers it with its own 400
    _walk(document, "")


def _integer(text: str) -> int:
    if len(text.lstrip("-")) > 19 or abs(int(text)) > MAX_INT:
        raise Refused("body", "A number in the request is larger than any field takes (64-bit integers at most).")
    return int(text)


def _depth(text: str) -> int:
    """The deepest nesting of brackets outside strings, counted without recursion."""
    depth = deepest = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            escaped, in_string = (False, in_string) if escaped else (char == "\\", char != '"')
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth -= 1
    return deepest


def _walk(value: Any, where: str) -> None:
    stack = [(value, where)]
    while stack:
        item, path = stack.pop()
        if isinstance(item, dict):
            for key, inner in item.items():
                _check_text(f"{path}.{key}".lstrip(".") if not _bad(key) else path or "body", key, key=True)
                stack.append((inner, f"{path}.{key}".lstrip(".")))
        elif isinstance(item, list):
            stack.extend((inner, f"{path}.{n}".lstrip(".")) for n, inner in enumerate(item))
        elif isinstance(item, str):
            _check_text(path or "body", item)


def _bad(text: str) -> bool:
    return bool(_SURROGATE.search(text) or _CONTROL.search(text))


def _check_text(where: str, text: str, key: bool = False) -> None:
    if _SURROGATE.search(text):
        raise Refused(_safe(where), "Text must be valid Unicode (a lone surrogate such as \\ud800 is not).")
    if "\x00" in text:
        raise Refused(_safe(where), "Text may not contain NUL characters.")
    if key and _CONTROL.search(text):
        raise Refused(_safe(where), "A name may not contain control characters.")


def _safe(where: str) -> str:
    """A field path fit to echo: without the characters that were refused."""
    return _CONTROL.sub("?", _SURROGATE.sub("?", where))[:200] or "body"
