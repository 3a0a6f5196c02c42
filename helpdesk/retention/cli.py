"""`flask retention run [--days N]`."""
import click
from flask.cli import AppGroup

from helpdesk.extensions import db
from helpdesk.retention.services import RetentionError, run_retention

retention_cli = AppGroup("retention", help="Сроки хранения персональных данных (152-ФЗ).")


@retention_cli.command("run")
@click.option("--days", type=click.IntRange(min=1), default=None,
              help="Срок в днях (по умолчанию настройка retention.days, 1095)")
def run_command(days):
    """Anonymise personal data of tickets closed more than N days ago."""
    try:
        result = run_retention(days)
    except RetentionError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from None
    db.session.commit()
    click.echo(f"обезличено обращений: {result.tickets}, сообщений: {result.messages}, "
               f"вложений: {result.attachments}, граждан: {result.citizens}")
