"""The citizen-appeals helpdesk: application factory."""
from flask import Flask

from helpdesk.config import BaseConfig, engine_options, load_config
from helpdesk.web.boundary import HelpdeskFlask


def create_app(config: str | BaseConfig | dict | None = None) -> Flask:
    """Build the application; `config` is a config name, object or a dict of overrides."""
    app = HelpdeskFlask(__name__, template_folder="../templates", instance_relative_config=False)
    from helpdesk.ids import install as ids_in_routes

    ids_in_routes(app)  # before any route: an id past the integer columns is a 404
    configure(app, config)
    register_extensions(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_template_helpers(app)
    register_security_headers(app)
    register_commands(app)
    return app


def configure(app: Flask, config) -> None:
    """Load the config object, then apply dict overrides (tests pass those)."""
    overrides = {}
    if isinstance(config, dict):
        overrides = config
        config = overrides.pop("ENV_NAME", None) or "test"
    obj = config if isinstance(config, BaseConfig) else load_config(config)
    app.config.from_object(obj)
    app.config.update(overrides)
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options(
        app.config["SQLALCHEMY_DATABASE_URI"], app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})


def register_extensions(app: Flask) -> None:
    from helpdesk.auth.session import init_login
    from helpdesk.extensions import csrf, db, limiter, migrate

    db.init_app(app)
    migrate.init_app(app, db, directory=_migrations_dir(), render_as_batch=True, compare_type=True)
    csrf.init_app(app)
    limiter.init_app(app)
    init_login(app)
    import helpdesk.models  # noqa: F401  (every table registered on the metadata)
    from helpdesk.dbsetup import configure_engine
    from helpdesk.forms import configure_forms

    configure_engine(app)
    configure_forms(app)


def register_blueprints(app: Flask) -> None:
    """Every feature's blueprints (and navigation entries), registered explicitly."""
    from helpdesk.admin import bp as admin_bp
    from helpdesk.auth import bp as auth_bp
    from helpdesk.exports import features as auditors
    from helpdesk.inbox import register as register_inbox
    from helpdesk.settings import register as register_settings
    from helpdesk.tickets import bp as tickets_bp

    app.register_blueprint(auth_bp)
    app.register_blueprint(tickets_bp)
    app.register_blueprint(admin_bp, url_prefix="/admin")
    register_settings(app)  # canned responses, deadline policies, calendar; `flask desk`
    register_inbox(app)  # webhooks, attachments, channel admin; `flask channels`, `flask inbox`
    auditors.register_blueprints(app)  # audit log, exports, reports


def register_errorhandlers(app: Flask) -> None:
    from helpdesk.web.errors import register

    register(app)


def register_template_helpers(app: Flask) -> None:
    from helpdesk.templating import register

    register(app)


def register_security_headers(app: Flask) -> None:
    from helpdesk.security import register

    register(app)


def register_commands(app: Flask) -> None:
    """The `flask` command groups of every feature."""
    from helpdesk.cli import register as register_core
    from helpdesk.deadlines import register as register_deadlines
    from helpdesk.exports import features as auditors
    from helpdesk.routing import register as register_routing

    register_core(app)  # users, seed, demo-admin
    register_deadlines(app)
    auditors.register_commands(app)  # audit, export, retention
    register_routing(app)
    from helpdesk.cli import run_in_transactions

    run_in_transactions(app)


def _migrations_dir() -> str:
    from pathlib import Path

    return str(Path(__file__).resolve().parent.parent / "migrations")
