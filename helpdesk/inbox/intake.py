"""The intake fast path: platform deliveries skip the page machinery.

A WSGI layer in front of the Flask app answers `POST /webhooks/...` itself: an app context, a
plain werkzeug request and the same `webhooks.handle` the blueprint views call, but no request
context, cookie session, sign-in, CSRF, rate limiter or template hooks, none of which a platform
delivery uses. Everything else (other paths, other methods, errors in routing) goes to Flask,
so the blueprint routes stay the reference behaviour and the URL map stays complete.
"""
import logging
import re

from flask import Flask, Response
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Request

from helpdesk.inbox.webhooks import handle

log = logging.getLogger(__name__)

_ROUTE = re.compile(r"/webhooks/(?:(vk|telegram|max)/([^/]+)|(ok)/([^/]+)/([^/]+))")
HEADERS = {"X-Content-Type-Options": "nosniff", "Cache-Control": "no-store"}


class WebhookIntake:
    """WSGI middleware: `app.wsgi_app = WebhookIntake(app, app.wsgi_app)`."""

    def __init__(self, app: Flask, wsgi_app) -> None:
        self.app, self.wsgi_app = app, wsgi_app

    def __call__(self, environ, start_response):
        route = self._route(environ)
        if route is None:
            return self.wsgi_app(environ, start_response)
        request = Request(environ)
        request.max_content_length = self.app.config.get("MAX_CONTENT_LENGTH")
        with self.app.app_context():
            response = self._answer(route, request)
        response.headers.update(HEADERS)
        return response(environ, start_response)

    @staticmethod
    def _route(environ) -> tuple | None:
        path = environ.get("PATH_INFO", "")
        if environ.get("REQUEST_METHOD") != "POST" or not path.startswith("/webhooks/"):
            return None
        try:  # WSGI gives the path as latin-1; Flask routes match its UTF-8 text
            path = path.encode("latin-1").decode("utf-8")
        except UnicodeError:
            return None
        match = _ROUTE.fullmatch(path)
        if match is None:
            return None
        kind, slug, ok, ok_slug, token = match.groups()
        return (kind, slug, None) if kind else (ok, ok_slug, token)

    def _answer(self, route: tuple, request: Request) -> Response:
        kind, slug, token = route
        try:
            return handle(kind, slug, token, request)
        except HTTPException as exc:  # e.g. a body over MAX_CONTENT_LENGTH: 413
            return Response(exc.description or exc.name, status=exc.code, mimetype="text/plain")
        except Exception:  # the platform retries a 500; nothing was stored
            log.exception("webhook %s/%s failed", kind, slug)
            return Response("internal error", status=500, mimetype="text/plain")
