"""Sign-in and password forms."""
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

MIN_PASSWORD = 10


class LoginForm(FlaskForm):
    username = StringField("Имя пользователя", validators=[DataRequired(), Length(max=64)])
    password = PasswordField("Пароль", validators=[DataRequired(), Length(max=200)])
    remember = BooleanField("Запомнить меня")


class ChangePasswordForm(FlaskForm):
    current = PasswordField("Текущий пароль", validators=[DataRequired(), Length(max=200)])
    new = PasswordField("Новый пароль", validators=[
        DataRequired(), Length(min=MIN_PASSWORD, max=200,
                               message=f"От {MIN_PASSWORD} до 200 символов")])
    # The same maxlength as the new password, so the browser cuts both alike.
    confirm = PasswordField("Повторите новый пароль", validators=[
        DataRequired(), Length(max=200), EqualTo("new", message="Пароли не совпадают")])


class EndSessionsForm(FlaskForm):
    """A button that ends sessions (only the CSRF token is posted)."""
