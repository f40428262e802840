"""A form's submit loads the journey once, and the timeline it redirects to once more.

The submit draws the form's fields from the journey it loaded, records on that same journey (a lost
race loads it afresh), and says what the event did (a hold, an alert) from the journey just saved;
before, the record loaded it again and the flash a third time. Loads are counted on the application's
own ``get`` (a spy around the real method: the store and the pages are real).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from flask import Flask

from tests.browser.scenes import ready_for_induction
from tests.web.conftest import People
from tests.web.pages import careplan, open_form, post_event, signed_in


@contextmanager
def loads(app: Flask, monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Any]]:
    plan = careplan(app)
    counted: list[Any] = []
    real = plan.get

    def get(journey_id: Any, version: int | None = None) -> Any:
        counted.append(journey_id)
        return real(journey_id, version)

    with monkeypatch.context() as patch:
        patch.setattr(plan, "get", get)
        yield counted


def test_a_submit_loads_the_journey_once_and_its_redirect_once(
    app: Flask, people: People, monkeypatch: pytest.MonkeyPatch
) -> None:
    journey = ready_for_induction(careplan(app), "MRN-LOAD-1")
    client = signed_in(app, people, "clinician")
    form = open_form(client, journey, "VitalsRecorded")
    with loads(app, monkeypatch) as counted:
        response = post_event(client, journey, form, phase="pre", systolic="150", diastolic="95", heart_rate="80")
    assert response.status_code == 302 and counted == [journey]
    with loads(app, monkeypatch) as counted:
        page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert counted == [journey]
    assert "On hold" in page  # the hold the vitals set is still said, from the journey just saved
