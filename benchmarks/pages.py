"""Page times of the web app: the dashboard at 10,000 journeys and the timeline of a 500-event journey.

    python -m benchmarks.pages [--patients 10000] [--events 500] [--repeat 15] [--url URL]

The store holds a demo cohort (``careplan.demo``, every stage of the protocol) brought into the read
views first; pages are requested through Flask's test client as a signed-in coordinator, after one
warm-up request each, and the median of ``--repeat`` requests is printed (with the slowest).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from datetime import datetime, timedelta, timezone
from typing import Any
from uuid import UUID

from careplan.application import CarePlan
from careplan.demo import generate
from careplan.domain.values import Actor
from events.read.projection import Projector
from events.read.runtime import read_store_for
from web.app import create_app

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)
CLINICIAN = Actor("bench-clinician", "clinician")
PASSWORD = "benchmark password"


class Clock:
    def __call__(self) -> datetime:
        return NOW


def long_journey(app: CarePlan, events: int) -> UUID:
    """A journey of ``events`` events: a work-up, then rounds of vitals, PHQ-9s, check-ins and notes."""
    start = NOW - timedelta(days=400)
    journey = app.open_journey("BENCH-LONG", actor=CLINICIAN, occurred_at=start)
    app.record(journey, "ConsultationCompleted", {"eligible": True, "prior_antidepressant_trials": 2, "psychotherapy_tried": True}, actor=CLINICIAN, occurred_at=start)
    rounds = (
        ("VitalsRecorded", {"phase": "pre", "systolic": 124, "diastolic": 80, "heart_rate": 70}),
        ("AssessmentRecorded", {"instrument": "PHQ9", "total": 9, "items": [1, 1, 1, 1, 1, 1, 1, 2, 0], "context": "other"}),
        ("ComplementaryCareCheckIn", {"area": "sleep", "adherence": "partial"}),
        ("NoteAdded", {"text": "Follow-up call."}),
    )
    for n in range(events - 2):
        event_type, data = rounds[n % len(rounds)]
        app.record(journey, event_type, data, actor=CLINICIAN, occurred_at=start + timedelta(hours=n * 18))
    return journey


def median_ms(client: Any, path: str, repeat: int) -> tuple[float, float]:
    assert client.get(path).status_code == 200, path
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        response = client.get(path)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200
    return statistics.median(times), max(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=10_000)
    parser.add_argument("--events", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--url", default=None, help="store URL (default: a fresh SQLite file)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="careplan-pages-") as folder:
        run(args, args.url or f"sqlite:///{folder}/pages.sqlite", folder)


def run(args: argparse.Namespace, url: str, folder: str) -> None:
    flask_app = create_app(
        {
            "SECRET_KEY": "benchmark-" + "k" * 32,
            "CAREPLAN_ENV": {"CAREPLAN_DATABASE_URL": url, "CAREPLAN_INSTANCE": folder, "CAREPLAN_MODE": "demo"},
            "CAREPLAN_CLOCK": Clock(),
            "CAREPLAN_PASSWORD_METHOD": "pbkdf2:sha256:1000",
        }
    )
    from web.auth.accounts import users
    from web.services import careplan

    with flask_app.app_context():
        app = careplan()
        started = time.perf_counter()
        report = generate(app, args.patients, seed=1, now=NOW)
        journey = long_journey(app, args.events)
        written = time.perf_counter() - started
        started = time.perf_counter()
        Projector(app, read_store_for(app)).catch_up()
        projected = time.perf_counter() - started
        users().add("bench", "coordinator", password=PASSWORD, actor=Actor("bench", "admin"))
    print(f"{report.journeys} journeys, {report.events + args.events} events written in {written:.1f} s; read views in {projected:.1f} s")

    client = flask_app.test_client()
    client.get("/login")
    with client.session_transaction() as session:
        token = session["_csrf_token"]
    assert client.post("/login", data={"username": "bench", "password": PASSWORD, "csrf_token": token}).status_code == 302
    pages = (
        ("dashboard, overdue worklist", "/dashboard?list=overdue"),
        ("dashboard, due today, induction", "/dashboard?list=due_today&step=induction"),
        ("dashboard, all journeys, page 200", "/dashboard?list=all&page=200"),
        (f"timeline, {args.events}-event journey", f"/journeys/{journey}"),
        (f"event form on the {args.events}-event journey", f"/journeys/{journey}/events/new?type=NoteAdded"),
    )
    print(f"{'page':<40} {'median ms':>10} {'max ms':>8}   (n={args.repeat})")
    for label, path in pages:
        median, slowest = median_ms(client, path, args.repeat)
        print(f"{label:<40} {median:>10.1f} {slowest:>8.1f}")
    app.close()


if __name__ == "__main__":
    main()
