"""A survey's valid responses as rows of variables, with labels and value labels.

The one place that decides what an export (and every table) sees: submitted, not discarded
responses; one variable per answer the storage convention keeps (a choice question, each grid
row, each "other" text, each cell of a repeated-row table), multiple choice split into one 0/1
variable per choice, plus the case id, mode, disposition, language, timestamps (not for
anonymous surveys) and the frame columns (not for anonymous surveys).

Names are valid in SPSS and Stata (at most 32 characters, letters, digits and ``_``, starting
with a letter), unique, and mapped from the stored names in this module only.

Every variable is ``convert`` of one stored value (an answer, a meta value or a frame column),
and there are three ways to the values, which must always agree (``test_export_fast_path.py``,
``test_analysis_rows.py``): ``records``/``rows``, one response and one cell at a time (tables,
figures, CSV, XLSX); ``columns``, a chunk of responses as NumPy columns (SPSS, Stata), which
converts each distinct stored value once per group of variables that convert alike and looks the
values up in C; and ``packed_chunks`` (SPSS, Stata, when ``analysis_rows.usable_layout`` allows
it: no cleaning steps, numeric answer variables only), which reads each response's packed
analysis row instead of its JSON and decodes only rows that are missing or stale. Cleaning
steps apply to the first two through ``cleaning.Plan``.

Responses are read in chunks, in the order of the index ``ix_responses_valid_order`` (no
sort), as tuples fetched straight from the driver's cursor (from a server-side cursor the
next chunk in a helper thread, ``core.read_ahead``) and turned into columns, never as ORM
objects or SQLAlchemy rows, so an export of 100,000 responses never holds their answers all at
once (only the packed path's rows, the frame's own numbers, come from PostgreSQL in one go).
Times come from the database as UTC without a time zone (``core.database.utc_naive``),
whatever the session's time zone.
What an export costs: see ``docs/benchmarks.md``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from contextlib import closing
from dataclasses import dataclass, field
from datetime import date
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import orjson
import sqlalchemy as sa

from fieldkit.core.database import BINARY_RESULTS, utc_naive
from fieldkit.core.read_ahead import read_ahead
from fieldkit.extensions import db
from fieldkit.surveys.fieldwork import queries
from fieldkit.surveys.models import Case, Response, ResponseStatus, Survey
from fieldkit.surveys.questionnaires import definition as d
from fieldkit.surveys.questionnaires.definition import Item, Questionnaire, text_in

if TYPE_CHECKING:
    import numpy as np

CHUNK = 2000
MAX_NAME = 32

NUMERIC = "numeric"
STRING = "string"
DATETIME = "datetime"


#: Where a variable's value is read: the response's answers, its meta values, its case's strata.
ANSWERS = "answers"
META = "meta"
STRATA = "strata"


def _identity(value: Any) -> Any:
    return value


@dataclass
class Variable:
    """One column of the data set: ``convert`` of the value stored under ``key`` in ``origin``.

    Every variable reads exactly one stored value, so the fast column path (``columns``) can
    convert each distinct value once and the record path (``rows``) each cell: both call the
    same ``convert``.
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
    #: The stored answer name this comes from ("" for meta variables).
    source: str = ""
    #: Codes of non-substantive answers ("Vet ikke"): missing values in SPSS.
    nonsubstantive: tuple[Any, ...] = ()
    #: ``convert`` gives the same for a tuple as for the list with the same items (0/1
    #: variables of a multiple choice): the column path may then hash lists as tuples.
    lists_as_tuples: bool = False
    #: What, beside ``key`` and ``kind``, tells this variable's value apart (a 0/1 variable's
    #: choice code, a table cell's row and column): part of the packed row's layout.
    detail: str = ""

    def get(self, answers: dict[str, Any], meta: dict[str, Any]) -> Any:
        """This variable's value for one response (the record path)."""
        return self.getter()(answers, meta)

    def getter(self) -> Callable[[dict[str, Any], dict[str, Any]], Any]:
        """``get`` as a closure, for reading many responses."""
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
            self.add("case_id", "Case id", STRING, "case_id", _identity, META)
        modes = {"web": "Web", "interviewer": "Interviewer", "paper": "Paper"}
        self.add("mode", "Mode", STRING, "mode", _identity, META, value_labels=modes)
        self.add("disposition", "Disposition (AAPOR)", STRING, "disposition", _identity, META)
        self.add("language", "Language", STRING, "language", _identity, META)
        if not anonymous:
            self.add("started_at", "Started", DATETIME, "started_at", _identity, META)
            self.add("submitted_at", "Submitted", DATETIME, "submitted_at", _identity, META)
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
                value_labels={0: "Ikke valgt", 1: "Valgt"},
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
                        source=item.name,
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


