"""The data set's variables: names, labels, value labels, and how each is read and converted.

One variable per answer the storage convention keeps (a choice question, each grid row, each
"other" text, each cell of a repeated-row table), multiple choice split into one 0/1 variable
per choice, plus the case id, mode, disposition, language, timestamps (not for anonymous
surveys) and the frame columns (not for anonymous surveys); the active cleaning steps add their
derived variables.

Names are valid in SPSS and Stata (at most 32 characters, letters, digits and ``_``, starting
with a letter), unique, and mapped from the stored names in this module only. Every variable is
``convert`` of one stored value (an answer, a meta value or a frame column); ``encoding`` and
``finishing`` say how SPSS and Stata (and the packed analysis rows) number its values.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flask_babel import force_locale
from flask_babel import gettext as _

from fieldkit.surveys.fieldwork import queries
from fieldkit.surveys.models import Survey
from fieldkit.surveys.questionnaires import definition as d
from fieldkit.surveys.questionnaires.definition import Item, Questionnaire, text_in
from fieldkit.surveys.results import cleaning_steps

#: The language of the data set's labels (the questionnaire's texts and the words it adds).
LANGUAGE = "nb"
MAX_NAME = 32

NUMERIC = "numeric"
STRING = "string"
DATETIME = "datetime"


#: Where a variable's value is read: the response's answers, its meta values, its case's strata.
ANSWERS = "answers"
META = "meta"
STRATA = "strata"


def identity(value: Any) -> Any:
    return value


@dataclass
class Variable:
    """One column of the data set: ``convert`` of the value stored under ``key`` in ``origin``.

    Every variable reads exactly one stored value, so the column path (``dataset.columns``) can
    convert each distinct value once and the record path (``dataset.rows``) each cell: both
    call the same ``convert``.
    """

    #: The name in exports (SPSS/Stata-safe).
    name: str
    label: str
    #: numeric, string or datetime.
    kind: str
    #: answers, meta or strata.
    origin: str
    #: The answer name, meta value or frame column read.
    key: str
    #: Stored value (None when absent) -> this variable's value (or None).
    convert: Callable[[Any], Any] = field(repr=False)
    value_labels: dict[Any, str] = field(default_factory=dict)
    #: SPSS measurement level: nominal, ordinal or scale.
    measure: str = "nominal"
    #: The name the questionnaire's codebook (``paper.codebook``) gives the stored value this
    #: comes from: the answer's name, ``q13.navn`` for a column of a repeated-row table,
    #: ``strata.<column>`` for a frame column ("" for the other meta variables).
    source: str = ""
    #: Codes of non-substantive answers ("Vet ikke"): missing values in SPSS.
    nonsubstantive: tuple[Any, ...] = ()
    #: ``convert`` gives the same for a tuple as for the list with the same items (0/1
    #: variables of a multiple choice): the column path may then hash lists as tuples.
    lists_as_tuples: bool = False
    #: What, beside ``key`` and ``kind``, tells this variable's value apart (a 0/1 variable's
    #: choice code, a table cell's row and column): part of the packed row's layout.
    detail: str = ""

    def getter(self) -> Callable[[dict[str, Any], dict[str, Any]], Any]:
        """This variable's value from a response's answers and meta values (the record path),
        as a closure for reading many responses."""
        convert, key = self.convert, self.key
        if self.origin == ANSWERS:
            return lambda a, m: convert(a.get(key))
        if self.origin == STRATA:
            return lambda a, m: convert(m["strata"].get(key))
        return lambda a, m: convert(m[key])


def _safe(name: str) -> str:
    name = re.sub(r"[^A-Za-z0-9_]", "_", name)
    if not name or not name[0].isalpha():
        name = "v" + name
    return name[:MAX_NAME]


class _Names:
    """Hands out unique, SPSS/Stata-safe names."""

    def __init__(self) -> None:
        self.taken: set[str] = set()

    def __call__(self, wanted: str) -> str:
        base = _safe(wanted)
        name, n = base, 1
        while name.lower() in self.taken:
            n += 1
            suffix = f"_{n}"
            name = base[: MAX_NAME - len(suffix)] + suffix
        self.taken.add(name.lower())
        return name


def numeric_codes(item: Item) -> bool:
    """Every code of the item is a whole number: the variable is then numeric."""
    return bool(item.choices) and all(re.fullmatch(r"-?\d{1,9}", c.code) for c in item.choices)


def _numeric_code(value: Any) -> int | None:
    return int(value) if isinstance(value, str) and value else None


def _string_code(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _code_value(numeric: bool) -> Callable[[Any], Any]:
    # Shared functions, not one closure per variable: the column path converts each stored
    # value once for all the variables that convert alike.
    return _numeric_code if numeric else _string_code


def _number(value: Any) -> float | int | None:
    if isinstance(value, bool) or value is None or value == "":
        return None
    if isinstance(value, int | float):
        return value
    try:
        return float(str(value).replace(",", ".").replace(" ", ""))
    except ValueError:
        return None


def _text(value: Any) -> str | None:
    if value is None or value == "":
        return None
    return str(value)


def _date(value: Any) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        return None


def _dummy(code: str) -> Callable[[Any], int | None]:
    def convert(ticked: Any) -> int | None:
        if not isinstance(ticked, list | tuple):
            return None
        return 1 if code in ticked else 0

    return convert


def _table_cell(index: int, column: str, convert: Callable[[Any], Any]) -> Callable[[Any], Any]:
    def cell(rows: Any) -> Any:
        if not isinstance(rows, list) or index >= len(rows):
            return None
        row = rows[index]
        return convert(row.get(column)) if isinstance(row, dict) else None

    return cell


class _Builder:
    def __init__(self, survey: Survey, language: str):
        self.survey = survey
        self.language = language
        self.names = _Names()
        self.variables: list[Variable] = []

    def text(self, value: d.Text) -> str:
        return text_in(value, self.language)

    def add(
        self, wanted: str, label: str, kind: str, key: str, convert=_text, origin=ANSWERS, **extra
    ) -> Variable:
        variable = Variable(self.names(wanted), label[:256], kind, origin, key, convert, **extra)
        self.variables.append(variable)
        return variable

    def meta(self) -> None:
        anonymous = self.survey.anonymous
        if not anonymous:
            self.add("case_id", "Case id", STRING, "case_id", identity, META)
        modes = {"web": "Web", "interviewer": "Interviewer", "paper": "Paper"}
        self.add("mode", "Mode", STRING, "mode", identity, META, value_labels=modes)
        self.add("disposition", "Disposition (AAPOR)", STRING, "disposition", identity, META)
        self.add("language", "Language", STRING, "language", identity, META)
        if not anonymous:
            self.add("started_at", "Started", DATETIME, "started_at", identity, META)
            self.add("submitted_at", "Submitted", DATETIME, "submitted_at", identity, META)
            for column in queries.frame_columns(self.survey):
                self.add(column, column, STRING, column, _text, STRATA, source=f"strata.{column}")

    def items(self, questionnaire: Questionnaire) -> None:
        for _section, item in questionnaire.items():
            self.item(item)

    def choice_variable(self, item: Item, source: str, label: str) -> None:
        numeric = numeric_codes(item)
        labels = {(int(c.code) if numeric else c.code): self.text(c.label) for c in item.choices}
        nonsubstantive = tuple(
            int(c.code) if numeric else c.code for c in item.choices if c.nonsubstantive
        )
        self.add(
            source,
            label,
            NUMERIC if numeric else STRING,
            source,
            _code_value(numeric),
            value_labels=labels,
            measure="ordinal" if item.ordinal else "nominal",
            source=source,
            nonsubstantive=nonsubstantive,
        )

    def dummies(self, item: Item, source: str, label: str) -> None:
        for choice in item.choices:
            self.add(
                f"{source}_{choice.code}",
                f"{label} – {self.text(choice.label)}",
                NUMERIC,
                source,
                _dummy(choice.code),
                value_labels={0: _("Not selected"), 1: _("Selected")},
                source=source,
                lists_as_tuples=True,
                detail=choice.code,
            )

    def other_text(self, source: str, label: str) -> None:
        self.add(
            source.removesuffix(".other").replace(".", "_") + "_tekst",
            label,
            STRING,
            source,
            _text,
            source=source,
        )

    def item(self, item: Item) -> None:
        label = self.text(item.label)
        if item.number:
            label = f"{item.number}. {label}"
        if item.type == d.SINGLE:
            self.choice_variable(item, item.name, label)
        elif item.type == d.MULTIPLE:
            self.dummies(item, item.name, label)
        elif item.type in d.GRID_TYPES:
            for row in item.rows:
                row_label = f"{label} – {self.text(row.label)}"
                if item.type == d.GRID_SINGLE:
                    self.choice_variable(item, row.name, row_label)
                else:
                    self.dummies(item, row.name, row_label)
                if row.other:
                    self.other_text(f"{row.name}.other", row_label)
        elif item.type == d.TABLE:
            for index in range(item.row_count):
                for column in item.columns:
                    number = column.type in d.NUMBER_TYPES
                    self.add(
                        f"{item.name}_{index + 1}_{column.name}",
                        f"{label} – {index + 1} – {self.text(column.label)}",
                        NUMERIC if number else STRING,
                        item.name,
                        _table_cell(index, column.name, _number if number else _text),
                        measure="scale" if number else "nominal",
                        source=f"{item.name}.{column.name}",
                        detail=f"{index}:{column.name}:{number}",
                    )
        elif item.type in d.NUMBER_TYPES:
            name = item.name
            self.add(name, label, NUMERIC, name, _number, measure="scale", source=name)
        elif item.type in (d.TEXT, d.LONG_TEXT):
            name = item.name
            self.add(name, label, STRING, name, _text, source=name)
        elif item.type == d.DATE:
            name = item.name
            self.add(name, label, DATETIME, name, _date, source=name)
        if item.type in (d.SINGLE, d.MULTIPLE):
            for choice in item.choices:
                if choice.other:
                    self.other_text(
                        f"{item.name}.{choice.code}", f"{label} – {self.text(choice.label)}"
                    )


def variables(survey: Survey, language: str = LANGUAGE) -> list[Variable]:
    """The data set's variables, in order: meta variables first, then the questionnaire's (as
    the active cleaning steps extend it). Labels in ``language``: the questionnaire's texts and
    the words the data set adds ("Valgt")."""
    with force_locale(language):
        builder = _Builder(survey, language)
        builder.meta()
        builder.items(cleaning_steps.active_steps(survey).questionnaire())
    return builder.variables


def answer_variables(questionnaire: Questionnaire) -> list[Variable]:
    """The questionnaire's answer variables as the data set makes them, without the meta
    variables (whose names may only change the answer variables' names)."""
    with force_locale(LANGUAGE):
        builder = _Builder(None, LANGUAGE)  # type: ignore[arg-type]  # items never read it
        builder.items(questionnaire)
    return builder.variables


#: How a variable's value becomes the statistical frame's: (function, dtype).
Finish = tuple[Callable[[Any], Any], Any]


def encoding(variable: Variable) -> dict[Any, int] | None:
    """For a string-coded choice variable: code -> 1..k (SPSS/Stata label only numbers)."""
    if variable.kind == NUMERIC or not variable.value_labels:
        return None
    return {code: index for index, code in enumerate(variable.value_labels, start=1)}


def _missing_as_nan(value: Any) -> float:
    return math.nan if value is None else float(value)


def finishing(variable: Variable, codes: dict[Any, int] | None) -> Finish | None:
    """How a value becomes the statistical frame's (SPSS, Stata, the packed analysis rows):
    numbers and codes as float (missing as NaN; ``codes``: the variable's ``encoding``), or None
    for a variable the frame keeps as objects (texts, dates)."""
    if codes is not None:
        return lambda value: math.nan if value is None else codes.get(value, math.nan), float
    if variable.kind == NUMERIC:
        return _missing_as_nan, float
    return None
