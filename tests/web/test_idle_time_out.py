"""A form sent after an idle time-out keeps what was typed and asks to sign in again (issue 21): no
"400 This form has expired"; signed in, the entry is sent with one click and recorded once."""

from __future__ import annotations

import re
from uuid import UUID

import pytest
from flask import Flask

from tests.browser.scenes import ready_for_induction
from tests.conftest import Clock
from tests.web.conftest import PASSWORD, People
from tests.web.pages import careplan, open_form, signed_in

NOTE = "Patient asked about driving home: escort confirmed by phone."


@pytest.fixture
def journey(app: Flask) -> UUID:
    return ready_for_induction(careplan(app), "MRN-IDLE-1")


def test_a_note_typed_before_an_idle_time_out_survives_the_sign_in_and_is_recorded_once(
    app: Flask, people: People, journey: UUID, clock: Clock
) -> None:
    client = signed_in(app, people, "clinician")
    form = open_form(client, journey, "NoteAdded")
    clock.advance(minutes=20)  # past the 15 minutes' idle time-out
    answer = client.post(f"/journeys/{journey}/events/new", data={**form, "text": NOTE})
    assert answer.status_code == 401
    page = answer.get_data(as_text=True)
    assert "Your session timed out" in page and "This form has expired" not in page
    assert f'name="resume:text" value="{NOTE}"' in page
    assert NOTE not in answer.headers.get("Location", "") and NOTE not in str(answer.headers)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    kept = dict(re.findall(r'name="(resume:[^"]+|resume_to)" value="([^"]*)"', page))
    signed = client.post("/login", data={"csrf_token": token, "username": "clinician", "password": PASSWORD, **kept})
    assert signed.status_code == 200, signed.get_data(as_text=True)[:500]
    resend = signed.get_data(as_text=True)
    assert "Send what I typed" in resend and NOTE in resend
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', resend))
    assert fields["text"] == NOTE and fields["type"] == "NoteAdded"
    action = re.search(r'<form method="post" action="([^"]+)" id="resend"', resend).group(1)  # type: ignore[union-attr]
    assert action == f"/journeys/{journey}/events/new"
    sent = client.post(action, data=fields)
    assert sent.status_code == 302
    assert client.post(action, data=fields).status_code == 302  # the same nonce: recorded once
    notes = [f for f in careplan(app).history(journey) if f.type == "NoteAdded"]
    assert [n.data["text"] for n in notes] == [NOTE]


def test_a_wrong_password_keeps_the_entry_too(app: Flask, people: People, journey: UUID, clock: Clock) -> None:
    client = signed_in(app, people, "clinician")
    form = open_form(client, journey, "NoteAdded")
    clock.advance(minutes=20)
    page = client.post(f"/journeys/{journey}/events/new", data={**form, "text": NOTE}).get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    kept = dict(re.findall(r'name="(resume:[^"]+|resume_to)" value="([^"]*)"', page))
    wrong = client.post("/login", data={"csrf_token": token, "username": "clinician", "password": "nope", **kept})
    assert wrong.status_code == 401
    assert f'name="resume:text" value="{NOTE}"' in wrong.get_data(as_text=True)


def test_a_forged_post_without_a_token_is_still_a_400(app: Flask, journey: UUID) -> None:
    answer = app.test_client().post(f"/journeys/{journey}/events/new", data={"type": "NoteAdded", "text": "x"})
    assert answer.status_code == 400
