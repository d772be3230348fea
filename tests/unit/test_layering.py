"""The layering of the code, checked on every .py file of the repository by parsing it (`ast`).

docs/architecture.md ("Layering") shows the tables below to people; a test here checks that it
shows the same ones: change both together.

- LAYERS: which of our packages a package may import (itself always). Every import counts,
  also one inside a function, under ``if TYPE_CHECKING:``, or by a constant string
  (``importlib.import_module("…")``, ``importlib.util.find_spec("…")``, ``__import__("…")``).
- THIRD_PARTY: libraries that only some packages may import; any library not listed is free.
- No import cycle between our modules through module-level imports (the ones that run when a
  module is imported; ``if TYPE_CHECKING:`` blocks excluded). An import inside a function runs
  later, when the function is called, which is the usual way to break a cycle lazily: such
  imports are not part of the cycle check (they are part of the layering check).

A violation reads ``file:line: X imports Y (allowed: …)``.
"""
from __future__ import annotations

import ast
import functools
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, FrozenSet, Iterator, List, Optional, Sequence, Tuple

import pytest

ROOT = Path(__file__).resolve().parents[2]

# Directories never scanned (not ours, or generated).
SKIPPED_DIRS = frozenset({".venv", "node_modules", "models", "results", "var", "__pycache__", "build",
                          "dist"})

ALL = "*"

# Which of our packages each package may import. A module belongs to the longest matching name.
LAYERS: Dict[str, FrozenSet[str]] = {
    # All Chinese text handling: imports nothing of ours.
    "bot.zhtext": frozenset(),
    # The knowledge base (content, schema, models, loader, search, troubleshooting engine).
    "knowledge": frozenset({"bot.zhtext"}),
    # Action-side and console-side services, settings (the only reader of the environment).
    "bot.app": frozenset({"knowledge", "bot.zhtext"}),
    # Loaded by the Rasa server: NLU components, channels, the server's entry point.
    "bot.rasa_plugins": frozenset({"bot.app", "bot.zhtext", "knowledge"}),
    # The aiohttp console and the widget's server side.
    "bot.console": frozenset({"bot.app", "bot.zhtext", "knowledge"}),
    # Starts and supervises the processes: it reads the settings and nothing else of ours.
    "bot.launcher": frozenset({"bot.app.settings"}),
    # rasa-sdk actions: thin glue over the services.
    "actions": frozenset({"bot.app", "bot.zhtext", "knowledge"}),
    # Benchmarks: any runtime package, never the tests.
    "bench": frozenset({"actions", "bot.app", "bot.console", "bot.launcher", "bot.rasa_plugins", "bot.zhtext",
                        "knowledge"}),
    # Anything.
    "tests": frozenset({ALL}),
    # The namespace package bot/ itself: empty, imports nothing.
    "bot": frozenset(),
}

# Third-party libraries restricted to some packages (a name covers its submodules).
THIRD_PARTY: Dict[str, FrozenSet[str]] = {
    # The Rasa server's code lives in bot.rasa_plugins; bench trains and loads models.
    "rasa": frozenset({"bot.rasa_plugins", "bench", "tests"}),
    # The action server's code lives in actions.
    "rasa_sdk": frozenset({"actions", "tests"}),
    # Rasa's web framework: only the code that plugs into the Rasa server (channels).
    "sanic": frozenset({"bot.rasa_plugins", "tests"}),
    # Serving HTTP with aiohttp is the console's job; elsewhere aiohttp is a client only.
    "aiohttp.web": frozenset({"bot.console", "tests"}),
    # Chinese text handling is bot.zhtext's (bench's baselines segment text on their own).
    "jieba": frozenset({"bot.zhtext", "bench", "tests"}),
    "spacy": frozenset({"bot.zhtext", "tests"}),
    "opencc": frozenset({"bot.zhtext", "tests"}),
    # Databases are reached through knowledge/bot.app services (the channels' erase of Rasa's
    # own tracker rows is the one Rasa-side use); bench and tests set up their own.
    "sqlalchemy": frozenset({"knowledge", "bot.app", "bot.rasa_plugins", "bench", "tests"}),
    # Test tooling.
    "pytest": frozenset({"tests"}),
    "_pytest": frozenset({"tests"}),
    "pytest_asyncio": frozenset({"tests"}),
    "playwright": frozenset({"tests"}),
    "aiohttp.test_utils": frozenset({"tests"}),
}

OURS = frozenset(name.split(".")[0] for name in LAYERS)
DYNAMIC_IMPORTERS = frozenset({"import_module", "find_spec", "__import__"})


