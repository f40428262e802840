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
DOMAIN_LAYER, APPLICATION, INTERFACE, ENTRY = 0, 1, 2, 3
LAYERS: tuple[tuple[str, int, str], ...] = (
    # careplan/domain: the domain
    ("careplan.domain", DOMAIN_LAYER, "domain: the aggregate, its events, rules, fold and view"),
    # careplan/*.py and its application packages: the application service
    ("careplan", APPLICATION, "application: the package"),
    ("careplan.application", APPLICATION, "application: commands and queries, one load per command"),
    ("careplan.loading", APPLICATION, "application: loading a journey from its snapshot and events"),
    ("careplan.integrity", APPLICATION, "application: refusing a record that does not hold together"),
    ("careplan.users", APPLICATION, "application: accounts"),
    ("careplan.patients", APPLICATION, "application: who the patient is"),
    ("careplan.booking", APPLICATION, "application: the chair ledger"),
    ("careplan.index_backfill", APPLICATION, "application: the patient index's backfill"),
    ("careplan.startup", APPLICATION, "application: starting when several processes start at once"),
    ("careplan.services", APPLICATION, "application: the services beside the commands, built in one place"),
    ("careplan.series", APPLICATION, "application: a series of bookings proposed and booked all or none"),
    ("careplan.refusals", APPLICATION, "application: every refusal of a submit at once"),
    ("careplan.retrying", APPLICATION, "application: the one wait between retries of a conflicting write"),
    ("careplan.audit", APPLICATION, "application: verify, the access log, repair, key rotation"),
    ("careplan.demo", APPLICATION, "application: the synthetic demo cohort"),
    ("careplan.messaging", APPLICATION, "application: questionnaire links and the outbox"),
    # careplan/adapters: beside the application, which builds them (its store, transcoder, mapper)
    ("careplan.adapters", APPLICATION, "adapters: transcoder, mapper, SQL on the tables, settings, keys, sessions, logs, channels"),
    # events/: the interface layer's data (schemas at the edge, the read model, the FHIR mapping)
    ("events", INTERFACE, "interface: schemas at the edge, protocol and clinic files, the read model, FHIR"),
    # careplan/entrypoints and web/: the entry points and the one composition root
    ("careplan.entrypoints", ENTRY, "entry points: the command line, the scheduler, db setup"),
    ("careplan.entrypoints.bootstrap", ENTRY, "composition root"),
    ("web", ENTRY, "entry point: the Flask app and the JSON API"),
)
"""Where every module of careplan/, events/ and web/ belongs, inner layer first. An entry names a
package whose modules all share its layer (``careplan.domain``, ``careplan.adapters``,
``careplan.entrypoints``, ``events``, ``web``: the folders are the layers) or one module; the one
mixed package, ``careplan`` itself, is named for its ``__init__`` only, so an application module added
at its top is in no layer until it is placed here (and in docs/architecture.md). A module may import
its own layer and those inside it, never one further out."""

MIXED = frozenset({"careplan"})
"""Packages that hold more than one kind of module: each of their modules is placed by name."""


def layer_of(module: str) -> tuple[int, str]:
    """The layer of a project module (or of a name imported from one): the longest entry that names
    it or a package holding it, a mixed package only for its own ``__init__``."""
    matches = [
        (len(p), n, what)
        for p, n, what in LAYERS
        if module == p or (p not in MIXED and module.startswith(p + "."))
    ]
    if not matches:
        raise LookupError(f"{module} is in no layer: add it to LAYERS and to docs/architecture.md")
    _, number, what = max(matches)
    return number, what


def project_modules() -> list[tuple[str, Path]]:
    found = []
    for package in ("careplan", "events", "web"):
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            found.append((".".join(parts[:-1] if parts[-1] == "__init__" else parts), path))
    return found


KNOWN = frozenset(module for module, _ in project_modules())


