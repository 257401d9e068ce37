"""Reading one page of a questionnaire from a submitted form.

``read_page`` turns the form data of one section into answers in the storage convention of
``fieldkit.surveys.questionnaires.logic`` (a flat dict: a code, a list of codes, a number, a
text, an ISO date, or a list of row dicts for a table), with a specific message in the
respondent's language for every field that cannot be accepted. Skip logic is decided here, on
the server, from the answers so far plus this page: hidden items are never required and their
answers are dropped.

Form field names are the variable names: ``q1`` (one value, or several for checkboxes), a grid
row's name, ``q2.3`` for the text of an "other" choice, ``q6_andre.other`` for a grid row's
text, ``q13.2.navn`` for a table cell (rows counted from 1). Two hidden fields carry what the
respondent was shown: ``_shown`` (the items visible when the page was sent) and ``_warned``
(soft-required items already warned about once).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from flask_babel import force_locale, format_decimal
from flask_babel import gettext as _

from fieldkit.surveys.questionnaires import logic
from fieldkit.surveys.questionnaires.definition import (
    DATE,
    DECIMAL,
    FRACTION,
    GRID_MULTIPLE,
    GRID_SINGLE,
    INTEGER,
    LONG_TEXT,
    MULTIPLE,
    NOTE,
    SINGLE,
    TABLE,
    TEXT,
    Item,
    Questionnaire,
    Section,
    text_in,
)

#: Longest accepted texts, in characters.
TEXT_MAX = 1000
LONG_TEXT_MAX = 10000

SHOWN_FIELD = "_shown"
WARNED_FIELD = "_warned"

_NUMBER = re.compile(r"^[+-]?\d+(?:[.,]\d+)?$")
_DATE_NORWEGIAN = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$")
_DATE_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")


@dataclass
class PageResult:
    """What one submitted page gives: answers, and what the respondent must be told."""

    #: Every answer after this page (the answers so far with this page's), hidden ones removed.
    answers: dict[str, Any]
    #: The accepted answers of this page's shown items.
    page_answers: dict[str, Any]
    #: Field name -> the message that says what is wrong (the page must be answered again).
    errors: dict[str, str] = field(default_factory=dict)
    #: Item name -> the once-only reminder of a soft-required item left empty.
    warnings: dict[str, str] = field(default_factory=dict)
    #: Items that skip logic showed because of this page's answers: the respondent has not
    #: seen them yet (without JavaScript), so the page is shown again.
    revealed: list[str] = field(default_factory=list)
    #: Field name -> the text as submitted, to show again next to its message.
    raw: dict[str, Any] = field(default_factory=dict)
    #: Names of this page's items that are shown.
    shown: list[str] = field(default_factory=list)
    #: Soft-required items the respondent had been warned about before this submission.
    warned_before: list[str] = field(default_factory=list)
    #: Every form field name the page's items may submit (``page_fields``), in page order.
    fields: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Whether the respondent may go on to the next page."""
        return not self.errors and not self.warnings and not self.revealed

    @property
    def warned(self) -> list[str]:
        """Soft-required items the respondent has been warned about, now included."""
        return sorted(set(self.warned_before) | set(self.warnings))


def _values(formdata: Any, key: str) -> list[str]:
    if hasattr(formdata, "getlist"):
        values = formdata.getlist(key)
    else:
        value = formdata.get(key)
        values = [] if value is None else value if isinstance(value, list | tuple) else [value]
    return [str(v) for v in values]


def _value(formdata: Any, key: str) -> str:
    values = _values(formdata, key)
    return values[0].strip() if values else ""


def parse_number(text: str) -> Decimal | None:
    """A number typed by a person: decimal comma or point, spaces between thousands."""
    cleaned = re.sub(r"[\s\u00a0\u202f]", "", text).replace("\u2212", "-")
    if not _NUMBER.match(cleaned):
        return None
    return Decimal(cleaned.replace(",", "."))


def parse_date(text: str) -> str | None:
    """``dd.mm.åååå`` or ``åååå-mm-dd`` as ISO text; None when it is not a date."""
    match = _DATE_NORWEGIAN.match(text)
    if match:
        day, month, year = (int(g) for g in match.groups())
    else:
        match = _DATE_ISO.match(text)
        if not match:
            return None
        year, month, day = (int(g) for g in match.groups())
    try:
        return date(year, month, day).isoformat()
    except ValueError:
        return None