@dataclass(frozen=True)
class Import:
    """One imported name as written in a file (a module, or a name from a module)."""

    file: str  # relative to ROOT
    line: int
    importer: str  # the importing module
    target: str  # the imported module, or module.name for `from module import name`
    module_level: bool  # runs when the importer is imported (not in a function, not TYPE_CHECKING)


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def python_files() -> Iterator[Path]:
    def walk(directory: Path) -> Iterator[Path]:
        for entry in sorted(directory.iterdir()):
            if entry.is_dir():
                if entry.name not in SKIPPED_DIRS and not entry.name.startswith("."):
                    yield from walk(entry)
            elif entry.suffix == ".py":
                yield entry

    return walk(ROOT)


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _imports_of(path: Path) -> List[Import]:
    file = path.relative_to(ROOT).as_posix()
    importer = module_name(path)
    package = importer if path.name == "__init__.py" else importer.rpartition(".")[0]
    found: List[Import] = []

    def add(node: ast.AST, target: str, module_level: bool) -> None:
        found.append(Import(file, node.lineno, importer, target, module_level))

    def visit(node: ast.AST, module_level: bool) -> None:
        if isinstance(node, ast.Import):
            for alias in node.names:
                add(node, alias.name, module_level)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                source = ".".join(base + ([node.module] if node.module else []))
            else:
                source = node.module or ""
            if source == "__future__":
                return
            for alias in node.names:
                add(node, source if alias.name == "*" else f"{source}.{alias.name}", module_level)
        elif isinstance(node, ast.Call):
            function = node.func
            name = function.attr if isinstance(function, ast.Attribute) else getattr(function, "id", None)
            if (name in DYNAMIC_IMPORTERS and node.args and isinstance(node.args[0], ast.Constant)
                    and isinstance(node.args[0].value, str)):
                add(node, node.args[0].value, False)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            module_level = False
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            visit(node.test, module_level)
            for child in node.body:
                visit(child, False)
            for child in node.orelse:
                visit(child, module_level)
            return
        for child in ast.iter_child_nodes(node):
            visit(child, module_level)

    visit(ast.parse(path.read_text(encoding="utf-8"), filename=file), True)
    return found


@functools.lru_cache(maxsize=None)
def all_imports() -> Tuple[Tuple[str, ...], Tuple[Import, ...]]:
    """(every module of ours, every import in them), parsed once for all the tests below."""
    modules: List[str] = []
    imports: List[Import] = []
    for path in python_files():
        modules.append(module_name(path))
        imports.extend(_imports_of(path))
    return tuple(modules), tuple(imports)


