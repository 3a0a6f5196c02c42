"""Routing: natasha analysis, extraction, classification and the decision where a message goes.

This package never imports views; the web and the CLI call its services.
"""


def register(app) -> None:
    """Add the `flask routing` commands and the routing defaults to `flask seed`."""
    from helpdesk.cli import SEEDERS
    from helpdesk.routing.cli import routing_cli
    from helpdesk.routing.defaults import seed_for_cli

    app.cli.add_command(routing_cli)
    if seed_for_cli not in SEEDERS:
        SEEDERS.append(seed_for_cli)
