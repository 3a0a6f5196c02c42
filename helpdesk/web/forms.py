"""Form-wide settings: WTForms' own Russian messages for every form ("This field is required" → Russian)."""
import math
from collections.abc import Iterable

from flask import Flask
from flask_wtf import FlaskForm
from wtforms import FloatField
from wtforms.widgets import TextInput
from wtforms.fields.choices import SelectChoice

RUSSIAN = ("ru_RU", "ru")


def configure_forms(app: Flask) -> None:
    """Use WTForms' built-in Russian translations (no Flask-Babel) for all FlaskForm subclasses."""
    app.config.setdefault("WTF_I18N_ENABLED", False)
    # DefaultMeta.locales is WTForms' documented switch; set once on the shared base Meta.
    FlaskForm.Meta.locales = RUSSIAN


def choices(pairs: Iterable[tuple[object, str]]) -> list[SelectChoice]:
    """SelectField options from (value, label) pairs (WTForms 3.4 no longer takes tuples)."""
    return [SelectChoice(value, label) for value, label in pairs]


class CommaFloatField(FloatField):
    """A number typed the Russian way («0,6», a dot works too), shown with a comma.

    A text box with a decimal keyboard, not <input type="number">: browsers in some locales drop
    the comma there (and send «06»). Blank, NaN and infinities say «Укажите число» once."""

    widget = TextInput()

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("render_kw", {"inputmode": "decimal", "autocomplete": "off"})
        super().__init__(*args, **kwargs)

    def process_formdata(self, valuelist):
        if valuelist and not valuelist[0].strip():
            self.data = None
            if valuelist[0]:  # spaces only; an empty box is InputRequired's to name
                raise ValueError("Укажите число")
            return
        try:
            super().process_formdata([v.replace(",", ".").strip() for v in valuelist])
        except ValueError:
            raise ValueError("Укажите число, например 0,6") from None
        if valuelist and self.data is not None and not math.isfinite(self.data):
            self.data = None
            raise ValueError("Укажите число")

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        return "" if self.data is None else f"{self.data:g}".replace(".", ",")


def in_range(low: float, high: float, message: str):
    """NumberRange that stays silent when the value did not parse (the field has said so)."""
    from wtforms.validators import NumberRange

    check = NumberRange(low, high, message)

    def validate(form, field):
        if field.data is not None and not field.process_errors:
            check(form, field)
    return validate
