"""The shared API toolkit in newsroom/api/ stays below the apps."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import newsroom.api

APPS = {"articles", "entities", "partners"}
TOOLKIT = Path(newsroom.api.__file__).parent


def imported_packages(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize(
    "module",
    sorted(path.name for path in TOOLKIT.glob("*.py") if path.name != "urls.py"),
)
def test_toolkit_imports_no_app(module):
    """Only the router imports the apps, so any app's api/ can use the toolkit
    without an import circle."""
    assert not imported_packages(TOOLKIT / module) & APPS
