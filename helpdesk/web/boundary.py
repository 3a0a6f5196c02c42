"""The request handler's transaction boundary and the one way a user error is shown.

Every view runs inside `transaction()` (HelpdeskFlask.dispatch_request): the request commits
once when the view returned and rolls back when it raised. A failed COMMIT (the database went
away) is answered by the error pages (503), with nothing half-written.

A service refuses a person's input by raising helpdesk.errors.UserError. Its one handler rolls
the request back, then shows the message the way the page asked for (`on_user_error`): its form
again with the message at a field, or a flash message and a redirect back.
"""
from collections.abc import Callable

from flask import Flask, Request, current_app, flash, g, redirect, render_template, request, url_for

from helpdesk.database.transaction import rollback, transaction
from helpdesk.errors import UserError


class HelpdeskRequest(Request):
    """A request whose body limit is its view's when the view takes files (accepts_files):
    decided from the matched route before anything reads the form (CSRF reads it first)."""

    @property
    def max_content_length(self) -> int | None:
        if self._max_content_length is None and self.url_rule is not None and current_app:
            view = current_app.view_functions.get(self.url_rule.endpoint)
            limit = getattr(view, "max_request_bytes", None)
            if limit is not None:
                return limit()
        return super().max_content_length

    @max_content_length.setter
    def max_content_length(self, value: int | None) -> None:
        self._max_content_length = value


def accepts_files(limit: Callable[[], int]):
    """A view that takes uploads: its requests may be `limit()` bytes (not MAX_CONTENT_LENGTH).
    Put it just under the route decorator."""
    def mark(view):
        view.max_request_bytes = limit
        return view
    return mark


class HelpdeskFlask(Flask):
    """Flask whose views each run in one transaction (commit on success, rollback on error)."""

    request_class = HelpdeskRequest

    def dispatch_request(self):
        with transaction():
            return super().dispatch_request()


def on_user_error(show: Callable[[UserError], object]) -> None:
    """How this request's page shows a refusal: `show(error)` returns the response (say, the
    form again with the message at its field). It runs after the rollback, in its own transaction."""
    g.user_error_page = show


def back_on_user_error(url: str) -> None:
    """A refusal of this request is flashed and the person is sent to `url`."""
    on_user_error(lambda exc: _flash_and_redirect(exc, url))


def refused(form, default_field, render: Callable[[], object]) -> Callable[[UserError], object]:
    """A `show` for on_user_error: the message at the form field it names (else at
    `default_field`), then `render()` the page with the form again."""
    def show(exc: UserError):
        field = form._fields.get(exc.field or "") or default_field
        field.errors = [*field.errors, str(exc)]
        return render()
    return show


def flashed(render: Callable[[], object]) -> Callable[[UserError], object]:
    """A `show` for on_user_error: the message flashed, then `render()` the page again."""
    def show(exc: UserError):
        flash(str(exc), "danger")
        return render()
    return show


def _flash_and_redirect(exc: UserError, url: str):
    flash(str(exc), "danger")
    return redirect(url)


def handle_user_error(exc: UserError):
    """The one handler: roll back what the request did, then show the message."""
    rollback()
    show = g.pop("user_error_page", None)
    with transaction():  # showing the page again is a unit of work of its own (say, a view record)
        if show is not None:
            return show(exc)
        if request.method == "GET":  # a link that cannot be followed: say why, on an error page
            return render_template("errors/error.html", code=400, title="Некорректный запрос",
                                   text=str(exc)), 400
        return _flash_and_redirect(exc, _back())


def _back() -> str:
    """The page a form was posted from (on this site), else the desk's front page."""
    referrer = request.referrer or ""
    return referrer if referrer.startswith(request.host_url) else url_for("tickets.index")


def register(app: Flask) -> None:
    app.register_error_handler(UserError, handle_user_error)
