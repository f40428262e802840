"""From a posted form to an event submission, and from validation errors back to the form's fields.

What was typed is kept as typed (strings, in each widget's shape) so that a form shown again after an
error holds exactly the input, including the value that was wrong. Only then is it turned into the
JSON-like payload that ``validate_submission`` checks, the same one the API takes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from werkzeug.datastructures import MultiDict

from events.schemas.limits import SCALES
from web.clinic import LocalTimeError, from_local_input
from web.journeys.fields import FormField
from web.query import is_whole_number

Raw = dict[str, Any]
Errors = dict[str, list[str]]

ENVELOPE = ("occurred_at", "reason", "deviation")


def read_form(fields: list[FormField], form: MultiDict[str, str]) -> Raw:
    """What was typed, field by field: a string, a list of strings, or a list of row dicts."""
    raw: Raw = {name: form.get(name, "") for name in ENVELOPE}
    for item in fields:
        if item.kind == "choices":
            raw[item.name] = form.getlist(item.name)
        elif item.kind == "rows":
            raw[item.name] = _rows(form, item.name, [c.name for c in item.columns])
        elif item.kind == "pairs":
            raw[item.name] = _rows(form, item.name, ["name", "value"])
        elif item.kind == "scores":
            raw[item.name] = {
                code: [form.get(f"{item.name}-{code}-{n}", "") for n in range(scale.items)]
                for code, scale in SCALES.items()
            }
        else:
            raw[item.name] = form.get(item.name, "")
    return raw


def _rows(form: MultiDict[str, str], name: str, columns: list[str]) -> list[dict[str, str]]:
    """The rows of a repeating widget in their order, blank rows dropped, so row i is item i."""
    indices = sorted(
        {int(key.split("-")[1]) for key in form if key.startswith(f"{name}-") and is_whole_number(key.split("-")[1])}
    )
    rows = [{c: form.get(f"{name}-{i}-{c}", "").strip() for c in columns} for i in indices]
    return [row for row in rows if any(row.values())]


def to_payload(fields: list[FormField], raw: Raw) -> tuple[dict[str, Any], Errors]:
    """The event's ``data`` as an API client would send it, and errors found before the schema runs."""
    data: dict[str, Any] = {}
    errors: Errors = {}
    for item in fields:
        value = raw.get(item.name)
        if item.kind == "scores":
            scores, problem = _scores(value or {}, raw.get("instrument", ""))
            if problem:
                errors[item.name] = [problem]
            elif scores is not None:
                data[item.name] = scores
                if not str(raw.get("total", "")).strip():
                    data["total"] = sum(scores)
            continue
        if item.kind == "datetime" and str(value or "").strip():
            try:
                data[item.name] = local_to_iso(str(value))
            except LocalTimeError as error:
                errors[item.name] = [str(error)]
            continue
        converted = _convert(item, value)
        if converted is not _MISSING:
            data[item.name] = converted
    return data, errors


_MISSING: Any = object()


def local_to_iso(text: str) -> str:
    """A clinic-time input as the ISO 8601 instant with offset that the API would be sent."""
    return from_local_input(text).isoformat()


def _convert(item: FormField, value: Any) -> Any:
    if item.kind == "choices":
        return list(value or [])
    if item.kind == "rows":
        return [
            {c.name: _convert(c, row.get(c.name, "")) for c in item.columns if row.get(c.name, "") != ""}
            for row in value or []
        ]
    if item.kind == "pairs":
        return {row["name"]: _number(row["value"], float) for row in value or []}
    text = str(value or "").strip()
    if text == "":
        return _MISSING
    if item.kind == "integer":
        return _number(text, int)
    if item.kind == "number":
        return _number(text, float)
    if item.kind == "boolean":
        return {"yes": True, "no": False}.get(text, text)
    return str(value) if item.kind == "textarea" else text


def _number(text: str, kind: type) -> Any:
    """A number when it reads as one; else the text, so the schema names the problem."""
    try:
        number = float(text)
    except ValueError:
        return text
    if kind is int and number.is_integer():
        return int(number)
    return number


def _scores(by_instrument: Mapping[str, list[str]], instrument: str) -> tuple[list[int] | None, str | None]:
    answers = by_instrument.get(instrument)
    if not answers or not any(a != "" for a in answers):
        return None, None
    if any(a == "" for a in answers):
        missing = ", ".join(str(n) for n, a in enumerate(answers, start=1) if a == "")
        return None, f"Answer every item or none: item {missing} has no score."
    try:
        return [int(a) for a in answers], None
    except ValueError:
        return None, "Scores must be whole numbers."


def flatten(messages: Any, prefix: str = "") -> Errors:
    """Marshmallow's nested messages as ``{"medications-0-name": [...]}``, the form's field names."""
    flat: Errors = {}
    if isinstance(messages, Mapping):
        for key, value in messages.items():
            name = f"{prefix}-{key}" if prefix else str(key)
            for inner, texts in flatten(value, name).items():
                flat.setdefault(inner, []).extend(texts)
    elif isinstance(messages, list) and all(isinstance(m, str) for m in messages):
        flat[prefix or "_schema"] = list(messages)
    elif isinstance(messages, str):
        flat[prefix or "_schema"] = [messages]
    return flat


def submission_errors(messages: Mapping[str, Any]) -> Errors:
    """Errors of ``validate_submission`` keyed by form field: data fields lose their ``data-`` prefix."""
    flat = flatten(messages)
    return {key.removeprefix("data-"): texts for key, texts in flat.items()}


def errors_under(errors: Errors, name: str) -> list[str]:
    """Every message for a field and its parts (``findings-2`` and ``values-TSH-value`` belong to it)."""
    return [text for key, texts in errors.items() if key == name or key.startswith(name + "-") for text in texts]
