"""A deterministic synthetic cohort for demonstrations, load tests and the benchmark.

Patients are pseudonyms (``DEMO-000123``); every entry passes the protocol's rules, so the cohort
looks like a clinic's real caseload: journeys at every stage, holds, overrides, corrections, missed
appointments and safety alerts, with clinical times backfilled over the last 120 days.
"""

from __future__ import annotations

from careplan.demo.cohort import STAGES, CohortReport, generate, patient_ref

__all__ = ["STAGES", "CohortReport", "generate", "patient_ref"]
