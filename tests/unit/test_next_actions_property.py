"""The next actions agree with the engine (DESIGN 7.2), on any journey the simulated clinic makes.

Whatever the view offers as the next infusion, the engine accepts when it is given (starting a minute
after the view's moment, at the protocol's least dose over its least minutes); whatever the engine then
refuses, the view named: the infusion is not offered, an action stands for the block, first unless it
is only the pre-infusion vitals (the chair's usual step), and it is the engine's own code whenever no
reason or reading lifts that refusal.
"""

from __future__ import annotations

import os
from datetime import timedelta

from hypothesis import Phase, given, settings
from hypothesis import strategies as st

from careplan.domain.errors import RuleViolation
from careplan.domain.next_infusion import VITALS_FIRST, trial
from careplan.domain.view import JUDGED_AHEAD, JourneyView
from tests.unit.test_properties import PROPERTY, Simulated, journeys

NO_SHRINK = (Phase.explicit, Phase.reuse, Phase.generate)
"""``CAREPLAN_NO_SHRINK=1`` for a long hunt: a failing journey is reported as found, not shrunk."""


def offers_the_infusion(view: JourneyView, phase: str) -> bool:
    return any(a.step == phase and a.blocked_by is None for a in view.next_actions)


@settings(PROPERTY, phases=NO_SHRINK if os.environ.get("CAREPLAN_NO_SHRINK") else tuple(Phase))
@given(journeys(max_turns=40), st.integers(min_value=0, max_value=72 * 60))
def test_next_actions_offer_what_the_engine_accepts_and_name_what_it_refuses(sim: Simulated, minutes: int) -> None:
    j = sim.journey
    now = j.now + timedelta(minutes=minutes)
    view = j.view(now)
    verdict = view.next_infusion
    if verdict is None:
        assert not any(a.action.startswith("Give") for a in view.next_actions)
        return
    payload = trial(j.record_of(), verdict.phase)
    end = now + JUDGED_AHEAD + timedelta(minutes=payload.duration_min)
    j.now = end
    try:
        j.record("InfusionCompleted", payload.as_data(), at=end)
    except RuleViolation as refused:
        assert not verdict.accepted, refused.code
        assert not offers_the_infusion(view, verdict.phase)
        assert any(a.blocked_by == verdict.code for a in view.next_actions)
        if verdict.code not in VITALS_FIRST:  # first, after a discharge still owed
            assert view.next_actions[0].blocked_by in (verdict.code, "discharge_pending")
        if not refused.deviable and refused.code not in VITALS_FIRST:
            assert verdict.code == refused.code
        return
    assert verdict.accepted
    assert offers_the_infusion(view, verdict.phase)
