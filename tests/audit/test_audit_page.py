"""The auditor's journey page shows each event's hash and what the verifier says of the chain."""

from __future__ import annotations

from pathlib import Path
from uuid import UUID

from careplan.audit.verify import check_journey
from tests.audit.tamper import Tamperer
from tests.conftest import Clock
from tests.web.conftest import People, make_web_app


def test_the_journey_page_shows_each_hash_and_the_first_broken_link(tmp_path: Path, clock: Clock) -> None:
    web = make_web_app(tmp_path, clock)
    people = People(web)
    try:
        created = web.test_client().post("/api/v1/journeys", json={"patient_ref": "MRN-PAGE-1"}, headers=people.headers("coordinator"))
        journey = UUID(created.get_json()["id"])
        for text in ("First call.", "Second call.", "Third call."):
            clock.advance(hours=1)
            web.test_client().post(f"/api/v1/journeys/{journey}/events", json={"type": "NoteAdded", "data": {"text": text}}, headers=people.headers("clinician"))
        app = web.extensions["careplan"]
        hashes = [fact.hash for fact in app.history(journey)]
        client = web.test_client()
        people.login(client, "auditor")
        page = client.get(f"/audit/journeys/{journey}").get_data(as_text=True)
        assert all(f'title="{h}">{h[:12]}</code>' in page for h in hashes)
        assert page.count(">verified</div>") == 4 and "Hash chain intact: all 4 events" in page
        assert check_journey(app, journey).ok
        Tamperer(app).edit_json(journey, 3, lambda state: state["data"].update(text="Edited."))
        page = client.get(f"/audit/journeys/{journey}").get_data(as_text=True)
        assert page.count(">verified</div>") == 2 and ">broken link</div>" in page and ">unproven</div>" in page
        assert "Hash chain broken at version 3" in page
    finally:
        web.extensions["careplan"].close()
