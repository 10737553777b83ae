"""The import structure: each package imports only packages on its own floor or below, and nothing is circular.

The floors are drawn in README.md ("Architecture"); this test is their guard. Imports under
`if TYPE_CHECKING:` do not count (they do not run); imports inside functions do.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "agentspec"

# Top floor first. A package may import its own floor's packages and any floor below.
FLOORS: list[set[str]] = [
    {"__init__", "__main__", "cli"},
    {"api"},
    {"publish", "serve"},
    {"runner"},
    {"agents"},
    {"providers", "store"},
    {"config"},
    {"pytest_run"},
    {"spec", "sandbox"},
    {"review"},
    {"errors", "failures", "selection", "version"},
]


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _runtime_imports(path: Path, modules: set[str] = frozenset()) -> set[str]:  # type: ignore[assignment]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skip.update(id(n) for n in ast.walk(node))
    found: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module and node.module.startswith("agentspec"):
            # `from agentspec.x import y` imports module agentspec.x.y when there is one, else a name of agentspec.x.
            for alias in node.names:
                submodule = f"{node.module}.{alias.name}"
                found.add(submodule if submodule in modules else node.module)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("agentspec"))
    return found


def _graph() -> dict[str, set[str]]:
    modules = {_module_name(p): p for p in PACKAGE.rglob("*.py")}
    graph: dict[str, set[str]] = defaultdict(set)
    for name, path in modules.items():
        for target in _runtime_imports(path, set(modules)):
            if target in modules and target != name:
                graph[name].add(target)
    return graph


def _floor_of(module: str) -> int:
    parts = module.split(".")
    top = parts[1] if len(parts) > 1 else "__init__"
    for index, floor in enumerate(FLOORS):
        if top in floor:
            return index
    raise AssertionError(f"{module}: its package {top!r} is on no floor; add it to FLOORS and to README's drawing")


def test_no_import_runs_upward() -> None:
    upward = [
        f"{source} imports {target}"
        for source, targets in _graph().items()
        for target in targets
        if _floor_of(target) < _floor_of(source)
    ]
    assert upward == []


def test_no_import_cycles() -> None:
    graph = _graph()
    cycles: list[list[str]] = []
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                cycles.append([*stack[stack.index(nxt) :], nxt])
            elif nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node)
    assert cycles == []


def test_the_guard_sees_an_upward_import(tmp_path: Path) -> None:
    source = tmp_path / "x.py"
    source.write_text("from agentspec.cli.main import main\nif TYPE_CHECKING:\n    import agentspec.runner\n")
    assert _runtime_imports(source, {"agentspec.cli.main"}) == {"agentspec.cli.main"}
    assert _floor_of("agentspec.cli.main") < _floor_of("agentspec.sandbox.command")