def _short_label(label: str) -> str:
    """ "Annet, i så fall hva" -> "Annet": the name of an "other" choice in a message."""
    return label.split(",")[0].strip().rstrip(":") or label


def _number_text(value: Decimal) -> str:
    return format_decimal(value, format="#,##0.##########")


def _is_empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


class _PageReader:
    """Reads the items of one page; messages come out in the language ``read_page`` forces."""

    def __init__(self, formdata: Any, language: str):
        self.formdata = formdata
        self.language = language
        self.values: dict[str, Any] = {}
        self.errors: dict[str, str] = {}
        self.raw: dict[str, Any] = {}

    def text(self, text: dict[str, str]) -> str:
        return text_in(text, self.language)

    # -- one value of a type ------------------------------------------------------------------

    def number(self, key: str, kind: str, item: Item | None = None) -> Any:
        """The number in field ``key`` (int or float), or None; records a message if wrong."""
        typed = _value(self.formdata, key)
        if typed:
            self.raw[key] = typed
        if not typed:
            return None
        number = parse_number(typed)
        whole = kind in (INTEGER, FRACTION)
        if number is None or (whole and number != number.to_integral_value()):
            self.errors[key] = (
                _("Enter a whole number, for example 12.")
                if whole
                else _("Enter a number, for example 2,5.")
            )
            return None
        minimum = maximum = None
        if item is not None:
            minimum, maximum = item.minimum, item.maximum
            if kind == FRACTION:
                minimum, maximum = Decimal(0), Decimal(item.denominator or 0)
        if (minimum is not None and number < minimum) or (maximum is not None and number > maximum):
            if minimum is not None and maximum is not None:
                message = _(
                    "Enter a number from %(minimum)s to %(maximum)s.",
                    minimum=_number_text(minimum),
                    maximum=_number_text(maximum),
                )
            elif minimum is not None:
                message = _(
                    "Enter a number of at least %(minimum)s.", minimum=_number_text(minimum)
                )
            else:
                message = _("Enter a number of at most %(maximum)s.", maximum=_number_text(maximum))
            self.errors[key] = message
            return None
        return int(number) if whole else float(number)

    def free_text(self, key: str, limit: int = TEXT_MAX) -> str | None:
        typed = _value(self.formdata, key)
        if not typed:
            return None
        self.raw[key] = typed
        if len(typed) > limit:
            self.errors[key] = _(
                "Write at most %(limit)d characters (you wrote %(count)d).",
                limit=limit,
                count=len(typed),
            )
            return None
        return typed

    def date(self, key: str) -> str | None:
        typed = _value(self.formdata, key)
        if not typed:
            return None
        self.raw[key] = typed
        parsed = parse_date(typed)
        if parsed is None:
            if _DATE_NORWEGIAN.match(typed) or _DATE_ISO.match(typed):
                self.errors[key] = _("There is no such date: %(date)s.", date=typed)
            else:
                self.errors[key] = _("Write the date as dd.mm.yyyy.")
        return parsed

    def codes(self, key: str, item: Item, several: bool) -> list[str]:
        """The ticked codes of field ``key``, in the order of the choices."""
        typed = [v for v in _values(self.formdata, key) if v.strip()]
        if typed:
            self.raw[key] = typed
        known = [c.code for c in item.choices]
        if any(code not in known for code in typed):
            self.errors[key] = _("Choose among the answers shown.")
            return []
        if not several and len(typed) > 1:
            self.errors[key] = _("Choose only one answer.")
            return []
        return [code for code in known if code in typed]

    # -- items ----------------------------------------------------------------------------------

    def item(self, item: Item) -> None:
        kind = item.type
        if kind == NOTE:
            return
        if kind in (SINGLE, MULTIPLE):
            self.choice_item(item)
        elif kind in (GRID_SINGLE, GRID_MULTIPLE):
            for row in item.rows:
                codes = self.codes(row.name, item, several=kind == GRID_MULTIPLE)
                if codes:
                    self.values[row.name] = codes if kind == GRID_MULTIPLE else codes[0]
                if row.other:
                    other = self.free_text(f"{row.name}.other")
                    if other is not None:
                        self.values[f"{row.name}.other"] = other
        elif kind == TABLE:
            self.table(item)
        elif kind in (INTEGER, DECIMAL, FRACTION):
            value = self.number(item.name, kind, item)
            if value is not None:
                self.values[item.name] = value
        elif kind in (TEXT, LONG_TEXT):
            value = self.free_text(item.name, LONG_TEXT_MAX if kind == LONG_TEXT else TEXT_MAX)
            if value is not None:
                self.values[item.name] = value
        elif kind == DATE:
            value = self.date(item.name)
            if value is not None:
                self.values[item.name] = value

    def choice_item(self, item: Item) -> None:
        several = item.type == MULTIPLE
        codes = self.codes(item.name, item, several)
        for choice in item.choices:
            if not choice.other:
                continue
            key = f"{item.name}.{choice.code}"
            other = self.free_text(key)
            if other is None:
                continue
            if choice.code not in codes:
                # Writing in the "Annet" field says the respondent means that choice.
                if several:
                    codes = [c.code for c in item.choices if c.code in codes or c is choice]
                elif not codes and item.name not in self.errors:
                    codes = [choice.code]
                else:
                    self.errors[key] = _(
                        "You wrote a text for «%(choice)s» but chose another answer: "
                        "choose «%(choice)s» or delete the text.",
                        choice=_short_label(self.text(choice.label)),
                    )
                    continue
            self.values[key] = other
        if codes:
            self.values[item.name] = codes if several else codes[0]

    def table(self, item: Item) -> None:
        rows: list[dict[str, Any]] = []
        for index in range(1, item.row_count + 1):
            row: dict[str, Any] = {}
            for column in item.columns:
                key = f"{item.name}.{index}.{column.name}"
                if column.type in (INTEGER, DECIMAL):
                    value = self.number(key, column.type)
                else:
                    value = self.free_text(key)
                if value is not None:
                    row[column.name] = value
            rows.append(row)
        if any(rows):
            self.values[item.name] = rows

    # -- rules that need the item to be shown ---------------------------------------------------

    def check(self, item: Item, answers: dict[str, Any], warned: set[str]) -> str | None:
        """Apply required, ticks, exclusive, "other" and constraint rules to a shown item;
        returns a soft-required warning, if any."""
        values = self.values
        if item.type == NOTE:
            return None
        if item.type in (GRID_SINGLE, GRID_MULTIPLE):
            empty = all(_is_empty(values.get(row.name)) for row in item.rows)
            if item.required and item.type == GRID_SINGLE:
                for row in item.rows:
                    if not row.other and _is_empty(values.get(row.name)):
                        self.errors.setdefault(
                            row.name,
                            _("Choose an answer for «%(row)s».", row=self.text(row.label)),
                        )
            elif item.required and empty:
                self.errors.setdefault(item.rows[0].name, _("Answer this question."))
            for row in item.rows:
                other_key = f"{row.name}.other"
                if row.other and values.get(row.name) and not values.get(other_key):
                    self.errors.setdefault(
                        other_key,
                        _("Fill in the text field of «%(row)s».", row=self.text(row.label)),
                    )
            if item.soft_required and empty and item.name not in warned:
                return self.soft_message()
            return None
        value = values.get(item.name)
        key = item.name
        if _is_empty(value):
            if key in self.errors or any(e.startswith(f"{key}.") for e in self.errors):
                return None  # what was typed could not be read: that message says enough
            if item.required:
                self.errors[key] = _("Answer this question.")
            elif item.type == MULTIPLE and item.min_choices:
                self.errors[key] = _("Choose at least %(count)d.", count=item.min_choices)
            elif item.soft_required and item.name not in warned:
                return self.soft_message()
            return None
        if item.type == MULTIPLE:
            exclusive = [c for c in item.choices if c.exclusive and c.code in value]
            if exclusive and len(value) > 1:
                self.errors[key] = _(
                    "«%(choice)s» cannot be combined with other choices.",
                    choice=self.text(exclusive[0].label),
                )
            elif item.min_choices and len(value) < item.min_choices:
                self.errors[key] = _("Choose at least %(count)d.", count=item.min_choices)
            elif item.max_choices and len(value) > item.max_choices:
                self.errors[key] = _("Choose at most %(count)d.", count=item.max_choices)
        if item.type in (SINGLE, MULTIPLE):
            chosen = value if isinstance(value, list) else [value]
            for choice in item.choices:
                other_key = f"{item.name}.{choice.code}"
                if choice.other and choice.code in chosen and not values.get(other_key):
                    self.errors.setdefault(
                        other_key,
                        _(
                            "Write what «%(choice)s» is.",
                            choice=_short_label(self.text(choice.label)),
                        ),
                    )
        if (
            item.constraint
            and key not in self.errors
            and not logic.evaluate(logic.parse(item.constraint), answers, this=value)
        ):
            self.errors[key] = self.text(item.constraint_message) or _(
                "This answer is not valid here."
            )
        return None

    def soft_message(self) -> str:
        return _(
            "You have not answered this question. Answer it, or go on without answering if you "
            "prefer."
        )


