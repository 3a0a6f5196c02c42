"""`flask retention run [--days N]`."""
import click
from flask.cli import AppGroup

from helpdesk.retention.services import run_retention

retention_cli = AppGroup("retention", help="Сроки хранения персональных данных (152-ФЗ).")


@retention_cli.command("run")
@click.option("--days", type=click.IntRange(min=1), default=None,
              help="Срок в днях (по умолчанию настройка retention.days, 1095)")
def run_command(days):
    """Anonymise personal data of tickets closed more than N days ago."""
    result = run_retention(days)
    click.echo(f"обезличено обращений: {result.tickets}, сообщений: {result.messages}, "
               f"вложений: {result.attachments}, граждан: {result.citizens}")
