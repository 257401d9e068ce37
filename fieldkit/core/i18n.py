"""Languages: bokmål by default, nynorsk and English on request; dates shown in Europe/Oslo."""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app, has_request_context, session
from flask_babel import format_date, format_datetime, get_locale, gettext

SESSION_KEY = "lang"


def N_(message: str) -> str:
    """Mark an English message for the catalogue; it is translated where it is shown."""
    return message


class ExplainedError(ValueError):
    """An error whose message a researcher reads: an English text marked with ``N_`` whose
    ``%(name)s`` places ``params`` fill.

    ``message`` (and ``str()``) say it in the current language (bokmål by default, English
    outside an application); ``english`` is the untranslated text, for logs and matching.
    """

    def __init__(self, message: str, /, **params: Any):
        self.template = message
        self.params = params
        super().__init__(message)

    @property
    def english(self) -> str:
        return self.template % self.params if self.params else self.template

    @property
    def message(self) -> str:
        return gettext(self.template, **self.params)

    def __str__(self) -> str:
        return self.message


def select_locale() -> str:
    """The language the user chose for this session, else the default (bokmål)."""
    chosen = session.get(SESSION_KEY) if has_request_context() else None
    if chosen in current_app.config["LANGUAGES"]:
        return chosen
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def set_language(code: str) -> bool:
    """Remember ``code`` as this session's language; False when it is not offered."""
    if code not in current_app.config["LANGUAGES"]:
        return False
    session[SESSION_KEY] = code
    return True


def init_app(app: Flask) -> None:
    """Give templates the current language and the languages offered."""

    @app.context_processor
    def language_context():
        return {
            "current_language": str(get_locale()),
            "languages": app.config["LANGUAGES"],
        }

    app.jinja_env.filters["datetime"] = lambda value, fmt="short": (
        format_datetime(value, fmt) if value else ""
    )
    app.jinja_env.filters["date_long"] = lambda value: format_date(value, "long") if value else ""