def project_imports(path: Path) -> set[str]:
    """The project modules a module imports: ``from careplan import booking`` is ``careplan.booking``."""
    modules: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            named = {f"{node.module}.{alias.name}" for alias in node.names} & KNOWN
            modules.update(named or {node.module})
        elif isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
    return {m for m in modules if m.split(".")[0] in ("careplan", "events", "web")}


@pytest.mark.parametrize("module", sorted(KNOWN))
def test_every_module_is_in_a_layer(module: str) -> None:
    layer_of(module)


@pytest.mark.parametrize("module, path", project_modules(), ids=lambda v: v if isinstance(v, str) else "")
def test_no_module_imports_a_layer_further_out(module: str, path: Path) -> None:
    mine, what = layer_of(module)
    outward = sorted(m for m in project_imports(path) if layer_of(m)[0] > mine)
    assert not outward, f"{module} ({what}) imports outer layers: {outward}"


def test_a_module_placed_nowhere_is_refused() -> None:
    with pytest.raises(LookupError, match="in no layer"):
        layer_of("careplan.new_module")
    # a folder of one layer places its new modules
    assert layer_of("web.new_module")[0] == ENTRY
    assert layer_of("careplan.entrypoints.new_module")[0] == ENTRY
    assert layer_of("careplan.adapters.new_module")[0] == APPLICATION
    assert layer_of("events.new_module")[0] == INTERFACE
    assert layer_of("careplan.domain.new_family")[0] == DOMAIN_LAYER


def test_every_layer_entry_names_a_module_that_exists() -> None:
    assert {p for p, _, _ in LAYERS} <= KNOWN


def test_the_layer_test_covers_every_package_and_catches_an_outward_import(tmp_path: Path) -> None:
    assert {m.split(".")[0] for m, _ in project_modules()} == {"careplan", "events", "web"}
    assert layer_of("events.read.projection") > layer_of("careplan.application") > layer_of("careplan.domain.journey")
    sample = tmp_path / "sample.py"
    sample.write_text("from careplan.entrypoints.bootstrap import build_app\nfrom careplan import booking\n")
    assert layer_of("careplan.entrypoints.bootstrap")[0] > layer_of("events.read")[0]
    assert project_imports(sample) == {"careplan.entrypoints.bootstrap", "careplan.booking"}


def test_the_architecture_page_places_every_layer_entry() -> None:
    page = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    missing = [p for p, _, _ in LAYERS if p not in MIXED and f"`{p.replace('.', '/')}" not in page]
    assert not missing, f"docs/architecture.md does not say where these are: {missing}"


# -- no import circle ------------------------------------------------------------------------------


def runtime_imports(path: Path) -> set[str]:
    """The project modules a module imports when it runs: at its top or inside a function, but not
    under ``if TYPE_CHECKING:`` (those are read by the type checker only)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            node.body = []
    modules: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            named = {f"{node.module}.{alias.name}" for alias in node.names} & KNOWN
            modules.update(named or {node.module})
        elif isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
    return {m for m in modules if m in KNOWN}


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan), each a circle of imports."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        for other in sorted(graph.get(module, ())):
            if other not in index:
                visit(other)
                low[module] = min(low[module], low[other])
            elif other in stack:
                low[module] = min(low[module], index[other])
        if low[module] == index[module]:
            group = []
            while True:
                top = stack.pop()
                group.append(top)
                if top == module:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for module in sorted(graph):
        if module not in index:
            visit(module)
    return found


def test_no_module_takes_part_in_an_import_circle() -> None:
    graph = {module: runtime_imports(path) for module, path in project_modules()}
    assert circles(graph) == []


def test_the_circle_finder_finds_one_held_open_inside_a_function(tmp_path: Path) -> None:
    assert circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    held = tmp_path / "held.py"
    held.write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from careplan.booking import ChairLedger\n"
        "def later():\n    from careplan.services import build_services\n"
    )
    assert runtime_imports(held) == {"careplan.services"}
