"""Routing settings forms: each names exactly the fields it takes."""
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from helpdesk.web.forms import CommaFloatField, choices, in_range
from helpdesk.routing.special import KINDS


class RoutingSettingsForm(FlaskForm):
    threshold = CommaFloatField(
        "Порог уверенности (0–1)", validators=[InputRequired(message="Укажите порог"),
                                               in_range(0, 1, "Порог — число от 0 до 1")],
        description="Ниже порога сообщение уходит в «Требует разбора» пресс-службы.")
    tatar_department_id = SelectField("Сообщения на татарском и смешанном языке", coerce=int)
    auto_close = SelectMultipleField(
        "Закрывать без сотрудника", choices=choices((k, v.label) for k, v in KINDS.items()),
        widget=ListWidget(prefix_label=False), option_widget=CheckboxInput(),
        description="По умолчанию ни один вид не закрывается сам: решает сотрудник.")


class RuleForm(FlaskForm):
    name = StringField("Название", validators=[DataRequired(message="Укажите название"),
                                               Length(max=200)])
    department_id = SelectField("Подразделение", coerce=int)
    keywords = TextAreaField(
        "Ключевые слова", validators=[DataRequired(message="Укажите ключевые слова"),
                                      Length(max=10_000)],
        description="По одному слову или словосочетанию в строке, в любой форме: "
                    "«горячей воды» сохранится как «горячий вода» и найдётся в любом падеже.")
    weight = CommaFloatField("Вес (0,05–1)", default=0.3,
                        validators=[InputRequired(message="Укажите вес"),
                                    in_range(0.05, 1, "Вес — число от 0,05 до 1")])
    active = BooleanField("Правило действует", default=True)


class MappingForm(FlaskForm):
    topic = StringField("Тема", validators=[DataRequired(message="Укажите тему"),
                                            Length(max=300)],
                        render_kw={"list": "known-topics", "autocomplete": "off"},
                        description="Как её называет модель (подсказки — темы действующей модели)")
    department_id = SelectField("Подразделение", coerce=int)
    topic_code = StringField("Код классификатора (необязательно)",
                             validators=[Optional(), Length(max=32)])
