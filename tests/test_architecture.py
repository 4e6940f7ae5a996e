"""The package's shape, kept true: the module map in docs/architecture.md, no import loops,
no private name used outside its module, and a public API (`kpi_helpers.__all__`) that resolves."""

from __future__ import annotations

import ast
import re

from conftest import ROOT

import kpi_helpers

PACKAGE = ROOT / "kpi_helpers"
# dotted names below kpi_helpers: "compute.engine", "session" (package __init__ files are not modules here)
MODULES = sorted(
    ".".join(p.relative_to(PACKAGE).with_suffix("").parts)
    for p in PACKAGE.rglob("*.py")
    if p.name != "__init__.py" and "notebooks" not in p.parts
)
PACKAGES = sorted(
    ".".join(p.parent.relative_to(PACKAGE).parts) for p in PACKAGE.rglob("__init__.py") if p.parent != PACKAGE
)


def _module_map() -> str:
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    start = text.index("## Module map")
    end = text.find("\n## ", start + 1)
    return text[start : end if end > 0 else None]


def _named_files() -> set[str]:
    """Paths the map names: each table row is `folder/` | `module.py`, ... (the package root row: `kpi_helpers/`)."""
    named: set[str] = set()
    for line in _module_map().splitlines():
        cells = line.split("|")
        if len(cells) < 4 or not cells[1].strip().startswith("`"):
            continue
        folder = cells[1].strip().strip("`")
        folder = "" if folder == "kpi_helpers/" else folder
        named |= {folder + name for name in re.findall(r"`([\w/]+\.(?:py|yaml))`", cells[2])}
    return named


def test_module_map_names_only_modules_that_exist_and_every_module():
    named = _named_files()
    assert named, "no module names found in the module map"
    missing = sorted(n for n in named if not (PACKAGE / n).is_file())
    assert not missing, f"docs/architecture.md names modules that do not exist: {missing}"
    unnamed = sorted(f"{m.replace('.', '/')}.py" for m in MODULES if f"{m.replace('.', '/')}.py" not in named)
    assert not unnamed, f"modules missing from the module map in docs/architecture.md: {unnamed}"
    folders = {p.rsplit("/", 1)[0] for p in named if "/" in p}
    assert folders == set(PACKAGES), f"subpackages in the map {sorted(folders)} vs on disk {PACKAGES}"


def test_every_subpackage_has_a_docstring_saying_its_role():
    for package in PACKAGES:
        tree = ast.parse((PACKAGE / package.replace(".", "/") / "__init__.py").read_text(encoding="utf-8"))
        assert ast.get_docstring(tree), f"kpi_helpers/{package}/__init__.py says nothing about its role"


def _runtime_nodes(tree: ast.Module) -> list[ast.AST]:
    """Every node except those under `if TYPE_CHECKING:` (type-only imports are no runtime loop)."""
    skip: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skip.update(id(n) for stmt in node.body for n in ast.walk(stmt))
    return [n for n in ast.walk(tree) if id(n) not in skip]


def _imports(module: str) -> tuple[set[str], list[str]]:
    """(kpi_helpers modules it imports anywhere at run time, private names it takes from them)."""
    tree = ast.parse((PACKAGE / f"{module.replace('.', '/')}.py").read_text(encoding="utf-8"))
    deps: set[str] = set()
    private: list[str] = []
    aliases: set[str] = set()
    for node in _runtime_nodes(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "kpi_helpers":
            inner = node.module.partition(".")[2]  # "" for kpi_helpers itself
            if inner in MODULES:
                deps.add(inner)
                private += [f"{inner}.{a.name}" for a in node.names if a.name.startswith("_")]
            else:  # from kpi_helpers.workshop import sim as ws / from kpi_helpers import __version__
                for a in node.names:
                    target = f"{inner}.{a.name}" if inner else a.name
                    if target in MODULES:
                        deps.add(target)
                        aliases.add(a.asname or a.name)
                    elif a.name.startswith("_") and not a.name.startswith("__"):
                        private.append(f"kpi_helpers.{target}")
        elif isinstance(node, ast.Import):
            for a in node.names:
                inner = a.name.partition(".")[2]
                if a.name.split(".")[0] == "kpi_helpers" and inner in MODULES:
                    deps.add(inner)
                    if a.asname:
                        aliases.add(a.asname)
    for node in ast.walk(tree):  # ws._pct: a private name reached through a module alias
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id in aliases
            and node.attr.startswith("_")
            and not node.attr.startswith("__")
        ):
            private.append(f"{node.value.id}.{node.attr}")
    deps.discard(module)
    return deps & set(MODULES), private


def test_no_private_name_is_used_outside_its_module():
    used = {m: p for m in MODULES for p in [_imports(m)[1]] if p}
    assert not used, f"private names imported across modules (make them public): {used}"


def test_no_import_loops_between_modules():
    graph = {m: _imports(m)[0] for m in MODULES}
    loops = []

    def visit(node: str, path: list[str]) -> None:
        for dep in sorted(graph[node]):
            if dep in path:
                loops.append(path[path.index(dep) :] + [dep])
            elif dep not in done:
                visit(dep, path + [dep])
        done.add(node)

    done: set[str] = set()
    for module in MODULES:
        if module not in done:
            visit(module, [module])
    assert not loops, f"import loops: {[' -> '.join(loop) for loop in loops]}"


def test_every_exported_name_resolves():
    import importlib

    exported = kpi_helpers.__all__
    assert "open_client" in exported and "KpiWorkbookError" in exported and "__version__" in exported
    assert len(set(exported)) == len(exported), "a name is exported twice"
    for name in exported:
        value = getattr(kpi_helpers, name)  # AttributeError: exported but missing
        module = kpi_helpers._EXPORTS.get(name)
        if module:
            assert getattr(importlib.import_module(f"kpi_helpers.{module}"), name) is value, name
    assert set(kpi_helpers._EXPORTS) <= set(exported)
    assert set(dir(kpi_helpers)) >= set(exported)
