"""Read-only requests end with COMMIT (keeps psycopg's prepared statements); anything that wrote
without committing, raised, or left unflushed changes is still rolled back."""
import pytest
from flask import abort
from sqlalchemy import event, select, text

from helpdesk.extensions import db
from helpdesk.models.setting import Setting
from tests.conftest import make_test_app


@pytest.fixture
def probe(app):
    """A second app on the same database with routes that read, write, or fail."""
    other = make_test_app()

    @other.get("/probe/read")
    def read():
        return str(db.session.scalar(select(Setting.key).limit(1)))

    @other.get("/probe/write-no-commit")
    def write_no_commit():
        db.session.execute(text("INSERT INTO settings (key, value) VALUES ('probe', '1')"))
        return "written"

    @other.get("/probe/orm-no-commit")
    def orm_no_commit():
        db.session.add(Setting(key="probe-orm", value="1"))
        return "pending"

    @other.get("/probe/write-then-abort")
    def write_then_abort():
        db.session.execute(text("INSERT INTO settings (key, value) VALUES ('probe-400', '1')"))
        abort(400)

    endings = []
    with other.app_context():
        engine = db.engine
    listeners = [(engine, "commit", lambda conn: endings.append("commit")),
                 (engine, "rollback", lambda conn: endings.append("rollback"))]
    for target, name, fn in listeners:
        event.listen(target, name, fn)
    yield other, endings
    for target, name, fn in listeners:
        event.remove(target, name, fn)


def stored(key: str) -> bool:
    db.session.rollback()
    return db.session.get(Setting, key) is not None


def test_read_only_request_ends_with_commit(ctx, probe):
    other, endings = probe
    assert other.test_client().get("/probe/read").status_code == 200
    assert endings == ["commit"]


@pytest.mark.parametrize("path,key", [("/probe/write-no-commit", "probe"),
                                      ("/probe/orm-no-commit", "probe-orm")])
def test_uncommitted_writes_are_still_discarded(ctx, probe, path, key):
    other, endings = probe
    assert other.test_client().get(path).status_code == 200
    assert "commit" not in endings  # the teardown rolled it back (no Connection event for that)
    assert not stored(key)


def test_error_answer_after_a_write_is_rolled_back(ctx, probe):
    other, endings = probe
    assert other.test_client().get("/probe/write-then-abort").status_code == 400
    assert "commit" not in endings  # the teardown rolled it back (no Connection event for that)
    assert not stored("probe-400")
