"""The clinic settings file and CAREPLAN_TIMEZONE: the packaged default, a clinic's own file, and one
sentence (exit 2 on the command line) for anything wrong."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import time
from pathlib import Path

import pytest

from careplan.adapters.settings import ConfigError
from events.clinic_file import clinic_settings

ROOT = Path(__file__).resolve().parents[2]


def test_the_packaged_clinic_is_open_nine_to_five_every_day_with_four_chairs() -> None:
    clinic = clinic_settings({})
    assert clinic.chairs == 4 and clinic.zone_name == "UTC"
    assert all(h is not None and (h.opens, h.closes) == (time(9), time(17)) for h in clinic.hours.values())
    assert len(clinic.hours) == 7


def test_the_time_zone_variable_overrides_the_files_zone() -> None:
    assert clinic_settings({"CAREPLAN_TIMEZONE": "America/New_York"}).zone_name == "America/New_York"


def test_a_clinics_own_file_sets_hours_closed_days_and_chairs(tmp_path: Path) -> None:
    path = tmp_path / "clinic.json"
    path.write_text(json.dumps({
        "timezone": "Europe/Berlin", "chairs": 2,
        "hours": {"monday": {"opens": "08:30", "closes": "18:00"}, "sunday": None},
    }))
    clinic = clinic_settings({"CAREPLAN_CLINIC_FILE": str(path)})
    assert clinic.zone_name == "Europe/Berlin" and clinic.chairs == 2
    assert clinic.hours["monday"].opens == time(8, 30)  # type: ignore[union-attr]
    assert clinic.hours["sunday"] is None and clinic.hours["tuesday"] is None


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ({"timezone": "Mars/Olympus", "chairs": 4, "hours": {}}, "timezone: Not a known IANA time zone"),
        ({"timezone": "UTC", "chairs": 0, "hours": {}}, "chairs: Must be greater than or equal to 1"),
        ({"timezone": "UTC", "chairs": 4, "hours": {"monday": {"opens": "17:00", "closes": "09:00"}}}, "hours.monday.value.closes"),
        ({"timezone": "UTC", "chairs": 4, "hours": {"monday": {"opens": "9am", "closes": "17:00"}}}, "24-hour time"),
        ({"timezone": "UTC", "chairs": 4, "hours": {"funday": None}}, "hours.funday.key"),
    ],
)
def test_a_wrong_file_is_one_sentence_naming_the_field(tmp_path: Path, document: dict, message: str) -> None:
    path = tmp_path / "clinic.json"
    path.write_text(json.dumps(document))
    with pytest.raises(ConfigError, match=message.replace(".", r"\.")):
        clinic_settings({"CAREPLAN_CLINIC_FILE": str(path)})


def test_an_unknown_zone_stops_the_web_command_with_one_line_and_exit_2(tmp_path: Path) -> None:
    env = {**os.environ, "CAREPLAN_TIMEZONE": "America/Gotham", "CAREPLAN_INSTANCE": str(tmp_path),
           "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-m", "careplan.entrypoints.cli.main", "web", "--demo", "--port", "65530"],
        env=env, capture_output=True, text=True, timeout=60, cwd=tmp_path,
    )
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "careplan web: CAREPLAN_TIMEZONE must be an IANA time zone such as America/New_York."
    ]
