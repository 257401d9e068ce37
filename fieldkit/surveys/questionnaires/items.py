"""The questionnaire as data: items, choices, rows, columns and sections, and their names.

A definition is plain data (dataclasses), independent of the database and of any file format
(``native`` reads and writes the YAML/JSON format, ``xlsform`` the spreadsheet one; ``checks``
holds the checks across items).

Variable names are the names exports use: every item that holds an answer has one, and so has
every row of a grid (a grid row is a variable of its own, as in XLSForm ``table-list`` groups).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, fields
from decimal import Decimal
from typing import Any

from fieldkit.core.i18n import ExplainedError

LANGUAGES = ("nb", "nn", "en")

#: Item types, with what they hold.
NOTE = "note"  # text between questions, no answer
SINGLE = "single"  # one choice: a code
MULTIPLE = "multiple"  # several choices: a list of codes
GRID_SINGLE = "grid_single"  # rows x one choice per row: a code per row variable
GRID_MULTIPLE = "grid_multiple"  # rows x several choices per row: a list per row variable
TABLE = "table"  # repeated rows 1..N with the same columns: a list of row dicts
INTEGER = "integer"
DECIMAL = "decimal"
FRACTION = "fraction"  # "x av 10": an integer from 0 to the denominator
TEXT = "text"
LONG_TEXT = "long_text"
DATE = "date"

ITEM_TYPES = (
    NOTE, SINGLE, MULTIPLE, GRID_SINGLE, GRID_MULTIPLE, TABLE,
    INTEGER, DECIMAL, FRACTION, TEXT, LONG_TEXT, DATE,
)  # fmt: skip
CHOICE_TYPES = (SINGLE, MULTIPLE, GRID_SINGLE, GRID_MULTIPLE)
GRID_TYPES = (GRID_SINGLE, GRID_MULTIPLE)
NUMBER_TYPES = (INTEGER, DECIMAL, FRACTION)
TABLE_COLUMN_TYPES = (INTEGER, DECIMAL, TEXT)
LAYOUTS = ("vertical", "horizontal")

#: Variable names work in SPSS, Stata, R and XLSForm alike.
NAME_PATTERN = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,31}$")
CODE_PATTERN = re.compile(r"^[A-Za-z0-9_]{1,32}$")

Text = dict[str, str]


class DefinitionError(ExplainedError):
    """A definition that cannot be used; ``path`` says where (e.g. ``questions[3].options``).

    The message is said in the current language when shown, so file imports speak Norwegian on
    Norwegian pages; ``english`` is the untranslated text.
    """

    def __init__(self, path: str, message: str, /, **params: Any):
        self.path = path
        super().__init__(message, **params)
        self.args = (path, message)

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message

    def in_english(self) -> str:
        """The place and the message untranslated (for logs and tests)."""
        path = getattr(self.path, "english", self.path)
        return f"{path}: {self.english}" if path else self.english


def text_in(text: Text, language: str, fallback: str = "nb") -> str:
    """``text`` in ``language``, else in bokmål, else in any language it has."""
    if not text:
        return ""
    return text.get(language) or text.get(fallback) or next(iter(text.values()))


@dataclass
class Choice:
    code: str
    label: Text = field(default_factory=dict)
    #: Choosing it opens a free-text field ("Annet, i så fall hva: ___").
    other: bool = False
    #: A non-substantive answer ("Vet ikke", "Har ingen formening"); analysis may leave it out.
    nonsubstantive: bool = False
    #: In multiple choice, cannot be combined with other choices ("Ingen av disse").
    exclusive: bool = False


@dataclass
class Row:
    """A row of a grid: a variable of its own."""

    name: str
    label: Text = field(default_factory=dict)
    #: The row has a free-text field ("Andre? Hvilke: ___").
    other: bool = False


@dataclass
class Column:
    """A column of a repeated-row table."""

    name: str
    label: Text = field(default_factory=dict)
    type: str = TEXT
    unit: Text = field(default_factory=dict)


@dataclass
class Item:
    name: str
    type: str
    label: Text = field(default_factory=dict)
    #: The number printed before the question ("19", "19a"); None for unnumbered items.
    number: str | None = None
    hint: Text = field(default_factory=dict)
    required: bool = False
    #: The respondent is warned once when it is left empty, and may go on.
    soft_required: bool = False
    #: Skip logic: shown only when this condition on earlier answers holds.
    relevant: str | None = None
    choices: list[Choice] = field(default_factory=list)
    #: The shared choice list the choices come from, when they are reused across items.
    choice_list: str | None = None
    layout: str = "vertical"
    #: The choices are ordered (a scale); figures then use stacked bars.
    ordinal: bool = False
    rows: list[Row] = field(default_factory=list)
    columns: list[Column] = field(default_factory=list)
    #: Number of rows of a table.
    row_count: int = 0
    minimum: Decimal | None = None
    maximum: Decimal | None = None
    #: Multiple choice: how many ticks at least / at most.
    min_choices: int | None = None
    max_choices: int | None = None
    unit: Text = field(default_factory=dict)
    denominator: int | None = None
    #: A condition every answer must meet, with ``.`` standing for the answer (XLSForm style).
    constraint: str | None = None
    constraint_message: Text = field(default_factory=dict)

    @property
    def holds_answer(self) -> bool:
        return self.type != NOTE

    def variable_names(self) -> list[str]:
        """The names this item's answers are stored under (grids: one per row)."""
        if self.type == NOTE:
            return []
        if self.type in GRID_TYPES:
            return [row.name for row in self.rows]
        return [self.name]

    def choice(self, code: str) -> Choice | None:
        return next((c for c in self.choices if c.code == code), None)


@dataclass
class Section:
    name: str
    title: Text = field(default_factory=dict)
    relevant: str | None = None
    items: list[Item] = field(default_factory=list)


@dataclass
class Questionnaire:
    title: Text
    sections: list[Section]
    intro: Text = field(default_factory=dict)
    languages: list[str] = field(default_factory=lambda: ["nb"])
    anonymous: bool = False
    interviewer_assisted_allowed: bool = False
    choice_lists: dict[str, list[Choice]] = field(default_factory=dict)

    def items(self):
        """Every item in order, with its section."""
        for section in self.sections:
            for item in section.items:
                yield section, item

    def item(self, name: str) -> Item | None:
        return next((i for _s, i in self.items() if i.name == name), None)

    def variables(self) -> dict[str, Item]:
        """Each variable name with the item it belongs to, in questionnaire order."""
        found: dict[str, Item] = {}
        for _section, item in self.items():
            for name in item.variable_names():
                found[name] = item
        return found


def structure_signature(questionnaire: Questionnaire) -> list[Any]:
    """What changes the data: names, types, codes, rows, columns, conditions and validation.

    Two versions with the same signature differ only in wording, so answers to one fit the
    other; anything else is a structural change and needs a new version.
    """
    signature: list[Any] = []
    for section in questionnaire.sections:
        signature.append(("section", section.name, section.relevant))
        for item in section.items:
            values = {
                f.name: getattr(item, f.name)
                for f in fields(item)
                if f.name not in ("label", "hint", "unit", "constraint_message", "number")
            }
            values["choices"] = [
                (c.code, c.other, c.nonsubstantive, c.exclusive) for c in item.choices
            ]
            values["rows"] = [(r.name, r.other) for r in item.rows]
            values["columns"] = [(c.name, c.type) for c in item.columns]
            signature.append(("item", sorted(values.items(), key=lambda kv: kv[0])))
    return signature
