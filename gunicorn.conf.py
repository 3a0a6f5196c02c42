"""Gunicorn settings read from the working directory by every `gunicorn wsgi:app` run here."""
logger_class = "helpdesk.serverlog.MaskingLogger"  # no webhook tokens in the access log
