"""Russian error pages; database outages answer 503 instead of a bare 500; user errors are
shown by helpdesk.web.boundary."""
import logging

from flask import Flask, g, jsonify, make_response, render_template, request
from sqlalchemy.exc import DataError, DBAPIError, OperationalError

from helpdesk.database.transaction import rollback, transaction
from helpdesk.web.boundary import register as register_user_errors

log = logging.getLogger(__name__)

MESSAGES = {
    400: ("Некорректный запрос", "Запрос не удалось разобрать. Проверьте данные и повторите."),
    403: ("Доступ запрещён", "У вашей роли нет прав на это действие."),
    404: ("Не найдено", "Такой страницы нет, или у вас нет к ней доступа."),
    405: ("Метод не разрешён", "Это действие нельзя выполнить таким способом."),
    413: ("Слишком большой запрос", "Размер отправленных данных превышает допустимый."),
    429: ("Слишком много запросов", "Подождите немного и повторите попытку."),
    500: ("Внутренняя ошибка", "Что-то пошло не так. Ошибка записана; попробуйте ещё раз."),
    503: ("Сервис временно недоступен", "База данных недоступна. Повторите попытку позже."),
}


def render_error(code: int):
    title, text = MESSAGES.get(code, MESSAGES[500])
    if request.path.startswith("/webhooks/") or request.accept_mimetypes.best == "application/json":
        return jsonify(error=title), code
    return render_template("errors/error.html", code=code, title=title, text=text), code


def record_denial() -> None:
    """Write the attempt that access.denied() noted to the audit log, on its own: whatever the
    refused request changed is rolled back first (it would be anyway)."""
    noted = g.pop("access_denied", None)
    if noted is None:
        return
    from flask_login import current_user

    from helpdesk.audit.log import record

    rollback()
    try:
        with transaction():
            record("access_denied", actor=current_user, object_type=noted[0], object_id=noted[1],
                   result="denied", details={"method": request.method, "path": request.path[:200]})
    except DBAPIError:  # the refusal is still answered; the database problem is logged
        log.error("could not audit a refused %s %s", request.method, request.path)


def register(app: Flask) -> None:
    register_user_errors(app)
    for code in MESSAGES:
        if code not in (500, 503):
            app.register_error_handler(code, lambda exc, code=code: render_error(code))

    @app.errorhandler(403)
    def forbidden(exc):
        record_denial()
        return render_error(403)

    @app.errorhandler(404)
    def not_found(exc):
        record_denial()
        return render_error(404)

    @app.errorhandler(OperationalError)
    def database_unavailable(exc):
        log.error("database unavailable: %s", exc.__class__.__name__)
        rollback()
        response = make_response(render_error(503))
        response.headers["Retry-After"] = "10"
        return response

    @app.errorhandler(DataError)
    def value_out_of_range(exc):
        # A value the database cannot hold (an id beyond integer range, say) is bad input: 400.
        log.info("refused a value the database cannot store: %s", exc.orig.__class__.__name__)
        rollback()
        return render_error(400)

    @app.errorhandler(500)
    def internal_error(exc):
        rollback()
        return render_error(500)
