"""What an XLSForm workbook says, in the words fieldkit reads: sheets, columns and their
aliases, row types and appearances, languages, yes/no, and places (sheet, row, column).

Everything here is plain data and small helpers shared by reading and writing; nothing imports
pyxform or openpyxl.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext, lazy_gettext

from fieldkit.core.i18n import N_
from fieldkit.surveys.questionnaires.definition import DefinitionError

SURVEY, CHOICES, SETTINGS = "survey", "choices", "settings"


#: Survey columns fieldkit reads; the translatable ones take ``::nb`` / ``::nn`` / ``::en``.
SURVEY_COLUMNS = (
    "type", "name", "label", "hint", "required", "soft_required", "relevant", "constraint",
    "constraint_message", "appearance", "repeat_count", "number", "ordinal", "layout", "unit",
    "denominator", "other",
)  # fmt: skip
SURVEY_TRANSLATABLE = {"label", "hint", "constraint_message", "unit"}
#: pyxform's aliases of those columns.
SURVEY_ALIASES = {
    "relevance": "relevant",
    "caption": "label",
    "constraining_message": "constraint_message",
    "count": "repeat_count",
    "jr:count": "repeat_count",
}
CHOICES_COLUMNS = ("list_name", "name", "label", "other", "nonsubstantive", "exclusive")
CHOICES_ALIASES = {"list name": "list_name", "value": "name", "caption": "label"}
SETTINGS_COLUMNS = (
    "form_title", "form_id", "version", "default_language", "languages", "translated_title",
    "instruction", "anonymous", "interviewer_assisted_allowed", "style", "clean_text_values",
)  # fmt: skip
SETTINGS_TRANSLATABLE = {"translated_title", "instruction"}
SETTINGS_ALIASES = {
    "set_form_title": "form_title",
    "set_form_id": "form_id",
    "id_string": "form_id",
}
#: Sheets pyxform reads that fieldkit has no use for.
UNSUPPORTED_SHEETS = ("external_choices", "entities", "osm")

LANGUAGE_NAMES = {
    "nb": "nb", "nob": "nb", "no": "nb", "bokmål": "nb", "bokmal": "nb", "norsk": "nb",
    "norsk bokmål": "nb", "norwegian": "nb", "norwegian bokmål": "nb", "norwegian bokmal": "nb",
    "nn": "nn", "nno": "nn", "nynorsk": "nn", "norsk nynorsk": "nn", "norwegian nynorsk": "nn",
    "en": "en", "eng": "en", "english": "en", "engelsk": "en",
}  # fmt: skip
YES = {"yes", "true", "true()", "1"}
NO = {"no", "false", "false()", "0"}

#: What each kind of survey row may fill in (anything else is refused, not dropped).
_BASE = {"type", "name", "label", "hint", "relevant", "number"}
_ANSWER = _BASE | {"required", "soft_required", "constraint", "constraint_message"}
ROW_COLUMNS = {
    "section": {"type", "name", "label", "relevant", "appearance"},
    "grid": {"type", "name", "label", "hint", "relevant", "appearance", "number", "ordinal",
             "layout"},
    "grid_row": {"type", "name", "label", "required", "soft_required", "constraint",
                 "constraint_message", "other"},
    "table": _BASE | {"required", "soft_required", "repeat_count"},
    "table_column": {"type", "name", "label", "unit"},
    "note": _BASE,
    "select_one": _ANSWER | {"appearance", "ordinal"},
    "select_multiple": _ANSWER | {"appearance", "ordinal"},
    "integer": _ANSWER | {"unit", "denominator"},
    "decimal": _ANSWER | {"unit"},
    "text": _ANSWER | {"appearance"},
    "date": _ANSWER,
    "end": {"type", "name"},
}  # fmt: skip
APPEARANCES = {
    "section": ("field-list",),
    "grid": ("table-list",),
    "select_one": ("likert", "columns", "horizontal", "horizontal-compact"),
    "select_multiple": ("likert", "columns", "horizontal", "horizontal-compact"),
    "text": ("multiline",),
}
QUESTION_TYPES = {"integer": "integer", "int": "integer", "decimal": "decimal", "text": "text",
                  "string": "text", "date": "date", "note": "note"}  # fmt: skip
SUPPORTED_TYPES = (
    "select_one LIST, select_multiple LIST, integer, decimal, text, date, note, "
    "begin_group/end_group, begin_repeat/end_repeat"
)
TABLE_SIZE = (1, 100)
#: ODK's metadata "questions" (KoBoToolbox adds start and end to every new form).
METADATA_TYPES = {
    "start", "end", "today", "deviceid", "imei", "subscriberid", "simserial", "phonenumber",
    "username", "email", "audit", "start-geopoint", "start time", "end time", "device id",
}  # fmt: skip

_SHEET, _ROW, _COLUMN = N_("sheet '%(sheet)s'"), N_(", row %(row)d"), N_(", column '%(column)s'")


@dataclass(frozen=True)
class SheetPlace:
    """Where in the workbook: sheet, row and column; said in the current language."""

    sheet: str
    row: int | None = None
    column: str | None = None

    def _say(self, translate) -> str:
        place = translate(_SHEET) % {"sheet": self.sheet}
        if self.row is not None:
            place += translate(_ROW) % {"row": self.row}
        if self.column is not None:
            place += translate(_COLUMN) % {"column": self.column}
        return place

    @property
    def english(self) -> str:
        return self._say(lambda text: text)

    def __str__(self) -> str:
        return self._say(gettext)


def sheet_error(
    sheet: str, row: int | None, column: str | None, message: str, /, **params: Any
) -> DefinitionError:
    """A refusal whose path is its place in the workbook (said in the reader's language)."""
    return DefinitionError(SheetPlace(sheet, row, column), message, **params)


def language_code(name: str) -> str | None:
    """The language code of a column suffix: ``nb``, ``Norsk (nb)``, ``Nynorsk``, ``English``."""
    name = name.strip()
    match = re.search(r"\(([A-Za-z_-]+)\)\s*$", name)
    key = (match.group(1) if match else name).lower()
    return LANGUAGE_NAMES.get(key)


def yes_no(value: Any) -> bool | None:
    """``yes``/``no`` (and pyxform's other spellings) as a bool; None when it is neither."""
    text = str(value).strip().lower()
    if text in YES:
        return True
    if text in NO:
        return False
    return None


#: Kinds of rows with their article, for messages ("a grid row"); said when shown.
KIND_NAMES = {
    "section": lazy_gettext("a section (begin_group)"),
    "grid": lazy_gettext("a grid (table-list group)"),
    "grid_row": lazy_gettext("a grid row"),
    "table": lazy_gettext("a table (begin_repeat)"),
    "table_column": lazy_gettext("a table column"),
    "end": lazy_gettext("an end_group/end_repeat"),
}


def kind_name(row_kind: str):
    """The kind of row, with its article, for messages: "a grid row", "an integer"."""
    if row_kind in KIND_NAMES:
        return KIND_NAMES[row_kind]
    return f"an {row_kind}" if row_kind[0] in "aeiou" else f"a {row_kind}"
