"""Layers point one way: pages and routes (web/) -> core <- scheduler; inside core, packages point one way too."""

from __future__ import annotations

import ast
import re
from collections import Counter
from pathlib import Path

import pytest

from core.settings import PROJECT_ROOT

FORBIDDEN = {
    "core": {"streamlit", "starlette", "apscheduler", "web", "scheduler", "sandbox"},  # demodata is allowed
    "core/xero": {"sqlalchemy"},  # the HTTP boundary: it says what Xero answered and never touches the database
    "web": {"httpx", "authlib", "sqlalchemy", "scheduler", "sandbox"},
    "scheduler": {"streamlit", "starlette", "web", "sqlalchemy", "httpx", "authlib"},
    "sandbox": {"core", "web", "scheduler", "streamlit"},
    "demodata": {"core", "web", "scheduler", "sandbox", "streamlit", "starlette", "sqlalchemy"},
    "app.py": {"httpx", "authlib", "sqlalchemy"},
    "server.py": {"httpx", "authlib", "sqlalchemy"},
}

# core's packages from the bottom up, written down once: a module may import its own package and those below it,
# never one above. "kernel" is the flat modules of core/ itself (hub, settings, db, clock, audit, auth, …).
CORE_ORDER = (
    "models",
    "config",
    "kernel",
    "metrics",
    "xero",
    "alerts",
    "staff",
    "sync",
    "xero_access",
    "push",
    "platform_api",
    "mappings",
    "contacts",
    "documents",
    "payments",
    "connections",
    "privacy",
    "error_triage",
    "health",
    "demo",
)
KERNEL_MAX = 16  # plain modules in core/ itself, __init__.py included
CORE = PROJECT_ROOT / "core"
PRODUCT = ("core", "web", "scheduler", "app.py", "server.py", "manage.py", "launcher.py", "processes.py")


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


def module_name(path: Path) -> str:
    name = ".".join(path.relative_to(PROJECT_ROOT).with_suffix("").parts)
    return name.removesuffix(".__init__")


def core_imports(path: Path) -> set[str]:
    """The core modules a file imports at module level (`from core.x import name` counts as core.x.name when that
    is a module, else as core.x)."""
    found: set[str] = set()
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.split(".")[0] == "core")
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0 and node.module.startswith("core"):
            for alias in node.names:
                candidate = f"{node.module}.{alias.name}"
                found.add(candidate if candidate in CORE_MODULES else node.module)
    return found - {"core"}


CORE_MODULES = {module_name(p) for p in files("core")}


def unit(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 2 else "kernel"


CASES = [(part, path) for part in FORBIDDEN for path in files(part)]


@pytest.mark.parametrize(("part", "path"), CASES, ids=[str(p.relative_to(PROJECT_ROOT)) for _, p in CASES])
def test_no_import_against_the_layers(part: str, path: Path) -> None:
    wrong = imported_roots(path) & FORBIDDEN[part]
    assert not wrong, f"{path.relative_to(PROJECT_ROOT)} imports {sorted(wrong)}"


@pytest.mark.parametrize(
    "path",
    [p for part in ("core", "web", "scheduler", "sandbox", "demodata") for p in files(part)],
    ids=lambda p: str(p.relative_to(PROJECT_ROOT)),
)
def test_modules_stay_small(path: Path) -> None:
    assert len(path.read_text().splitlines()) <= 300, "split this module by responsibility"


def test_every_core_package_has_its_place_in_the_order() -> None:
    packages = {p.name for p in CORE.iterdir() if (p / "__init__.py").exists()}
    assert packages == set(CORE_ORDER) - {"kernel"}, "add the new package to CORE_ORDER (or drop the stale name)"


@pytest.mark.parametrize("path", files("core"), ids=lambda p: str(p.relative_to(PROJECT_ROOT)))
def test_core_packages_point_down(path: Path) -> None:
    mine = CORE_ORDER.index(unit(module_name(path)))
    upward = sorted(m for m in core_imports(path) if CORE_ORDER.index(unit(m)) > mine)
    assert not upward, f"{unit(module_name(path))} may not import {upward}: move the shared piece down"


@pytest.mark.parametrize(
    "path", [p for part in PRODUCT for p in files(part)], ids=lambda p: str(p.relative_to(PROJECT_ROOT))
)
def test_no_core_import_hides_inside_a_function(path: Path) -> None:
    hidden = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            for inner in ast.walk(node):
                named = [a.name for a in inner.names] if isinstance(inner, ast.Import) else []
                if isinstance(inner, ast.ImportFrom) and inner.module and inner.level == 0:
                    named = [inner.module]
                hidden += [f"line {inner.lineno}: {n}" for n in named if n.split(".")[0] == "core"]
    assert not hidden, f"imports at the top of the module, never to dodge a cycle: {hidden}"


def test_no_import_cycle_between_core_modules() -> None:
    graph = {module_name(p): core_imports(p) & CORE_MODULES for p in files("core")}
    done: set[str] = set()

    def visit(module: str, trail: list[str]) -> None:
        if module in trail:
            raise AssertionError(" -> ".join([*trail[trail.index(module) :], module]))
        if module in done:
            return
        for target in sorted(graph[module]):
            visit(target, [*trail, module])
        done.add(module)

    for module in sorted(graph):
        visit(module, [])


def test_the_kernel_stays_small() -> None:
    plain = sorted(p.name for p in CORE.glob("*.py"))
    assert len(plain) <= KERNEL_MAX, f"{len(plain)} plain modules in core/: move some into their package"


def folders(root: Path) -> list[Path]:
    """root and every folder under it, bar caches."""
    return [root, *sorted(p for p in root.rglob("*") if p.is_dir() and p.name != "__pycache__")]


@pytest.mark.parametrize(
    "folder",
    [f for root in (CORE, PROJECT_ROOT / "sandbox") for f in folders(root)],
    ids=lambda p: str(p.relative_to(PROJECT_ROOT)),
)
def test_packages_not_file_name_prefixes_carry_the_domain(folder: Path) -> None:
    prefixes = Counter(m.group(1) for p in folder.glob("*.py") if (m := re.match(r"([a-z]+)_", p.stem)))
    crowded = {prefix: n for prefix, n in prefixes.items() if n >= 3}
    assert not crowded, f"{folder.relative_to(PROJECT_ROOT)}: make a package of {crowded}"


def test_every_download_built_when_pressed_checks_the_person_again() -> None:
    """A deferred download runs when pressed, maybe long after the page was drawn: it asks for the person as they
    stand then (sessions.current), so someone disabled or signed out since gets nothing."""
    lacking = []
    for page in sorted((PROJECT_ROOT / "web" / "pages").glob("*.py")):
        text = page.read_text()
        for found in re.finditer(r"def _csv\(\) -> str:\n((?:\s{4,}.*\n)+)", text):
            if "sessions.current(" not in found.group(1):
                lacking.append(page.name)
    assert lacking == [] and found_any(PROJECT_ROOT / "web" / "pages")


def found_any(pages: Path) -> bool:
    return sum(len(re.findall(r"def _csv\(\) -> str:", p.read_text())) for p in pages.glob("*.py")) >= 4
