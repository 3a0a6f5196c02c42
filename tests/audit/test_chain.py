"""The hash chain: verification finds edited, deleted and inserted rows; PostgreSQL refuses edits."""
import json
from contextlib import contextmanager

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from helpdesk.audit.chain import derive_key, row_hash, verify_chain
from helpdesk.audit.log import audit_key, record
from helpdesk.extensions import db


KEY = derive_key("a test secret")


def _seed(n: int = 4) -> None:
    for i in range(n):
        record(f"action_{i}", object_type="ticket", object_id=str(i), details={"i": i, "т": "я"})
    db.session.commit()


@contextmanager
def _tamper():
    """Run raw SQL as an attacker with table access (the trigger disabled on PostgreSQL)."""
    with db.engine.begin() as conn:
        pg = conn.dialect.name == "postgresql"
        if pg:
            conn.execute(text("ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_change"))
        yield conn
        if pg:
            conn.execute(text("ALTER TABLE audit_events ENABLE TRIGGER audit_events_no_change"))


def _verify(runner):
    db.session.remove()
    return runner.invoke(args=["audit", "verify"])


def test_intact_chain_verifies(ctx, runner):
    _seed(5)
    result = _verify(runner)
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "OK, 5 rows"


def test_empty_log_verifies(ctx, runner):
    result = _verify(runner)
    assert result.exit_code == 0
    assert "OK, 0 rows" in result.output


def test_edited_row_is_named(ctx, runner):
    _seed()
    with _tamper() as conn:
        conn.execute(text("UPDATE audit_events SET username = 'someone' WHERE id = 3"))
    result = _verify(runner)
    assert result.exit_code != 0
    assert "row 3" in result.output and "edited" in result.output


def test_edited_details_are_detected(ctx, runner):
    _seed()
    with _tamper() as conn:
        conn.execute(text("UPDATE audit_events SET details = :d WHERE id = 2"), {"d": '{"i": 99}'})
    result = _verify(runner)
    assert result.exit_code != 0 and "row 2" in result.output


def test_deleted_row_is_named(ctx, runner):
    _seed()
    with _tamper() as conn:
        conn.execute(text("DELETE FROM audit_events WHERE id = 2"))
    result = _verify(runner)
    assert result.exit_code != 0
    assert "row 3" in result.output and "deleted" in result.output


def _insert(conn, row: dict, details: str = '{"forged": true}') -> None:
    conn.execute(text(
        "INSERT INTO audit_events (id, created_at, user_id, username, action, object_type,"
        " object_id, result, ip, details, prev_hash, hash) VALUES (:id, :created_at, :user_id,"
        " :username, :action, :object_type, :object_id, :result, :ip, :details, :prev_hash,"
        " :hash)"), {**row, "details": details})


def _row(conn, rid: int) -> dict:
    from helpdesk.audit.services import stored_rows

    return next(r for r in stored_rows() if r["id"] == rid)


def test_inserted_row_with_a_made_up_hash_is_named(ctx, runner):
    _seed(3)
    last = _row(None, 3)
    forged = {**last, "id": 4, "action": "forged", "prev_hash": last["hash"], "hash": "0" * 64}
    with _tamper() as conn:
        _insert(conn, forged)
    result = _verify(runner)
    assert result.exit_code != 0 and "row 4" in result.output


def test_row_inserted_in_place_of_another_breaks_at_the_next(ctx, runner):
    _seed(4)
    second = _row(None, 2)
    third = _row(None, 3)
    forged = {**third, "action": "forged", "details": {"forged": True}}
    forged["hash"] = row_hash(second["hash"], forged, audit_key())  # even holding the key
    with _tamper() as conn:
        conn.execute(text("DELETE FROM audit_events WHERE id = 3"))
        _insert(conn, forged)
    result = _verify(runner)
    assert result.exit_code != 0
    assert "row 4" in result.output and "inserted" in result.output


def test_row_inserted_after_a_gap_is_named(ctx, runner):
    _seed(3)
    last = _row(None, 3)
    forged = {**last, "id": 10, "prev_hash": last["hash"]}
    forged["hash"] = row_hash(last["hash"], {**forged, "details": {"forged": True}}, audit_key())
    with _tamper() as conn:
        _insert(conn, forged)
    result = _verify(runner)
    assert result.exit_code != 0 and "row 10" in result.output


def test_verify_chain_pure():
    rows, prev = [], ""
    for i in range(1, 4):
        row = {"id": i, "created_at": None, "user_id": None, "username": "", "action": "a",
               "object_type": "", "object_id": "", "result": "ok", "ip": "", "details": {}}
        row["prev_hash"], row["hash"] = prev, row_hash(prev, row, KEY)
        prev = row["hash"]
        rows.append(row)
    assert verify_chain(rows, KEY) == (3, None)
    count, broken = verify_chain([rows[0], rows[2]], KEY)
    assert broken.row_id == 3
    count, broken = verify_chain([rows[0], {**rows[1], "action": "b"}, rows[2]], KEY)
    assert broken.row_id == 2 and "edited" in broken.reason
    count, broken = verify_chain(rows, derive_key("another secret"))
    assert broken.row_id == 1 and "another audit key" in broken.reason


def test_chain_recomputed_without_the_key_is_detected(ctx, runner):
    """Someone with write access to the table edits row 2 and recomputes every later hash, but
    without the audit key: verification still stops at the edited row."""
    _seed(4)
    rows = [_row(None, i) for i in range(1, 5)]
    guessed_key = derive_key("not the server's secret")
    prev = rows[0]["hash"]
    with _tamper() as conn:
        for row in rows[1:]:
            changed = {**row, "prev_hash": prev}
            if row["id"] == 2:
                changed["details"] = {"i": 1, "edited": True}
            changed["hash"] = row_hash(prev, changed, guessed_key)
            prev = changed["hash"]
            conn.execute(text("DELETE FROM audit_events WHERE id = :id"), {"id": row["id"]})
            _insert(conn, changed, json.dumps(changed["details"]))
    result = _verify(runner)
    assert result.exit_code != 0 and "row 2" in result.output


def test_postgresql_refuses_update_and_delete(ctx):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("the trigger exists on PostgreSQL only")
    _seed(2)
    for sql in ("UPDATE audit_events SET action = 'x' WHERE id = 1",
                "DELETE FROM audit_events WHERE id = 2"):
        with pytest.raises(DBAPIError, match="append-only"):
            with db.engine.begin() as conn:
                conn.execute(text(sql))
    db.session.remove()
    assert db.session.execute(text("SELECT count(*) FROM audit_events")).scalar() == 2


def test_no_update_or_delete_path_in_code():
    """The audit package never issues UPDATE or DELETE on audit_events."""
    from pathlib import Path

    import helpdesk

    root = Path(helpdesk.__file__).parent
    offenders = []
    for path in root.rglob("*.py"):
        source = path.read_text(encoding="utf-8")
        for needle in ("update(AuditEvent", "delete(AuditEvent", "UPDATE audit_events",
                       "DELETE FROM audit_events"):
            if needle in source:
                offenders.append(f"{path.relative_to(root)}: {needle}")
    assert offenders == []
