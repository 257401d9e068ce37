"""A survey's valid responses as the data set reads them: records, rows and columns.

The one place that decides what an export (and every table) sees: submitted, not discarded
responses, with the active cleaning steps applied (``cleaning_steps``), as the variables of
``schema`` say.

There are three ways to the values, which must always agree (``test_export_fast_path.py``,
``test_analysis_rows.py``): ``records``/``rows``, one response and one cell at a time (tables,
figures, CSV, XLSX); ``columns``, a chunk of responses as NumPy columns (SPSS, Stata), which
converts each distinct stored value once per group of variables that convert alike
(``AnswerConverter``) and looks the values up in C; and the packed analysis rows
(``analysis_rows``: SPSS, Stata, when no cleaning steps apply and every answer variable is
numeric), which reads each response's packed row instead of its JSON.

Responses are read in chunks, in the order of the index ``ix_responses_valid_order`` (no
sort), as tuples fetched straight from the driver's cursor (from a server-side cursor the
next chunk in a helper thread, ``core.read_ahead``) and turned into columns, never as ORM
objects or SQLAlchemy rows, so an export of 100,000 responses never holds their answers all at
once. Times come from the database as UTC without a time zone (``core.database.utc_naive``),
whatever the session's time zone. What an export costs: see ``docs/benchmarks.md``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import closing
from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import orjson
import sqlalchemy as sa

from fieldkit.core.database import BINARY_RESULTS, utc_naive
from fieldkit.core.read_ahead import read_ahead
from fieldkit.extensions import db
from fieldkit.surveys.fieldwork import queries
from fieldkit.surveys.models import Case, Response, ResponseStatus, Survey
from fieldkit.surveys.results import cleaning_steps
from fieldkit.surveys.results.schema import (
    ANSWERS,
    DATETIME,
    STRATA,
    Finish,
    Variable,
    identity,
)

if TYPE_CHECKING:
    import numpy as np

CHUNK = 2000


def stored_answers() -> sa.ColumnElement:
    """The answers as raw JSON text, decoded with orjson: a few times faster than the JSON
    type's json.loads. A cast, not just a type for SQLAlchemy: psycopg would otherwise decode
    PostgreSQL's json itself."""
    return sa.cast(Response.answers, sa.Text)


def valid_responses(survey: Survey, stored: list[sa.ColumnElement] | None = None) -> sa.Select:
    """The query of the responses results use: submitted and not discarded.

    Its first columns are ``stored`` (the raw answers unless told otherwise), then the meta
    values ``chunks`` reads."""
    code = queries.code_expression(survey).label("disposition")
    return (
        sa.select(
            *(stored if stored is not None else [stored_answers()]),
            sa.type_coerce(Response.mode, sa.String),
            Response.language,
            # UTC without a time zone, as the data set holds them, converted in SQL (turning
            # aware datetimes naive in Python cost more than the rest of a row).
            utc_naive(Response.started_at),
            utc_naive(Response.submitted_at),
            Case.external_id,
            # As text, decoded once per distinct text in ``chunks`` (a case's strata repeat
            # in every response of the case, and most cases share a few combinations).
            sa.cast(Case.strata, sa.Text),
            code,
        )
        .select_from(Response)
        .outerjoin(Case, Response.case_id == Case.id)
        .where(*valid_criteria(survey))
        # The order of the index ix_responses_valid_order: read without a sort.
        .order_by(Response.submitted_at, Response.submitted_on, Response.id)
    )


def valid_criteria(survey: Survey) -> tuple[sa.ColumnElement[bool], ...]:
    """SQL: the response is one of the survey's valid responses (submitted, not discarded)."""
    return (
        Response.survey_id == survey.id,
        Response.status == ResponseStatus.SUBMITTED,
        Response.discarded_at.is_(None),
    )


def count_valid(survey: Survey) -> int:
    """How many valid responses the survey has (before cleaning filters)."""
    # Without the outer join to the (unique) case: the same count, from the index alone.
    query = sa.select(sa.func.count()).select_from(Response).where(*valid_criteria(survey))
    return db.session.scalar(query) or 0


@dataclass
class Record:
    """One valid response: its answers and the meta values variables read."""

    answers: dict[str, Any]
    meta: dict[str, Any]


def records(survey: Survey, chunk: int = CHUNK, *, clean: bool = True) -> Iterator[Record]:
    """The valid responses one at a time, read from the database ``chunk`` rows at a time,
    with the survey's cleaning steps applied (unless ``clean`` is False)."""
    steps = cleaning_steps.active_steps(survey) if clean else None
    if steps is not None and steps.empty:
        steps = None
    for (stored,), meta in chunks(survey, chunk):
        for text, *values in zip(stored, *meta.values(), strict=True):
            answers = decode_answers(text)
            if steps is not None:
                answers = steps.apply_answers(answers)
                if answers is None:
                    continue
            yield Record(answers, dict(zip(meta, values, strict=True)))