def variables(survey: Survey, language: str = "nb") -> list[Variable]:
    """The data set's variables, in order: meta variables first, then the questionnaire's."""
    from fieldkit.surveys.results import cleaning

    builder = _Builder(survey, language)
    builder.meta()
    builder.items(cleaning.plan(survey).questionnaire())
    return builder.variables


def stored_answers() -> sa.ColumnElement:
    """The answers as raw JSON text, decoded with orjson: a few times faster than the JSON
    type's json.loads. A cast, not just a type for SQLAlchemy: psycopg would otherwise decode
    PostgreSQL's json itself."""
    return sa.cast(Response.answers, sa.Text)


def answer_variables(questionnaire: Questionnaire) -> list[Variable]:
    """The questionnaire's answer variables as the data set makes them, without the meta
    variables (whose names may only change the answer variables' names)."""
    builder = _Builder(None, "nb")  # type: ignore[arg-type]  # items never read the survey
    builder.items(questionnaire)
    return builder.variables


def valid_responses(survey: Survey, stored: list[sa.ColumnElement] | None = None) -> sa.Select:
    """The query of the responses results use: submitted and not discarded.

    Its first columns are ``stored`` (the raw answers unless told otherwise), then the meta
    values ``_chunks`` reads."""
    code = queries.code_expression(survey).label("disposition")
    return (
        sa.select(
            *(stored if stored is not None else [stored_answers()]),
            sa.type_coerce(Response.mode, sa.String),
            Response.language,
            # UTC without a time zone, as the data set holds them, converted in SQL: turning
            # 200,000 aware datetimes naive in Python cost more than the rest of a row.
            utc_naive(Response.started_at),
            utc_naive(Response.submitted_at),
            Case.external_id,
            # As text, decoded once per distinct text in ``_chunks`` (a case's strata repeat
            # in every response of the case, and most cases share a few combinations).
            sa.cast(Case.strata, sa.Text),
            code,
        )
        .select_from(Response)
        .outerjoin(Case, Response.case_id == Case.id)
        .where(*_valid(survey))
        # The order of the index ix_responses_valid_order: read without a sort.
        .order_by(Response.submitted_at, Response.submitted_on, Response.id)
    )


def _valid(survey: Survey) -> tuple[sa.ColumnElement[bool], ...]:
    return (
        Response.survey_id == survey.id,
        Response.status == ResponseStatus.SUBMITTED,
        Response.discarded_at.is_(None),
    )


def count_valid(survey: Survey) -> int:
    """How many valid responses the survey has (before cleaning filters)."""
    # Without the outer join to the (unique) case: the same count, from the index alone.
    query = sa.select(sa.func.count()).select_from(Response).where(*_valid(survey))
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
    for (stored,), meta in _chunks(survey, chunk):
        for text, *values in zip(stored, *meta.values(), strict=True):
            yield Record(decode_answers(text), dict(zip(meta, values, strict=True)))


