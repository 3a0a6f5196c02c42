"""Every audit action code recorded anywhere in helpdesk/ has a Russian label (found by parsing)."""
import ast
from pathlib import Path

import helpdesk
from helpdesk.audit.services import ACTION_LABELS, action_label

ROOT = Path(helpdesk.__file__).parent


def _name(func: ast.expr) -> str:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return ""


def _strings(node: ast.expr, where: str) -> set[str]:
    """The action codes an argument can take: a literal or a conditional of literals."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return {node.value}
    if isinstance(node, ast.IfExp):
        return _strings(node.body, where) | _strings(node.orelse, where)
    raise AssertionError(f"{where}: action code is not a literal ({ast.dump(node)[:80]}); "
                         "use a literal so it can be labelled")


def _action_arg(call: ast.Call, position: int) -> ast.expr | None:
    for kw in call.keywords:
        if kw.arg == "action":
            return kw.value
    return call.args[position] if len(call.args) > position else None


def _trees() -> list[tuple[Path, ast.Module]]:
    return [(p, ast.parse(p.read_text(encoding="utf-8"))) for p in sorted(ROOT.rglob("*.py"))]


def _wrappers(trees) -> dict[str, int]:
    """record() itself and every function that passes one of its parameters on as the action."""
    found = {"record": 0}
    changed = True
    while changed:
        changed = False
        for _, tree in trees:
            for fn in ast.walk(tree):
                if not isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)) or fn.name in found:
                    continue
                params = [a.arg for a in fn.args.posonlyargs + fn.args.args]
                for call in ast.walk(fn):
                    if isinstance(call, ast.Call) and _name(call.func) in found:
                        arg = _action_arg(call, found[_name(call.func)])
                        if isinstance(arg, ast.Name) and arg.id in params:
                            found[fn.name] = params.index(arg.id)
                            changed = True
                            break
    return found


def recorded_actions() -> set[str]:
    """Every action code passed to record() or a wrapper of it in helpdesk/."""
    trees = _trees()
    wrappers = _wrappers(trees)
    codes: set[str] = set()
    for path, tree in trees:
        if path == ROOT / "audit" / "log.py":
            continue
        wrapper_bodies = {id(n) for fn in ast.walk(tree)
                          if isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef))
                          and fn.name in wrappers for n in ast.walk(fn)}
        for call in ast.walk(tree):
            if not isinstance(call, ast.Call) or _name(call.func) not in wrappers:
                continue
            arg = _action_arg(call, wrappers[_name(call.func)])
            if arg is None or id(call) in wrapper_bodies and isinstance(arg, ast.Name):
                continue  # the wrapper's own pass-through call
            codes |= _strings(arg, f"{path.relative_to(ROOT.parent)}:{call.lineno}")
    return codes


def test_the_collector_sees_every_call_form():
    codes = recorded_actions()
    # a literal, a conditional literal and a call through tickets.lifecycle._audit
    assert {"login", "channel_deactivated", "department_deactivated", "ticket_closed",
            "ticket_merge_received", "ticket_viewed", "user_created"} <= codes
    assert len(codes) >= 40


def test_every_recorded_action_has_a_russian_label():
    missing = sorted(recorded_actions() - set(ACTION_LABELS))
    assert not missing, f"add Russian labels to ACTION_LABELS for: {missing}"


def test_labels_are_russian_and_unknown_codes_fall_back():
    assert all(any("а" <= ch.lower() <= "я" for ch in label) for label in ACTION_LABELS.values())
    assert action_label("user_created") == "Создан пользователь"
    assert action_label("something_new") == "something_new"


def test_page_shows_labels_codes_and_cyrillic_details(ctx, client):
    from helpdesk.audit.log import record
    from helpdesk.extensions import db
    from tests.helpers import login, make_user

    make_user("aud_lbl", "auditor")
    record("user_created", object_type="user", object_id="7",
           details={"full_name": "Тимур Гарипов", "role": "специалист"})
    db.session.commit()
    login(client, "aud_lbl")
    html = client.get("/audit/").get_data(as_text=True)
    assert "Создан пользователь" in html and "<code>user_created</code>" in html
    assert "Тимур Гарипов" in html and "специалист" in html
    assert "\\u04" not in html
    assert ">Создан пользователь (user_created)</option>" in html  # filter keeps the code
    filtered = client.get("/audit/?action=user_created").get_data(as_text=True)
    assert "Тимур Гарипов" in filtered and "<code>login</code>" not in filtered