def page_fields(item: Item) -> list[str]:
    """Every form field name an item may submit."""
    names = list(item.variable_names())
    names += [f"{item.name}.{c.code}" for c in item.choices if c.other]
    names += [f"{row.name}.other" for row in item.rows if row.other]
    return names


def read_page(
    questionnaire: Questionnaire,
    section: Section,
    formdata: Any,
    language: str,
    answers_so_far: dict[str, Any],
) -> PageResult:
    """The answers of ``section`` from ``formdata``, checked, with messages in ``language``."""
    with force_locale(language):
        return _read_page(questionnaire, section, formdata, language, answers_so_far)


def _read_page(questionnaire, section, formdata, language, answers_so_far) -> PageResult:
    reader = _PageReader(formdata, language)
    for item in section.items:
        reader.item(item)

    fields = [name for item in section.items for name in page_fields(item)]
    own = set(fields)
    candidate = {k: v for k, v in answers_so_far.items() if k not in own}
    candidate.update(reader.values)
    shown_sections, shown_items = logic.visibility(questionnaire, candidate)
    shown = [
        item.name
        for item in section.items
        if section.name in shown_sections and item.name in shown_items
    ]
    seen = set(_value(formdata, SHOWN_FIELD).split())
    revealed = [name for name in shown if name not in seen] if SHOWN_FIELD in formdata else []
    warned = set(_value(formdata, WARNED_FIELD).split())

    # Only shown items keep their answers and messages.
    hidden_fields = {
        name for item in section.items if item.name not in shown for name in page_fields(item)
    }
    hidden_fields |= {
        f"{item.name}.{i}.{c.name}"
        for item in section.items
        if item.name not in shown and item.type == TABLE
        for i in range(1, item.row_count + 1)
        for c in item.columns
    }
    for name in hidden_fields:
        reader.values.pop(name, None)
        reader.errors.pop(name, None)
        candidate.pop(name, None)

    warnings: dict[str, str] = {}
    for item in section.items:
        if item.name not in shown or item.name in revealed:
            continue
        warning = reader.check(item, candidate, warned)
        if warning:
            warnings[item.name] = warning

    # An answer with a message is not kept (one that could not be read never was).
    for key in reader.errors:
        reader.values.pop(key, None)
        candidate.pop(key, None)

    answers = logic.prune(questionnaire, candidate)
    page_answers = {k: v for k, v in reader.values.items() if k in answers}
    ordered_errors = {}
    for item in section.items:
        for name in _error_order(item):
            if name in reader.errors:
                ordered_errors[name] = reader.errors[name]
    return PageResult(
        answers=answers,
        page_answers=page_answers,
        errors=ordered_errors,
        warnings=warnings,
        revealed=revealed,
        raw=reader.raw,
        shown=shown,
        warned_before=sorted(warned),
        fields=fields,
    )


def _error_order(item: Item) -> list[str]:
    """The item's field names in the order they appear on the page."""
    names = [item.name]
    for choice in item.choices:
        if choice.other:
            names.append(f"{item.name}.{choice.code}")
    for row in item.rows:
        names.append(row.name)
        if row.other:
            names.append(f"{row.name}.other")
    for index in range(1, item.row_count + 1):
        names += [f"{item.name}.{index}.{c.name}" for c in item.columns]
    return names
