"""Settings forms: each names exactly the fields it takes."""
from decimal import Decimal

from flask_wtf import FlaskForm
from wtforms import (BooleanField, DateField, DecimalField, IntegerField, SelectField, StringField,
                     TextAreaField)
from wtforms.validators import (DataRequired, InputRequired, Length, Optional, Regexp,
                                ValidationError)

from helpdesk.deadlines.policy import LAST_DAY_RULE_LABELS
from helpdesk.web.forms import choices, in_range
from helpdesk.models.deadlines import CALENDAR_DAY_KIND_LABELS

from helpdesk.util.dates import YEAR_MAX as MAX_YEAR
from helpdesk.util.dates import YEAR_MIN as MIN_YEAR


def _sane_year(form, field) -> None:
    if field.data is not None and not MIN_YEAR <= field.data.year <= MAX_YEAR:
        raise ValidationError(f"Дата должна быть в {MIN_YEAR}–{MAX_YEAR} годах")


_TIME = Regexp(r"^([01]\d|2[0-3]):[0-5]\d$", message="Время в формате ЧЧ:ММ, например 09:00")
# InputRequired, not DataRequired: 0 is a value (then refused by its range, with the range named).
_GIVEN = InputRequired(message="Укажите число")


def _pad_time(value):
    """"9:00" → "09:00", " 18:00 " → "18:00" (what people type)."""
    value = (value or "").strip().replace(".", ":")
    hours, sep, minutes = value.partition(":")
    return f"{int(hours):02d}:{minutes}" if sep and hours.isdigit() and len(hours) == 1 else value


class CommaDecimalField(DecimalField):
    """A decimal that also takes the Russian comma: «8,5»."""

    def process_formdata(self, valuelist):
        super().process_formdata([v.replace(",", ".").strip() for v in valuelist])
        if valuelist and isinstance(self.data, Decimal) and not self.data.is_finite():
            # NaN, sNaN, Infinity: NumberRange cannot compare them (sNaN even raises)
            self.data = None
            raise ValueError("Укажите число")


def _range(low, high, unit: str):
    """in_range with the range and its unit in the message («Допустимо от 0,25 до 168 ч»)."""
    text = f"Допустимо от {low} до {high} {unit}".replace(".", ",").replace("дн,", "дн.")
    return in_range(low, high, text)


class CannedForm(FlaskForm):
    title = StringField("Название", validators=[DataRequired(), Length(max=200)])
    body = TextAreaField("Текст", validators=[DataRequired(), Length(max=10_000)],
                         description="Подстановки: {name} — имя, {number} — номер, {due} — срок ответа")
    department_id = SelectField("Подразделение", coerce=int, validate_choice=True)
    personal = BooleanField("Личный (видите только вы)", default=False)
    active = BooleanField("Действует", default=True)

    def validate_body(self, field) -> None:
        """Only {name}, {number} and {due} may stand in braces."""
        from helpdesk.settings.services import placeholder_error

        error = placeholder_error(field.data)
        if error:
            raise ValidationError(error)


class MessagePolicyForm(FlaskForm):
    first_response_hours = CommaDecimalField("Первый ответ, рабочих часов",
                                             validators=[_GIVEN, _range(0.25, 168, "ч")])
    answer_working_days = IntegerField("Ответ по существу, рабочих дней",
                                       validators=[_GIVEN, _range(1, 60, "дн.")])


class CommentPolicyForm(FlaskForm):
    follow_message = BooleanField("Как сообщения из соцсетей", default=True)
    first_response_hours = CommaDecimalField("Первый ответ, рабочих часов",
                                             validators=[_GIVEN, _range(0.25, 168, "ч")])
    answer_working_days = IntegerField("Ответ по существу, рабочих дней",
                                       validators=[_GIVEN, _range(1, 60, "дн.")])


class AppealPolicyForm(FlaskForm):
    registration_days = IntegerField("Регистрация, дней", validators=[_GIVEN, _range(1, 366, "дн.")])
    answer_days = IntegerField("Ответ, дней с регистрации",
                               validators=[_GIVEN, _range(1, 366, "дн.")])
    max_extension_days = IntegerField("Продление не более, дней",
                                      validators=[Optional(), _range(0, 366, "дн.")])
    forward_days = IntegerField("Направление по компетенции, дней",
                                validators=[_GIVEN, _range(1, 366, "дн.")])
    last_day_rule = SelectField("Последний день — нерабочий",
                                choices=choices((str(k), v) for k, v in LAST_DAY_RULE_LABELS.items()))


class HoursForm(FlaskForm):
    start = StringField("Начало рабочего дня", validators=[DataRequired(), _TIME],
                        filters=[_pad_time])
    end = StringField("Окончание рабочего дня", validators=[DataRequired(), _TIME],
                      filters=[_pad_time])


class CalendarDayForm(FlaskForm):
    day = DateField("Дата", validators=[DataRequired(message="Укажите дату"), _sane_year],
                    render_kw={"min": f"{MIN_YEAR}-01-01", "max": f"{MAX_YEAR}-12-31"})
    kind = SelectField("Вид дня", choices=choices(CALENDAR_DAY_KIND_LABELS.items()))
    name = StringField("Название", validators=[Optional(), Length(max=200)])
    source = StringField("Источник", validators=[Optional(), Length(max=40)])
    confirmed = BooleanField("Подтверждено указом", default=True)


class EmptyForm(FlaskForm):
    """Only the CSRF token, for POST buttons."""