def _chunks(
    survey: Survey,
    chunk: int,
    stored: list[sa.ColumnElement] | None = None,
    *,
    server_side: bool = True,
) -> Iterator[tuple[list[list[Any]], dict[str, list[Any]]]]:
    """The valid responses ``chunk`` at a time: the ``stored`` columns (by default the stored
    answers, not yet decoded), and their meta values as columns (case id, times and strata left
    out of anonymous surveys). ``server_side``: see ``_column_partitions``."""
    anonymous = survey.anonymous
    leading = len(stored) if stored is not None else 1
    query = valid_responses(survey, stored)
    decoded_strata: dict[str | None, Mapping[str, Any]] = {None: _NO_STRATA}
    for part in _column_partitions(query, chunk, server_side=server_side):
        *stored_columns, mode, language, started, submitted, external_id, strata, code = part
        assert len(stored_columns) == leading
        none = [None] * len(mode)
        yield (
            stored_columns,
            {
                "case_id": none if anonymous else external_id,
                "mode": mode,
                "language": language,
                "disposition": code,
                "started_at": none if anonymous else started,
                "submitted_at": none if anonymous else submitted,
                "strata": none if anonymous else _strata(strata, decoded_strata),
            },
        )


def _column_partitions(
    query: sa.Select, chunk: int, *, server_side: bool = True
) -> Iterator[list[list[Any]]]:
    """The rows of ``query`` ``chunk`` at a time, as one list per column.

    Executed as a Core statement but fetched straight from the driver's cursor: SQLAlchemy's
    row objects cost more than the rest of reading the meta values. Each column's values go
    through its type's result processor, as SQLAlchemy's own rows would have them.

    Streamed through a server-side cursor where the driver has them (psycopg) and
    ``server_side`` allows, so that the rows never sit in memory all at once. A caller whose
    rows are no larger than what it builds from them anyway (the packed analysis rows: the
    frame's own numbers) may say ``server_side=False``: the driver then receives the rows in
    one go, without a round trip to the server for each chunk (PostgreSQL, 100,000 rows:
    about 0.2 s instead of 0.35-0.47 s).
    """
    # A Core execution does not autoflush as the session's execute does: flush as that would.
    if db.session.autoflush:
        db.session.flush()
    connection = db.session.connection()
    dialect = connection.dialect
    processors = [
        column.type.dialect_impl(dialect).result_processor(dialect, None)
        for column in query.selected_columns
    ]
    # SQLite's cursor steps through the rows as they are fetched anyway: "streaming" it
    # would only make SQLAlchemy read ahead into its own buffer.
    streamed = server_side and dialect.supports_server_side_cursors
    result = connection.execute(
        query.execution_options(stream_results=streamed, **{BINARY_RESULTS: True})
    )
    try:
        if streamed:
            # A streamed result has read ahead: its first rows come through it (as processed
            # rows), which empties its buffer; the rest straight from the cursor.
            first = result.fetchmany(chunk)
            if first:
                yield [list(column) for column in zip(*first, strict=True)]
            if len(first) < chunk:
                return
        cursor = result.cursor
        fetch = lambda: cursor.fetchmany(chunk)  # noqa: E731
        # From a server-side cursor the next chunk is fetched while this one is turned into
        # columns (the server's work overlaps ours). Not otherwise: SQLite lets go of the GIL
        # only while it steps a row, so a helper thread gained nothing there, and without one
        # the caller may run other statements on the connection between chunks.
        batches = read_ahead(fetch) if streamed else (rows for rows in iter(fetch, []))
        with closing(batches):
            for rows in batches:
                yield [
                    list(map(process, column)) if process is not None else list(column)
                    for process, column in zip(processors, zip(*rows, strict=True), strict=True)
                ]
    finally:
        result.close()


#: The strata of a response without a case (or of an anonymous survey): read-only, shared.
_NO_STRATA: Mapping[str, Any] = MappingProxyType({})


def _strata(texts: list[str | None], decoded: dict[str | None, Mapping[str, Any]]) -> list[Any]:
    """The cases' strata from their JSON texts, each distinct text decoded once (``decoded``:
    the texts seen so far) into a read-only mapping that the responses with it share."""
    for text in set(texts).difference(decoded):
        value = decode_answers(text)
        decoded[text] = MappingProxyType(value) if isinstance(value, dict) and value else _NO_STRATA
    return list(map(decoded.__getitem__, texts))


