"""Admin forms: each names exactly the fields it takes."""
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, SelectField, StringField
from wtforms.validators import DataRequired, Email, Length, Optional, Regexp

from helpdesk.web.forms import choices
from helpdesk.models.user import ROLE_LABELS


def _role_choices():
    return choices((role.value, label) for role, label in ROLE_LABELS.items())


class UserCreateForm(FlaskForm):
    username = StringField("Имя пользователя", validators=[
        DataRequired(), Length(max=64),
        Regexp(r"^[A-Za-z0-9_.\-]+$", message="Латинские буквы, цифры, точка, дефис, подчёркивание")])
    full_name = StringField("ФИО", validators=[Optional(), Length(max=200)])
    email = EmailField("E-mail", validators=[Optional(), Email(check_deliverability=False),
                                             Length(max=200)])
    role = SelectField("Роль", choices=_role_choices)
    department_id = SelectField("Подразделение", coerce=int, validate_choice=True)


class UserEditForm(FlaskForm):
    full_name = StringField("ФИО", validators=[Optional(), Length(max=200)])
    email = EmailField("E-mail", validators=[Optional(), Email(check_deliverability=False),
                                             Length(max=200)])
    role = SelectField("Роль", choices=_role_choices)
    department_id = SelectField("Подразделение", coerce=int, validate_choice=True)
    active = BooleanField("Учётная запись активна")


class DepartmentForm(FlaskForm):
    name = StringField("Название", validators=[DataRequired(), Length(max=200)])
    is_triage = BooleanField("Пресс-служба (первичный разбор)")


class EmptyForm(FlaskForm):
    """A form with only the CSRF token, for POST buttons."""
