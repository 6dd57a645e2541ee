"""The layout's rules, read from the source with ``ast``: no module-level import cycle inside the
package, and no module reaching into another module's ``_private`` names (what other modules
need has a public name). Imports inside functions are lazy on purpose and are not cycles."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from .conftest import ROOT

PACKAGE = ROOT / "src" / "chanjia_nlp"


@dataclass
class Module:
    name: str
    path: Path
    is_package: bool
    imports: set[str] = field(default_factory=set)  # package modules imported at module level
    lazy: set[str] = field(default_factory=set)  # and inside functions
    private_uses: list[str] = field(default_factory=list)  # "line N: from x import _y"


def _modules(root: Path) -> dict[str, Module]:
    found = {}
    for path in sorted(root.rglob("*.py")):
        parts = list(path.relative_to(root.parent).with_suffix("").parts)
        is_package = parts[-1] == "__init__"
        if is_package:
            parts = parts[:-1]
        found[".".join(parts)] = Module(".".join(parts), path, is_package)
    return found


def _absolute(module: Module, node: ast.ImportFrom) -> str:
    """The module an ``ImportFrom`` names, relative imports resolved."""
    if not node.level:
        return node.module or ""
    base = module.name.split(".")
    if not module.is_package:
        base = base[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def _is_type_checking(node: ast.stmt) -> bool:
    test = node.test if isinstance(node, ast.If) else None
    return isinstance(test, ast.Name) and test.id == "TYPE_CHECKING" or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _top_level(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    """The statements that run when the module is imported (not functions, not TYPE_CHECKING)."""
    for node in body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            continue
        if isinstance(node, ast.If) and _is_type_checking(node):
            continue
        yield node
        if isinstance(node, (ast.If, ast.Try, ast.With)):
            for block in ("body", "orelse", "finalbody"):
                yield from _top_level(getattr(node, block, []))
            for handler in getattr(node, "handlers", []):
                yield from _top_level(handler.body)


def _read(modules: dict[str, Module]) -> None:
    for module in modules.values():
        tree = ast.parse(module.path.read_text(encoding="utf-8"))
        top = {id(node) for node in _top_level(tree.body)}
        bound: dict[str, str] = {}  # local name → package module it is bound to
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                target = _absolute(module, node)
                if target.split(".")[0] != "chanjia_nlp":
                    continue
                for alias in node.names:
                    sub = f"{target}.{alias.name}"
                    if sub in modules:
                        bound[alias.asname or alias.name] = sub
                        (module.imports if id(node) in top else module.lazy).add(sub)
                        continue
                    (module.imports if id(node) in top else module.lazy).add(target)
                    if alias.name.startswith("_") and not alias.name.startswith("__") and target != module.name:
                        module.private_uses.append(f"line {node.lineno}: from {target} import {alias.name}")
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name in modules:
                        if alias.asname:
                            bound[alias.asname] = alias.name
                        if id(node) in top:
                            module.imports.add(alias.name)
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in bound
                and node.attr.startswith("_") and not node.attr.startswith("__")
                and bound[node.value.id] != module.name and f"{bound[node.value.id]}.{node.attr}" not in modules
            ):
                module.private_uses.append(f"line {node.lineno}: {node.value.id}.{node.attr}")


def _cycles(modules: dict[str, Module], *, lazy: bool = False) -> list[list[str]]:
    """Strongly connected components of more than one module (or a module importing itself);
    with ``lazy``, imports inside functions count too."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(name: str) -> None:
        index[name] = low[name] = len(index)
        stack.append(name)
        on_stack.add(name)
        for other in sorted(modules[name].imports | (modules[name].lazy if lazy else set())):
            if other not in modules:
                continue
            if other not in index:
                visit(other)
                low[name] = min(low[name], low[other])
            elif other in on_stack:
                low[name] = min(low[name], index[other])
        if low[name] == index[name]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == name:
                    break
            if len(component) > 1 or name in modules[name].imports:
                found.append(sorted(component))

    for name in sorted(modules):
        if name not in index:
            visit(name)
    return found


@pytest.fixture(scope="module")
def modules() -> dict[str, Module]:
    found = _modules(PACKAGE)
    _read(found)
    return found


def test_the_walk_sees_the_package(modules):
    assert {"chanjia_nlp.readers", "chanjia_nlp.formats", "chanjia_nlp.decoding"} <= modules.keys()
    assert "chanjia_nlp.decoding" in modules["chanjia_nlp.formats"].imports  # the chain runs one way
    assert "chanjia_nlp.formats" in modules["chanjia_nlp.readers"].imports


def test_no_module_level_import_cycle(modules):
    assert _cycles(modules) == []


#: Modules that import each other only through an import inside a function: Pipeline.nlp builds
#: the spaCy pipeline of the components on demand, and the claims component runs a Pipeline;
#: store/ (owned elsewhere): reviews reads database's row mappers lazily, database builds on reviews.
KNOWN_LAZY_CYCLES = [
    ["chanjia_nlp.components", "chanjia_nlp.pipeline"],
    ["chanjia_nlp.store.database", "chanjia_nlp.store.reviews"],
]


def test_no_cycle_hidden_behind_a_lazy_import(modules):
    """formats ↔ readers was such a cycle: bytes → str decoding now has its own module."""
    assert _cycles(modules, lazy=True) == KNOWN_LAZY_CYCLES


def test_no_cross_module_private_names(modules):
    uses = {name: m.private_uses for name, m in modules.items() if m.private_uses}
    assert uses == {}


def test_the_checks_catch_what_they_look_for(tmp_path):
    """The walk itself: a planted cycle and a planted private import are both found."""
    root = tmp_path / "chanjia_nlp"
    root.mkdir()
    (root / "__init__.py").write_text("")
    (root / "a.py").write_text("from .b import thing\n\ndef later():\n    from .c import x\n")
    (root / "b.py").write_text("from . import a\nthing = 1\n")
    (root / "c.py").write_text("from .a import _hidden\nfrom . import b\nb._secret\nx = 1\n")
    found = _modules(root)
    _read(found)
    assert _cycles(found) == [["chanjia_nlp.a", "chanjia_nlp.b"]]  # a → c is lazy: no a–c cycle
    assert _cycles(found, lazy=True) == [["chanjia_nlp.a", "chanjia_nlp.b", "chanjia_nlp.c"]]
    assert found["chanjia_nlp.c"].private_uses == ["line 1: from chanjia_nlp.a import _hidden", "line 3: b._secret"]
