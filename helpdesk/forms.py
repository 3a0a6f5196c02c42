"""Form-wide settings: WTForms' own Russian messages for every form ("This field is required" → Russian)."""
import math
from collections.abc import Iterable

from flask import Flask
from flask_wtf import FlaskForm
from wtforms import FloatField
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
    """A number that also takes the Russian comma («0,6»); NaN and infinities are refused."""

    def process_formdata(self, valuelist):
        super().process_formdata([v.replace(",", ".").strip() for v in valuelist])
        if valuelist and self.data is not None and not math.isfinite(self.data):
            self.data = None
            raise ValueError("Укажите число")
