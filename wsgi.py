"""WSGI entry point: `gunicorn wsgi:app`. The only place an app is made at import.

The flask command also finds this file when FLASK_APP is not set; a CLI command (a migration,
`flask routing train`) must not start the background sweeper or the demo, so they start only
when a server imports this module.
"""
import os

from helpdesk import create_app
from helpdesk.background.sweeper import start_background
from helpdesk.demo import start_demo

app = create_app()
if os.environ.get("FLASK_RUN_FROM_CLI") != "true":
    start_background(app)  # the sweeper, when tasks run in-process (no Redis)
    if app.config.get("EMBEDDED_TASKS") and app.config.get("DEMO_MODE"):
        start_demo(app)  # the platform simulators and a stream of invented messages
