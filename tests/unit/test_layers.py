"""Imports point one way: bot → web → handlers → config, storage. The web holds no SQL and no channel
library; handlers know no web framework; storage imports nothing of ours."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FORBIDDEN = {
    "web": ("bot", "sqlalchemy", "aiogram", "telegram", "aiohttp"),
    "handlers": ("bot", "web", "sqlalchemy", "starlette", "jinja2", "uvicorn", "aiogram", "telegram", "aiohttp"),
    "storage": ("bot", "web", "handlers", "config"),
}


def imported(package: str) -> set[tuple[str, str]]:
    found: set[tuple[str, str]] = set()
    for path in (ROOT / package).rglob("*.py"):
        if "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            found.update((str(path.relative_to(ROOT)), name.split(".")[0]) for name in names)
    return found


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_imports_point_one_way(package: str) -> None:
    offenders = sorted((path, name) for path, name in imported(package) if name in FORBIDDEN[package])
    assert offenders == []


PACKAGES = ("bot", "config", "handlers", "storage", "web")


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def top_level_imports(path: Path, modules: set[str]) -> set[str]:
    """The project's modules that ``path`` imports at its top level (not inside a function), also those
    imported only for the type checker: a circle of types is still a circle of design."""
    found: set[str] = set()
    for node in ast.parse(path.read_text("utf-8")).body:
        for inner in ast.walk(node):
            if isinstance(inner, ast.FunctionDef | ast.AsyncFunctionDef):
                break
            if isinstance(inner, ast.Import):
                found.update(alias.name for alias in inner.names if alias.name in modules)
            elif isinstance(inner, ast.ImportFrom) and inner.module and inner.level == 0:
                found.update(
                    f"{inner.module}.{alias.name}" if f"{inner.module}.{alias.name}" in modules else inner.module
                    for alias in inner.names
                    if inner.module in modules or f"{inner.module}.{alias.name}" in modules
                )
    return found


def import_graph() -> dict[str, set[str]]:
    paths = {
        module_name(path): path
        for package in PACKAGES
        for path in (ROOT / package).rglob("*.py")
        if "migrations" not in path.parts
    }
    return {name: top_level_imports(path, set(paths)) - {name} for name, path in paths.items()}


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in sorted(graph[node]):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_module_imports_itself_through_others() -> None:
    assert circles(import_graph()) == []


def test_a_circle_would_be_found() -> None:
    assert circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
