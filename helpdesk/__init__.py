"""The citizen-appeals helpdesk: application factory."""
from flask import Flask

from helpdesk.config import BaseConfig, engine_options, load_config
from helpdesk.registry import install as install_registry
from helpdesk.registry import registry
from helpdesk.web.boundary import HelpdeskFlask


def create_app(config: str | BaseConfig | dict | None = None) -> Flask:
    """Build the application; `config` is a config name, object or a dict of overrides."""
    app = HelpdeskFlask(__name__, template_folder="../templates", instance_relative_config=False)
    from helpdesk.util.ids import install as ids_in_routes

    ids_in_routes(app)  # before any route: an id past the integer columns is a 404
    configure(app, config)
    install_registry(app)  # app.extensions["helpdesk"]: menu, seeders, tasks, periodic jobs
    register_extensions(app)
    register_blueprints(app)
    register_navigation(app)
    register_background_work(app)
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
        app.config["SQLALCHEMY_DATABASE_URI"], app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {},
        app.config.get("PG_PARALLEL_WORKERS", 0))


def register_extensions(app: Flask) -> None:
    from helpdesk.auth.session import init_login
    from helpdesk.extensions import csrf, db, limiter, migrate

    db.init_app(app)
    migrate.init_app(app, db, directory=_migrations_dir(), render_as_batch=True, compare_type=True)
    csrf.init_app(app)
    limiter.init_app(app)
    init_login(app)
    from helpdesk.web import deliveries

    deliveries.register(app)  # webhook requests: no cookie session
    import helpdesk.models  # noqa: F401  (every table registered on the metadata)
    from helpdesk.audit.ddl import install as install_audit_ddl

    install_audit_ddl()  # PostgreSQL: audit_events stays append-only (create_all adds the trigger)
    from helpdesk.database.setup import configure_engine
    from helpdesk.web.forms import configure_forms

    configure_engine(app)
    configure_forms(app)


def register_blueprints(app: Flask) -> None:
    """Every page and endpoint of the app, by feature."""
    from helpdesk.admin import bp as admin_bp
    from helpdesk.audit import bp as audit_bp
    from helpdesk.auth import bp as auth_bp
    from helpdesk.channels import bp as channels_bp
    from helpdesk.citizens.views import bp as citizens_bp
    from helpdesk.exports import bp as exports_bp
    from helpdesk.inbox.attachments import bp as attachments_bp
    from helpdesk.inbox.webhooks import bp as webhooks_bp
    from helpdesk.reports import bp as reports_bp
    from helpdesk.settings import bp as settings_bp
    from helpdesk.tickets import bp as tickets_bp

    app.register_blueprint(auth_bp)
    app.register_blueprint(tickets_bp)  # queues, the ticket page and its actions, digests
    app.register_blueprint(citizens_bp)  # the citizen page: identities, linking, suggestions
    app.register_blueprint(admin_bp, url_prefix="/admin")  # users and departments
    app.register_blueprint(settings_bp, url_prefix="/settings")  # canned, deadlines, routing
    app.register_blueprint(channels_bp)  # /admin/channels
    app.register_blueprint(webhooks_bp)  # platforms' deliveries
    app.register_blueprint(attachments_bp)
    app.register_blueprint(audit_bp, url_prefix="/audit")
    app.register_blueprint(exports_bp, url_prefix="/exports")
    app.register_blueprint(reports_bp, url_prefix="/reports")


def register_navigation(app: Flask) -> None:
    """The menu, in the order shown (entries of one blueprint group share a dropdown)."""
    from helpdesk import audit, channels, exports, reports, settings
    from helpdesk.models.user import Role

    registry(app).add_nav(
        (tuple(Role), "tickets.list_tickets", "Обращения"),
        *settings.NAV, *channels.NAV, *audit.NAV, *exports.NAV, *reports.NAV,
        ((Role.ADMIN,), "admin.users", "Пользователи"),
        ((Role.ADMIN,), "admin.departments", "Подразделения"))


def register_background_work(app: Flask) -> None:
    """Background tasks run by name (after commit: threads or Celery) and the periodic jobs
    of the sweeper (Celery beat in production)."""
    from helpdesk.exports import jobs as export_jobs
    from helpdesk.inbox import jobs as inbox_jobs
    from helpdesk.inbox import tasks as inbox_tasks
    from helpdesk.retention import jobs as retention_jobs
    from helpdesk.routing import tasks as routing_tasks
    from helpdesk.tickets import digest, new_topic, routed

    registry(app).add_tasks(inbox_tasks, routed, new_topic, export_jobs, routing_tasks)
    registry(app).add_periodic(inbox_jobs, export_jobs, retention_jobs, digest)


def register_errorhandlers(app: Flask) -> None:
    from helpdesk.web.errors import register

    register(app)


def register_template_helpers(app: Flask) -> None:
    from helpdesk.web.templating import register

    register(app)


def register_security_headers(app: Flask) -> None:
    from helpdesk.web.security import register

    register(app)


def register_commands(app: Flask) -> None:
    """The `flask` command groups of every feature, and what `flask seed` creates."""
    from helpdesk import cli
    from helpdesk.audit.cli import audit_cli
    from helpdesk.deadlines.cli import deadlines_cli
    from helpdesk.deadlines.store import seed_defaults as seed_deadlines
    from helpdesk.exports.cli import export_cli
    from helpdesk.channels.cli import channels_cli
    from helpdesk.inbox.cli import inbox_cli
    from helpdesk.retention.cli import retention_cli
    from helpdesk.routing.cli import routing_cli
    from helpdesk.routing.defaults import seed_for_cli as seed_routing
    from helpdesk.settings.canned import seed_canned
    from helpdesk.tickets.cli import desk_cli

    for command in (cli.users_cli, cli.seed, cli.demo_admin, deadlines_cli, desk_cli, audit_cli,
                    export_cli, retention_cli, routing_cli, channels_cli, inbox_cli):
        app.cli.add_command(command)
    registry(app).seeders += [seed_deadlines, seed_routing, seed_canned]  # after the departments
    cli.run_in_transactions(app)


def _migrations_dir() -> str:
    from pathlib import Path

    return str(Path(__file__).resolve().parent.parent / "migrations")
