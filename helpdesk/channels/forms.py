"""Channel forms: token and secret are password fields that are never filled back."""
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from helpdesk.web.forms import choices

KIND_CHOICES = choices([("vk", "ВКонтакте"), ("ok", "Одноклассники"), ("telegram", "Telegram"),
                        ("max", "MAX")])
MODE_CHOICES = choices([("webhook", "Вебхук (платформа присылает события)"),
                        ("poll", "Опрос (без публичного адреса)")])


class ChannelEditForm(FlaskForm):
    name = StringField("Название", validators=[Optional(), Length(max=200)])
    token = PasswordField("Новый токен доступа (оставьте пустым, чтобы не менять)",
                          validators=[Optional(), Length(max=512)])
    secret = PasswordField("Новый секрет вебхука (оставьте пустым, чтобы не менять)",
                           validators=[Optional(), Length(max=256)])
    group_id = StringField("ID сообщества (ВКонтакте)", validators=[Optional(), Length(max=64)])
    confirmation = StringField("Строка подтверждения (VK Callback API)",
                               validators=[Optional(), Length(max=256)])
    api_base = StringField("Адрес API (пусто — адрес платформы)",
                           validators=[Optional(), Length(max=300)])
    mode = SelectField("Режим приёма", choices=MODE_CHOICES)
    auto_ack = BooleanField("Автоматически подтверждать получение")


class ChannelCreateForm(ChannelEditForm):
    kind = SelectField("Платформа", choices=KIND_CHOICES)
    slug = StringField("Код канала (латиница)", validators=[DataRequired(), Length(max=64)])
    token = PasswordField("Токен доступа", validators=[DataRequired(), Length(max=512)])
    secret = PasswordField("Секрет вебхука (пусто — создать)",
                           validators=[Optional(), Length(max=256)])


class EmptyForm(FlaskForm):
    """Only the CSRF token, for POST buttons."""
