"""XLSForm in and out: the spreadsheet format of ODK and KoBoToolbox.

``read_xlsform`` reads a workbook with pyxform, the reference implementation behind ODK and
KoBoToolbox, so a form that converts there converts here: pyxform reads the sheets, resolves
aliases, languages and choice lists, and validates the form (``workbook_to_json`` and the XForm
build). The survey rows are checked first against what fieldkit represents, so that anything
else is refused with its sheet, row and column rather than dropped. ``write_xlsform`` writes a
workbook that pyxform accepts and that ``read_xlsform`` reads back to an equal definition.

The mapping (and the extra columns for what XLSForm lacks) is documented in
``docs/questionnaire-format.md``.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import openpyxl
from flask_babel import gettext, lazy_gettext
from openpyxl.styles import Font
from pyxform.builder import create_survey_element_from_dict
from pyxform.errors import PyXFormError
from pyxform.xls2json import workbook_to_json
from pyxform.xls2json_backends import get_xlsform

from fieldkit.core.i18n import N_
from fieldkit.surveys.questionnaires import definition as d
from fieldkit.surveys.questionnaires import logic
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
#: What pyxform raises on a form it cannot convert (besides its own error, on odd input).
PYXFORM_ERRORS = (PyXFormError, ValueError, KeyError, TypeError, AttributeError)


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


def _place(sheet: str, row: int | None = None, column: str | None = None) -> SheetPlace:
    return SheetPlace(sheet, row, column)


def _error(
    sheet: str, row: int | None, column: str | None, message: str, /, **params: Any
) -> DefinitionError:
    return DefinitionError(_place(sheet, row, column), message, **params)


def _language(name: str) -> str | None:
    """The language code of a column suffix: ``nb``, ``Norsk (nb)``, ``Nynorsk``, ``English``."""
    name = name.strip()
    match = re.search(r"\(([A-Za-z_-]+)\)\s*$", name)
    key = (match.group(1) if match else name).lower()
    return LANGUAGE_NAMES.get(key)


def _flag(value: Any) -> bool | None:
    """``yes``/``no`` (and pyxform's other spellings) as a bool; None when it is neither."""
    text = str(value).strip().lower()
    if text in YES:
        return True
    if text in NO:
        return False
    return None


# --------------------------------------------------------------------------------------------
# Reading: the rows as the spreadsheet has them (for places and for what is not allowed)


@dataclass
class _Sheet:
    """One sheet as pyxform's reader gives it: headers and rows, with spreadsheet row numbers."""

    name: str
    headers: list[str]
    rows: list[tuple[int, dict[str, str]]]
    #: header -> (canonical column, language code or None)
    columns: dict[str, tuple[str, str | None]] = field(default_factory=dict)

    def value(self, row: dict[str, str], column: str) -> str | None:
        """The row's value in ``column`` (a canonical, untranslated column)."""
        for header, (canonical, _language_code) in self.columns.items():
            if canonical == column and row.get(header) not in (None, ""):
                return str(row[header]).strip()
        return None

    def filled(self, row: dict[str, str]) -> list[str]:
        """The canonical columns the row has a value in."""
        return [self.columns[h][0] for h in row if h in self.columns and row[h] not in (None, "")]

    def header_of(self, column: str) -> str:
        """The spreadsheet header of a canonical column, for messages."""
        for header, (canonical, language_code) in self.columns.items():
            if canonical == column and language_code is None:
                return header
        return column


def _sheet(data: Any, name: str) -> _Sheet | None:
    rows = getattr(data, name, None)
    header_rows = getattr(data, f"{name}_header", None)
    if not rows and not header_rows:
        return None
    headers = list(header_rows[0]) if header_rows else []
    return _Sheet(
        name=name,
        headers=headers,
        rows=[(index + 2, row) for index, row in enumerate(rows or []) if row],
    )


def _classify_columns(
    sheet: _Sheet, known: tuple[str, ...], translatable: set[str], aliases: dict[str, str]
) -> list[DefinitionError]:
    """Give each header its canonical column and language.

    Returns the refusals of filled columns fieldkit does not read (raised once the rows have
    been checked, so that an unsupported row type is named first).
    """
    refused: list[DefinitionError] = []
    for header in sheet.headers:
        if header.startswith("$"):
            continue  # KoBoToolbox's bookkeeping ($kuid, $autoname): no questionnaire content
        base, separator, suffix = header.partition("::")
        canonical = base.strip().lower()
        canonical = aliases.get(canonical, canonical)
        first_row = next((n for n, row in sheet.rows if row.get(header) not in (None, "")), None)
        language_code = None
        if separator:
            if canonical not in translatable:
                canonical = "?"  # a translation of a column that has none
            else:
                language_code = _language(suffix)
                if language_code is None:
                    raise _error(
                        sheet.name,
                        1,
                        header,
                        N_(
                            "unknown language '%(language)s' (use nb, nn or en, e.g. label::nb "
                            "or label::Norsk (nb))"
                        ),
                        language=suffix,
                    )
        if canonical not in known:
            if first_row is not None:  # an empty column says nothing
                refused.append(
                    _error(
                        sheet.name,
                        first_row,
                        header,
                        N_("the column '%(column)s' is not supported (fieldkit reads %(known)s)"),
                        column=header,
                        known=", ".join(known),
                    )
                )
            continue
        sheet.columns[header] = (canonical, language_code)
    return refused


@dataclass
class _Place:
    row: int
    kind: str
    values: dict[str, str]


@dataclass
class _Layout:
    """What the survey rows say beyond pyxform's structure: places, kinds, raw values."""

    survey: _Sheet
    places: dict[str, _Place] = field(default_factory=dict)
    choice_rows: dict[tuple[str, str], int] = field(default_factory=dict)
    languages: list[str] = field(default_factory=list)

    def place(self, name: str) -> _Place | None:
        return self.places.get(name)

    def error(
        self, name: str, column: str | None, message: str, /, **params: Any
    ) -> DefinitionError:
        place = self.places.get(name)
        return _error(SURVEY, place.row if place else None, column, message, **params)


def _row_type(raw: str) -> tuple[str, str | None]:
    """(kind, choice list) of a survey ``type`` cell; kind ``unsupported`` for the rest."""
    parts = raw.split()
    head = parts[0].lower() if parts else ""
    words = [p.lower() for p in parts]
    if head in ("select_one", "select1") and len(parts) == 2:
        return "select_one", parts[1]
    if head == "select_multiple" and len(parts) == 2:
        return "select_multiple", parts[1]
    if words[:2] == ["select", "one"] and len(parts) == 3:
        return "select_one", parts[2]
    if words[:4] == ["select", "all", "that", "apply"] and len(parts) == 5:
        return "select_multiple", parts[4]
    joined = "_".join(words)
    if joined in ("begin_group", "begin_repeat", "end_group", "end_repeat"):
        return joined, None
    if len(parts) == 1 and head in QUESTION_TYPES:
        return QUESTION_TYPES[head], None
    return "unsupported", None


def _unsupported_type(raw: str) -> tuple[str, dict[str, str]]:
    """The message (and its parameters) for a survey ``type`` fieldkit does not read."""
    parts = raw.split()
    if raw.strip().lower() in METADATA_TYPES:
        return N_(
            "'%(type)s' is not supported: it is ODK metadata about the device or the session, "
            "not a question (fieldkit records when answers were given); delete the row"
        ), {"type": raw}
    if len(parts) > 1 and parts[-1].lower() == "or_other":
        return N_(
            "'%(type)s' is not supported: instead of or_other, add a choice with "
            "other = yes on the choices sheet"
        ), {"type": raw}
    shown = parts[0] if len(parts) <= 2 else raw
    return N_("'%(type)s' is not supported (fieldkit reads %(supported)s)"), {
        "type": shown,
        "supported": SUPPORTED_TYPES,
    }


def _check_survey_rows(layout: _Layout, list_names: set[str]) -> None:
    """Walk the survey rows: types, nesting, groups closed, columns each kind may use."""
    survey = layout.survey
    # Open groups: (type, row, name, kind) where kind is section, grid or table.
    stack: list[tuple[str, int, str, str]] = []
    earlier: set[str] = set()  # names of the questions above the row
    for number, row in survey.rows:
        raw_type = survey.value(row, "type")
        filled = survey.filled(row)
        if raw_type is None:
            if any(c in filled for c in ("name", "label")):
                raise _error(SURVEY, number, "type", N_("the row has no type"))
            continue
        kind, list_name = _row_type(raw_type)
        name = survey.value(row, "name") or ""
        if kind == "unsupported":
            message, params = _unsupported_type(raw_type)
            raise _error(SURVEY, number, "type", message, **params)
        inside = stack[-1][3] if stack else None
        if kind in ("end_group", "end_repeat"):
            opened = "begin_group" if kind == "end_group" else "begin_repeat"
            if not stack:
                raise _error(
                    SURVEY,
                    number,
                    "type",
                    N_("'%(type)s' has no %(opened)s before it"),
                    type=raw_type,
                    opened=opened,
                )
            if stack[-1][0] != opened:
                closing = "end_group" if stack[-1][0] == "begin_group" else "end_repeat"
                raise _error(
                    SURVEY,
                    number,
                    "type",
                    N_("'%(type)s' cannot close '%(name)s' (row %(row)d): use %(closing)s"),
                    type=raw_type,
                    name=stack[-1][2],
                    row=stack[-1][1],
                    closing=closing,
                )
            stack.pop()
            row_kind = "end"
        elif kind == "begin_group":
            appearance = (survey.value(row, "appearance") or "").strip()
            if appearance == "table-list":
                if inside not in (None, "section"):
                    raise _error(
                        SURVEY,
                        number,
                        "type",
                        N_("a grid cannot be inside %(inside)s '%(name)s'"),
                        inside=_kind_name(inside),
                        name=stack[-1][2],
                    )
                row_kind = "grid"
            else:
                if inside is not None:
                    raise _error(
                        SURVEY,
                        number,
                        "type",
                        N_(
                            "a group inside %(inside)s '%(name)s' is not supported: groups "
                            "are sections (pages); inside them, use appearance table-list for a "
                            "grid or begin_repeat for a table"
                        ),
                        inside=_kind_name(inside),
                        name=stack[-1][2],
                    )
                row_kind = "section"
            stack.append((kind, number, name, row_kind))
        elif kind == "begin_repeat":
            if inside not in (None, "section"):
                raise _error(
                    SURVEY,
                    number,
                    "type",
                    N_("a table cannot be inside %(inside)s '%(name)s'"),
                    inside=_kind_name(inside),
                    name=stack[-1][2],
                )
            count = survey.value(row, "repeat_count")
            if count is None or not re.fullmatch(r"\d+", count):
                raise _error(
                    SURVEY,
                    number,
                    "repeat_count",
                    N_(
                        "only a fixed number of rows is supported: give repeat_count as a whole "
                        "number from %(low)d to %(high)d (dynamic repeats are not supported)"
                    ),
                    low=TABLE_SIZE[0],
                    high=TABLE_SIZE[1],
                )
            if not TABLE_SIZE[0] <= int(count) <= TABLE_SIZE[1]:
                raise _error(
                    SURVEY,
                    number,
                    "repeat_count",
                    N_("a table has %(low)d to %(high)d rows, not %(count)s"),
                    low=TABLE_SIZE[0],
                    high=TABLE_SIZE[1],
                    count=count,
                )
            row_kind = "table"
            stack.append((kind, number, name, row_kind))
        elif inside == "grid":
            if kind not in ("select_one", "select_multiple"):
                raise _error(
                    SURVEY,
                    number,
                    "type",
                    N_(
                        "a grid (table-list group '%(name)s') holds only select_one or "
                        "select_multiple questions, not '%(type)s'"
                    ),
                    name=stack[-1][2],
                    type=raw_type,
                )
            row_kind = "grid_row"
        elif inside == "table":
            if kind not in ("integer", "decimal", "text"):
                raise _error(
                    SURVEY,
                    number,
                    "type",
                    N_(
                        "a table (repeat '%(name)s') holds only integer, decimal or text "
                        "columns, not '%(type)s'"
                    ),
                    name=stack[-1][2],
                    type=raw_type,
                )
            row_kind = "table_column"
        else:
            row_kind = kind
        if list_name is not None and list_name not in list_names:
            raise _error(
                SURVEY,
                number,
                "type",
                N_("the choice list '%(name)s' does not exist on the choices sheet"),
                name=list_name,
            )
        for column in filled:
            if column not in ROW_COLUMNS[row_kind]:
                raise _error(
                    SURVEY,
                    number,
                    survey.header_of(column),
                    N_("the column '%(column)s' is not used on %(kind)s row"),
                    column=column,
                    kind=_kind_name(row_kind),
                )
        appearance = survey.value(row, "appearance")
        if appearance is not None and appearance not in APPEARANCES.get(row_kind, ()):
            allowed = APPEARANCES.get(row_kind, ())
            raise _error(
                SURVEY,
                number,
                "appearance",
                N_(
                    "the appearance '%(appearance)s' is not supported on %(kind)s row "
                    "(use %(allowed)s)"
                )
                if allowed
                else N_("the appearance '%(appearance)s' is not supported on %(kind)s row"),
                appearance=appearance,
                kind=_kind_name(row_kind),
                allowed=", ".join(allowed),
            )
        for flag_column in ("required", "soft_required", "ordinal", "other"):
            value = survey.value(row, flag_column)
            if value is not None and _flag(value) is None:
                raise _error(
                    SURVEY,
                    number,
                    flag_column,
                    N_("'%(value)s' is not yes or no (conditions in %(column)s are not supported)"),
                    value=value,
                    column=flag_column,
                )
        if row_kind not in ("section", "grid", "table", "end") and not (
            {"label", "hint"} & set(filled)
        ):
            raise _error(
                SURVEY,
                number,
                "label",
                N_("the question has no label (XLSForm needs a label or hint)"),
            )
        _check_condition(survey.value(row, "relevant"), earlier, number, "relevant")
        # A constraint may also name its own question instead of ".".
        _check_condition(survey.value(row, "constraint"), earlier | {name}, number, "constraint")
        for header, (column, _language_code) in survey.columns.items():
            if column in SURVEY_TRANSLATABLE and "${" in str(row.get(header) or ""):
                raise _error(
                    SURVEY,
                    number,
                    header,
                    N_(
                        "answers inside texts (${...}) are not supported: fieldkit shows texts "
                        "as written"
                    ),
                )
        if row_kind != "end" and not d.NAME_PATTERN.match(name):
            raise _error(
                SURVEY,
                number,
                "name",
                N_(
                    "'%(name)s' is not a valid name: a letter, then letters, digits or _ "
                    "(at most 32)"
                ),
                name=name,
            )
        if row_kind != "end" and name:
            if row_kind not in ("section", "table_column"):
                earlier.add(name)
            if name in layout.places:
                raise _error(
                    SURVEY,
                    number,
                    "name",
                    N_("the name '%(name)s' is already used in row %(row)d"),
                    name=name,
                    row=layout.places[name].row,
                )
            values = {column: survey.value(row, column) for column in filled}
            layout.places[name] = _Place(number, row_kind, values)
    if stack:
        kind, number, name, _row_kind = stack[-1]
        closing = "end_group" if kind == "begin_group" else "end_repeat"
        raise _error(
            SURVEY,
            number,
            "type",
            N_("'%(name)s' is never closed (no %(closing)s after it)"),
            name=name,
            closing=closing,
        )


def _check_condition(expression: str | None, earlier: set[str], row: int, column: str) -> None:
    """A relevant or constraint parses, and refers only to questions above it."""
    if expression is None:
        return
    try:
        tree = logic.parse(expression)
    except logic.ConditionError as exc:
        raise _error(SURVEY, row, column, exc.template, **exc.params) from None
    for reference in logic.references(tree):
        if reference not in earlier:
            raise _error(
                SURVEY,
                row,
                column,
                N_("refers to '%(name)s', which is not a question before this one"),
                name=reference,
            )


#: Kinds of rows with their article, for messages ("a grid row"); said when shown.
KIND_NAMES = {
    "section": lazy_gettext("a section (begin_group)"),
    "grid": lazy_gettext("a grid (table-list group)"),
    "grid_row": lazy_gettext("a grid row"),
    "table": lazy_gettext("a table (begin_repeat)"),
    "table_column": lazy_gettext("a table column"),
    "end": lazy_gettext("an end_group/end_repeat"),
}


def _kind_name(row_kind: str):
    """The kind of row, with its article, for messages: "a grid row", "an integer"."""
    if row_kind in KIND_NAMES:
        return KIND_NAMES[row_kind]
    return f"an {row_kind}" if row_kind[0] in "aeiou" else f"a {row_kind}"


def _check_choices(sheet: _Sheet | None, layout: _Layout) -> set[str]:
    """Codes, flags and duplicates of the choices sheet; returns the list names."""
    names: set[str] = set()
    if sheet is None:
        return names
    for number, row in sheet.rows:
        list_name = sheet.value(row, "list_name")
        code = sheet.value(row, "name")
        if list_name is None and code is None:
            continue
        if list_name is None:
            raise _error(CHOICES, number, "list_name", N_("the choice has no list_name"))
        if code is None:
            raise _error(CHOICES, number, "name", N_("the choice has no name (its code)"))
        if not d.CODE_PATTERN.match(code):
            raise _error(
                CHOICES,
                number,
                "name",
                N_("the code '%(code)s' must be 1-32 letters, digits or _"),
                code=code,
            )
        if (list_name, code) in layout.choice_rows:
            first = layout.choice_rows[(list_name, code)]
            raise _error(
                CHOICES,
                number,
                "name",
                N_(
                    "the code '%(code)s' is used twice in the list '%(list)s' (also in row %(row)d)"
                ),
                code=code,
                list=list_name,
                row=first,
            )
        for flag_column in ("other", "nonsubstantive", "exclusive"):
            value = sheet.value(row, flag_column)
            if value is not None and _flag(value) is None:
                raise _error(
                    CHOICES, number, flag_column, N_("'%(value)s' is not yes or no"), value=value
                )
        layout.choice_rows[(list_name, code)] = number
        names.add(list_name)
    return names


# --------------------------------------------------------------------------------------------
# Reading: pyxform's structure to the definition


def _pyxform_error(exc: Exception) -> DefinitionError:
    message = str(exc).strip()
    match = re.match(r"\[row\s*:\s*(\d+)\]\s*(.*)", message, re.DOTALL)
    sheet = CHOICES if "'choices' sheet" in message else SURVEY
    if match:
        return _error(
            sheet, int(match.group(1)), None, N_("pyxform: %(message)s"), message=match.group(2)
        )
    return DefinitionError("", N_("pyxform refuses the form: %(message)s"), message=message)


def _texts(value: Any, default: str) -> d.Text:
    """A text as pyxform gives it (a string, or a mapping from column language) by language."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        return {default: str(value)} if str(value) else {}
    result = {}
    for key, text in value.items():
        code = default if key == "default" else _language(key)
        if code is not None and text not in (None, ""):
            result[code] = str(text)
    return result


class _Mapper:
    """Turns pyxform's JSON form into a definition, checking what pyxform cannot know."""

    def __init__(self, form: dict[str, Any], layout: _Layout, default_language: str):
        self.form = form
        self.layout = layout
        self.default = default_language
        self.lists: dict[str, list[dict[str, Any]]] = form.get("choices") or {}
        self.list_users: dict[str, list[str]] = {}

    def text(self, value: Any) -> d.Text:
        return _texts(value, self.default)

    def flag(self, node: dict[str, Any], key: str) -> bool:
        value = (node.get("bind") or {}).get(key) if key == "required" else node.get(key)
        return bool(value is not None and _flag(value))

    @staticmethod
    def condition(expression: str | None) -> str | None:
        """A relevant or constraint as written (the survey rows were checked already)."""
        if expression is None or not str(expression).strip():
            return None
        return str(expression).strip()

    def choices(self, name: str, list_name: str) -> list[d.Choice]:
        self.list_users.setdefault(list_name, []).append(name)
        return [self.choice(raw) for raw in self.lists.get(list_name, [])]

    def choice(self, raw: dict[str, Any]) -> d.Choice:
        return d.Choice(
            code=str(raw["name"]),
            label=self.text(raw.get("label")),
            other=bool(_flag(raw.get("other", "no"))),
            nonsubstantive=bool(_flag(raw.get("nonsubstantive", "no"))),
            exclusive=bool(_flag(raw.get("exclusive", "no"))),
        )

    def questionnaire(self) -> d.Questionnaire:
        sections: list[d.Section] = []
        loose: list[d.Item] = []

        def close_loose() -> None:
            if loose:
                sections.append(d.Section(name=f"s{len(sections) + 1}", items=list(loose)))
                loose.clear()

        for node in self.form.get("children", []):
            if self.generated(node):
                continue
            place = self.layout.place(node["name"])
            if node["type"] == "group" and place and place.kind == "section":
                close_loose()
                sections.append(self.section(node))
            else:
                loose.append(self.item(node))
        close_loose()
        return d.Questionnaire(title={}, sections=sections)

    def generated(self, node: dict[str, Any]) -> bool:
        """pyxform's own additions: the meta group and the row count of a fixed repeat."""
        if node.get("type") == "calculate":
            return True
        return node.get("name") == "meta" and (node.get("control") or {}).get("bodyless")

    def section(self, node: dict[str, Any]) -> d.Section:
        name = node["name"]
        relevant = self.condition((node.get("bind") or {}).get("relevant"))
        items = [
            self.item(child) for child in node.get("children", []) if not self.generated(child)
        ]
        return d.Section(
            name=name, title=self.text(node.get("label")), relevant=relevant, items=items
        )

    def common(self, node: dict[str, Any], item_type: str) -> d.Item:
        name = node["name"]
        place = self.layout.place(name)
        bind = node.get("bind") or {}
        return d.Item(
            name=name,
            type=item_type,
            label=self.text(node.get("label")),
            hint=self.text(node.get("hint")),
            number=place.values.get("number") if place else None,
            required=self.flag(node, "required"),
            soft_required=self.flag(node, "soft_required"),
            relevant=self.condition(bind.get("relevant")),
        )

    def item(self, node: dict[str, Any]) -> d.Item:
        name = node["name"]
        place = self.layout.place(name)
        kind = place.kind if place else node["type"]
        if kind == "grid":
            item = self.grid(node)
        elif kind == "table":
            item = self.table(node)
        else:
            item = self.question(node, kind)
        return item

    def question(self, node: dict[str, Any], kind: str) -> d.Item:
        place = self.layout.place(node["name"])
        values = place.values if place else {}
        appearance = values.get("appearance")
        if kind in ("select_one", "select_multiple"):
            item = self.common(node, d.SINGLE if kind == "select_one" else d.MULTIPLE)
            item.choices = self.choices(item.name, node["list_name"])
            item.choice_list = node["list_name"]
            item.layout = "vertical" if appearance is None else "horizontal"
            item.ordinal = appearance == "likert"
            if values.get("ordinal") is not None:
                item.ordinal = bool(_flag(values["ordinal"]))
        elif kind == "integer":
            item = self.common(node, d.FRACTION if values.get("denominator") else d.INTEGER)
            if item.type == d.FRACTION:
                denominator = values["denominator"]
                if not re.fullmatch(r"\d+", denominator) or int(denominator) < 1:
                    raise self.layout.error(
                        item.name, "denominator", N_("'x av N' needs a whole number N >= 1")
                    )
                item.denominator = int(denominator)
        elif kind == "decimal":
            item = self.common(node, d.DECIMAL)
        elif kind == "text":
            item = self.common(node, d.LONG_TEXT if appearance == "multiline" else d.TEXT)
        elif kind == "date":
            item = self.common(node, d.DATE)
        elif kind == "note":
            item = self.common(node, d.NOTE)
        else:  # pragma: no cover - the survey rows were checked before
            raise self.layout.error(
                node["name"], "type", N_("'%(type)s' is not supported"), type=kind
            )
        item.unit = self.text(node.get("unit"))
        self.validation(item, node)
        return item

    def validation(self, item: d.Item, node: dict[str, Any]) -> None:
        bind = node.get("bind") or {}
        constraint = self.condition(bind.get("constraint"))
        item.constraint_message = self.text(bind.get("jr:constraintMsg"))
        if constraint is None:
            return
        counts = item.type in (d.MULTIPLE, d.GRID_MULTIPLE)
        low, high, rest = split_constraint(constraint, counts=counts)
        if counts:
            item.min_choices = int(low) if low is not None else None
            item.max_choices = int(high) if high is not None else None
        else:
            item.minimum, item.maximum = low, high
        if low is not None and high is not None and low > high:
            raise self.layout.error(item.name, "constraint", N_("the minimum is above the maximum"))
        item.constraint = rest

    def grid(self, node: dict[str, Any]) -> d.Item:
        children = [c for c in node.get("children", []) if not self.generated(c)]
        heading = next(
            (c for c in children if c["name"].startswith("generated_table_list_label_")), None
        )
        rows = [
            c
            for c in children
            if not c["name"].startswith(("generated_table_list_label_", "reserved_name_for_"))
        ]
        name = node["name"]
        if not rows:
            raise self.layout.error(name, "type", N_("a grid (table-list group) needs questions"))
        item = self.common(node, d.GRID_SINGLE)
        if heading is not None:
            item.label = self.text(heading.get("label"))
            item.hint = self.text(heading.get("hint"))
        first = rows[0]
        item.type = d.GRID_SINGLE if first["type"] == "select one" else d.GRID_MULTIPLE
        list_name = first["list_name"]
        place = self.layout.place(name)
        values = place.values if place else {}
        item.ordinal = bool(_flag(values.get("ordinal", "no")))
        item.layout = values.get("layout", "vertical")
        if item.layout not in d.LAYOUTS:
            raise self.layout.error(
                name, "layout", N_("use one of %(layouts)s"), layouts=", ".join(d.LAYOUTS)
            )
        shared = ("required", "soft_required", "constraint", "constraint_message")
        first_values = {c: self.layout.place(first["name"]).values.get(c) for c in shared}
        for row in rows:
            row_place = self.layout.place(row["name"])
            if row["type"] != first["type"] or row["list_name"] != list_name:
                raise self.layout.error(
                    row["name"],
                    "type",
                    N_(
                        "every question of the grid '%(name)s' needs the same type as its "
                        "first row (%(type)s)"
                    ),
                    name=name,
                    type=self.layout.place(first["name"]).values["type"],
                )
            for column in shared:
                if row_place.values.get(column) != first_values[column]:
                    raise self.layout.error(
                        row["name"],
                        column,
                        N_(
                            "every question of the grid '%(name)s' needs the same %(column)s "
                            "(it applies to the grid as a whole)"
                        ),
                        name=name,
                        column=column,
                    )
            item.rows.append(
                d.Row(
                    name=row["name"],
                    label=self.text(row.get("label")),
                    other=bool(_flag(row_place.values.get("other", "no"))),
                )
            )
        item.required = self.flag(first, "required")
        item.soft_required = self.flag(first, "soft_required")
        item.choices = self.choices(name, list_name)
        item.choice_list = list_name
        self.validation(item, first)
        return item

    def table(self, node: dict[str, Any]) -> d.Item:
        item = self.common(node, d.TABLE)
        item.row_count = int(self.layout.place(item.name).values["repeat_count"])
        for child in node.get("children", []):
            item.columns.append(
                d.Column(
                    name=child["name"],
                    label=self.text(child.get("label")),
                    type={"integer": d.INTEGER, "decimal": d.DECIMAL}.get(child["type"], d.TEXT),
                    unit=self.text(child.get("unit")),
                )
            )
        return item

    def share_lists(self, questionnaire: d.Questionnaire) -> None:
        """A list is a question's own when only that question uses it and has its name;
        every other list is a shared choice list (kept even when no question uses it)."""
        for list_name, raw in self.lists.items():
            users = self.list_users.get(list_name, [])
            if users == [list_name]:
                continue
            questionnaire.choice_lists[list_name] = [self.choice(c) for c in raw]
        for _section, item in questionnaire.items():
            if item.choice_list is not None and item.choice_list not in questionnaire.choice_lists:
                item.choice_list = None


def split_constraint(
    constraint: str, *, counts: bool = False
) -> tuple[Decimal | None, Decimal | None, str | None]:
    """(minimum, maximum, the rest) of a constraint that starts with a simple range.

    ``. >= 0 and . <= 10`` gives (0, 10, None); with ``counts`` the range is on
    ``count-selected(.)`` (the number of ticks). What follows the range stays a constraint;
    ``join_constraint`` is the inverse.
    """
    term = (
        re.compile(r"count-selected\(\s*\.\s*\)\s*(>=|<=)\s*(\d+)")
        if counts
        else re.compile(r"\.\s*(>=|<=)\s*(-?\d+(?:\.\d+)?)")
    )
    parts = _split_and(constraint)
    bounds: dict[str, Decimal] = {}
    taken = 0
    for part in parts:
        match = term.fullmatch(part)
        if not match or match.group(1) in bounds:
            break
        bounds[match.group(1)] = Decimal(match.group(2))
        taken += 1
    rest_parts = parts[taken:]
    if not rest_parts:
        rest = None
    elif len(rest_parts) == 1 and _wrapped(rest_parts[0]):
        rest = rest_parts[0][1:-1].strip()
    elif taken == 0:
        rest = constraint
    else:
        rest = " and ".join(rest_parts)
    return bounds.get(">="), bounds.get("<="), rest


def join_constraint(
    low: Decimal | int | None, high: Decimal | int | None, rest: str | None, *, counts: bool = False
) -> str | None:
    """The constraint of a range and a further condition; ``split_constraint`` undoes it."""
    subject = "count-selected(.)" if counts else "."
    terms = []
    if low is not None:
        terms.append(f"{subject} >= {_number(low)}")
    if high is not None:
        terms.append(f"{subject} <= {_number(high)}")
    if rest:
        starts_with_range = split_constraint(rest, counts=counts)[:2] != (None, None)
        plain = not terms and not starts_with_range and not _wrapped(rest.strip())
        terms.append(rest if plain else f"({rest})")
    return " and ".join(terms) or None


def _split_and(expression: str) -> list[str]:
    """The parts of ``expression`` joined by a top-level ``and``."""
    parts, depth, quote, start = [], 0, None, 0
    index = 0
    while index < len(expression):
        char = expression[index]
        if quote:
            if char == quote:
                quote = None
        elif char in "'\"":
            quote = char
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif depth == 0:
            match = re.match(r"\s+and\s+", expression[index:])
            if match and index > start:
                parts.append(expression[start:index].strip())
                index += match.end()
                start = index
                continue
        index += 1
    parts.append(expression[start:].strip())
    return parts


def _wrapped(expression: str) -> bool:
    """Whether one pair of parentheses encloses the whole expression."""
    if not (expression.startswith("(") and expression.endswith(")")):
        return False
    depth, quote = 0, None
    for index, char in enumerate(expression):
        if quote:
            if char == quote:
                quote = None
        elif char in "'\"":
            quote = char
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth == 0 and index < len(expression) - 1:
                return False
    return True


def _number(value: Decimal | int) -> str:
    value = Decimal(value)
    if value == value.to_integral_value():
        return str(int(value))
    return format(value.normalize(), "f")


def _settings_languages(layout: _Layout, settings: _Sheet | None):
    """(default language, languages) from the settings and the language columns."""
    row = settings.rows[0][1] if settings and settings.rows else {}
    raw_default = settings.value(row, "default_language") if settings else None
    default = None
    if raw_default:
        default = _language(raw_default)
        if default is None:
            raise _error(
                SETTINGS,
                2,
                "default_language",
                N_("unknown language '%(language)s' (use nb, nn or en)"),
                language=raw_default,
            )
    survey = layout.survey
    found = [
        code
        for header, (_column, code) in survey.columns.items()
        if code and any(row.get(header) not in (None, "") for _n, row in survey.rows)
    ]
    default = default or (found[0] if found else "nb")
    raw_languages = settings.value(row, "languages") if settings else None
    if raw_languages:
        languages = []
        for word in re.split(r"[\s,]+", raw_languages.strip()):
            if word not in d.LANGUAGES:
                raise _error(
                    SETTINGS,
                    2,
                    "languages",
                    N_("unknown language '%(language)s' (use nb, nn and en)"),
                    language=word,
                )
            languages.append(word)
        return default, languages
    return default, list(dict.fromkeys([default, *found]))


def read_xlsform(content: bytes) -> d.Questionnaire:
    """A questionnaire from an XLSForm workbook (.xlsx), read and validated by pyxform.

    Raises ``DefinitionError`` whose path names the sheet, row and column.
    """
    try:
        data = get_xlsform(io.BytesIO(content), file_type=".xlsx")
    except (PyXFormError, ValueError, OSError) as exc:
        raise DefinitionError(
            "", N_("the file is not a readable .xlsx workbook (%(reason)s)"), reason=str(exc)
        ) from None
    survey = _sheet(data, SURVEY)
    if survey is None or not survey.rows:
        raise DefinitionError("", N_("the workbook has no 'survey' sheet with questions"))
    for name in UNSUPPORTED_SHEETS:
        if getattr(data, name, None):
            raise _error(name, None, None, N_("the sheet '%(name)s' is not supported"), name=name)
    choices = _sheet(data, CHOICES)
    settings = _sheet(data, SETTINGS)
    refused = _classify_columns(survey, SURVEY_COLUMNS, SURVEY_TRANSLATABLE, SURVEY_ALIASES)
    if choices is not None:
        refused += _classify_columns(choices, CHOICES_COLUMNS, {"label"}, CHOICES_ALIASES)
    if settings is not None:
        refused += _classify_columns(
            settings, SETTINGS_COLUMNS, SETTINGS_TRANSLATABLE, SETTINGS_ALIASES
        )
    layout = _Layout(survey=survey)
    list_names = _check_choices(choices, layout)
    _check_survey_rows(layout, list_names)
    if refused:
        raise refused[0]
    default, languages = _settings_languages(layout, settings)

    warnings: list[str] = []
    try:
        form = workbook_to_json(
            workbook_dict=data,
            fallback_form_name=data.fallback_form_name,
            warnings=warnings,
        )
    except PYXFORM_ERRORS as exc:
        raise _pyxform_error(exc) from None
    mapper = _Mapper(form, layout, default)
    questionnaire = mapper.questionnaire()
    try:
        create_survey_element_from_dict(form).to_xml(validate=False, warnings=warnings)
    except PYXFORM_ERRORS as exc:
        raise _pyxform_error(exc) from None
    _apply_settings(questionnaire, form, settings, default, languages)
    mapper.share_lists(questionnaire)
    _check(questionnaire, layout)
    return questionnaire


def _apply_settings(q: d.Questionnaire, form, settings: _Sheet | None, default, languages):
    row = settings.rows[0][1] if settings and settings.rows else {}
    title = settings.value(row, "form_title") if settings else None
    if not title:
        raise _error(
            SETTINGS, None, "form_title", N_("the questionnaire needs a title (form_title)")
        )
    q.title = {
        default: str(form.get("title", title)),
        **_texts(form.get("translated_title"), default),
    }
    q.intro = _texts(form.get("instruction"), default)
    q.languages = languages
    for key in ("anonymous", "interviewer_assisted_allowed"):
        value = settings.value(row, key)
        if value is not None:
            flag = _flag(value)
            if flag is None:
                raise _error(SETTINGS, 2, key, N_("'%(value)s' is not yes or no"), value=value)
            setattr(q, key, flag)


def _check(q: d.Questionnaire, layout: _Layout) -> None:
    """The definition's own checks, with their place translated to the sheet."""
    try:
        d.check(q)
    except DefinitionError as exc:
        match = re.match(r"sections\[(\d+)\](?:\.questions\[(\d+)\])?(?:\.(\w+))?", exc.path)
        if not match:
            raise
        section = q.sections[int(match.group(1))]
        name = section.name
        if match.group(2) is not None:
            name = section.items[int(match.group(2))].name
        column = match.group(3) if match.group(3) in ("relevant", "constraint") else "name"
        raise layout.error(name, column, exc.template, **exc.params) from None


# --------------------------------------------------------------------------------------------
# Writing


def _languages_used(q: d.Questionnaire) -> list[str]:
    """The questionnaire's languages, then any other language a text uses."""
    found = list(q.languages)

    def note(text: d.Text) -> None:
        for language in text:
            if language not in found:
                found.append(language)

    for text in (q.title, q.intro):
        note(text)
    for choices in q.choice_lists.values():
        for choice in choices:
            note(choice.label)
    for section in q.sections:
        note(section.title)
        for item in section.items:
            for text in (item.label, item.hint, item.unit, item.constraint_message):
                note(text)
            for part in (*item.choices, *item.rows, *item.columns):
                note(part.label)
            for column in item.columns:
                note(column.unit)
    return found


def _yes(value: bool) -> str | None:
    return "yes" if value else None


class _Writer:
    def __init__(self, q: d.Questionnaire):
        self.q = q
        self.languages = _languages_used(q)
        translated = [
            f"{column}::{language}"
            for column in ("label", "hint", "constraint_message", "unit")
            for language in self.languages
        ]
        self.survey_headers = [
            "type", "name", *[h for h in translated if h.startswith(("label", "hint"))],
            "required", "soft_required", "relevant", "constraint",
            *[h for h in translated if h.startswith("constraint_message")],
            "appearance", "repeat_count", "number", "ordinal", "layout",
            *[h for h in translated if h.startswith("unit")], "denominator", "other",
        ]  # fmt: skip
        self.survey: list[dict[str, Any]] = []
        self.choices: list[dict[str, Any]] = []
        self.list_names: dict[str, str] = {}  # item name -> its own list's name
        self.written_lists: set[str] = set()

    def texts(self, column: str, text: d.Text) -> dict[str, str]:
        return {f"{column}::{language}": value for language, value in text.items() if value}

    def write_list(self, list_name: str, choices: list[d.Choice]) -> None:
        self.written_lists.add(list_name)
        for choice in choices:
            self.choices.append(
                {
                    "list_name": list_name,
                    "name": choice.code,
                    **self.texts("label", choice.label),
                    "other": _yes(choice.other),
                    "nonsubstantive": _yes(choice.nonsubstantive),
                    "exclusive": _yes(choice.exclusive),
                }
            )

    def own_list(self, item: d.Item) -> str:
        if item.choice_list and item.choice_list in self.q.choice_lists:
            return item.choice_list
        name = item.name
        taken = set(self.q.choice_lists) | self.written_lists
        suffix = 1
        while name in taken:
            suffix += 1
            name = f"{item.name}_{suffix}"
        self.write_list(name, item.choices)
        return name

    def workbook(self) -> bytes:
        for list_name, choices in self.q.choice_lists.items():
            self.write_list(list_name, choices)
        previous_was_group = True
        for index, section in enumerate(self.q.sections):
            implicit = (
                section.name == f"s{index + 1}"
                and not section.title
                and not section.relevant
                and section.items
                and previous_was_group
            )
            if not implicit:
                has_table = any(item.type == d.TABLE for item in section.items)
                self.survey.append(
                    {
                        "type": "begin_group",
                        "name": section.name,
                        **self.texts("label", section.title),
                        "relevant": section.relevant,
                        "appearance": None if has_table else "field-list",
                    }
                )
            for item in section.items:
                self.item(item)
            if not implicit:
                self.survey.append({"type": "end_group"})
            previous_was_group = not implicit
        return self.save()

    def common(self, item: d.Item, row_type: str) -> dict[str, Any]:
        return {
            "type": row_type,
            "name": item.name,
            **self.texts("label", item.label),
            **self.texts("hint", item.hint),
            "relevant": item.relevant,
            "number": item.number,
        }

    def answer(self, item: d.Item) -> dict[str, Any]:
        counts = item.type in (d.MULTIPLE, d.GRID_MULTIPLE)
        low, high = (item.min_choices, item.max_choices) if counts else (item.minimum, item.maximum)
        return {
            "required": _yes(item.required),
            "soft_required": _yes(item.soft_required),
            "constraint": join_constraint(low, high, item.constraint, counts=counts),
            **self.texts("constraint_message", item.constraint_message),
        }

    def item(self, item: d.Item) -> None:
        if item.type in d.GRID_TYPES:
            self.grid(item)
            return
        if item.type == d.TABLE:
            self.table(item)
            return
        if item.type == d.NOTE:
            self.survey.append(self.common(item, "note"))
            return
        row: dict[str, Any]
        if item.type in (d.SINGLE, d.MULTIPLE):
            select = "select_one" if item.type == d.SINGLE else "select_multiple"
            row = self.common(item, f"{select} {self.own_list(item)}")
            horizontal = item.layout == "horizontal"
            row["appearance"] = ("likert" if item.ordinal else "columns") if horizontal else None
            row["ordinal"] = "yes" if item.ordinal and not horizontal else None
            if horizontal and not item.ordinal:
                row["ordinal"] = None
        else:
            row_type = {
                d.INTEGER: "integer",
                d.FRACTION: "integer",
                d.DECIMAL: "decimal",
                d.TEXT: "text",
                d.LONG_TEXT: "text",
                d.DATE: "date",
            }[item.type]
            row = self.common(item, row_type)
            if item.type == d.LONG_TEXT:
                row["appearance"] = "multiline"
            if item.type == d.FRACTION:
                row["denominator"] = item.denominator
            row.update(self.texts("unit", item.unit))
        row.update(self.answer(item))
        self.survey.append(row)

    def grid(self, item: d.Item) -> None:
        list_name = self.own_list(item)
        select = "select_one" if item.type == d.GRID_SINGLE else "select_multiple"
        self.survey.append(
            {
                **self.common(item, "begin_group"),
                "appearance": "table-list",
                "ordinal": _yes(item.ordinal),
                "layout": item.layout if item.layout != "vertical" else None,
            }
        )
        answer = self.answer(item)
        for row in item.rows:
            self.survey.append(
                {
                    "type": f"{select} {list_name}",
                    "name": row.name,
                    **self.texts("label", row.label),
                    **answer,
                    "other": _yes(row.other),
                }
            )
        self.survey.append({"type": "end_group"})

    def table(self, item: d.Item) -> None:
        self.survey.append(
            {
                **self.common(item, "begin_repeat"),
                "required": _yes(item.required),
                "soft_required": _yes(item.soft_required),
                "repeat_count": item.row_count,
            }
        )
        for column in item.columns:
            self.survey.append(
                {
                    "type": column.type,
                    "name": column.name,
                    **self.texts("label", column.label),
                    **self.texts("unit", column.unit),
                }
            )
        self.survey.append({"type": "end_repeat"})

    def settings(self) -> tuple[list[str], list[Any]]:
        q = self.q
        default = q.languages[0]
        title = q.title.get(default) or d.text_in(q.title, default)
        values: dict[str, Any] = {
            "form_title": title,
            "form_id": _form_id(title),
            "default_language": default,
            "languages": " ".join(q.languages),
            **{
                f"translated_title::{language}": text
                for language, text in q.title.items()
                if language != default and text
            },
            **self.texts("instruction", q.intro),
            "anonymous": "yes" if q.anonymous else "no",
            "interviewer_assisted_allowed": "yes" if q.interviewer_assisted_allowed else "no",
            "clean_text_values": "no",
        }
        return list(values), list(values.values())

    def save(self) -> bytes:
        book = openpyxl.Workbook()
        sheet = book.active
        sheet.title = SURVEY
        _fill(sheet, self.survey_headers, self.survey)
        choice_headers = [
            "list_name", "name", *[f"label::{language}" for language in self.languages],
            "other", "nonsubstantive", "exclusive",
        ]  # fmt: skip
        _fill(book.create_sheet(CHOICES), choice_headers, self.choices)
        headers, values = self.settings()
        _fill(book.create_sheet(SETTINGS), headers, [dict(zip(headers, values, strict=True))])
        out = io.BytesIO()
        book.save(out)
        return out.getvalue()


def _fill(sheet, headers: list[str], rows: list[dict[str, Any]]) -> None:
    sheet.append(headers)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        unknown = set(row) - set(headers)
        if unknown:  # pragma: no cover - a programming error in the writer
            raise AssertionError(f"no column for {sorted(unknown)}")
        sheet.append([_cell(row.get(header)) for header in headers])
    for index, header in enumerate(headers, start=1):
        letter = openpyxl.utils.get_column_letter(index)
        sheet.column_dimensions[letter].width = 40 if header.startswith("label") else 16
    sheet.freeze_panes = "A2"


def _cell(value: Any) -> Any:
    if value is None or value == "":
        return None
    if isinstance(value, Decimal):
        return _number(value)
    return str(value)


def _form_id(title: str) -> str:
    ascii_title = title.translate(str.maketrans({"æ": "ae", "ø": "o", "å": "a", "Æ": "Ae",
                                                 "Ø": "O", "Å": "A"}))  # fmt: skip
    slug = re.sub(r"[^A-Za-z0-9]+", "_", ascii_title).strip("_").lower()[:40]
    return slug if slug and slug[0].isalpha() else f"fieldkit_{slug}".rstrip("_")


def write_xlsform(q: d.Questionnaire) -> bytes:
    """``q`` as an XLSForm workbook that pyxform accepts and ``read_xlsform`` reads back equal."""
    return _Writer(q).workbook()
