"""Platform deliveries in the request machinery: what a webhook request skips.

VK, Telegram, OK and MAX post to `/webhooks/…` with no cookie, read nothing but the status and a
short body, and retry what is slow or refused. Such a request gets no cookie session (none is
opened, none is saved, no signed-in user is loaded), none of the pages' browser headers but
nosniff (helpdesk.web.security: the answer is no page) and no rate limit; the users' pages keep
all of them. Decided by the path: the session is opened before the URL is matched.
"""
from flask import Flask, Request, request
from flask.sessions import SecureCookieSessionInterface

from helpdesk.extensions import limiter

PREFIX = "/webhooks/"


def is_delivery(req: Request) -> bool:
    """A platform's delivery to a webhook (by path)."""
    return req.path.startswith(PREFIX)


@limiter.request_filter
def _not_limited() -> bool:
    """Platforms retry what is refused: deliveries are never rate-limited (a request filter
    answers before the limiter resolves any limit: the cheapest exemption on the hot path)."""
    return is_delivery(request)


class SessionInterface(SecureCookieSessionInterface):
    """The signed cookie session, except for platform deliveries: they get the null session
    (Flask neither reads nor writes a cookie for it)."""

    def open_session(self, app: Flask, req: Request):
        if is_delivery(req):
            return self.make_null_session(app)
        return super().open_session(app, req)


def register(app: Flask) -> None:
    app.session_interface = SessionInterface()
