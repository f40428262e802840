"""Page times of the web app at 10,000 and 100,000 journeys, side by side, and the timeline of a long journey.

    python -m benchmarks.pages [--patients 10000] [--times 10] [--events 500] [--repeat 15] [--url URL]

The store holds a demo cohort of ``--patients`` journeys (``careplan.demo``, every stage of the
protocol) written through the engine and brought into the read views; pages are measured; then the
read rows are copied until there are ``--patients * --times`` journeys (``benchmarks._clone``: the
engine would take about an hour for 100,000) and the same pages are measured again. Pages are
requested through Flask's test client as a signed-in coordinator (the API with a bearer token), after
one warm-up request each; the median of ``--repeat`` requests is printed, with the ratio of the large
store to the small one. The series proposal (``/slots?series=6``, DESIGN 7.2; target under 50 ms)
proposes six starts for a consulted journey among the cohort's chair bookings.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any
from uuid import UUID

from benchmarks._clone import clone_rows
from careplan.application import CarePlan
from careplan.demo import generate
from careplan.domain.values import Actor
from events.read.projection import Projector
from events.read.queries import ReadSide
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


def series_journey(app: CarePlan) -> UUID:
    """A consulted journey with nothing booked: its series proposal searches the cohort's chairs."""
    journey = app.open_journey("BENCH-SERIES", actor=CLINICIAN, occurred_at=NOW - timedelta(days=2))
    consulted = {"eligible": True, "prior_antidepressant_trials": 2, "psychotherapy_tried": True}
    app.record(journey, "ConsultationCompleted", consulted, actor=CLINICIAN, occurred_at=NOW - timedelta(days=2))
    return journey


def median_ms(request: Callable[[], Any], repeat: int) -> float:
    assert request().status_code == 200
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        response = request()
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=10_000)
    parser.add_argument("--times", type=int, default=10, help="the large store holds patients * times journeys")
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
        series = series_journey(app)
        written = time.perf_counter() - started
        started = time.perf_counter()
        store = read_store_for(app)
        Projector(app, store).catch_up()
        projected = time.perf_counter() - started
        users().add("bench", "coordinator", password=PASSWORD, actor=Actor("bench", "admin"))
        token = users().add("bench-api", "coordinator", password=PASSWORD, actor=Actor("bench", "admin")).token
    print(f"{report.journeys} journeys, {report.events + args.events} events written in {written:.1f} s; "
          f"read views in {projected:.1f} s; store: {app.store.describe()}")
    client = flask_app.test_client()
    page = client.get("/login").get_data(as_text=True)  # no session before sign-in: the form's token
    csrf = page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    assert client.post("/login", data={"username": "bench", "password": PASSWORD, "csrf_token": csrf}).status_code == 302
    client.get("/dashboard")
    with client.session_transaction() as session:
        csrf = session["_csrf_token"]  # a new session after signing in
    small = measure(client, csrf, token, app, store, journey, args, series)
    started = time.perf_counter()
    with flask_app.app_context():
        total = clone_rows(app, store, args.times)
        analyse(store, url)
    print(f"read rows copied to {total} journeys in {time.perf_counter() - started:.1f} s")
    large = measure(client, csrf, token, app, store, journey, args, series)
    print(f"\n{'page (median ms, n=' + str(args.repeat) + ')':<44} {report.journeys:>10,} {total:>10,} {'ratio':>7}")
    for label in small:
        print(f"{label:<44} {small[label]:>10.1f} {large[label]:>10.1f} {large[label] / small[label]:>7.2f}")
    app.close()


def measure(
    client: Any, csrf: str, token: str, app: CarePlan, store: Any, journey: UUID, args: argparse.Namespace, series: UUID
) -> dict[str, float]:
    """The median time of each page on the store as it is now."""
    side = ReadSide(app, store)
    total = side.counts(NOW)["total"]
    last = (total + 24) // 25
    deep = min(200, last - 1)
    cursor = side.journeys(offset=(deep - 2) * 25, limit=25).next_after  # the keyset way to page 200
    bearer = {"Authorization": f"Bearer {token}"}
    pages: dict[str, Callable[[], Any]] = {
        "dashboard, overdue worklist": lambda: client.get("/dashboard?list=overdue"),
        "dashboard, due today, induction": lambda: client.get("/dashboard?list=due_today&step=induction"),
        "dashboard, due today": lambda: client.get("/dashboard?list=due_today"),
        "dashboard, blocked": lambda: client.get("/dashboard?list=blocked"),
        "dashboard, safety alerts": lambda: client.get("/dashboard?list=safety_alerts"),
        "dashboard, overdue, page 100": lambda: client.get("/dashboard?list=overdue&page=100"),
        "dashboard, all journeys, page 200": lambda: client.get(f"/dashboard?list=all&page={deep}"),
        "dashboard, all journeys, page 200 by cursor": lambda: client.get(f"/dashboard?list=all&page={deep}&after={cursor}"),
        "dashboard, all journeys, last page": lambda: client.get(f"/dashboard?list=all&page={last}"),
        "dashboard search '21' (POST)": lambda: client.post("/dashboard/search", data={"q": "21", "csrf_token": csrf}),
        "dashboard search 'demo-000021' (POST)": lambda: client.post("/dashboard/search", data={"q": "demo-000021", "csrf_token": csrf}),
        "API /api/v1/worklists (all five)": lambda: client.get("/api/v1/worklists", headers=bearer),
        f"timeline, {args.events}-event journey": lambda: client.get(f"/journeys/{journey}"),
        f"event form, {args.events}-event journey": lambda: client.get(f"/journeys/{journey}/events/new?type=NoteAdded"),
        "API series proposal, 6 starts (target < 50)": lambda: client.get(f"/api/v1/journeys/{series}/slots?series=6", headers=bearer),
        "Book the series page, 6 proposals": lambda: client.get(f"/journeys/{series}/series?count=6"),
    }
    timed = {}
    for label, request in pages.items():
        try:
            timed[label] = median_ms(request, args.repeat)
        except AssertionError:
            raise SystemExit(f"{label}: {request().status_code}") from None
    return timed


def analyse(store: Any, url: str) -> None:
    """Fresh planner statistics after a bulk load (autovacuum or a clinic's nightly ANALYZE would)."""
    if store.postgres:
        import psycopg

        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("VACUUM ANALYZE")
    else:
        with store.write() as cur:
            cur.run("ANALYZE")


if __name__ == "__main__":
    main()
