"""The inbox: VK, OK, Telegram and MAX messages in, replies out (adapters, webhooks, ingest, outbox)."""
from flask import Flask


def register(app: Flask) -> None:
    """Register the webhook, attachment and channel-admin blueprints and the `channels`/`inbox` commands."""
    from helpdesk.channels import bp as channels_bp
    from helpdesk.inbox.attachments import bp as attachments_bp
    from helpdesk.inbox.cli import channels_cli, inbox_cli
    from helpdesk.inbox.webhooks import bp as webhooks_bp

    from helpdesk.extensions import limiter

    limiter.exempt(webhooks_bp)  # platforms retry what is refused: never rate-limit deliveries
    app.register_blueprint(webhooks_bp)
    from helpdesk.inbox.intake import WebhookIntake

    app.wsgi_app = WebhookIntake(app, app.wsgi_app)  # deliveries skip the page machinery
    app.register_blueprint(attachments_bp)
    app.register_blueprint(channels_bp)
    from helpdesk.models.user import Role
    from helpdesk.templating import EXTRA_NAV

    entry = ((Role.ADMIN,), "channels.channels", "Каналы")
    if entry not in EXTRA_NAV:
        EXTRA_NAV.append(entry)
    app.cli.add_command(channels_cli)
    app.cli.add_command(inbox_cli)
