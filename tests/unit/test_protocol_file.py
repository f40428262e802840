"""Protocol files load into Protocols, and a broken file is refused with the file and field named."""

from __future__ import annotations

import copy
import json
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from careplan.domain.protocol import Protocol
from careplan.domain.vocabulary import STEPS
from events.protocol_file import ProtocolFileError, default_protocols, load_protocol_file, parse_protocol

PACKAGED = resources.files("careplan").joinpath("protocols", "ketamine-trd.v1.json")


def default_document() -> dict[str, Any]:
    return json.loads(PACKAGED.read_text(encoding="utf-8"))


def write(folder: Path, document: dict[str, Any], name: str = "protocol.json") -> Path:
    path = folder / name
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def refusal(tmp_path: Path, document: dict[str, Any]) -> str:
    path = write(tmp_path, document)
    with pytest.raises(ProtocolFileError) as refused:
        load_protocol_file(path)
    message = str(refused.value)
    assert message.startswith(f"{path}: ")
    return message.removeprefix(f"{path}: ")


def test_the_packaged_default_loads_with_the_numbers_of_version_1() -> None:
    protocol = default_protocols().get("ketamine-trd", 1)
    assert (protocol.id, protocol.version) == ("ketamine-trd", 1)
    assert protocol.step_names == tuple(s for s in STEPS if s != "consent")  # version 1 has no consent step
    assert protocol.induction.infusions == 6
    assert protocol.induction.min_spacing_hours == 48
    assert protocol.induction.window_days == 21
    assert (protocol.dose.mg_per_kg_min, protocol.dose.mg_per_kg_max) == (0.5, 0.75)
    assert protocol.dose.duration_min_at_least == 40
    assert protocol.dose.weight_change_flag_pct == 10
    assert protocol.monitoring.pre_vitals_max_age_hours == 3
    assert (protocol.monitoring.alert_systolic_at_least, protocol.monitoring.alert_diastolic_at_least) == (180, 110)
    assert (protocol.monitoring.alert_heart_rate_above, protocol.monitoring.alert_spo2_below) == (120, 92)
    assert protocol.monitoring.observation_min_at_least == 30
    assert (protocol.safety.bp_hold_systolic, protocol.safety.bp_hold_diastolic) == (140, 90)
    assert protocol.assessments.phq9_item9_alert_above == 0
    assert protocol.assessments.madrs_item10_alert_at_least == 4
    assert protocol.contraindications.absolute[0] == "pregnancy_or_breastfeeding"
    assert protocol.maintenance.default_interval_weeks == 4
    assert (protocol.maintenance.min_interval_weeks, protocol.maintenance.max_interval_weeks) == (2, 12)
    assert protocol.due_days("consultation") == 7
    assert protocol.due_days("lab_screening") == 14
    assert protocol.step("maintenance").due is None
    assert protocol.step("induction").requires == (
        "consultation",
        "medication_review",
        "contraindication_screening",
        "baseline_assessment",
    )
    assert protocol.lab_panels == ("hormone", "thyroid", "diabetes")


def test_a_file_without_a_step_every_protocol_has_is_refused(tmp_path: Path) -> None:
    document = default_document()
    document["steps"] = [s for s in document["steps"] if s["name"] != "maintenance"]
    assert refusal(tmp_path, document) == "steps: Missing steps: maintenance."


def test_a_file_may_leave_out_complementary_care_and_the_labs(tmp_path: Path) -> None:
    """DESIGN 7.6: a protocol chooses its steps; lab_screening and complementary_care are optional."""
    document = default_document()
    document["steps"] = [s for s in document["steps"] if s["name"] not in ("complementary_care", "lab_screening")]
    document["lab_panels"] = []
    protocol = load_protocol_file(write(tmp_path, document))
    assert "complementary_care" not in protocol.step_names and protocol.lab_panels == ()


def test_a_bad_number_is_refused_with_its_field_path(tmp_path: Path) -> None:
    document = default_document()
    document["steps"][3]["due"]["within_days"] = 0
    assert refusal(tmp_path, document) == "steps.3.due.within_days: Must be greater than or equal to 1."


@pytest.mark.parametrize(
    ("section", "key", "value", "expected"),
    [
        ("induction", "infusions", 21, "induction.infusions: Must be less than or equal to 20."),
        ("induction", "min_spacing_hours", 0, "induction.min_spacing_hours: Must be greater than or equal to 1."),
        ("induction", "window_days", 121, "induction.window_days: Must be less than or equal to 120."),
        ("induction", "window_days", 5, "induction.window_days: Too short for 6 infusions 48 hours apart."),
        ("induction", "infusions", "6", "induction.infusions: Not a valid integer."),
        ("safety", "bp_hold_systolic", 14, "safety.bp_hold_systolic: Must be greater than or equal to 90."),
        ("safety", "bp_hold_diastolic", 141, "safety.bp_hold_diastolic: Must be less than or equal to 140."),
        ("maintenance", "default_interval_weeks", 0, "maintenance.default_interval_weeks: Must be greater"),
        ("maintenance", "min_interval_weeks", 6, "maintenance.default_interval_weeks: Must be between"),
        ("dose", "mg_per_kg_min", 0.8, "dose.mg_per_kg_min: Must not be greater than mg_per_kg_max."),
        ("dose", "duration_min_at_least", 0, "dose.duration_min_at_least: Must be greater than or equal to 1."),
        ("monitoring", "alert_spo2_below", 101, "monitoring.alert_spo2_below: Must be less than or equal to 100."),
        ("monitoring", "observation_min_at_least", "30", "monitoring.observation_min_at_least: Not a valid"),
        ("induction", "speed", 3, "induction.speed: Unknown field."),
    ],
)
def test_each_setting_has_a_sensible_range(
    tmp_path: Path, section: str, key: str, value: Any, expected: str
) -> None:
    document = default_document()
    document[section][key] = value
    assert refusal(tmp_path, document).startswith(expected)


