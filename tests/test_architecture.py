"""The architecture in docs/architecture.md holds: every import follows the allowed dependencies
drawn there, no two modules import each other (directly or round about), and no module is long
without saying why."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.paths import ROOT

PACKAGE = ROOT / "fieldkit"
DOC = ROOT / "docs" / "architecture.md"
#: Longer modules must say why at the top, in a docstring paragraph starting with this.
LONG_MARKER = "Why one long module:"
MAX_LINES = 600


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _is_type_checking(node: ast.AST) -> bool:
    test = node.test if isinstance(node, ast.If) else None
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _nodes(tree: ast.AST) -> Iterator[ast.AST]:
    """Every node, except what only type checkers read (``if TYPE_CHECKING:`` blocks)."""
    for child in ast.iter_child_nodes(tree):
        if _is_type_checking(child):
            yield from (n for orelse in child.orelse for n in [orelse, *_nodes(orelse)])
            continue
        yield child
        yield from _nodes(child)


def imported_modules(name: str) -> Iterator[tuple[str, int]]:
    """Every fieldkit module that ``name`` imports when it runs, in a function or not, with
    the line (imports for type checkers only are left out: they never run)."""
    path = MODULES[name]
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in _nodes(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            # ``from package import module`` imports the module itself.
            targets = [
                f"{base}.{a.name}" if f"{base}.{a.name}" in MODULES else base for a in node.names
            ]
        else:
            continue
        for target in targets:
            if target.split(".")[0] == "fieldkit":
                yield target, node.lineno


def allowed_dependencies() -> dict[str, set[str]]:
    """The ``deps`` block of docs/architecture.md: ``component: what it may import``."""
    block = re.search(r"```deps\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)
    assert block, "docs/architecture.md has no ```deps block"
    rules: dict[str, set[str]] = {}
    for line in block.group(1).splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            component, _, allowed = line.partition(":")
            rules[component.strip()] = set(allowed.split())
    return rules


RULES = allowed_dependencies()


def component(module: str) -> str:
    """The component a module belongs to: the longest rule name it starts with."""
    matches = [c for c in RULES if module == c or module.startswith(c + ".")]
    assert matches, f"{module} belongs to no component of docs/architecture.md"
    return max(matches, key=len)


def test_every_rule_names_components_that_exist():
    for name, allowed in RULES.items():
        assert any(m == name or m.startswith(name + ".") for m in MODULES), name
        assert allowed <= set(RULES), f"{name} allows unknown {allowed - set(RULES)}"


@pytest.mark.parametrize("module", sorted(MODULES))
def test_imports_follow_the_allowed_dependencies(module):
    source = component(module)
    wrong = [
        f"line {line}: {target} ({component(target)})"
        for target, line in imported_modules(module)
        if component(target) != source and component(target) not in RULES[source]
    ]
    assert wrong == [], f"{module} ({source}) may import only {sorted(RULES[source])}"


def test_no_modules_import_each_other():
    """Import cycles, found as strongly connected components (Tarjan), function-level imports
    included: a cycle hidden inside a function is still a cycle."""
    graph = {m: {t for t, _ in imported_modules(m) if t in MODULES and t != m} for m in MODULES}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    cycles: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for other in graph[node]:
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            members = []
            while True:
                member = stack.pop()
                members.append(member)
                if member == node:
                    break
            if len(members) > 1:
                cycles.append(sorted(members))

    for node in graph:
        if node not in index:
            visit(node)
    assert not cycles, "\n".join(" <-> ".join(cycle) for cycle in cycles)


@pytest.mark.parametrize("module", sorted(MODULES))
def test_long_modules_say_why(module):
    path = MODULES[module]
    lines = len(path.read_text(encoding="utf-8").splitlines())
    if lines > MAX_LINES:
        docstring = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
        assert LONG_MARKER in docstring, f"{module} has {lines} lines; split it or say why"


def test_every_folder_of_modules_is_a_package():
    """setuptools' ``find:`` leaves out folders without ``__init__.py``, so a wheel would lack
    them (the conference areas once did: a wheel install failed at start-up)."""
    folders = {path.parent for path in PACKAGE.rglob("*.py")}
    missing = sorted(
        folder.relative_to(ROOT).as_posix()
        for folder in folders
        if not (folder / "__init__.py").exists()
    )
    assert missing == []
