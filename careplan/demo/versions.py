"""Which protocol version each demo patient is on, and how the patients of each version fare.

The outcomes report compares protocol versions (DESIGN 7.8); a demo worth showing it needs courses on
more than one version that came out differently. The difference is made here, openly: each version
has a share of the cohort and its own census weights of the stages (``cohort.STAGES``), so version 2's
patients more often reach maintenance and less often stop. It is synthetic, and the report's page
says so for every course the demo wrote.

A version the application does not know is left out and its share goes to the others, so this table
can name versions before they ship: with version 1 alone the cohort is exactly what it was before
versions were mixed (the same draws, in the same order).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from random import Random


@dataclass(frozen=True)
class VersionMix:
    version: int
    share: float
    """Of the patients after the first one-per-stage (those are on the lowest version)."""
    weights: dict[str, int] = field(default_factory=dict)
    """Census weights by stage name that replace ``STAGES``' own for this version's patients."""


VERSION_MIX: tuple[VersionMix, ...] = (
    VersionMix(1, 0.5),
    VersionMix(2, 0.5, {"maintenance": 26, "discontinued": 2, "closed": 6, "paused": 2, "extended_induction": 2}),
)
"""Change a share to move part of the cohort between versions (0 keeps a version out of the demo)."""


def usable(mix: tuple[VersionMix, ...], known: set[int]) -> tuple[VersionMix, ...]:
    """The versions of ``mix`` the application knows and that have a share, lowest first."""
    return tuple(sorted((m for m in mix if m.version in known and m.share > 0), key=lambda m: m.version))


def stage_plan(
    stages: list[tuple[str, int]], patients: int, seed: int, mix: tuple[VersionMix, ...]
) -> list[tuple[int, int | None]]:
    """(stage index, protocol version) for each patient: one of each stage first (on the lowest
    version), then versions drawn by share and stages by that version's weights. With no version in
    ``mix``, the version is None (the protocol's latest)."""
    lowest = mix[0].version if mix else None
    rng = Random(f"careplan-demo-stages-{seed}")
    first = list(range(len(stages)))
    rng.shuffle(first)
    count = max(0, patients - len(first))
    if len(mix) <= 1:
        weights = [mix[0].weights.get(name, w) if mix else w for name, w in stages]
        rest = rng.choices(range(len(stages)), weights=weights, k=count)
        return [(stage, lowest) for stage in (first + rest)[:patients]]
    versions = Random(f"careplan-demo-versions-{seed}").choices([m.version for m in mix], weights=[m.share for m in mix], k=count)
    by_version = {m.version: [m.weights.get(name, w) for name, w in stages] for m in mix}
    rest: list[tuple[int, int | None]] = [(rng.choices(range(len(stages)), weights=by_version[v])[0], v) for v in versions]
    return ([(stage, lowest) for stage in first] + rest)[:patients]