def chunks(
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
    one go, without a round trip to the server for each chunk (``docs/benchmarks.md``).
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


#: Responses per chunk on the column path: few enough to keep a chunk's values small, many
#: enough that the per-chunk work is spread thin.
COLUMN_CHUNK = 5000
_NUMBER_TYPES = {bool, int, float}


class AnswerConverter:
    """The values of answer variables for many responses, as blocks with a row per response.

    A stored value is converted once per group of variables that convert alike (a code "3" of
    fifty scales once), not once per cell: each response's values are looked up in C (``map``)
    as soon as it is decoded. Used by the column path (``columns``) and by the packing of the
    analysis rows (``analysis_rows``), which must hold exactly the values the column path gives.

    ``finish``: per variable None (an object of the value) or ``(function, dtype)``: the block
    holds ``function(value)`` as ``dtype`` (e.g. float, None as NaN).
    """

    def __init__(self, variable_list: list[Variable], finish: list[Finish | None]):
        groups: dict[Any, _Group] = {}
        #: Per variable: its group and its place in the group.
        self.places: list[tuple[_Group, int]] = []
        for variable, finishing in zip(variable_list, finish, strict=True):
            function, dtype = finishing or (None, object)
            if variable.lists_as_tuples:
                identity: Any = ("lists", variable.key, dtype)
            else:
                identity = (variable.convert, function, dtype)
            group = groups.setdefault(identity, _Group(dtype, lists=variable.lists_as_tuples))
            self.places.append((group, group.add(variable, function)))
        self.floats = [g for g in groups.values() if g.dtype is float]
        self.objects = [g for g in groups.values() if g.dtype is not float]
        self.widths = []
        for kind in (self.floats, self.objects):
            at = 0
            for group in kind:
                group.start = at
                at += group.width
            self.widths.append(at)

    def blocks(self, answers_list: Iterable[dict[str, Any]]) -> tuple[np.ndarray, np.ndarray]:
        """The float block and the object block of these responses' (decoded) answers."""
        import numpy as np

        # The values one response after the other in two flat lists (numbers and others), not
        # a list per response: fewer objects for the garbage collector to visit.
        float_values: list[float] = []
        object_values: list[Any] = []
        count = 0
        for answers in answers_list:
            count += 1
            for group in self.floats:
                group.extend(float_values, answers)
            for group in self.objects:
                group.extend(object_values, answers)
        float_block = np.array(float_values, dtype=float).reshape(count, self.widths[0])
        object_block = np.fromiter(object_values, dtype=object, count=len(object_values))
        return float_block, object_block.reshape(count, self.widths[1])

    def block_column(self, index: int) -> tuple[bool, int]:
        """Where variable ``index`` is: (in the float block, its column there)."""
        group, offset = self.places[index]
        return group.dtype is float, group.start + offset


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

    Faster than ``rows``: the answer variables' values come from an ``AnswerConverter``.
    """
    steps = cleaning_steps.active_steps(survey)
    finish = finish or [None] * len(variable_list)
    answer_variables = [
        (variable, finishing)
        for variable, finishing in zip(variable_list, finish, strict=True)
        if variable.origin == ANSWERS
    ]
    converter = AnswerConverter(
        [variable for variable, _f in answer_variables], [f for _v, f in answer_variables]
    )
    # Per variable: its place in the converter's blocks, or None for a meta variable.
    places = iter(range(len(answer_variables)))
    where = [
        converter.block_column(next(places)) if variable.origin == ANSWERS else None
        for variable in variable_list
    ]
    for (stored,), meta in chunks(survey, chunk):
        kept: list[int] = []

        def cleaned(stored=stored, kept=kept) -> Iterator[dict[str, Any]]:
            for index, text in enumerate(stored):
                answers = decode_answers(text)
                if not steps.empty:
                    answers = steps.apply_answers(answers)
                    if answers is None:
                        continue
                kept.append(index)
                yield answers

        float_block, object_block = converter.blocks(cleaned())
        if len(kept) < len(stored):
            meta = {key: [column[i] for i in kept] for key, column in meta.items()}
        if not kept:
            continue
        distinct: dict[tuple[str, str], Distinct] = {}
        chunk_columns = []
        for variable, place, finishing in zip(variable_list, where, finish, strict=True):
            if place is None:
                chunk_columns.append(meta_column(distinct, variable, meta, finishing))
            else:
                in_floats, column = place
                chunk_columns.append((float_block if in_floats else object_block)[:, column])
        yield chunk_columns


def meta_column(
    distinct: dict[tuple[str, str], Distinct],
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
        distinct[variable.origin, variable.key] = Distinct(raw, factorise=variable.kind != DATETIME)
    return distinct[variable.origin, variable.key].column(variable.convert, finishing)


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


class Distinct:
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
            values = self.raw if function is identity else map(function, self.raw)
            return np.fromiter(values, dtype=dtype, count=len(self.raw))
        # The last entry is for the missing values (code -1).
        mapped = np.fromiter(
            map(function, [*self.uniques, None]), dtype=dtype, count=len(self.uniques) + 1
        )
        return mapped[self.codes]
