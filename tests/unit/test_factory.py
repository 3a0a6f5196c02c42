"""The application factory and configuration classes."""
import pytest

from helpdesk import create_app
from helpdesk.config import ConfigError, ProductionConfig, load_config, normalise_db_url


def test_create_app_uses_test_config(app):
    assert app.config["TESTING"] is True
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert app.config["MAX_CONTENT_LENGTH"] > 0


def test_overrides_apply_on_top_of_config():
    app = create_app({"LOGIN_LIMIT_IP": "1/minute", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert app.config["LOGIN_LIMIT_IP"] == "1/minute"
    assert app.config["TESTING"] is True


@pytest.mark.parametrize("secret", ["", "dev", "change-me", "short-but-not-default"])
def test_production_refuses_weak_secret(monkeypatch, secret):
    monkeypatch.setenv("SECRET_KEY", secret)
    with pytest.raises(ConfigError):
        load_config("production")


def test_production_accepts_long_secret_and_secures_cookies(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "x" * 20 + "9f8a7b6c5d4e3f2a1b0c")
    config = load_config("production")
    assert isinstance(config, ProductionConfig)
    assert config.SESSION_COOKIE_SECURE and config.REMEMBER_COOKIE_SECURE


def test_unknown_environment_is_an_error():
    with pytest.raises(ConfigError):
        load_config("staging-typo")


@pytest.mark.parametrize("url,expected", [
    ("postgres://u@h/db", "postgresql+psycopg://u@h/db"),
    ("postgresql://u@h/db", "postgresql+psycopg://u@h/db"),
    ("sqlite:///x.db", "sqlite:///x.db"),
])
def test_database_url_normalised(url, expected):
    assert normalise_db_url(url) == expected


def test_security_headers_and_russian_404(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert "Не найдено" in response.get_data(as_text=True)
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_vendored_assets_are_served_locally(client):
    for name in ("bootstrap.min.css", "bootstrap.bundle.min.js", "htmx.min.js",
                 "chart.umd.min.js"):
        response = client.get(f"/static/vendor/{name}")
        assert response.status_code == 200, name
        assert len(response.data) > 10_000


@pytest.mark.parametrize("args", [["users", "list"], ["audit", "verify"],
                                  ["deadlines", "seed"]])
def test_commands_on_an_unmigrated_database_say_what_to_do(tmp_path, args):
    empty = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'empty.db'}"})
    result = empty.test_cli_runner().invoke(args=args)
    assert result.exit_code == 1
    assert "flask db upgrade" in result.output and "Traceback" not in result.output


def test_wsgi_module_starts_no_background_work_under_the_flask_command(monkeypatch):
    import importlib
    import sys

    import helpdesk.background.sweeper

    started = []
    monkeypatch.setattr(helpdesk.background.sweeper, "start_background", started.append)
    monkeypatch.setenv("HELPDESK_ENV", "test")
    monkeypatch.setenv("FLASK_RUN_FROM_CLI", "true")
    sys.modules.pop("wsgi", None)
    importlib.import_module("wsgi")
    assert started == []
    monkeypatch.setenv("FLASK_RUN_FROM_CLI", "")
    sys.modules.pop("wsgi", None)
    wsgi = importlib.import_module("wsgi")
    assert started == [wsgi.app]
    sys.modules.pop("wsgi", None)


def test_a_server_database_pool_reuses_the_connection_returned_last():
    """LIFO: the hot connection keeps the desk's prepared statements (helpdesk.config)."""
    from helpdesk.config import engine_options

    serial = {"options": "-c max_parallel_workers_per_gather=0"}
    assert engine_options("postgresql+psycopg://h/db", {"pool_pre_ping": True}) == {
        "pool_use_lifo": True, "pool_pre_ping": True, "connect_args": serial}
    assert engine_options("postgresql+psycopg://h/db", {"pool_use_lifo": False}) == {
        "pool_use_lifo": False, "connect_args": serial}
    given = {"connect_args": {"connect_timeout": 2, "options": "-c work_mem=8MB"}}
    assert engine_options("postgresql+psycopg://h/db", given, 2)["connect_args"] == {
        "connect_timeout": 2, "options": "-c max_parallel_workers_per_gather=2 -c work_mem=8MB"}
    assert engine_options("sqlite:///x.db", {"pool_pre_ping": True}) == {"pool_pre_ping": True}
    app = create_app({"SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://postgres@127.0.0.1/x"})
    assert app.config["SQLALCHEMY_ENGINE_OPTIONS"]["pool_use_lifo"] is True


def test_what_the_app_is_made_of_is_kept_on_the_app():
    """Menu, seeders, tasks and periodic jobs live in app.extensions, filled once per app by
    create_app: a second app neither shares nor doubles them."""
    from helpdesk.registry import registry

    first, second = create_app({}), create_app({})
    one, two = registry(first), registry(second)
    assert one is not two
    assert [e.endpoint for e in one.nav] == [e.endpoint for e in two.nav]
    assert len({e.endpoint for e in one.nav}) == len(one.nav)
    assert {"inbox.process_event", "tickets.route", "exports.run", "routing.train"} <= set(one.tasks)
    assert one.tasks["inbox.process_event"].batch == "inbox.process_pending"
    assert one.tasks["inbox.fetch_name"].lane == "profiles"
    assert sorted(j.name for j in one.periodic) == sorted(j.name for j in two.periodic)
    assert len({j.name for j in one.periodic}) == len(one.periodic) == 5
    assert [s.__name__ for s in one.seeders] == ["seed_defaults", "seed_for_cli", "seed_canned"]
    one.nav.clear()
    assert two.nav  # app-scoped: changing one app's menu leaves the other's alone


def test_the_apps_postgresql_sessions_plan_without_parallel_workers(ctx):
    """A page walk (LIMIT) planned in parallel makes every worker walk for a page of its own."""
    from sqlalchemy import text

    from helpdesk.extensions import db

    if db.engine.dialect.name != "postgresql":
        pytest.skip("a PostgreSQL setting; set TEST_DATABASE_URL")
    assert db.session.execute(text("SHOW max_parallel_workers_per_gather")).scalar() == "0"
