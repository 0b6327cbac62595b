"""The house's rooms and arrows: every import of ducpho_etl and flows, read with ast (imports
inside functions and under TYPE_CHECKING count too), must form no cycle and never point from a
lower layer into a higher one."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PACKAGES = ("ducpho_etl", "flows")
# Lower layers never import these (the stages are pure functions over frames; orchestration,
# publishing and reporting sit above them).
LOWER = ("ducpho_etl.normalize", "ducpho_etl.ingest", "ducpho_etl.validate", "ducpho_etl.link")
HIGHER = ("flows", "ducpho_etl.pipeline", "ducpho_etl.publish", "ducpho_etl.report",
          "ducpho_etl.cli")
# The bottom of the house: imports nothing of ducpho_etl or flows.
BOTTOM = ("ducpho_etl.config", "ducpho_etl.results", "ducpho_etl.codes")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for package in PACKAGES for p in sorted((REPO / package).rglob("*.py"))
            if "__pycache__" not in p.parts}


def _resolve(name: str, known: dict[str, Path]) -> str | None:
    """The module `name` names, or the nearest package of it that exists (None: not ours)."""
    while name and name not in known:
        name = name.rpartition(".")[0]
    return name or None


def import_graph() -> dict[str, set[str]]:
    """module -> the modules of ours it imports (a `from pkg import sub` names pkg.sub)."""
    known = _modules()
    graph: dict[str, set[str]] = {}
    for module, path in known.items():
        package = module if path.name == "__init__.py" else module.rpartition(".")[0]
        targets: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join([*anchor, *([base] if base else [])])
                # `from pkg import sub` names pkg.sub when it is a module, else pkg itself
                names = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base
                         for alias in node.names]
            else:
                continue
            for name in names:
                target = _resolve(name, known)
                if target and target != module and name.split(".")[0] in PACKAGES:
                    targets.add(target)
        graph[module] = targets
    return graph


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle (as a path that returns to its start), or None."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt):], nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


def _within(module: str, prefixes: tuple[str, ...]) -> bool:
    return any(module == p or module.startswith(p + ".") for p in prefixes)


GRAPH = import_graph()


def test_the_graph_sees_the_house():
    assert {"ducpho_etl.reconcile", "flows.nightly", "ducpho_etl.link.candidates",
            "ducpho_etl.link.blocks", "ducpho_etl.config", "ducpho_etl.results"} <= set(GRAPH)
    assert "ducpho_etl.link.blocks" in GRAPH["ducpho_etl.link.candidates"]
    assert "ducpho_etl.config" in GRAPH["ducpho_etl.contracts"]


def test_no_import_cycle():
    assert _cycle(GRAPH) is None, " -> ".join(_cycle(GRAPH) or [])


def test_a_cycle_is_found_when_there_is_one():
    """The check itself can fail: a cycle through a package and back is reported."""
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) is None


@pytest.mark.parametrize("module", sorted(m for m in GRAPH if _within(m, LOWER)))
def test_lower_layers_never_import_higher_ones(module):
    upward = sorted(t for t in GRAPH[module] if _within(t, HIGHER))
    assert not upward, f"{module} imports {upward}"


@pytest.mark.parametrize("module", BOTTOM)
def test_the_bottom_imports_nothing_of_ours(module):
    assert GRAPH[module] == set(), f"{module} imports {sorted(GRAPH[module])}"


def test_only_the_config_module_reads_the_environment():
    """os.environ / os.getenv appear in ducpho_etl.config alone."""
    readers = []
    for module, path in _modules().items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            attribute = isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) \
                and node.value.id == "os" and node.attr in ("environ", "environb", "getenv")
            imported = isinstance(node, ast.ImportFrom) and node.module == "os" \
                and bool({a.name for a in node.names} & {"environ", "environb", "getenv"})
            if attribute or imported:
                readers.append(module)
    assert sorted(set(readers)) == ["ducpho_etl.config"]
