"""The package's import graph has no cycle.

Two modules that import each other work only as long as the one imported
first gets far enough before the other needs it; a change of order anywhere
breaks them. The graph is read from the source, never by importing it:
``from installation... import ...`` and ``import installation...`` at module
level (class bodies, ``try`` and ``if`` blocks included), leaving out imports
under ``if TYPE_CHECKING:`` (never run) and inside functions (run later, when
both modules are loaded). A second graph adds the imports inside functions:
moving one of two imports into a function lets the package load, but leaves
two modules that cannot be understood or changed apart.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import installation

PACKAGE = Path(installation.__file__).parent


@dataclass(frozen=True)
class Edge:
    """``source`` imports ``target`` at ``line`` of its file (``deferred``: inside a function)."""

    source: str
    target: str
    line: int
    deferred: bool = False


def module_files(package: Path = PACKAGE) -> dict[str, Path]:
    """Every module of the package by its dotted name (a package by its own name, not ``__init__``)."""
    modules = {}
    for path in sorted(package.rglob("*.py")):
        parts = list(path.relative_to(package.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        modules[".".join(parts)] = path
    return modules


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(body: list[ast.stmt], *, deferred: bool, inside: bool = False) -> list[tuple[ast.stmt, bool]]:
    """The import statements run when a module (or a class body in it) is executed, each with
    whether it sits in a function; those in functions only with ``deferred``."""
    found: list[tuple[ast.stmt, bool]] = []

    def more(statements: list[ast.stmt], in_function: bool = inside) -> None:
        found.extend(_imports(statements, deferred=deferred, inside=in_function))

    for node in body:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            found.append((node, inside))
        elif isinstance(node, ast.If):
            if not _is_type_checking(node.test):
                more(node.body)
            more(node.orelse)
        elif isinstance(node, ast.Try):
            more(node.body + node.orelse + node.finalbody)
            for handler in node.handlers:
                more(handler.body)
        elif isinstance(node, (ast.With, ast.ClassDef)):
            more(node.body)
        elif isinstance(node, (ast.For, ast.While)):
            more(node.body + node.orelse)
        elif deferred and isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            more(node.body, True)
    return found


def _ancestors(name: str) -> list[str]:
    parts = name.split(".")
    return [".".join(parts[:i]) for i in range(1, len(parts))]


def import_edges(name: str, path: Path, modules: dict[str, Path], *, deferred: bool = False) -> list[Edge]:
    """The modules of the package that ``name`` (at ``path``) imports at module level (``deferred``:
    and inside its functions).

    Importing ``a.b.c`` runs the packages ``a`` and ``a.b`` first; those are
    edges too, except for the packages ``name`` itself lies in (they are
    already being run when it is). ``from a.b import c`` with ``c`` a module
    depends on ``a.b.c``; with ``c`` a name defined in ``a.b``, on ``a.b``
    itself, even where that is the importing module's own package.
    """
    own = {*_ancestors(name), name}
    is_package = path.name == "__init__.py"
    edges: list[Edge] = []

    def add(target: str, node: ast.stmt, later: bool, *, named: bool) -> None:
        for parent in _ancestors(target):
            if parent in modules and parent not in own:
                edges.append(Edge(name, parent, node.lineno, later))
        if target in modules and target != name and (named or target not in own):
            edges.append(Edge(name, target, node.lineno, later))

    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    for node, later in _imports(tree.body, deferred=deferred):
        if isinstance(node, ast.Import):
            for alias in node.names:
                add(alias.name, node, later, named=False)
            continue
        assert isinstance(node, ast.ImportFrom)
        if node.level:
            base = name.split(".") if is_package else name.split(".")[:-1]
            base = base[: len(base) - node.level + 1]
            module = ".".join(base + ([node.module] if node.module else []))
        else:
            module = node.module or ""
        for alias in node.names:
            submodule = f"{module}.{alias.name}"
            if submodule in modules:
                add(submodule, node, later, named=False)
            else:
                add(module, node, later, named=True)
    return edges


def import_graph(package: Path = PACKAGE, *, deferred: bool = False) -> dict[str, list[Edge]]:
    """Each module's module-level imports of other modules of the package (``deferred``: and those
    inside its functions)."""
    modules = module_files(package)
    return {name: import_edges(name, path, modules, deferred=deferred) for name, path in modules.items()}


def find_cycles(graph: dict[str, list[Edge]]) -> list[list[Edge]]:
    """The cycles among modules that import one another (as edges, first to last): for each group
    of them, a shortest cycle through each module of the group, each cycle once."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[set[str]] = []

    def visit(node: str) -> None:  # Tarjan's strongly connected components
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for edge in graph.get(node, []):
            if edge.target not in index:
                visit(edge.target)
                low[node] = min(low[node], low[edge.target])
            elif edge.target in on_stack:
                low[node] = min(low[node], index[edge.target])
        if low[node] == index[node]:
            group = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.add(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(group)

    for node in sorted(graph):
        if node not in index:
            visit(node)
    cycles: list[list[Edge]] = []
    seen: set[frozenset[tuple[str, str]]] = set()
    for group in groups:
        for start in sorted(group):
            cycle = _cycle_in(graph, group, start)
            key = frozenset((edge.source, edge.target) for edge in cycle)
            if key not in seen:
                seen.add(key)
                cycles.append(cycle)
    return cycles


def _cycle_in(graph: dict[str, list[Edge]], group: set[str], start: str) -> list[Edge]:
    """A shortest cycle through ``start`` within the group, breadth first."""
    came: dict[str, Edge] = {}
    frontier = [start]
    while frontier:
        following = []
        for node in frontier:
            for edge in graph[node]:
                if edge.target not in group or edge.target in came:
                    continue
                came[edge.target] = edge
                if edge.target == start:
                    cycle = [edge]
                    while cycle[0].source != start:
                        cycle.insert(0, came[cycle[0].source])
                    return cycle
                following.append(edge.target)
        frontier = following
    raise AssertionError(f"no cycle through {start} in {sorted(group)}")


def describe(cycle: list[Edge]) -> str:
    """``a (line 3) -> b (line 9, in a function) -> a``: each module and the line of its import of
    the next."""
    steps = [f"{e.source} (line {e.line}{', in a function' if e.deferred else ''})" for e in cycle]
    return " -> ".join([*steps, cycle[0].source])


def test_no_module_of_the_package_imports_itself_back() -> None:
    cycles = [describe(cycle) for cycle in find_cycles(import_graph())]
    assert not cycles, "import cycle: " + "; ".join(cycles)


def test_no_two_modules_need_each_other_even_where_one_imports_the_other_inside_a_function() -> None:
    """An import moved into a function lets the package load, but the two modules still need each
    other: neither can be read, changed or tested without the other."""
    cycles = [describe(cycle) for cycle in find_cycles(import_graph(deferred=True))]
    assert not cycles, "import cycle: " + "; ".join(cycles)


# -- the check itself ----------------------------------------------------------------------------


def _package(tmp_path: Path, files: dict[str, str]) -> Path:
    root = tmp_path / "installation"
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def test_a_cycle_is_named_module_by_module_with_the_lines_that_make_it(tmp_path: Path) -> None:
    root = _package(
        tmp_path,
        {
            "__init__.py": "",
            "workshop.py": '"""Logic."""\n\nfrom installation.display.workshop import WorkshopRenderer\n',
            "display/__init__.py": "",
            "display/workshop.py": "import os\nfrom installation.workshop import model_input\n",
        },
    )
    (cycle,) = find_cycles(import_graph(root))
    assert describe(cycle) == (
        "installation.display.workshop (line 2) -> installation.workshop (line 3) -> "
        "installation.display.workshop"
    )


def test_an_import_inside_a_function_makes_a_cycle_only_with_deferred_imports(tmp_path: Path) -> None:
    root = _package(
        tmp_path,
        {
            "__init__.py": "",
            "workshop.py": (
                "class WorkshopApp:\n    def start(self):\n"
                "        from installation.display.workshop import WorkshopRenderer\n"
            ),
            "display/__init__.py": "",
            "display/workshop.py": "from installation.workshop import model_input\n",
        },
    )
    assert find_cycles(import_graph(root)) == []
    (cycle,) = find_cycles(import_graph(root, deferred=True))
    assert describe(cycle) == (
        "installation.display.workshop (line 1) -> installation.workshop (line 3, in a function) -> "
        "installation.display.workshop"
    )


def test_imports_under_type_checking_make_no_cycle(tmp_path: Path) -> None:
    root = _package(
        tmp_path,
        {
            "__init__.py": "",
            "a.py": "import typing\n\nif typing.TYPE_CHECKING:\n    from installation.b import B\n",
            "b.py": "from installation.a import A\n\n\ndef later():\n    from installation.c import C\n",
            "c.py": "import installation.a\n",
        },
    )
    assert find_cycles(import_graph(root, deferred=True)) == []


def test_a_package_that_imports_its_modules_which_take_names_from_it_is_a_cycle(tmp_path: Path) -> None:
    root = _package(
        tmp_path,
        {
            "__init__.py": "",
            "stage/__init__.py": "KINDS = ('a',)\nfrom installation.stage.apply import run\n",
            "stage/apply.py": "from installation.stage import KINDS\nfrom installation.stage import tools\n",
            "stage/tools.py": "",
        },
    )
    cycles = sorted(describe(cycle) for cycle in find_cycles(import_graph(root)))
    assert cycles == [
        "installation.stage (line 2) -> installation.stage.apply (line 1) -> installation.stage",
    ]


def test_a_module_importing_another_package_runs_that_package_first(tmp_path: Path) -> None:
    root = _package(
        tmp_path,
        {
            "__init__.py": "",
            "screen/__init__.py": "from installation.screen.draw import draw\n",
            "screen/draw.py": "from installation.mode.logic import rules\n",
            "mode/__init__.py": "from installation.mode.command import run\n",
            "mode/logic.py": "",
            "mode/command.py": "from installation.screen.draw import draw\n",
        },
    )
    cycles = [describe(cycle) for cycle in find_cycles(import_graph(root))]
    assert cycles == [
        "installation.mode (line 1) -> installation.mode.command (line 1) -> "
        "installation.screen.draw (line 1) -> installation.mode",
        "installation.screen (line 1) -> installation.screen.draw (line 1) -> installation.mode (line 1) -> "
        "installation.mode.command (line 1) -> installation.screen",
    ]
