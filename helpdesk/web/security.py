"""Response headers: CSP without inline scripts, no sniffing, no framing."""
from flask import Flask, abort, request

from helpdesk.web.deliveries import is_delivery

CSP = ("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
       "object-src 'none'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'")


def refuse_nul_in_forms():
    """A form value with a NUL byte is refused with 400: no database stores it as text."""
    if request.method in ("POST", "PUT", "PATCH") and request.mimetype in (
            "application/x-www-form-urlencoded", "multipart/form-data"):
        for values in request.form.listvalues():
            if any("\x00" in value for value in values):
                abort(400)


def register(app: Flask) -> None:
    app.before_request(refuse_nul_in_forms)

    @app.after_request
    def set_headers(response):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        if is_delivery(request):
            return response  # a platform's webhook call: no page to frame or script
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if app.config.get("SESSION_COOKIE_SECURE"):
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        return response
