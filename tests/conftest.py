"""Shared fixtures: one app and database per session, emptied after every test.

The suite runs on SQLite by default and on PostgreSQL when TEST_DATABASE_URL is set.
"""
import contextvars
import os

import pytest
from hypothesis import settings as hypothesis_settings
from flask import has_app_context
from flask.testing import FlaskClient
from sqlalchemy import text

from helpdesk import create_app
from helpdesk.extensions import db
from tests.helpers import login  # noqa: F401  (re-exported for tests)

# Property-based tests run Hypothesis's default number of examples (bounded, CI); `make fuzz`
# loads the long profile.
hypothesis_settings.register_profile("fuzz", max_examples=3000, deadline=None)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


class IsolatedClient(FlaskClient):
    """A test client whose requests never share the test's app context (and so its `g`).

    A request run inside an already pushed context would reuse `g`, where Flask-Login and
    Flask-WTF cache the user and the CSRF token: each request here starts from empty context
    variables, as in a real server, and the test's own session is expired afterwards.
    """

    def open(self, *args, **kwargs):
        response = contextvars.Context().run(super().open, *args, **kwargs)
        if has_app_context():
            db.session.expire_all()
        return response


def make_test_app(overrides: dict | None = None):
    """A test app (config "test" plus overrides) with the isolated client."""
    app = create_app(dict(overrides or {}))
    app.test_client_class = IsolatedClient
    return app


@pytest.fixture(scope="session")
def app():
    """The application with a fresh schema (create_all), shared by the session."""
    app = make_test_app()
    with app.app_context():
        db.drop_all()
        _drop_leftovers()
        db.create_all()
    yield app
    with app.app_context():
        db.session.remove()
        db.drop_all()
        db.engine.dispose()
    _remove_sqlite_file(app.config["SQLALCHEMY_DATABASE_URI"])


def _remove_sqlite_file(url: str) -> None:
    """The per-run SQLite file (and its WAL files) is not left in the temp folder."""
    import os

    if url.startswith("sqlite:///"):
        path = url[len("sqlite:///"):]
        for suffix in ("", "-wal", "-shm"):
            if os.path.exists(path + suffix):
                os.remove(path + suffix)


@pytest.fixture(autouse=True)
def _clean_database(request):
    """Empty every table after each test that used the app."""
    yield
    if "app" not in request.fixturenames:
        return
    app = request.getfixturevalue("app")
    with app.app_context():
        db.session.remove()
        truncate_all()


def truncate_all() -> None:
    tables = list(reversed(db.metadata.sorted_tables))
    with db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            names = ", ".join(f'"{t.name}"' for t in tables)
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                conn.execute(table.delete())


def _drop_leftovers() -> None:
    """Drop tables an earlier crashed run left that the models no longer know."""
    with db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))


@pytest.fixture
def ctx(app):
    """An application context for tests that use the session directly."""
    with app.app_context():
        yield app


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def live(app):
    """The app under a real threaded WSGI server on 127.0.0.1 (for HTTP clients and browsers)."""
    from tests.fakes.live import LiveServer

    with LiveServer(app) as server:
        yield server


@pytest.fixture
def vk_fake():
    """The VK API fake (methods, long poll, callback driver) on 127.0.0.1."""
    from tests.fakes.vk import FakeVk

    with FakeVk() as fake:
        yield fake