def decode_answers(text: str | dict | None) -> dict[str, Any]:
    """Stored answers (the JSON text ``stored_answers`` selects) as a dict."""
    if not text:
        return {}
    if isinstance(text, dict):  # a driver that decodes JSON itself (psycopg on jsonb)
        return text
    return orjson.loads(text)


def rows(
    survey: Survey, variable_list: list[Variable], chunk: int = CHUNK
) -> Iterator[list[list[Any]]]:
    """The data set in chunks of rows (lists of values in variable order)."""
    getters = [v.getter() for v in variable_list]
    batch: list[list[Any]] = []
    for record in records(survey, chunk):
        answers, meta = record.answers, record.meta
        batch.append([get(answers, meta) for get in getters])
        if len(batch) >= chunk:
            yield batch
            batch = []
    if batch:
        yield batch


Finish = tuple[Callable[[Any], Any], Any]
#: Responses per chunk on the column path: few enough to keep a chunk's decoded answers small
#: (about 6 kB per response of 60 answers), many enough that the per-chunk work is spread thin.
COLUMN_CHUNK = 5000
_NUMBER_TYPES = {bool, int, float}


def columns(
    survey: Survey,
    variable_list: list[Variable],
    finish: list[Finish | None] | None = None,
    chunk: int = COLUMN_CHUNK,
) -> Iterator[list[np.ndarray]]:
    """The data set in chunks of columns: for each variable a NumPy array of its values, the
    same values ``rows`` gives (with the same cleaning steps).

    ``finish``: for each variable None (an object array of the values) or ``(function,
    dtype)``: the array holds ``function(value)`` as ``dtype`` (e.g. float, None as NaN).

    Faster than ``rows`` because a stored value is converted once per chunk and group of
    variables that convert alike (a code "3" of fifty scales once), not once per cell: each
    response's values are looked up in C (``map``) as soon as it is decoded.
    """
    import numpy as np

    from fieldkit.surveys.results import cleaning

    plan = cleaning.plan(survey)
    finish = finish or [None] * len(variable_list)
    groups: dict[Any, _Group] = {}
    # Per variable: ("answers", its group, its place in the group) or ("meta", itself, 0).
    where: list[tuple[str, Any, int]] = []
    for variable, finishing in zip(variable_list, finish, strict=True):
        if variable.origin != ANSWERS:
            where.append(("meta", variable, 0))
            continue
        function, dtype = finishing or (None, object)
        if variable.lists_as_tuples:
            identity: Any = ("lists", variable.key, dtype)
        else:
            identity = (variable.convert, function, dtype)
        group = groups.setdefault(identity, _Group(dtype, lists=variable.lists_as_tuples))
        where.append(("answers", group, group.add(variable, function)))
    floats = [g for g in groups.values() if g.dtype is float]
    objects = [g for g in groups.values() if g.dtype is not float]
    widths = []
    for kind in (floats, objects):
        at = 0
        for group in kind:
            group.start = at
            at += group.width
        widths.append(at)
    for (stored,), meta in _chunks(survey, chunk):
        # The chunk's values one response after the other in two flat lists (numbers and
        # others), not a list per response: fewer objects for the garbage collector to visit.
        float_values: list[float] = []
        object_values: list[Any] = []
        kept: list[int] = []
        for index, text in enumerate(stored):
            answers = decode_answers(text)
            if not plan.empty:
                answers = plan.apply_answers(answers)
                if answers is None:
                    continue
            kept.append(index)
            for group in floats:
                group.extend(float_values, answers)
            for group in objects:
                group.extend(object_values, answers)
        if len(kept) < len(stored):
            meta = {key: [column[i] for i in kept] for key, column in meta.items()}
        if not kept:
            continue
        float_block = np.array(float_values, dtype=float).reshape(len(kept), widths[0])
        object_block = np.fromiter(object_values, dtype=object, count=len(object_values))
        object_block = object_block.reshape(len(kept), widths[1])
        distinct: dict[tuple[str, str], _Distinct] = {}
        chunk_columns = []
        for (place, target, offset), finishing in zip(where, finish, strict=True):
            if place == "answers":
                block = float_block if target.dtype is float else object_block
                chunk_columns.append(block[:, target.start + offset])
                continue
            chunk_columns.append(_meta_column(distinct, target, meta, finishing))
        yield chunk_columns


