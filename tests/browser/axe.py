"""axe-core in the browser tests: the engine's script (shipped inside the axe-playwright-python
package, installed from PyPI by the test extras) injected into the page and run there."""

from __future__ import annotations

from importlib import resources
from typing import Any

SERIOUS = ("moderate", "serious", "critical")


def axe_script() -> str:
    return resources.files("axe_playwright_python").joinpath("axe.min.js").read_text(encoding="utf-8")


def violations(page: Any) -> list[str]:
    """One line per violation of impact moderate or above on the page as it stands."""
    page.evaluate(axe_script())
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — {', '.join(str(n['target']) for n in v['nodes'][:3])}"
        for v in result["violations"]
        if v.get("impact") in SERIOUS
    ]


def assert_accessible(page: Any, where: str) -> None:
    found = violations(page)
    assert not found, f"{where}: " + "; ".join(found)
