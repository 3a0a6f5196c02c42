"""The packages' imports follow the data flow, imports inside functions included: no cycle between
packages of helpdesk/ (webhook → inbox → routing → tickets → outbox), and the factory
(helpdesk/__init__.py) is imported only by the entry points that build the app."""
import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "helpdesk"
FACTORY = "helpdesk"
# Modules that build the app themselves, as wsgi.py does: the Celery worker's entry point.
ENTRY_POINTS = {"helpdesk/background/celery_app.py"}


def _node(module: str) -> str:
    """The graph node of a module: its package under helpdesk/, or a top-level module itself."""
    parts = module.split(".")
    return FACTORY if len(parts) == 1 else parts[1]


def _exists(module: str) -> bool:
    parts = module.split(".")[1:]
    return (PACKAGE.joinpath(*parts).is_dir()
            or PACKAGE.joinpath(*parts[:-1], parts[-1] + ".py").is_file()) if parts else True


def _module_of(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _targets(node: ast.AST, module: str, is_package: bool) -> list[str]:
    """The project modules an import statement reaches ("from helpdesk import create_app" reaches
    the factory; "from helpdesk import cli" reaches helpdesk.cli)."""
    if isinstance(node, ast.Import):
        return [a.name for a in node.names if a.name.split(".")[0] == FACTORY]
    if not isinstance(node, ast.ImportFrom):
        return []
    if node.level:
        base = module.split(".")
        base = base[:len(base) - node.level + (1 if is_package else 0)]
        source = ".".join(base + ([node.module] if node.module else []))
    else:
        source = node.module or ""
    if source.split(".")[0] != FACTORY:
        return []
    found = [f"{source}.{a.name}" for a in node.names if _exists(f"{source}.{a.name}")]
    if len(found) < len(node.names):
        found.append(source)  # a name defined in the module itself
    return found


def import_graph() -> dict[str, dict[str, list[str]]]:
    """{node: {imported node: [file:line, ...]}} over every import in helpdesk/."""
    edges: dict[str, dict[str, list[str]]] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        module = _module_of(path)
        where = str(path.relative_to(PACKAGE.parent))
        source = FACTORY if path == PACKAGE / "__init__.py" else _node(module)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            for target in _targets(node, module, path.name == "__init__.py"):
                if target == FACTORY and where in ENTRY_POINTS:
                    continue
                dest = _node(target) if target != FACTORY else FACTORY
                if dest != source:
                    edges.setdefault(source, {}).setdefault(dest, []).append(
                        f"{where}:{node.lineno}")
    return edges


def cycles(edges: dict[str, dict[str, list[str]]]) -> list[list[str]]:
    """The strongly connected components with more than one node (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in edges.get(v, {}):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while (w := stack.pop()) != v:
                component.append(w)
            found.append(sorted(component + [v]))

    for v in sorted(set(edges) | {w for d in edges.values() for w in d}):
        if v not in index:
            visit(v)
    return [c for c in found if len(c) > 1]


def test_no_cycle_between_packages():
    edges = import_graph()
    knots = cycles(edges)
    explained = [f"{a} → {b}: {', '.join(edges[a][b][:3])}"
                 for knot in knots for a in knot for b in knot if b in edges.get(a, {})]
    assert knots == [], "\n".join(explained)


def test_only_the_entry_points_import_the_factory():
    importers = {a: places for a, d in import_graph().items() for b, places in d.items()
                 if b == FACTORY}
    assert importers == {}


def test_the_checker_sees_a_cycle_and_an_import_inside_a_function():
    edges = {"inbox": {"routing": ["x"]}, "routing": {"tickets": ["y"]},
             "tickets": {"inbox": ["z"]}, "audit": {"models": ["w"]}}
    assert cycles(edges) == [["inbox", "routing", "tickets"]]
    code = "def f():\n    from helpdesk.tickets.lifecycle import close\n"
    tree = ast.parse(code)
    reached = [t for n in ast.walk(tree) for t in _targets(n, "helpdesk.inbox.jobs", False)]
    assert reached == ["helpdesk.tickets.lifecycle"] and _node(reached[0]) == "tickets"
