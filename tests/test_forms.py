"""The base form: WTForms' own messages in the user's language."""

from __future__ import annotations

from flask import Flask
from wtforms import IntegerField
from wtforms.validators import InputRequired

from centre.forms import Form


class NumberForm(Form):
    class Meta:
        csrf = False

    number = IntegerField(validators=[InputRequired()])


def messages_for(app: Flask, language: str) -> list[str]:
    with app.test_request_context(
        "/", method="POST", data={"number": "many"}, headers={"Accept-Language": language}
    ):
        form = NumberForm()
        assert not form.validate()
        return list(form.number.errors)


def test_wtforms_messages_follow_the_language(app: Flask) -> None:
    assert messages_for(app, "en") == ["Not a valid integer value."]
    assert messages_for(app, "nl") == ["Ongeldig getal."]
    assert messages_for(app, "fr") == ["N'est pas un entier valide."]
    # Each language's catalogue is read once, then served from memory.
    assert messages_for(app, "nl") == ["Ongeldig getal."]
