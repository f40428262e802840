"""The domain stands alone: no web framework, schema library, scheduler, or outer package inside it.

Imports are read with ``ast`` rather than by importing the modules, so an import hidden inside a
function or under ``TYPE_CHECKING`` is caught as well.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

import careplan.domain

DOMAIN = Path(careplan.domain.__file__).parent
FORBIDDEN = ("flask", "marshmallow", "apscheduler", "events", "web")
MODULES = sorted(DOMAIN.rglob("*.py"))


def imported_packages(path: Path) -> set[str]:
    """The top-level package of every absolute import in a module."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
        elif isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", "")) in (
            "import_module",
            "__import__",
        ):
            names.update(
                arg.value.split(".")[0] for arg in node.args[:1] if isinstance(arg, ast.Constant) and isinstance(arg.value, str)
            )
    return names


def test_the_domain_has_modules_to_check() -> None:
    assert {"journey.py", "rules.py", "record.py", "view.py"} <= {p.name for p in MODULES}


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.name)
def test_a_domain_module_imports_no_outer_layer(path: Path) -> None:
    assert imported_packages(path).isdisjoint(FORBIDDEN), sorted(imported_packages(path) & set(FORBIDDEN))


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.name)
def test_a_domain_module_imports_only_the_standard_library_eventsourcing_and_itself(path: Path) -> None:
    allowed = set(sys.stdlib_module_names) | {"eventsourcing", "careplan", "__future__"}
    outside = imported_packages(path) - allowed
    assert not outside, sorted(outside)
    modules: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            modules.add(node.module)
        elif isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
    careplan_imports = {m for m in modules if m.split(".")[0] == "careplan"}
    assert all(m.startswith("careplan.domain") for m in careplan_imports), sorted(careplan_imports)


def test_the_checker_sees_imports_however_they_are_written(tmp_path: Path) -> None:
    module = tmp_path / "sample.py"
    module.write_text(
        "import flask.json\nfrom marshmallow import fields\n"
        "def later():\n    import apscheduler\n    from events.schemas import x\n"
        "importlib.import_module('web.app')\nfrom . import sibling\n"
    )
    assert imported_packages(module) == {"flask", "marshmallow", "apscheduler", "events", "web"}
