"""docs/contract.md section 8 names everything the code answers with: every event type with its data
fields, every refusal and error code, every endpoint. A name added in code and not in the contract
fails here, so the contract stays the list of what is implemented (DESIGN sections 3, 4, 6, 7)."""

from __future__ import annotations

import ast
import dataclasses
import re
import tempfile
from pathlib import Path

import pytest

from careplan.domain.family import payload_types

ROOT = Path(__file__).resolve().parents[2]
CONTRACT = (ROOT / "docs" / "contract.md").read_text(encoding="utf-8")
IMPLEMENTED = CONTRACT[CONTRACT.index("## 8. As implemented") :]


def _calls(package: str) -> list[ast.Call]:
    found: list[ast.Call] = []
    for path in sorted((ROOT / package).rglob("*.py")):
        found += [n for n in ast.walk(ast.parse(path.read_text(encoding="utf-8"))) if isinstance(n, ast.Call)]
    return found


def _first_string(call: ast.Call, position: int = 0) -> str | None:
    if len(call.args) > position and isinstance(call.args[position], ast.Constant):
        value = call.args[position].value
        return value if isinstance(value, str) else None
    return None


def rule_codes() -> set[str]:
    """The codes the domain and the application refuse with (``RuleViolation("code", ...)``, a
    deviable rule's ``attempt.deviable("code", ...)`` or ``_deviable(attempt, "code", ...)``)."""
    codes = set()
    for call in _calls("careplan"):
        name = getattr(call.func, "id", getattr(call.func, "attr", ""))
        if name in ("RuleViolation", "deviable"):
            codes.add(_first_string(call))
        elif name == "_deviable":
            codes.add(_first_string(call, 1))
    return {c for c in codes if c}


def error_codes() -> set[str]:
    """The ``code`` of every error class in careplan/ and of every answer web/ makes itself."""
    codes: set[str] = set()
    for path in sorted((ROOT / "careplan").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef):
                for item in node.body:
                    if (
                        isinstance(item, ast.Assign)
                        and [getattr(t, "id", "") for t in item.targets] == ["code"]
                        and isinstance(item.value, ast.Constant)
                    ):
                        codes.add(str(item.value.value))
    for call in _calls("web"):
        name = getattr(call.func, "id", getattr(call.func, "attr", ""))
        if name == "problem":
            codes.add(_first_string(call, 1) or "")
        codes.update(
            str(k.value.value) for k in call.keywords if k.arg == "code" and isinstance(k.value, ast.Constant)
        )
    from web.errors import HTTP_CODES

    codes.update(HTTP_CODES.values())
    return {c for c in codes if re.fullmatch(r"[a-z]+(_[a-z]+)+|[a-z]+", c) and c != "careplan_error"}


def endpoints() -> set[str]:
    """``METHOD /path`` of every API route and every probe, as the app registers them."""
    from web.app import create_app

    with tempfile.TemporaryDirectory() as folder:
        app = create_app(
            {
                "SECRET_KEY": "contract-" + "k" * 32,
                "TESTING": True,
                "CAREPLAN_ENV": {
                    "CAREPLAN_DATABASE_URL": f"sqlite:///{folder}/contract.sqlite",
                    "CAREPLAN_INSTANCE": folder,
                    "CAREPLAN_MODE": "demo",
                },
            }
        )
        found = set()
        for rule in app.url_map.iter_rules():
            if rule.rule.startswith("/api/v1/") or rule.rule in ("/health", "/ready", "/metrics"):
                path = re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", rule.rule.removeprefix("/api/v1"))
                path = path.replace("{journey_id}", "{id}")
                for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
                    found.add(f"{method} {path}")
    return found


def named(name: str) -> bool:
    return f"`{name}`" in IMPLEMENTED


@pytest.mark.parametrize("event_type", sorted(payload_types()))
def test_every_event_type_and_its_fields_are_in_the_contract(event_type: str) -> None:
    assert named(event_type), f"docs/contract.md section 8 does not list {event_type}"
    line = next(line for line in IMPLEMENTED.splitlines() if line.startswith(f"| `{event_type}` |"))
    for field in dataclasses.fields(payload_types()[event_type]):
        assert f"`{field.name}`" in line, f"{event_type}.{field.name} is not in its contract line"


def test_every_refusal_code_is_in_the_contract() -> None:
    missing = sorted(c for c in rule_codes() if not named(c))
    assert not missing, f"docs/contract.md section 8 does not list: {missing}"


def test_every_error_code_is_in_the_contract() -> None:
    missing = sorted(c for c in error_codes() if not named(c))
    assert not missing, f"docs/contract.md section 8 does not list: {missing}"


def test_every_endpoint_is_in_the_contract() -> None:
    missing = sorted(e for e in endpoints() if not named(e))
    assert not missing, f"docs/contract.md section 8 does not list: {missing}"


def test_the_collectors_find_what_is_known_to_be_there() -> None:
    assert {"blood_pressure_hold", "spacing_too_short", "before_subject"} <= rule_codes()
    assert {"journey_exists", "chair_taken", "malformed_json", "validation_failed"} <= error_codes()
    assert {"POST /journeys/{id}/events", "GET /worklists", "GET /health"} <= endpoints()