def test_a_missing_setting_is_refused(tmp_path: Path) -> None:
    document = default_document()
    del document["safety"]["bp_hold_systolic"]
    assert refusal(tmp_path, document) == "safety.bp_hold_systolic: Missing data for required field."


def test_a_step_may_only_require_steps_defined_before_it(tmp_path: Path) -> None:
    document = default_document()
    document["steps"][1]["requires"] = ["lab_screening"]
    assert refusal(tmp_path, document) == "steps.1.requires: lab_screening must be defined before medication_review."
    document["steps"][1]["requires"] = ["medication_review"]
    assert refusal(tmp_path, document) == "steps.1.requires: A step cannot require itself."
    document["steps"][1]["requires"] = ["shopping"]
    assert refusal(tmp_path, document).startswith("steps.1.requires.0: Must be one of")


def test_a_step_defined_twice_is_refused(tmp_path: Path) -> None:
    document = default_document()
    document["steps"].append(copy.deepcopy(document["steps"][0]))
    assert refusal(tmp_path, document) == "steps.9.name: Step consultation is defined twice."


def test_malformed_json_is_refused_with_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text('{\n  "id": "ketamine-trd",\n  "version": 1,,\n}', encoding="utf-8")
    with pytest.raises(ProtocolFileError, match=r"broken\.json: not valid JSON at line 3 column 16"):
        load_protocol_file(path)


def test_a_duplicate_key_and_a_missing_file_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ProtocolFileError, match="duplicate key 'version'"):
        parse_protocol('{"id": "x", "version": 1, "version": 2}', source="dup.json")
    with pytest.raises(ProtocolFileError, match="cannot be read"):
        load_protocol_file(tmp_path / "absent.json")


def test_a_clinic_protocol_version_3_in_the_extra_dir_becomes_the_latest(tmp_path: Path) -> None:
    document = default_document()
    document["version"] = 3
    document["safety"]["bp_hold_systolic"] = 150
    write(tmp_path, document, "ketamine-trd.v3.json")
    registry = default_protocols(str(tmp_path))
    assert registry.get("ketamine-trd").version == 3
    assert registry.get("ketamine-trd").safety.bp_hold_systolic == 150
    assert registry.get("ketamine-trd", 1).safety.bp_hold_systolic == 140
    assert len(registry) == 3


def test_redefining_a_registered_version_differently_is_refused(tmp_path: Path) -> None:
    write(tmp_path, default_document(), "same.json")
    assert len(default_protocols(tmp_path)) == 2  # the packaged versions 1 and 2
    changed = default_document()
    changed["induction"]["infusions"] = 8
    write(tmp_path, changed, "changed.json")
    with pytest.raises(ProtocolFileError, match="changed.json: protocol ketamine-trd version 1 is already defined"):
        default_protocols(tmp_path)


def test_an_extra_dir_that_does_not_exist_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ProtocolFileError, match="not a directory"):
        default_protocols(str(tmp_path / "nowhere"))


def leaf_paths(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    if isinstance(value, dict):
        return [p for key, item in value.items() for p in leaf_paths(item, (*path, key))]
    if isinstance(value, list):
        return [p for index, item in enumerate(value) for p in leaf_paths(item, (*path, index))] or [path]
    return [path]


LEAVES = leaf_paths(default_document())
anything = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12) | st.sampled_from(STEPS),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=8,
)


@settings(max_examples=150, deadline=None)
@given(where=st.sampled_from(LEAVES), value=anything)
def test_any_single_change_to_the_default_gives_a_protocol_or_a_protocol_file_error(
    where: tuple[Any, ...], value: Any
) -> None:
    document = default_document()
    target: Any = document
    for step in where[:-1]:
        target = target[step]
    target[where[-1]] = value
    try:
        protocol = parse_protocol(json.dumps(document), source="fuzz.json")
    except ProtocolFileError as error:
        assert str(error).startswith("fuzz.json: ")
        return
    assert isinstance(protocol, Protocol)


def test_a_file_in_the_layout_before_assessments_is_refused_not_reread(tmp_path: Path) -> None:
    """The README's word: a file keeping the PHQ-9 threshold under ``safety`` is refused, naming the
    key; the threshold has one place (``assessments``), and such a file lacks later sections too."""
    moved_back = default_document()
    moved_back["safety"]["phq9_item9_alert_above"] = moved_back.pop("assessments")["phq9_item9_alert_above"]
    assert refusal(tmp_path, moved_back) == "safety.phq9_item9_alert_above: Unknown field."
    moved_back["safety"].pop("phq9_item9_alert_above")
    assert refusal(tmp_path, moved_back) == "assessments: Missing data for required field."
