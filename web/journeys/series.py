"""Book the series (DESIGN 7.2): the proposed starts of the rest of a series and their booking, in one
page and one click.

GET proposes ``count`` starts that together keep the spacing, the window, the clinic's hours and free
chairs (``careplan.domain.slots.series_slots``), on the clinic's clock; the coordinator unticks any
they do not want and books the rest with one button: one save, all or none
(``careplan.series.book_series``). A refusal (a chair taken meanwhile, a rule) brings the page back
with that booking marked and fresh proposals; nothing was booked.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from flask import abort, flash, redirect, render_template, request, url_for

from careplan.domain.booking import SEARCH_DAYS, Booking
from careplan.domain.errors import VersionConflict
from careplan.domain.journey import PatientJourney
from careplan.domain.slots import infusion_phase, series_slots
from careplan.series import MAX_SERIES, SeriesRefused, Wanted, book_series
from web.auth import current_actor, requires
from web.auth.permissions import may_record
from web.clinic import the_clinic
from web.journeys.blueprint import bp
from web.query import is_whole_number
from web.services import careplan


@dataclass(frozen=True)
class Proposed:
    start: datetime
    chair: int
    label: str
    """``Tue 2026-03-10 09:00 EDT``: the clinic's clock, as the coordinator says it on the phone."""


def remaining(journey: PatientJourney) -> int:
    """What is left of the series to book: the induction's target less what was given and booked;
    one maintenance infusion at a time."""
    app = careplan()
    record = journey.clinical_record(app.protocol)
    phase = infusion_phase(record)
    if phase == "maintenance":
        return 1
    booked = [a for a in record.appointments if a.state == "scheduled" and a.phase == "induction"]
    return max(1, min(MAX_SERIES, record.induction_target - len(record.induction_infusions()) - len(booked)))


def proposals(journey: PatientJourney, count: int) -> tuple[str, list[Proposed]]:
    app = careplan()
    clinic = the_clinic()
    record = journey.clinical_record(app.protocol)
    now = app.clock()
    taken = [b for b, _, _ in app.chairs.between(now, now + timedelta(days=SEARCH_DAYS + 1))] if app.chairs else []
    found = series_slots(clinic, record, taken, now, count, now=now)
    return infusion_phase(record), [_proposed(b) for b in found]


def _proposed(slot: Booking) -> Proposed:
    local = the_clinic().local(slot.start)
    return Proposed(slot.start, slot.chair, local.strftime("%a %Y-%m-%d %H:%M %Z"))


@bp.route("/<uuid:journey_id>/series", methods=["GET", "POST"])
@requires("coordinator", "clinician")
def book_the_series(journey_id: UUID) -> Any:
    actor = current_actor()
    if actor is None or not may_record(actor, "InfusionScheduled"):
        abort(403)
    journey = careplan().get(journey_id)
    if request.method == "POST":
        return _book(journey)
    count = _count(request.args.get("count"), remaining(journey))
    phase, proposed = proposals(journey, count)
    return _page(journey, phase, proposed, count)


def _count(asked: str | None, default: int) -> int:
    if asked is None or asked == "":
        return default
    if not is_whole_number(asked) or not 1 <= int(asked) <= MAX_SERIES:
        abort(400, f"The number of infusions must be a whole number from 1 to {MAX_SERIES}.")
    return int(asked)


def _book(journey: PatientJourney) -> Any:
    form = request.form
    chosen = form.getlist("pick")
    if not chosen:
        phase, proposed = proposals(journey, remaining(journey))
        return _page(journey, phase, proposed, len(proposed), problem="Tick at least one proposal to book.", status=422)
    wanted = [_wanted(value) for value in chosen]
    phase = form.get("phase", "")
    if phase not in ("induction", "maintenance"):
        abort(400, "The series' phase must be induction or maintenance.")
    version = form.get("expected_version", "")
    try:
        recorded = book_series(
            careplan(), journey.id, phase, wanted, actor=current_actor(),  # type: ignore[arg-type]
            expected_version=int(version) if is_whole_number(version) else None,
        )
    except (SeriesRefused, VersionConflict) as refused:
        fresh = careplan().get(journey.id)
        phase_now, proposed = proposals(fresh, len(wanted))
        index = refused.index if isinstance(refused, SeriesRefused) else None
        which = f"{_proposed(Booking(wanted[index].chair, wanted[index].start, wanted[index].start)).label}: " if index is not None else ""
        problem = f"Nothing was booked. {which}{_plain(refused)} Fresh proposals are below."
        status = 409 if isinstance(refused, VersionConflict) or getattr(refused, "status", 422) == 409 else 422
        return _page(fresh, phase_now, proposed, len(wanted), problem=problem, status=status)
    flash(f"{len(recorded)} infusions booked.", "success")
    return redirect(url_for("journeys.timeline", journey_id=journey.id))


def _plain(refused: Exception) -> str:
    if isinstance(refused, SeriesRefused) and refused.code == "chair_taken":
        return "That chair was booked by someone else meanwhile."
    if isinstance(refused, VersionConflict):
        return "The journey changed meanwhile."
    message = str(refused)
    return message.split(": ", 1)[1] if message.startswith("Booking ") else message


def _wanted(value: str) -> Wanted:
    """A ticked proposal: ``START|CHAIR`` with the start in ISO 8601 with its offset."""
    start, _, chair = value.partition("|")
    try:
        moment = datetime.fromisoformat(start)
    except ValueError:
        abort(400, "A proposal's start is not a time.")
    if moment.tzinfo is None or not is_whole_number(chair):
        abort(400, "A proposal needs a start with its offset and a chair.")
    return Wanted(moment, int(chair))


def _page(
    journey: PatientJourney, phase: str, proposed: list[Proposed], count: int, problem: str | None = None, status: int = 200
) -> tuple[str, int]:
    page = render_template(
        "journeys/series.html",
        journey=journey,
        view=journey.view(careplan().protocol, careplan().clock()),
        phase=phase,
        proposed=proposed,
        count=count,
        counts=range(1, MAX_SERIES + 1),
        problem=problem,
        short=len(proposed) < count,
    )
    return page, status
