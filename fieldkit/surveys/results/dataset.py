"""A survey's valid responses as rows of variables, with labels and value labels.

The one place that decides what an export (and every table) sees: submitted, not discarded
responses; one variable per answer the storage convention keeps (a choice question, each grid
row, each "other" text, each cell of a repeated-row table), multiple choice split into one 0/1
variable per choice, plus the case id, mode, disposition, language, timestamps (not for
anonymous surveys) and the frame columns (not for anonymous surveys).

Names are valid in SPSS and Stata (at most 32 characters, letters, digits and ``_``, starting
with a letter), unique, and mapped from the stored names in this module only.

Responses are read in chunks (``yield_per``) as plain column tuples, never as ORM objects, so
an export of 100,000 responses never holds them all at once.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import orjson
import sqlalchemy as sa

from fieldkit.extensions import db
from fieldkit.surveys import definition as d
from fieldkit.surveys import queries
from fieldkit.surveys.definition import Item, Questionnaire, text_in
from fieldkit.surveys.models import Case, Response, ResponseStatus, Survey

CHUNK = 2000
MAX_NAME = 32

NUMERIC = "numeric"
STRING = "string"
DATETIME = "datetime"


@dataclass
class Variable:
    """One column of the data set."""

    #: The name in exports (SPSS/Stata-safe).
    name: str
    label: str
    #: numeric, string or datetime.
    kind: str
    #: Takes a response's answers (and meta values) and gives this variable's value (or None).
    get: Callable[[dict[str, Any], dict[str, Any]], Any] = field(repr=False)
    value_labels: dict[Any, str] = field(default_factory=dict)
    #: SPSS measurement level: nominal, ordinal or scale.
    measure: str = "nominal"
    #: The stored answer name this comes from ("" for meta variables).
    source: str = ""
    #: Codes of non-substantive answers ("Vet ikke"): missing values in SPSS.
    nonsubstantive: tuple[Any, ...] = ()


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


def _code_value(numeric: bool) -> Callable[[Any], Any]:
    if numeric:
        return lambda v: int(v) if isinstance(v, str) and v else None
    return lambda v: v if isinstance(v, str) and v else None


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


class _Builder:
    def __init__(self, survey: Survey, language: str):
        self.survey = survey
        self.language = language
        self.names = _Names()
        self.variables: list[Variable] = []

    def text(self, value: d.Text) -> str:
        return text_in(value, self.language)

    def add(self, wanted: str, label: str, kind: str, get, **extra) -> Variable:
        variable = Variable(self.names(wanted), label[:256], kind, get, **extra)
        self.variables.append(variable)
        return variable

    def meta(self) -> None:
        anonymous = self.survey.anonymous
        if not anonymous:
            self.add("case_id", "Case id", STRING, lambda a, m: m["case_id"])
        modes = {"web": "Web", "interviewer": "Interviewer", "paper": "Paper"}
        self.add("mode", "Mode", STRING, lambda a, m: m["mode"], value_labels=modes)
        self.add("disposition", "Disposition (AAPOR)", STRING, lambda a, m: m["disposition"])
        self.add("language", "Language", STRING, lambda a, m: m["language"])
        if not anonymous:
            self.add("started_at", "Started", DATETIME, lambda a, m: m["started_at"])
            self.add("submitted_at", "Submitted", DATETIME, lambda a, m: m["submitted_at"])
            for column in queries.frame_columns(self.survey):
                self.add(
                    column,
                    column,
                    STRING,
                    lambda a, m, column=column: _text(m["strata"].get(column)),
                    source=f"strata.{column}",
                )

    def choice_variable(self, item: Item, source: str, label: str) -> None:
        numeric = numeric_codes(item)
        convert = _code_value(numeric)
        labels = {(int(c.code) if numeric else c.code): self.text(c.label) for c in item.choices}
        nonsubstantive = tuple(
            int(c.code) if numeric else c.code for c in item.choices if c.nonsubstantive
        )
        self.add(
            source,
            label,
            NUMERIC if numeric else STRING,
            lambda a, m: convert(a.get(source)),
            value_labels=labels,
            measure="ordinal" if item.ordinal else "nominal",
            source=source,
            nonsubstantive=nonsubstantive,
        )

    def dummies(self, item: Item, source: str, label: str) -> None:
        for choice in item.choices:

            def get(a, m, code=choice.code):
                ticked = a.get(source)
                if not isinstance(ticked, list):
                    return None
                return 1 if code in ticked else 0

            self.add(
                f"{source}_{choice.code}",
                f"{label} – {self.text(choice.label)}",
                NUMERIC,
                get,
                value_labels={0: "Ikke valgt", 1: "Valgt"},
                source=source,
            )

    def other_text(self, source: str, label: str) -> None:
        self.add(
            source.removesuffix(".other").replace(".", "_") + "_tekst",
            label,
            STRING,
            lambda a, m: _text(a.get(source)),
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
                    convert = _number if column.type in d.NUMBER_TYPES else _text

                    def get(a, m, index=index, column=column.name, convert=convert):
                        rows = a.get(item.name)
                        if not isinstance(rows, list) or index >= len(rows):
                            return None
                        row = rows[index]
                        return convert(row.get(column)) if isinstance(row, dict) else None

                    self.add(
                        f"{item.name}_{index + 1}_{column.name}",
                        f"{label} – {index + 1} – {self.text(column.label)}",
                        NUMERIC if column.type in d.NUMBER_TYPES else STRING,
                        get,
                        measure="scale" if column.type in d.NUMBER_TYPES else "nominal",
                        source=item.name,
                    )
        elif item.type in d.NUMBER_TYPES:
            name = item.name
            self.add(
                name, label, NUMERIC, lambda a, m: _number(a.get(name)), measure="scale",
                source=name,
            )  # fmt: skip
        elif item.type in (d.TEXT, d.LONG_TEXT):
            name = item.name
            self.add(name, label, STRING, lambda a, m: _text(a.get(name)), source=name)
        elif item.type == d.DATE:
            name = item.name
            self.add(name, label, DATETIME, lambda a, m: _date(a.get(name)), source=name)
        if item.type in (d.SINGLE, d.MULTIPLE):
            for choice in item.choices:
                if choice.other:
                    self.other_text(
                        f"{item.name}.{choice.code}", f"{label} – {self.text(choice.label)}"
                    )


def variables(survey: Survey, language: str = "nb") -> list[Variable]:
    """The data set's variables, in order: meta variables first, then the questionnaire's."""
    from fieldkit.surveys.results import cleaning

    builder = _Builder(survey, language)
    builder.meta()
    questionnaire: Questionnaire = cleaning.plan(survey).questionnaire()
    for _section, item in questionnaire.items():
        builder.item(item)
    return builder.variables


def valid_responses(survey: Survey) -> sa.Select:
    """The query of the responses results use: submitted and not discarded."""
    code = queries.code_expression(survey).label("disposition")
    return (
        sa.select(
            # Raw JSON text, decoded with orjson: a few times faster than the JSON type's
            # json.loads, and decoding is most of an export's time.
            sa.type_coerce(Response.answers, sa.Text),
            sa.type_coerce(Response.mode, sa.String),
            Response.language,
            Response.started_at,
            Response.submitted_at,
            Case.external_id,
            Case.strata,
            code,
        )
        .select_from(Response)
        .outerjoin(Case, Response.case_id == Case.id)
        .where(
            Response.survey_id == survey.id,
            Response.status == ResponseStatus.SUBMITTED,
            Response.discarded_at.is_(None),
        )
        .order_by(Response.submitted_at, Response.submitted_on, Response.id)
    )


def count_valid(survey: Survey) -> int:
    """How many valid responses the survey has (before cleaning filters)."""
    query = valid_responses(survey).with_only_columns(sa.func.count()).order_by(None)
    return db.session.scalar(query) or 0


@dataclass
class Record:
    """One valid response: its answers and the meta values variables read."""

    answers: dict[str, Any]
    meta: dict[str, Any]


def records(survey: Survey, chunk: int = CHUNK, *, clean: bool = True) -> Iterator[Record]:
    """The valid responses one at a time, read from the database ``chunk`` rows at a time,
    with the survey's cleaning steps applied (unless ``clean`` is False)."""
    if clean:
        from fieldkit.surveys.results import cleaning

        plan = cleaning.plan(survey)
        if not plan.empty:
            yield from plan.apply_all(records(survey, chunk, clean=False))
            return
    anonymous = survey.anonymous
    result = db.session.execute(valid_responses(survey).execution_options(yield_per=chunk))
    for answers, mode, language, started, submitted, external_id, strata, code in result:
        meta = {
            "case_id": None if anonymous else external_id,
            "mode": mode,
            "language": language,
            "disposition": code,
            "started_at": None if anonymous else _naive(started),
            "submitted_at": None if anonymous else _naive(submitted),
            "strata": {} if anonymous else (strata or {}),
        }
        yield Record(_decode(answers), meta)


def _decode(text: str | dict | None) -> dict[str, Any]:
    if not text:
        return {}
    if isinstance(text, dict):  # a driver that decodes JSON itself (psycopg on jsonb)
        return text
    return orjson.loads(text)


def _naive(moment: datetime | None) -> datetime | None:
    """UTC without tzinfo: what SPSS, Stata and Excel files can hold."""
    if moment is None:
        return None
    return moment.replace(tzinfo=None)


def rows(
    survey: Survey, variable_list: list[Variable], chunk: int = CHUNK
) -> Iterator[list[list[Any]]]:
    """The data set in chunks of rows (lists of values in variable order)."""
    getters = [v.get for v in variable_list]
    batch: list[list[Any]] = []
    for record in records(survey, chunk):
        answers, meta = record.answers, record.meta
        batch.append([get(answers, meta) for get in getters])
        if len(batch) >= chunk:
            yield batch
            batch = []
    if batch:
        yield batch
