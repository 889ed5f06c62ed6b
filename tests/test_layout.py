"""The project's layout rules, checked on its source (see README, "Layout").

Dependencies run one way: `images` stands below the rest; `entities` may use
`articles`; `related` sits above both. A lower app reaches a higher one only
through its documented doors, and no module imports a project module inside a
function to dodge a cycle.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
APPS = ("newsroom", "images", "articles", "entities", "related", "partners")

# What a lower app may import from a higher one.
DOORS = {
    "articles": {
        "entities": {"entities.models", "entities.services"},
        "related": {"related.services", "related.serving"},
    },
    "entities": {"related": {"related.services"}},
}
# Lower apps never import these at all.
FORBIDDEN = {
    # The image library sits below stories: they point at it, never back.
    "images": {"articles", "entities", "related", "partners"},
    "articles": {"partners"},
    "entities": {"partners"},
    "related": {"partners"},
}
# The project package's shared pieces, which every app may use, import no app.
TOOLKIT = (
    "newsroom.api",
    "newsroom.views",
    "newsroom.checks",
    "newsroom.taskqueue",
    "newsroom.admin",
    "newsroom.forms",
    "newsroom.cleaning",
)
TOOLKIT_ENTRY_POINTS = {"newsroom.api.urls"}


def modules() -> dict[str, Path]:
    found = {}
    for app in APPS:
        for path in sorted((REPO / app).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            parts = path.relative_to(REPO).with_suffix("").parts
            if parts[-1] == "__init__":
                parts = parts[:-1]
            found[".".join(parts)] = path
    return found


MODULES = modules()


def resolve(node: ast.ImportFrom | ast.Import, module: str) -> list[str]:
    """The project modules an import statement names."""
    names = []
    if isinstance(node, ast.Import):
        names = [alias.name for alias in node.names]
    else:
        base = node.module or ""
        if node.level:
            package = module.split(".")
            if MODULES[module].name != "__init__.py":
                package = package[:-1]
            package = package[: len(package) - node.level + 1]
            base = ".".join([*package, *([base] if base else [])])
        for alias in node.names:
            full = f"{base}.{alias.name}"
            names.append(full if full in MODULES else base)
    result = []
    for name in names:
        while name and name not in MODULES:
            name = name.rpartition(".")[0]
        if name and name.split(".")[0] in APPS:
            result.append(name)
    return result


def imports() -> tuple[dict[str, set[str]], list[str]]:
    """Module-level project imports of each module, and any inside a function."""
    graph: dict[str, set[str]] = {name: set() for name in MODULES}
    nested = []
    for module, path in MODULES.items():
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Import | ast.ImportFrom):
                continue
            targets = resolve(node, module)
            graph[module].update(target for target in targets if target != module)
        for function in ast.walk(tree):
            # AppConfig.ready() is where Django wants checks and signals wired.
            if (
                isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef)
                and function.name != "ready"
            ):
                for node in ast.walk(function):
                    if isinstance(node, ast.Import | ast.ImportFrom) and resolve(
                        node, module
                    ):
                        nested.append(f"{module}:{node.lineno}")
    return graph, nested


GRAPH, NESTED = imports()


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for other in graph[node]:
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def app(module: str) -> str:
    return module.split(".")[0]


def test_the_import_graph_has_no_cycle():
    """No module imports, directly or not, a module that imports it."""
    assert cycles(GRAPH) == []


def test_no_project_import_inside_a_function():
    """Imports of project modules sit at the top of their module."""
    assert NESTED == []


def crossings(source, target) -> set[str]:
    """The imports from a module `source(module)` accepts to one `target(module)`
    accepts, as "module -> imported" lines."""
    return {
        f"{module} -> {imported}"
        for module, imports in GRAPH.items()
        if source(module)
        for imported in imports
        if target(imported)
    }


@pytest.mark.parametrize("lower", sorted(DOORS))
def test_lower_apps_use_only_the_doors_of_higher_ones(lower):
    """A lower app reaches a higher one only through its documented doors."""
    doors = DOORS[lower]
    assert (
        crossings(
            lambda module: app(module) == lower,
            lambda target: app(target) in doors and target not in doors[app(target)],
        )
        == set()
    )


@pytest.mark.parametrize("lower", sorted(FORBIDDEN))
def test_apps_that_never_meet(lower):
    """Stories, entities and related stories know nothing of partners."""
    assert (
        crossings(
            lambda module: app(module) == lower,
            lambda target: app(target) in FORBIDDEN[lower],
        )
        == set()
    )


def test_the_project_toolkit_imports_no_app():
    """The shared API toolkit and view base in `newsroom` stand below every app."""
    assert (
        crossings(
            lambda module: (
                module.startswith(TOOLKIT) and module not in TOOLKIT_ENTRY_POINTS
            ),
            lambda target: app(target) != "newsroom",
        )
        == set()
    )