def _covers(prefix: str, name: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


def layer_of(module: str) -> Optional[str]:
    matches = [layer for layer in LAYERS if _covers(layer, module)]
    return max(matches, key=len) if matches else None


def _allowed(layer: str, allowed: FrozenSet[str], target: str) -> bool:
    return ALL in allowed or any(_covers(name, target) for name in allowed | {layer})


def _listing(names: FrozenSet[str]) -> str:
    return ", ".join(sorted(names)) or "nothing of ours"


def _report(violations: Sequence[str]) -> str:
    return f"{len(violations)} violation(s) of the layering (docs/architecture.md, Layering):\n" + "\n".join(
        violations)


def _doc_tables() -> List[List[List[str]]]:
    """The markdown tables of the "Layering" section of docs/architecture.md, as rows of cells."""
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    section = text.split("\n## Layering\n", 1)[1].split("\n## ", 1)[0]
    tables: List[List[List[str]]] = []
    previous = ""
    for line in section.splitlines():
        if line.startswith("|") and not line.startswith("|---"):
            if not previous.startswith("|"):
                tables.append([])
            tables[-1].append([cell.strip() for cell in line.strip("|").split("|")])
        previous = line
    return [table[1:] for table in tables]  # without the header rows


def _names(cell: str) -> FrozenSet[str]:
    if cell == "anything":
        return frozenset({ALL})
    return frozenset(re.findall(r"`([^`]+)`", cell))


def test_the_architecture_doc_shows_these_tables():
    layers, libraries = _doc_tables()
    documented_layers = {row[0].strip("`"): _names(row[-1]) for row in layers}
    documented_libraries = {row[0].strip("`"): _names(row[1]) for row in libraries}
    assert documented_layers == LAYERS
    assert documented_libraries == THIRD_PARTY


def test_every_python_file_belongs_to_a_layer():
    modules, _ = all_imports()
    assert len(modules) > 100, f"only {len(modules)} Python files found under {ROOT}"
    strays = [module for module in modules if layer_of(module) is None]
    assert not strays, f"not in LAYERS (add them here and to docs/architecture.md): {strays}"


def test_our_packages_import_only_the_layers_they_may():
    _, imports = all_imports()
    violations = []
    for imp in imports:
        if imp.target.split(".")[0] not in OURS:
            continue
        layer = layer_of(imp.importer)
        assert layer is not None
        allowed = LAYERS[layer]
        if not _allowed(layer, allowed, imp.target):
            violations.append(f"{imp.file}:{imp.line}: {imp.importer} imports {imp.target} "
                              f"(allowed: {_listing(allowed)})")
    if violations:
        pytest.fail(_report(violations), pytrace=False)


def test_restricted_libraries_are_imported_only_where_allowed():
    _, imports = all_imports()
    violations = []
    for imp in imports:
        for library, allowed in THIRD_PARTY.items():
            if _covers(library, imp.target) and not any(_covers(name, imp.importer) for name in allowed):
                violations.append(f"{imp.file}:{imp.line}: {imp.importer} imports {imp.target} "
                                  f"(allowed in: {_listing(allowed)})")
    if violations:
        pytest.fail(_report(violations), pytrace=False)


def test_nothing_outside_tests_imports_tests():
    _, imports = all_imports()
    violations = [f"{imp.file}:{imp.line}: {imp.importer} imports {imp.target} "
                  "(allowed: only tests import tests)"
                  for imp in imports
                  if _covers("tests", imp.target) and not _covers("tests", imp.importer)]
    if violations:
        pytest.fail(_report(violations), pytrace=False)


def _as_module(target: str, known: FrozenSet[str]) -> str:
    """`from a.b import c` names a.b.c: the module a.b.c if there is one, else a name in a.b."""
    return target if target in known else target.rpartition(".")[0]


def module_graph(module_level_only: bool) -> Dict[str, FrozenSet[str]]:
    """Edges between our modules, from the imports that run when a module is imported (or all)."""
    modules, imports = all_imports()
    known = frozenset(modules)
    edges: Dict[str, set] = {module: set() for module in modules}
    for imp in imports:
        target = _as_module(imp.target, known)
        if (imp.module_level or not module_level_only) and target in known and target != imp.importer:
            edges[imp.importer].add(target)
    return {module: frozenset(targets) for module, targets in edges.items()}


def import_cycles(graph: Dict[str, FrozenSet[str]]) -> List[List[str]]:
    """Strongly connected components with more than one module (Tarjan, iterative)."""
    index: Dict[str, int] = {}
    low: Dict[str, int] = {}
    stack: List[str] = []
    on_stack: set = set()
    cycles: List[List[str]] = []
    counter = 0
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        cycles.append(sorted(component))
    return sorted(cycles)


def _describe(cycles: List[List[str]], module_level_only: bool) -> str:
    modules, imports = all_imports()
    known = frozenset(modules)
    lines = []
    for cycle in cycles:
        members = set(cycle)
        lines.append(" <-> ".join(cycle))
        shown = set()
        for imp in imports:
            target = _as_module(imp.target, known)
            key = (imp.file, imp.line, target)
            if (imp.importer in members and target in members - {imp.importer} and key not in shown
                    and (imp.module_level or not module_level_only)):
                shown.add(key)
                lines.append(f"  {imp.file}:{imp.line}: {imp.importer} imports {target}")
    return "\n".join(lines)


def test_no_import_cycle_between_our_modules():
    cycles = import_cycles(module_graph(module_level_only=True))
    if cycles:
        pytest.fail(f"{len(cycles)} import cycle(s) through module-level imports:\n"
                    + _describe(cycles, module_level_only=True), pytrace=False)


def test_the_cycle_finder_finds_cycles():
    graph = {"a": frozenset({"b"}), "b": frozenset({"c"}), "c": frozenset({"a"}), "d": frozenset({"a"}),
             "e": frozenset()}
    assert import_cycles(graph) == [["a", "b", "c"]]


def test_the_parser_sees_every_kind_of_import(tmp_path, monkeypatch):
    source = (
        "from __future__ import annotations\n"
        "import os.path\n"
        "from typing import TYPE_CHECKING\n"
        "from . import sibling\n"
        "from ..zhtext.text import normalise\n"
        "if TYPE_CHECKING:\n"
        "    from rasa_sdk import Tracker\n"
        "def later():\n"
        "    import rasa.core\n"
        "    importlib.import_module('tests.support')\n"
    )
    package = tmp_path / "bot" / "app"
    package.mkdir(parents=True)
    (package / "mod.py").write_text(source, encoding="utf-8")
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path)
    found = [(imp.line, imp.importer, imp.target, imp.module_level)
             for imp in _imports_of(package / "mod.py")]
    assert found == [
        (2, "bot.app.mod", "os.path", True),
        (3, "bot.app.mod", "typing.TYPE_CHECKING", True),
        (4, "bot.app.mod", "bot.app.sibling", True),
        (5, "bot.app.mod", "bot.zhtext.text.normalise", True),
        (7, "bot.app.mod", "rasa_sdk.Tracker", False),
        (9, "bot.app.mod", "rasa.core", False),
        (10, "bot.app.mod", "tests.support", False),
    ]
