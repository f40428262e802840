"""The settings of messaging (DESIGN 7.7, 7.9): the protocol's questionnaires and page_ack_minutes, the
clinic file's people and crisis line, and the SMTP/SMS/base URL variables; version 1 and clinic files
written before keep working with the defaults."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from careplan.adapters.settings import ConfigError
from careplan.domain.clinic import CRISIS_LINE_988
from careplan.messaging.settings import messaging_settings
from events.clinic_file import clinic_settings
from events.protocol_file import ProtocolFileError, default_protocols, parse_protocol
from tests.messaging.conftest import PROM, PROTOCOLS

V1 = Path(__file__).parents[2] / "careplan" / "protocols" / "ketamine-trd.v1.json"


def test_version_1_schedules_no_questionnaire_and_keeps_the_defaults() -> None:
    v1 = default_protocols().get("ketamine-trd", 1)
    assert v1.questionnaires.schedule == () and v1.questionnaires.link_valid_hours == 72
    assert v1.safety.page_ack_minutes == 15


def test_a_protocol_that_declares_questionnaires_schedules_them() -> None:
    prom = default_protocols(PROTOCOLS).get(PROM, 1)
    by = {s.instrument: s for s in prom.questionnaires.schedule}
    assert (by["PHQ9"].every_days, by["PHQ9"].during) == (7, ("induction", "maintenance"))
    assert (by["GAD7"].every_days, by["GAD7"].during) == (14, ("induction", "maintenance"))


@pytest.mark.parametrize(
    "section, where",
    [
        ({"schedule": [{"instrument": "MADRS", "every_days": 7, "during": ["induction"]}]}, "instrument"),
        ({"schedule": [{"instrument": "PHQ9", "every_days": 0, "during": ["induction"]}]}, "every_days"),
        ({"schedule": [{"instrument": "PHQ9", "every_days": 7, "during": []}]}, "during"),
        ({"schedule": [{"instrument": "PHQ9", "every_days": 7, "during": ["consultation"]}]}, "during"),
        (
            {"schedule": [{"instrument": "PHQ9", "every_days": 7, "during": ["induction"]}] * 2},
            "questionnaires.schedule",
        ),
        ({"link_valid_hours": 0}, "link_valid_hours"),
    ],
)
def test_a_malformed_schedule_is_refused_naming_the_field(section: dict[str, object], where: str) -> None:
    document = {**json.loads(V1.read_text()), "id": "x", "questionnaires": section}
    with pytest.raises(ProtocolFileError) as refused:
        parse_protocol(json.dumps(document))
    assert where in str(refused.value)


def test_the_clinic_file_names_the_on_call_clinician_the_director_and_the_crisis_line(tmp_path: Path) -> None:
    default = clinic_settings({})
    assert default.on_call is None and default.medical_director is None and default.crisis_line == CRISIS_LINE_988
    packaged = json.loads((Path(__file__).parents[2] / "careplan" / "clinic" / "default.json").read_text())
    path = tmp_path / "clinic.json"
    path.write_text(json.dumps({**packaged, "on_call": "+1 555 0100", "medical_director": "md@clinic.example",
                                "crisis_line": "Call 0800 123 456 at any hour."}))
    mine = clinic_settings({"CAREPLAN_CLINIC_FILE": str(path)})
    assert (mine.on_call, mine.medical_director, mine.crisis_line) == (
        "+1 555 0100", "md@clinic.example", "Call 0800 123 456 at any hour.")
    path.write_text(json.dumps({**packaged, "on_call": "Dr Who"}))
    with pytest.raises(ConfigError, match="on_call"):
        clinic_settings({"CAREPLAN_CLINIC_FILE": str(path)})


def test_the_messaging_variables_are_read_and_a_wrong_one_is_named() -> None:
    clinic = clinic_settings({})
    demo = messaging_settings({}, clinic)
    assert not demo.sending and demo.base_url == "http://127.0.0.1:8000"
    live = messaging_settings(
        {"CAREPLAN_SMTP_URL": "smtp://mailer:s%40cret@mail.example:2525", "CAREPLAN_SMS_URL": "https://sms.example/send",
         "CAREPLAN_BASE_URL": "https://clinic.example/"},
        clinic,
    )
    assert live.sending and live.base_url == "https://clinic.example" and live.sms_url == "https://sms.example/send"
    assert live.smtp is not None and (live.smtp.host, live.smtp.port, live.smtp.user, live.smtp.password) == (
        "mail.example", 2525, "mailer", "s@cret")
    assert "s@cret" not in repr(live)
    for name, value in (("CAREPLAN_SMTP_URL", "smtps://mail.example"), ("CAREPLAN_SMS_URL", "ftp://x"),
                        ("CAREPLAN_BASE_URL", "clinic.example")):
        with pytest.raises(ConfigError, match=name):
            messaging_settings({name: value}, clinic)


def test_the_retry_window_is_a_setting_of_whole_hours() -> None:
    clinic = clinic_settings({})
    assert messaging_settings({}, clinic).retry_hours == 24
    assert messaging_settings({"CAREPLAN_MESSAGE_RETRY_HOURS": "6"}, clinic).retry_hours == 6
    for bad in ("-1", "1.5", "721", "²", "9" * 5000, "soon"):
        with pytest.raises(ConfigError, match="CAREPLAN_MESSAGE_RETRY_HOURS must be a whole number of hours"):
            messaging_settings({"CAREPLAN_MESSAGE_RETRY_HOURS": bad}, clinic)
