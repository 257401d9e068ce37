"""Languages: bokmål by default, nynorsk and English on request; dates shown in Europe/Oslo.

Source strings are English. The app has one catalogue, ``fieldkit/translations/``
(``messages.pot`` and ``nb``/``nn`` ``LC_MESSAGES/messages.po|mo``); English needs none, since
gettext returns the English source. Babel extracts the strings as ``babel.cfg`` at the project
root says; ``fieldkit i18n update`` and ``fieldkit i18n compile`` run Babel's own commands.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask, current_app, has_request_context, session
from flask_babel import format_date, format_datetime, get_locale, gettext

from fieldkit.config import PROJECT_ROOT

SESSION_KEY = "lang"

#: The app's one catalogue, for Flask-Babel and for the commands below.
TRANSLATIONS_PATH = Path(__file__).resolve().parent.parent / "translations"
#: The languages the catalogue translates to (English is the source language).
TRANSLATED = ("nb", "nn")
#: Babel's extraction config, in a source checkout: which files, read by which extractor.
BABEL_CFG = PROJECT_ROOT / "babel.cfg"
#: Translation functions besides Babel's default keywords (``_``, ``gettext``, ``N_``, …).
KEYWORDS = ("_l", "lazy_gettext")


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


# Keeping the catalogue up to date: Babel's own frontend (what ``pybabel`` runs), from the
# project root, so the commands are the standard ones the README lists.


def pybabel(*args: str) -> int:
    """Run ``pybabel *args``; its exit status (0 when all went well)."""
    from babel.messages.frontend import CommandLineInterface

    return CommandLineInterface().run(["pybabel", *args]) or 0


def extract(template: Path, *, quiet: bool = True) -> int:
    """``pybabel extract``: write the strings ``babel.cfg`` finds to the template ``template``."""
    keywords = [arg for keyword in KEYWORDS for arg in ("-k", keyword)]
    return pybabel(
        *(["--quiet"] if quiet else []),
        "extract",
        "-F", str(BABEL_CFG),
        *keywords,
        "--project", "fieldkit",
        "--no-location",
        "--sort-output",
        "--width", "100",
        "-o", str(template),
        str(PROJECT_ROOT),
    )  # fmt: skip


def update() -> int:
    """Extract into ``messages.pot`` and bring the ``nb`` and ``nn`` .po files up to it."""
    template = TRANSLATIONS_PATH / "messages.pot"
    status = extract(template)
    for language in TRANSLATED:
        if status:
            break
        status = pybabel(
            "update",
            "-i", str(template),
            "-d", str(TRANSLATIONS_PATH),
            "-l", language,
            "--width", "100",
            "--no-fuzzy-matching",
            "--ignore-obsolete",
            "--ignore-pot-creation-date",  # no .po change when no string changed
            "--init-missing",
        )  # fmt: skip
    return status


def compile_catalogue() -> int:
    """``pybabel compile``: the ``nb`` and ``nn`` .po files to .mo, with statistics."""
    return pybabel("compile", "-d", str(TRANSLATIONS_PATH), "--statistics")


def untranslated(language: str) -> list[str]:
    """The strings of the ``language`` .po still to translate (no translation, or a fuzzy one)."""
    from babel.messages.pofile import read_po

    with (TRANSLATIONS_PATH / language / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalog = read_po(handle)
    return [
        message.id if isinstance(message.id, str) else message.id[0]
        for message in catalog
        if message.id
        and (
            message.fuzzy
            or not (all(message.string) if isinstance(message.string, tuple) else message.string)
        )
    ]
