"""Pages about one journey: its timeline, the form that records an event on it, and the form that
opens a new one. Journey URLs carry the journey's UUID only, never the patient reference."""

from __future__ import annotations

from web.journeys import correction, migration, opening, patient, record, series, views  # noqa: F401  (routes register on import)
from web.journeys.blueprint import bp

__all__ = ["bp"]
