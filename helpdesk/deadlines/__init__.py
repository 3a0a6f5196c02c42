"""Deadlines: the working calendar, clock policies and due-time arithmetic.

calendar, policy and clocks are pure; store is the only module that touches the database.
"""


def register(app) -> None:
    """Add the `flask deadlines` commands and the seeder to the app."""
    from helpdesk.deadlines.cli import deadlines_cli

    app.cli.add_command(deadlines_cli)
    from helpdesk.cli import SEEDERS
    from helpdesk.deadlines.store import seed_defaults

    if seed_defaults not in SEEDERS:
        SEEDERS.append(seed_defaults)
