"""One transaction boundary per request, per background job and per command: the unit of work
commits once when it succeeds and rolls back when anything fails; a user error is rolled back
and its message shown; a failed COMMIT (the database went away) answers 503 with nothing kept.

A request that only read ends with COMMIT, not ROLLBACK: psycopg forgets every prepared
statement on ROLLBACK, and PostgreSQL would plan the desk's queries again on each request."""
import pytest
from flask import abort, get_flashed_messages
from sqlalchemy import event, select
from sqlalchemy.exc import OperationalError

from helpdesk.errors import UserError
from helpdesk.extensions import db
from helpdesk.models.setting import Setting
from helpdesk.web.boundary import on_user_error
from tests.conftest import make_test_app


def _write(key: str) -> None:
    db.session.add(Setting(key=key, value="1"))
    db.session.flush()


@pytest.fixture
def probe(app):
    """A second app on the same database with routes that read, write, refuse or fail; and the
    COMMITs and ROLLBACKs its engine sees."""
    other = make_test_app({"WTF_CSRF_ENABLED": False})

    @other.get("/probe/read")
    def read():
        return str(db.session.scalar(select(Setting.key).limit(1)))

    @other.post("/probe/write")
    def write():
        _write("probe")
        return "written"

    @other.post("/probe/write-then-abort")
    def write_then_abort():
        _write("probe-400")
        abort(400)

    @other.post("/probe/refused")
    def refused():
        _write("probe-refused")
        raise UserError("Так нельзя: исправьте поле")

    @other.post("/probe/refused-page")
    def refused_page():
        on_user_error(lambda exc: (f"form again: {exc} / {get_flashed_messages()}", 422))
        _write("probe-page")
        raise UserError("Название занято")

    @other.get("/probe/refused-link")
    def refused_link():
        raise UserError("Ссылка устарела")

    @other.post("/probe/raises")
    def raises():
        _write("probe-500")
        raise RuntimeError("bug")

    @other.get("/probe/flashes")
    def flashes():
        return " | ".join(get_flashed_messages())

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


def test_a_read_only_request_ends_with_commit(ctx, probe):
    other, endings = probe
    assert other.test_client().get("/probe/read").status_code == 200
    assert endings == ["commit"]


def test_a_successful_write_commits_once(ctx, probe):
    other, endings = probe
    assert other.test_client().post("/probe/write").status_code == 200
    assert endings == ["commit"]
    assert stored("probe")


def test_an_error_answer_after_a_write_is_rolled_back(ctx, probe):
    other, endings = probe
    assert other.test_client().post("/probe/write-then-abort").status_code == 400
    assert "commit" not in endings[:1]
    assert not stored("probe-400")


def test_a_bug_after_a_write_is_rolled_back(ctx, probe):
    other, endings = probe
    other.testing = False  # answer 500 instead of raising into the test
    try:
        assert other.test_client().post("/probe/raises").status_code == 500
    finally:
        other.testing = True
    assert endings[0] == "rollback"
    assert not stored("probe-500")


def test_a_user_error_is_rolled_back_flashed_and_sent_back(ctx, probe):
    other, _ = probe
    client = other.test_client()
    page = "http://localhost/probe/flashes"
    answer = client.post("/probe/refused", headers={"Referer": page})
    assert answer.status_code == 302 and answer.headers["Location"] == page
    assert not stored("probe-refused")
    assert client.get("/probe/flashes").text == "Так нельзя: исправьте поле"


def test_a_user_error_on_a_page_with_a_form_shows_the_form_again(ctx, probe):
    other, _ = probe
    answer = other.test_client().post("/probe/refused-page")
    assert answer.status_code == 422
    assert answer.text == "form again: Название занято / []"
    assert not stored("probe-page")


def test_a_user_error_on_a_link_says_why(ctx, probe):
    other, _ = probe
    answer = other.test_client().get("/probe/refused-link")
    assert answer.status_code == 400
    assert "Ссылка устарела" in answer.text


def test_a_commit_that_fails_answers_503_and_keeps_nothing(ctx, probe):
    other, _ = probe
    with other.app_context():
        engine = db.engine

    def database_gone(conn):
        raise OperationalError("COMMIT", {}, Exception("server closed the connection unexpectedly"))
    event.listen(engine, "commit", database_gone)
    try:
        answer = other.test_client().post("/probe/write")
    finally:
        event.remove(engine, "commit", database_gone)
    assert answer.status_code == 503
    assert answer.headers["Retry-After"]
    assert "База данных недоступна" in answer.text
    assert not stored("probe")


def test_a_background_task_is_one_transaction(ctx, monkeypatch):
    from helpdesk.background import tasks
    from helpdesk.registry import TaskSpec, registry

    def fails_after_a_write():
        _write("task-failed")
        raise RuntimeError("bug")
    known = registry(ctx).tasks
    monkeypatch.setitem(known, "probe.ok", TaskSpec("probe.ok", lambda: _write("task-ok")))
    monkeypatch.setitem(known, "probe.fails", TaskSpec("probe.fails", fails_after_a_write))
    tasks.run_in_app(ctx, "probe.ok", ())
    tasks.run_in_app(ctx, "probe.fails", ())  # logged; the row stays due for the sweeper
    assert stored("task-ok")
    assert not stored("task-failed")


def test_a_periodic_job_is_one_transaction(ctx):
    from helpdesk.background.sweeper import run_periodic

    def fails(app):
        _write("job-failed")
        raise RuntimeError("bug")
    run_periodic(ctx, "probe-ok", lambda app: _write("job-ok"))
    run_periodic(ctx, "probe-fails", fails)
    assert stored("job-ok")
    assert not stored("job-failed")


def test_a_command_commits_once_or_shows_a_user_error(ctx, runner):
    from helpdesk.models.user import User

    made = runner.invoke(args=["users", "create", "--username", "press1", "--role", "press"])
    assert made.exit_code == 0 and "создан пользователь press1" in made.output
    refused = runner.invoke(args=["users", "create", "--username", "press1", "--role", "press"])
    assert refused.exit_code == 1
    assert "Пользователь с таким именем уже есть" in refused.output
    db.session.rollback()
    assert db.session.scalars(select(User.username)).all() == ["press1"]
