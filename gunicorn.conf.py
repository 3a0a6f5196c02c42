"""Gunicorn settings read from the working directory by every `gunicorn wsgi:app` run here."""
logger_class = "helpdesk.web.serverlog.MaskingLogger"  # no webhook tokens in the access log
# A long search query in the URL is answered by the app in Russian, not refused by the server.
limit_request_line = 8190