def _meta_column(
    distinct: dict[tuple[str, str], _Distinct],
    variable: Variable,
    meta: dict[str, list[Any]],
    finishing: Finish | None,
) -> np.ndarray:
    """A chunk's column of a meta or strata variable (``distinct``: the chunk's factorised
    meta values so far)."""
    if (variable.origin, variable.key) not in distinct:
        if variable.origin == STRATA:
            raw = [strata.get(variable.key) for strata in meta["strata"]]
        else:
            raw = meta[variable.key]
        # Times differ from one response to the next: nothing to gain from factorising them.
        distinct[variable.origin, variable.key] = _Distinct(
            raw, factorise=variable.kind != DATETIME
        )
    return distinct[variable.origin, variable.key].column(variable.convert, finishing)


def _answers_by_id(ids: list[str]) -> dict[str, dict[str, Any]]:
    """The decoded answers of the responses with these ids."""
    found = db.session.execute(
        sa.select(Response.id, stored_answers()).where(Response.id.in_(ids))
    ).all()
    return {response_id: decode_answers(text) for response_id, text in found}


def packed_chunks(
    survey: Survey,
    variable_list: list[Variable],
    finish: list[Finish | None],
    layout: Any,
    chunk: int = COLUMN_CHUNK,
) -> Iterator[tuple[np.ndarray, list[np.ndarray]]]:
    """What ``columns`` gives, read from the responses' packed analysis rows
    (``analysis_rows``) instead of their JSON answers: for a survey without cleaning steps
    whose answer variables are all numeric (``analysis_rows.usable_layout`` says so).

    Each chunk comes as its answer variables' values, one float64 block of a row per response
    and a column per answer variable in variable order (the rows joined and seen through
    ``numpy.frombuffer``, no copy), and a column for each of the other variables. A response
    whose row is missing or packed for another layout has its JSON read (by id, a chunk's
    at a time), decoded and packed here, with the same function the write paths use.
    """
    import numpy as np

    current = layout.current()
    stored = [
        sa.case((current, Response.analysis_row), else_=sa.null()),
        # The id only of a response whose row is missing or stale: its JSON is read by id.
        sa.case((current, sa.null()), else_=Response.id),
    ]
    others = [
        (variable, finishing)
        for variable, finishing in zip(variable_list, finish, strict=True)
        if variable.origin != ANSWERS
    ]
    # The rows are the frame's own numbers: fetched from PostgreSQL in one go, not chunk by
    # chunk through a server-side cursor (no larger than the frame being built; stale rows'
    # JSON is read a chunk at a time below).
    for (packed, stale), meta in _chunks(survey, chunk, stored, server_side=False):
        if None in packed:
            answers = _answers_by_id([rid for rid in stale if rid is not None])
            packed = [
                row if row is not None else layout.pack(answers[rid])
                for row, rid in zip(packed, stale, strict=True)
            ]
        block = np.frombuffer(b"".join(packed), dtype="<f8").reshape(len(packed), layout.width)
        distinct: dict[tuple[str, str], _Distinct] = {}
        yield block, [_meta_column(distinct, v, meta, finishing) for v, finishing in others]


