"""The folders are layers, and an import only ever looks down: a test, so the structure that lets a new
engineer know from a file's folder what it may touch does not erode one import at a time.

Every import counts, at module level or inside a function (a lazy import to dodge a circle is still a
circle), and so does one inside ``workflow.unsafe.imports_passed_through()``.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

LAYERS: list[set[str]] = [
    {"models"},  # what crosses a boundary: contracts, messages, the case state
    {"runtime"},  # configuration, the Temporal connection, codec, tracing, CLI plumbing
    {"screening"},  # pure review logic: no Temporal, no I/O
    {"registry"},  # the information system: tables, sessions, audit chain, reference data
    {"migrations"},  # the registry's schema history
    {"activities"},  # thin @activity.defn adapters
    {"workflows"},  # orchestration only
    {"clients"},  # how both clients call a workflow
    {"starter"},  # the NCBs' side
    {"admin"},  # the reviewers' side
    {"api"},  # the front door: routes, authentication, authorization, limits
    {"devstack"},  # what `make run` starts
    {"chaos"},  # the fault harness (`make chaos`): the stack `make run` starts, broken on purpose
    {"worker", "benchmarks", "tests"},  # wiring, measurement and the suite: anything below them
]
RANK = {package: rank for rank, packages in enumerate(LAYERS) for package in packages}
PURE = {"models", "screening"}
"""Layers that must not touch Temporal or a database: tested on their own."""


def _modules() -> Iterator[tuple[str, Path]]:
    for package in RANK:
        path = ROOT / package
        if path.is_dir():
            for file in sorted(path.rglob("*.py")):
                relative = file.relative_to(ROOT).with_suffix("")
                parts = relative.parts[:-1] if relative.name == "__init__" else relative.parts
                yield ".".join(parts), file
        elif (ROOT / f"{package}.py").exists():
            yield package, ROOT / f"{package}.py"


def _imports(module: str, file: Path) -> set[str]:
    """Every module of ours that ``module`` imports, resolved to its dotted name."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(file.read_text(), str(file))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = module.split(".")[: -node.level] if file.name != "__init__.py" else module.split(".")
                base = ".".join([*anchor, base] if base else anchor)
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return {name for name in found if name.split(".")[0] in RANK}


MODULES = dict(_modules())
GRAPH = {
    module: {i for i in _imports(module, file) if i in MODULES and i != module and not module.startswith(f"{i}.")}
    for module, file in MODULES.items()
}
"""Who imports whom. A module's own package is left out: Python has it loaded before the module, so
``from screening import offences`` inside ``screening.rules`` makes no circle through ``screening``."""


def test_every_folder_of_code_has_a_layer() -> None:
    packages = {p.name for p in ROOT.iterdir() if (p / "__init__.py").exists()}
    assert packages <= set(RANK), f"give these a layer in tests/test_layers.py: {sorted(packages - set(RANK))}"


def test_no_import_looks_up_a_layer() -> None:
    upward = sorted(
        f"{module} imports {target}"
        for module, targets in GRAPH.items()
        for target in targets
        if RANK[target.split(".")[0]] > RANK[module.split(".")[0]]
    )
    assert upward == []


def test_the_import_graph_has_no_circle() -> None:
    try:
        tuple(TopologicalSorter(GRAPH).static_order())
    except CycleError as error:
        raise AssertionError(f"import circle: {' -> '.join(error.args[1])}") from None


def test_pure_layers_touch_neither_temporal_nor_a_database() -> None:
    banned = ("temporalio", "sqlalchemy", "asyncpg", "aiosqlite", "httpx", "smtplib")
    offenders = sorted(
        f"{module} imports {name}"
        for module, file in MODULES.items()
        if module.split(".")[0] in PURE
        for node in ast.walk(ast.parse(file.read_text()))
        if isinstance(node, ast.Import | ast.ImportFrom)
        for name in ([a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""])
        if name.split(".")[0] in banned
    )
    assert offenders == []


def test_the_check_sees_an_upward_import(tmp_path: Path) -> None:
    """The checker itself: an import of a workflow from the models layer is found."""
    file = tmp_path / "case.py"
    file.write_text("from workflows.notice_request import NoticeRequestWorkflow\nimport models.ids\n")
    assert _imports("models.case", file) == {
        "workflows.notice_request",
        "workflows.notice_request.NoticeRequestWorkflow",
        "models.ids",
    }
