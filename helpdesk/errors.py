"""Russian error pages; database outages answer 503 instead of a bare 500."""
import logging

from flask import Flask, jsonify, make_response, render_template, request
from sqlalchemy.exc import DataError, OperationalError

from helpdesk.extensions import db

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


def register(app: Flask) -> None:
    for code in MESSAGES:
        if code not in (500, 503):
            app.register_error_handler(code, lambda exc, code=code: render_error(code))

    @app.errorhandler(OperationalError)
    def database_unavailable(exc):
        log.error("database unavailable: %s", exc.__class__.__name__)
        db.session.rollback()
        response = make_response(render_error(503))
        response.headers["Retry-After"] = "10"
        return response

    @app.errorhandler(DataError)
    def value_out_of_range(exc):
        # A value the database cannot hold (an id beyond integer range, say) is bad input: 400.
        log.info("refused a value the database cannot store: %s", exc.orig.__class__.__name__)
        db.session.rollback()
        return render_error(400)

    @app.errorhandler(500)
    def internal_error(exc):
        db.session.rollback()
        return render_error(500)
