"""Registration of the auditors' features (audit log, exports, reports, retention) in create_app."""


def register_blueprints(app) -> None:
    """Blueprints and navigation entries of audit, exports and reports."""
    from helpdesk.audit import register as register_audit
    from helpdesk.exports import register as register_exports
    from helpdesk.reports import register as register_reports

    register_audit(app)
    register_exports(app)
    register_reports(app)


def register_commands(app) -> None:
    """`flask audit`, `flask export` and `flask retention`."""
    from helpdesk.audit.cli import audit_cli
    from helpdesk.exports.cli import export_cli
    from helpdesk.retention.cli import retention_cli

    for group in (audit_cli, export_cli, retention_cli):
        app.cli.add_command(group)
