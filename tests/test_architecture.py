"""The package's shape, kept true: the module map in docs/architecture.md, no import loops,
no private name used outside its module, and a public API (`kpi_helpers.__all__`) that resolves."""

from __future__ import annotations

import ast
import re

import kpi_helpers

from conftest import ROOT

PACKAGE = ROOT / "kpi_helpers"
MODULES = sorted(p.stem for p in PACKAGE.glob("*.py") if p.stem != "__init__")


def _module_map() -> str:
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    start = text.index("## Module map")
    end = text.find("\n## ", start + 1)
    return text[start:end if end > 0 else None]


def test_module_map_names_only_modules_that_exist_and_every_module():
    named = set(re.findall(r"`([\w/]+\.(?:py|yaml))`", _module_map()))
    assert named, "no module names found in the module map"
    missing = sorted(n for n in named if not (PACKAGE / n).is_file())
    assert not missing, f"docs/architecture.md names modules that do not exist: {missing}"
    unnamed = sorted(f"{m}.py" for m in MODULES if f"{m}.py" not in named)
    assert not unnamed, f"modules missing from the module map in docs/architecture.md: {unnamed}"
    for folder in set(re.findall(r"`([\w/]+)/`", _module_map())) - {"kpi_helpers"}:
        assert (PACKAGE / folder).is_dir(), folder


def _runtime_nodes(tree: ast.Module) -> list[ast.AST]:
    """Every node except those under `if TYPE_CHECKING:` (type-only imports are no runtime loop)."""
    skip: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skip.update(id(n) for stmt in node.body for n in ast.walk(stmt))
    return [n for n in ast.walk(tree) if id(n) not in skip]


def _imports(module: str) -> tuple[set[str], list[str]]:
    """(kpi_helpers modules it imports anywhere at run time, private names it takes from them)."""
    tree = ast.parse((PACKAGE / f"{module}.py").read_text(encoding="utf-8"))
    deps: set[str] = set()
    private: list[str] = []
    aliases: set[str] = set()
    for node in _runtime_nodes(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "kpi_helpers":
            parts = node.module.split(".")
            if len(parts) > 1:
                deps.add(parts[1])
                private += [f"{parts[1]}.{a.name}" for a in node.names if a.name.startswith("_")]
            else:  # from kpi_helpers import workshop as ws
                for a in node.names:
                    if a.name in MODULES:
                        deps.add(a.name)
                        aliases.add(a.asname or a.name)
                    elif a.name.startswith("_"):
                        private.append(f"kpi_helpers.{a.name}")
        elif isinstance(node, ast.Import):
            for a in node.names:
                parts = a.name.split(".")
                if parts[0] == "kpi_helpers" and len(parts) > 1:
                    deps.add(parts[1])
                    if a.asname:
                        aliases.add(a.asname)
    for node in ast.walk(tree):  # ws._pct: a private name reached through a module alias
        if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in aliases
                and node.attr.startswith("_") and not node.attr.startswith("__")):
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
                loops.append(path[path.index(dep):] + [dep])
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
