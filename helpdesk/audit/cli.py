"""`flask audit verify`: walk the hash chain and name the first broken row."""
import sys

import click
from flask.cli import AppGroup

from helpdesk.audit.services import verify

audit_cli = AppGroup("audit", help="Журнал аудита.")


@audit_cli.command("verify")
def verify_command():
    """Verify the audit hash chain; exit 1 naming the first broken row."""
    count, broken = verify()
    if broken is None:
        click.echo(f"OK, {count} rows")
        return
    click.echo(f"BROKEN at {broken}", err=True)
    sys.exit(1)