class _Group:
    """Answer variables that convert alike, with a memo of stored value -> value(s).

    Strings, None and tuples of strings are remembered, and numbers where the value is a
    float: a dict cannot tell ``True``, ``1`` and ``1.0`` apart, so a row with a boolean among
    them is converted value by value.
    """

    def __init__(self, dtype: Any, *, lists: bool):
        self.dtype = dtype
        self.lists = lists
        #: The answers read: one per variable, or the one list the 0/1 variables share.
        self.keys: list[str] = []
        #: Per variable: stored value -> value (all the same unless ``lists``).
        self.converts: list[Callable[[Any], Any]] = []
        self.width = 0
        self.memo: dict[Any, Any] = {}
        #: Numbers are remembered (the values are floats, so 1 and 1.0 give the same).
        self.numbers = dtype is float
        self.remembers_numbers = False
        self.start = 0

    def add(self, variable: Variable, function: Callable[[Any], Any] | None) -> int:
        """Take ``variable`` (with ``function`` after its ``convert``); its place in the group."""
        if self.lists or not self.converts:
            convert = variable.convert
            if function is not None:
                convert = lambda v, c=convert, f=function: f(c(v))  # noqa: E731
            self.converts.append(convert)
        if not self.lists or not self.keys:
            self.keys.append(variable.key)
        self.width += 1
        return self.width - 1

    def extend(self, row: list[Any], answers: dict[str, Any]) -> None:
        """Append the group's values for one response to ``row`` (the chunk's values)."""
        if self.lists:  # the 0/1 variables of one multiple choice
            value = answers.get(self.keys[0])
            hashed = tuple(value) if type(value) is list else value
            try:
                row += self.memo[hashed]
                return
            except (KeyError, TypeError):  # not seen yet, or unhashable items
                found = [convert(value) for convert in self.converts]
            if _rememberable(hashed):
                self.memo[hashed] = found
            row += found
            return
        values = list(map(answers.get, self.keys))
        if not self.remembers_numbers or bool not in set(map(type, values)):
            try:
                row += list(map(self.memo.__getitem__, values))
                return
            except (KeyError, TypeError):  # not seen yet, or unhashable (a table's rows)
                pass
        convert = self.converts[0]
        for value in values:
            try:
                if type(value) is not bool:
                    row.append(self.memo[value])
                    continue
            except (KeyError, TypeError):
                pass
            row.append(converted := convert(value))
            if _rememberable(value):
                self.memo[value] = converted
            elif self.numbers and type(value) in (int, float):
                self.memo[value] = converted
                self.remembers_numbers = True


def _rememberable(value: Any) -> bool:
    if value is None or type(value) is str:
        return True
    return type(value) is tuple and all(type(item) is str for item in value)


class _Distinct:
    """A chunk's column of meta values, factorised: each distinct value converted once.

    Values that cannot be hashed, columns where equal-comparing values of different types could
    meet (``True == 1 == 1.0``), and columns not to be factorised (``factorise``: values that
    rarely repeat, such as times) are converted cell by cell.
    """

    def __init__(self, raw: list[Any], *, factorise: bool = True):
        import numpy as np
        import pandas as pd

        self.raw = raw
        self.codes: np.ndarray | None = None
        self.uniques: list[Any] = []
        if not factorise:
            return
        try:
            codes, uniques = pd.factorize(np.fromiter(raw, dtype=object, count=len(raw)))
        except TypeError:  # unhashable
            return
        if not all(type(u) is str for u in uniques):
            kinds = set(map(type, raw))
            if len(kinds & _NUMBER_TYPES) > 1:
                return
        self.codes, self.uniques = codes, list(uniques)

    def column(self, convert: Callable[[Any], Any], finishing: Finish | None) -> np.ndarray:
        import numpy as np

        if finishing is None:
            function, dtype = convert, object
        else:
            last, dtype = finishing
            function = lambda v: last(convert(v))  # noqa: E731
        if self.codes is None:
            values = self.raw if function is _identity else map(function, self.raw)
            return np.fromiter(values, dtype=dtype, count=len(self.raw))
        # The last entry is for the missing values (code -1).
        mapped = np.fromiter(
            map(function, [*self.uniques, None]), dtype=dtype, count=len(self.uniques) + 1
        )
        return mapped[self.codes]
