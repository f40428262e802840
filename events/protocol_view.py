"""A protocol as the outside reads it: its JSON document, the differences between two versions, and a
FHIR PlanDefinition (DESIGN 7.6: ``careplan protocols show | diff``, ``GET /api/v1/protocols``).

The document is the protocol file's own form (the keys a clinic writes), rebuilt from the typed
protocol, so what is shown is what the engine reads, not a copy of the file that may say otherwise.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from careplan.domain.protocol import Protocol

SECTIONS = (
    "induction", "response_check", "maintenance", "safety", "assessments", "dose", "monitoring", "appointments",
    "eligibility",
)


def document(protocol: Protocol) -> dict[str, Any]:
    """The protocol in its file's form: every setting the engine reads, with its value."""
    doc: dict[str, Any] = {
        "id": protocol.id,
        "version": protocol.version,
        "title": protocol.title,
        "steps": [
            {
                "name": s.name,
                "title": s.title,
                "requires": list(s.requires),
                "due": None if s.due is None else {"from": s.due.from_, "within_days": s.due.within_days},
            }
            for s in protocol.steps
        ],
        "reminders": {"infusion_hours_before": protocol.infusion_reminder_hours},
        "contraindications": {
            "absolute": list(protocol.contraindications.absolute),
            "relative": list(protocol.contraindications.relative),
        },
        "lab_panels": [asdict(panel) for panel in protocol.panels],
        "medication_flags": [asdict(flag) for flag in protocol.medication_flags],
    }
    for section in SECTIONS:
        doc[section] = asdict(getattr(protocol, section))
    return doc


def summary(protocol: Protocol) -> dict[str, Any]:
    return {"id": protocol.id, "version": protocol.version, "title": protocol.title, "steps": list(protocol.step_names)}


def flat(value: Any, path: str = "") -> dict[str, Any]:
    """``{"induction.infusions": 6, "steps.consent.requires": [...], ...}``: lists of named things are
    keyed by their name (a step, a panel's code, a flag's drug class), so a diff names them."""
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for key, inner in value.items():
            out.update(flat(inner, f"{path}.{key}" if path else str(key)))
        return out
    if isinstance(value, list) and not value and path in ("lab_panels", "medication_flags"):
        return {}  # none listed: as absent, so a diff names the entries the other version lists
    if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        out = {}
        for item in value:
            name = item.get("name") or item.get("code") or item.get("drug_class")
            out.update(flat({k: v for k, v in item.items() if v != name}, f"{path}.{name}"))
        return out
    return {path: value}


def diff(old: Protocol, new: Protocol) -> list[dict[str, Any]]:
    """Every setting that differs between two protocols: ``{"setting", "from", "to"}`` (None where a
    version lacks it), in the order of the newer document."""
    before, after = flat(document(old)), flat(document(new))
    keys = [k for k in after if k != "version"] + [k for k in before if k not in after]
    return [
        {"setting": key, "from": before.get(key), "to": after.get(key)}
        for key in keys
        if before.get(key) != after.get(key)
    ]
