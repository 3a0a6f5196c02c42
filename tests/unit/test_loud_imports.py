"""Imports of the project's own code fail loudly: no `except ImportError` turns a broken module
into tickets without deadlines or messages that are never routed."""
import ast
import sys
from pathlib import Path

import pytest


PACKAGE = Path(__file__).resolve().parents[2] / "helpdesk"
IMPORT_ERRORS = {"ImportError", "ModuleNotFoundError"}


def _catches_import_error(handler: ast.ExceptHandler) -> bool:
    names = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
    return any(isinstance(n, ast.Name) and n.id in IMPORT_ERRORS for n in names)


def _imports_project(body: list[ast.stmt]) -> bool:
    for node in (n for stmt in body for n in ast.walk(stmt)):
        if isinstance(node, ast.ImportFrom) and (node.level or (node.module or "").startswith("helpdesk")):
            return True
        if isinstance(node, ast.Import) and any(a.name.startswith("helpdesk") for a in node.names):
            return True
    return False


def test_no_import_of_the_project_is_guarded_by_except_import_error():
    guarded = []
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Try) and _imports_project(node.body)
                    and any(_catches_import_error(h) for h in node.handlers)):
                guarded.append(f"{path.relative_to(PACKAGE.parent)}:{node.lineno}")
    assert guarded == []


def test_a_broken_routing_module_fails_the_task_instead_of_triaging(monkeypatch):
    """The routing task imports the routing step at the top: a broken routing module stops the
    worker from loading it at all, rather than quietly sending every ticket to triage."""
    import importlib

    monkeypatch.setitem(sys.modules, "helpdesk.routing.service", None)  # import raises ImportError
    monkeypatch.delitem(sys.modules, "helpdesk.tickets.routed", raising=False)
    with pytest.raises(ImportError):
        importlib.import_module("helpdesk.tickets.routed")
