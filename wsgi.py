"""WSGI entry point: `gunicorn wsgi:app`. The only place an app is made at import."""
from helpdesk import create_app
from helpdesk.runtime import start_background

app = create_app()
start_background(app)
