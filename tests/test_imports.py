"""The package's import graph: no circle, and nothing the configuration is checked against imports
the configuration back (boom.config sits at the top)."""

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "boom"


def _graph() -> dict[str, set[str]]:
    modules = {".".join(p.relative_to(PACKAGE.parent).with_suffix("").parts).removesuffix(".__init__"): p
               for p in PACKAGE.rglob("*.py")}
    graph = {}
    for name, path in modules.items():
        targets = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("boom"):
                targets |= {node.module} | {f"{node.module}.{a.name}" for a in node.names}
            elif isinstance(node, ast.Import):
                targets |= {a.name for a in node.names}
        graph[name] = {t for t in targets if t in modules and t != name and t != "boom"}
    return graph


def _reaches(graph, start, goal, seen=None) -> bool:
    seen = set() if seen is None else seen
    for nxt in graph[start] - seen:
        seen.add(nxt)
        if nxt == goal or _reaches(graph, nxt, goal, seen):
            return True
    return False


def test_the_import_graph_has_no_circle():
    graph = _graph()
    circles = sorted(m for m in graph if _reaches(graph, m, m))
    assert not circles, f"modules on an import circle: {circles}"


def test_only_the_workflow_and_its_entry_points_import_the_configuration():
    importers = sorted(m for m, targets in _graph().items() if "boom.config" in targets)
    assert importers == [], importers  # rules/common.smk, the tests and the benchmarks do
