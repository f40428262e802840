"""G1: a clinician records a contraindication on the web form. The screening offers the codes of the
journey's protocol (grouped absolute / relative, by readable name), the override offers the findings
still open on the journey, and a code the protocol does not know is a 422 with the message beside the
field, never a 500. The engine stays the judge: these pages only offer what it will accept."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from flask import Flask

from careplan.domain.protocol import ABSOLUTE_FINDINGS, RELATIVE_FINDINGS
from careplan.domain.values import Actor
from tests.browser.scenes import ready_for_screening
from tests.conftest import Clock
from tests.web.conftest import People, make_web_app
from tests.web.pages import careplan, field_block, open_form, post_event, signed_in

SECOND = Actor("dr-second", "clinician")
PACKAGED = Path(__file__).resolve().parents[2] / "careplan" / "protocols" / "ketamine-trd.v1.json"


@pytest.fixture
def journey(app: Flask) -> UUID:
    return ready_for_screening(careplan(app), "MRN-CI-1")


def form_page(client: Any, journey: UUID, event_type: str) -> str:
    response = client.get(f"/journeys/{journey}/events/new?type={event_type}")
    assert response.status_code == 200
    return str(response.get_data(as_text=True))


def checkboxes(page: str, name: str) -> list[str]:
    return re.findall(rf'type="checkbox" name="{name}" value="([^"]+)"', page)


def options(page: str, name: str) -> list[str]:
    select = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', page, re.S)
    assert select, f"no select {name}"
    return [v for v in re.findall(r'<option value="([^"]*)"', select.group(1)) if v]


def test_the_screening_form_offers_the_protocols_codes_grouped_absolute_and_relative(
    app: Flask, people: People, journey: UUID
) -> None:
    page = form_page(signed_in(app, people, "clinician"), journey, "ContraindicationScreened")
    assert checkboxes(page, "findings") == list(ABSOLUTE_FINDINGS + RELATIVE_FINDINGS)
    absolute = page[page.index("check-group-absolute") : page.index("check-group-relative")]
    assert all(f'value="{code}"' in absolute for code in ABSOLUTE_FINDINGS)
    assert not any(f'value="{code}"' in absolute for code in RELATIVE_FINDINGS)
    assert "Absolute – blocks the infusions until two different clinicians override it" in page
    assert "> Aneurysm or AVM</label>" in page and "> Bipolar without mood stabiliser</label>" in page
    assert "Leave every box unticked when the screening is clear." in page


def test_ticking_a_finding_records_it_and_the_journey_shows_it_blocking(app: Flask, people: People, journey: UUID) -> None:
    client = signed_in(app, people, "clinician")
    form = open_form(client, journey, "ContraindicationScreened")
    response = post_event(client, journey, form, findings=["psychotic_disorder", "liver_failure"])
    assert response.status_code == 302
    last = careplan(app).history(journey)[-1]
    assert last.type == "ContraindicationScreened" and list(last.data["findings"]) == ["psychotic_disorder", "liver_failure"]
    timeline = client.get(f"/journeys/{journey}").get_data(as_text=True)
    assert "Psychotic disorder found." in timeline and "Liver failure found." in timeline
    assert "Contraindications not overridden: psychotic disorder, liver failure." in timeline
    assert "Findings: Psychotic disorder, Liver failure" in timeline  # the event itself, in words too


def test_the_override_form_offers_the_findings_still_open(app: Flask, people: People, journey: UUID) -> None:
    app_ = careplan(app)
    app_.record(journey, "ContraindicationScreened", {"findings": ["psychotic_disorder", "liver_failure"]}, actor=SECOND)
    client = signed_in(app, people, "clinician")
    page = form_page(client, journey, "ContraindicationOverridden")
    assert options(page, "finding") == ["psychotic_disorder", "liver_failure"]
    assert '<optgroup label="Absolute' in page and '<optgroup label="Relative' in page

    post_event(client, journey, open_form(client, journey, "ContraindicationOverridden"), finding="liver_failure", reason="Hepatology: compensated")
    post_event(client, journey, open_form(client, journey, "ContraindicationOverridden"), finding="psychotic_disorder", reason="Psychiatry: remote history")
    assert [f.type for f in app_.history(journey)][-2:] == ["ContraindicationOverridden"] * 2
    page = form_page(client, journey, "ContraindicationOverridden")
    assert options(page, "finding") == ["psychotic_disorder"]  # absolute: a second clinician must confirm
    assert "Psychotic disorder (overridden once: a second clinician must confirm)" in page

    app_.record(journey, "ContraindicationOverridden", {"finding": "psychotic_disorder"}, actor=SECOND, reason="Agreed")
    page = form_page(client, journey, "ContraindicationOverridden")
    assert options(page, "finding") == []
    assert "The latest screening has no open contraindication: there is nothing to override." in page


def test_an_unknown_code_is_a_422_beside_the_field_and_nothing_is_recorded(app: Flask, people: People, journey: UUID) -> None:
    client = signed_in(app, people, "clinician")
    before = careplan(app).get(journey).version
    response = post_event(client, journey, open_form(client, journey, "ContraindicationScreened"), findings=["gout"])
    assert response.status_code == 422
    block = field_block(response.get_data(as_text=True), "findings")
    assert "Not a contraindication of this protocol: gout." in block and 'id="f-findings-error"' in block

    malformed = post_event(client, journey, open_form(client, journey, "ContraindicationScreened"), findings=["Gout!"])
    assert malformed.status_code == 422
    assert "Must be a lower-case finding code" in field_block(malformed.get_data(as_text=True), "findings")

    response = post_event(client, journey, open_form(client, journey, "ContraindicationOverridden"), finding="liver_failure", reason="r")
    assert response.status_code == 422
    assert "not an open contraindication" in field_block(response.get_data(as_text=True), "finding")
    assert careplan(app).get(journey).version == before


@pytest.fixture
def own_protocol_app(tmp_path: Path, clock: Clock) -> Iterator[Flask]:
    """A clinic's own protocol file naming its own findings."""
    folder = tmp_path / "protocols"
    folder.mkdir()
    doc = json.loads(PACKAGED.read_text())
    doc["id"], doc["title"] = "clinic-own", "Our clinic's ketamine protocol"
    doc["contraindications"] = {"absolute": ["pregnancy_or_breastfeeding"], "relative": ["recent_ect_course"]}
    (folder / "clinic-own.v1.json").write_text(json.dumps(doc))
    env = {
        "CAREPLAN_DATABASE_URL": f"sqlite:///{tmp_path / 'careplan.sqlite'}",
        "CAREPLAN_INSTANCE": str(tmp_path / "instance"),
        "CAREPLAN_MODE": "demo",
        "CAREPLAN_PROTOCOLS_DIR": str(folder),
    }
    flask_app = make_web_app(tmp_path, clock, CAREPLAN_ENV=env)
    yield flask_app
    instance = flask_app.extensions.get("careplan")
    if instance is not None:
        instance.close()


def test_a_clinics_own_protocol_file_names_the_findings_on_the_form(own_protocol_app: Flask) -> None:
    app, people = own_protocol_app, People(own_protocol_app)
    journey = ready_for_screening(careplan(app), "MRN-CI-2", protocol_id="clinic-own")
    client = signed_in(app, people, "clinician")
    page = form_page(client, journey, "ContraindicationScreened")
    assert checkboxes(page, "findings") == ["pregnancy_or_breastfeeding", "recent_ect_course"]
    assert "> Recent ECT course</label>" in page
    assert post_event(client, journey, open_form(client, journey, "ContraindicationScreened"), findings=["recent_ect_course"]).status_code == 302
    assert options(form_page(client, journey, "ContraindicationOverridden"), "finding") == ["recent_ect_course"]
    refused = post_event(client, journey, open_form(client, journey, "ContraindicationScreened"), findings=["liver_failure"])
    assert refused.status_code == 422  # a code of the packaged protocol, not of this one
    assert "Not a contraindication of this protocol: liver_failure." in field_block(refused.get_data(as_text=True), "findings")
