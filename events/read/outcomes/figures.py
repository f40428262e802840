"""The report's figures as rows of a table: the CLI's table and CSV and the page's table read the same
list, so the three never disagree on a label or a rounding."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from events.read.outcomes.report import STOP_CAUSES

Figure = tuple[str, str, Callable[[dict[str, Any]], str]]
"""(CSV column, label, the cell from one version's document)."""


def _num(value: Any) -> str:
    return "-" if value is None else (f"{value:g}" if isinstance(value, float) else str(value))


def _share(key: str) -> Callable[[dict[str, Any]], str]:
    def cell(v: dict[str, Any]) -> str:
        s = v[key]
        return f"{s['n']}/{s['of']} ({_num(s['pct'])} %)" if s["pct"] is not None else f"{s['n']}/{s['of']}"

    return cell


def _rate(key: str) -> Callable[[dict[str, Any]], str]:
    return lambda v: f"{v[key]['n']} ({_num(v[key]['per_100'])})"


def _stop(cause: str) -> Callable[[dict[str, Any]], str]:
    return lambda v: f"{v['stops'][cause]['n']} ({_num(v['stops'][cause]['per_100'])})"


FIGURES: list[Figure] = [
    ("courses_opened", "Courses opened", lambda v: str(v["courses_opened"])),
    ("induction_started", "Started induction (of opened)", _share("induction_started")),
    ("induction_completed", "Completed induction (of started)", _share("induction_completed")),
    ("stopped_after_first_infusion", "Stopped after the first infusion (of started)", _share("stopped_after_first_infusion")),
    ("reached_response_check", "Reached the response check", lambda v: str(v["reached_response_check"])),
    ("response", "Response at the response check", _share("response")),
    ("remission", "Remission at the response check", _share("remission")),
    ("median_phq9_change", "Median PHQ-9 change, baseline to response check", lambda v: _num(v["median_phq9_change"])),
    ("median_days_consultation_to_first_infusion", "Median days, consultation to first infusion",
     lambda v: _num(v["median_days_consultation_to_first_infusion"])),
    ("administrations", "Administrations (completed or stopped)", lambda v: str(v["administrations"])),
    *[(f"stops_{cause}", f"Stops: {cause.replace('_', ' ')} (per 100 administrations)", _stop(cause)) for cause in STOP_CAUSES],
    ("vitals_alerts", "Vitals alerts (per 100 administrations)", _rate("vitals_alerts")),
    ("deviations", "Deviations (per 100 administrations)", _rate("deviations")),
    ("maintenance_courses", "Entered maintenance", lambda v: str(v["maintenance"]["courses"])),
    ("maintenance_relapsed", "Relapsed in maintenance (PHQ-9 at or above the threshold)",
     lambda v: _share("relapsed")(v["maintenance"])),
]


def csv_rows(report: dict[str, Any]) -> list[list[str]]:
    """A header and one row per version, with plain numbers (counts, percentages, rates per 100)."""
    header = ["protocol", "version", "synthetic_courses", "courses_opened"]
    for key in ("induction_started", "induction_completed", "stopped_after_first_infusion"):
        header += [key, f"{key}_pct"]
    header += ["reached_response_check", "response", "response_pct", "remission", "remission_pct",
               "median_phq9_change", "median_days_consultation_to_first_infusion", "administrations"]
    header += [f"stops_{c}{suffix}" for c in STOP_CAUSES for suffix in ("", "_per_100")]
    header += ["vitals_alerts", "vitals_alerts_per_100", "deviations", "deviations_per_100",
               "maintenance_courses", "maintenance_relapsed", "maintenance_relapsed_pct", "as_of", "literature_response_pct"]
    rows = [header]
    for v in report["versions"]:
        row: list[Any] = [v["protocol"], v["version"], v["synthetic_courses"], v["courses_opened"]]
        for key in ("induction_started", "induction_completed", "stopped_after_first_infusion"):
            row += [v[key]["n"], v[key]["pct"]]
        row += [v["reached_response_check"], v["response"]["n"], v["response"]["pct"], v["remission"]["n"],
                v["remission"]["pct"], v["median_phq9_change"], v["median_days_consultation_to_first_infusion"],
                v["administrations"]]
        row += [x for c in STOP_CAUSES for x in (v["stops"][c]["n"], v["stops"][c]["per_100"])]
        row += [v["vitals_alerts"]["n"], v["vitals_alerts"]["per_100"], v["deviations"]["n"], v["deviations"]["per_100"],
                v["maintenance"]["courses"], v["maintenance"]["relapsed"]["n"], v["maintenance"]["relapsed"]["pct"],
                report["as_of"] or "", report["literature"]["response_pct"]]
        rows.append(["" if x is None else str(x) for x in row])
    return rows
