"""Layers point one way: pages and routes -> core <- scheduler."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from core.settings import PROJECT_ROOT

FORBIDDEN = {
    "core": {"streamlit", "starlette", "apscheduler", "web", "pages", "scheduler", "sandbox"},  # demodata is allowed
    "web": {"httpx", "authlib", "sqlalchemy", "scheduler", "sandbox"},
    "pages": {"httpx", "authlib", "sqlalchemy", "scheduler", "sandbox"},
    "scheduler": {"streamlit", "starlette", "web", "pages", "sqlalchemy", "httpx", "authlib"},
    "sandbox": {"core", "web", "pages", "scheduler", "streamlit"},
    "demodata": {"core", "web", "pages", "scheduler", "sandbox", "streamlit", "starlette", "sqlalchemy"},
    "app.py": {"httpx", "authlib", "sqlalchemy"},
    "server.py": {"httpx", "authlib", "sqlalchemy"},
}


def imported_roots(path: Path) -> set[str]:
    roots: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


def files(part: str) -> list[Path]:
    target = PROJECT_ROOT / part
    return [target] if target.is_file() else sorted(target.rglob("*.py"))


CASES = [(part, path) for part in FORBIDDEN for path in files(part)]


@pytest.mark.parametrize(("part", "path"), CASES, ids=[str(p.relative_to(PROJECT_ROOT)) for _, p in CASES])
def test_no_import_against_the_layers(part: str, path: Path) -> None:
    wrong = imported_roots(path) & FORBIDDEN[part]
    assert not wrong, f"{path.relative_to(PROJECT_ROOT)} imports {sorted(wrong)}"


@pytest.mark.parametrize(
    "path",
    [p for part in ("core", "web", "pages", "scheduler", "sandbox", "demodata") for p in files(part)],
    ids=lambda p: str(p.relative_to(PROJECT_ROOT)),
)
def test_modules_stay_small(path: Path) -> None:
    assert len(path.read_text().splitlines()) <= 300, "split this module by responsibility"
