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


# -- every package: no arrow points outward -----------------------------------------------------------

ROOT = DOMAIN.parent.parent
LAYERS: tuple[tuple[str, int, str], ...] = (
    ("careplan.domain", 0, "domain"),
    ("careplan", 1, "application"),  # the application, settings, transcodings, users, audit, demo
    ("events", 2, "interface: schemas, read side, FHIR mapping"),
    ("careplan.scheduling", 3, "entry point"),
    ("careplan.cli", 3, "entry point"),
    ("careplan.bootstrap", 3, "composition root"),
    ("careplan.db_setup", 3, "entry point: builds every table of the store, the read side's included"),
    ("web", 3, "entry point"),
)
"""Layers by module prefix, inner first; the longest matching prefix decides. A module may import its
own layer and those inside it, never one further out."""


def layer_of(module: str) -> tuple[int, str]:
    matches = [(len(p), n, what) for p, n, what in LAYERS if module == p or module.startswith(p + ".")]
    if not matches:
        raise LookupError(f"{module} is in no layer: add it to LAYERS")
    _, number, what = max(matches)
    return number, what


def project_modules() -> list[tuple[str, Path]]:
    found = []
    for package in ("careplan", "events", "web"):
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            found.append((".".join(parts[:-1] if parts[-1] == "__init__" else parts), path))
    return found


def project_imports(path: Path) -> set[str]:
    modules: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            modules.add(node.module)
        elif isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
    return {m for m in modules if m.split(".")[0] in ("careplan", "events", "web")}


@pytest.mark.parametrize("module, path", project_modules(), ids=lambda v: v if isinstance(v, str) else "")
def test_no_module_imports_a_layer_further_out(module: str, path: Path) -> None:
    mine, what = layer_of(module)
    outward = sorted(m for m in project_imports(path) if layer_of(m)[0] > mine)
    assert not outward, f"{module} ({what}) imports outer layers: {outward}"


def test_the_layer_test_covers_every_package_and_catches_an_outward_import(tmp_path: Path) -> None:
    assert {m.split(".")[0] for m, _ in project_modules()} == {"careplan", "events", "web"}
    assert layer_of("events.read.projection") > layer_of("careplan.application") > layer_of("careplan.domain.journey")
    sample = tmp_path / "sample.py"
    sample.write_text("from careplan.bootstrap import build_app\n")
    assert layer_of("careplan.bootstrap")[0] > layer_of("events.read")[0]
    assert project_imports(sample) == {"careplan.bootstrap"}
