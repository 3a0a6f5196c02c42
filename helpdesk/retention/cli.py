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


@retention_cli.command("anonymise-citizen")
@click.argument("citizen_id", type=click.IntRange(min=1))
def anonymise_citizen_command(citizen_id):
    """Anonymise a person now: the citizen, every identity linked to them, all their tickets."""
    from helpdesk.extensions import db
    from helpdesk.models.channel import Citizen
    from helpdesk.retention.person import anonymise_person

    citizen = db.session.get(Citizen, citizen_id)
    if citizen is None:
        raise click.ClickException(f"гражданин {citizen_id} не найден")
    result = anonymise_person(citizen, None)
    click.echo(f"обезличено учётных записей: {result.citizens}, обращений: {result.tickets}, "
               f"сообщений: {result.messages}, вложений: {result.attachments}")
