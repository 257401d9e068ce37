"""Each response's answers packed as a typed row, so SPSS and Stata exports need not decode JSON.

Beside its JSON answers a response keeps ``analysis_row``: the values of the questionnaire's
numeric answer variables, in data-set order, as little-endian float64 (NaN for missing), the
very numbers ``exports.statistical_frame`` puts in its columns (codes, 0/1 variables of a
multiple choice, string-coded choices numbered 1..k, numbers), and ``analysis_layout``: a hash of
the variable layout it was packed for. Reading 100,000 such rows with ``numpy.frombuffer`` costs
a fraction of decoding the JSON (``docs/benchmarks.md``).

``pack`` is the one place a row is made, from the answers through each variable's own
``convert`` and the export's ``finishing`` (defined here, used by ``exports``): the row and the
decoded path cannot drift. It runs on every write of answers: ``responses.save_answers`` and
``responses.submit`` (Core UPDATEs, which ORM events do not see, call ``packed`` themselves) and
any ORM insert or change of ``Response.answers`` (a ``before_flush`` listener). A row that is
missing, or packed for another layout (the survey moved to a new questionnaire version), is
not trusted: the export decodes that response's JSON instead, and ``repack`` brings a survey's
rows up to date.

The packed path is used only when it gives what the decoded one would: no active cleaning
steps and no text, date or "other" text answer variables (``usable_layout``).
"""

from __future__ import annotations

import hashlib
import json
import math
import struct
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so

from fieldkit.extensions import db
from fieldkit.surveys.models import Response, Survey
from fieldkit.surveys.models.questionnaires import parsed_definition
from fieldkit.surveys.results import dataset
from fieldkit.surveys.results.dataset import ANSWERS, NUMERIC, Variable

#: Bump when a conversion changes without the questionnaire changing: every row is stale then.
LAYOUT_FORMAT = 1
REPACK_CHUNK = 2000


def encoding(variable: Variable) -> dict[Any, int] | None:
    """For a string-coded choice variable: code -> 1..k (SPSS/Stata label only numbers)."""
    if variable.kind == NUMERIC or not variable.value_labels:
        return None
    return {code: index for index, code in enumerate(variable.value_labels, start=1)}


def missing_as_nan(value: Any) -> float:
    return math.nan if value is None else float(value)


def finishing(variable: Variable, codes: dict[Any, int] | None):
    """How a value becomes the statistical frame's: numbers and codes as float (missing as
    NaN), or None for a variable the frame keeps as objects (texts, dates)."""
    if codes is not None:
        return lambda value: math.nan if value is None else codes.get(value, math.nan), float
    if variable.kind == NUMERIC:
        return missing_as_nan, float
    return None


@dataclass(frozen=True)
class Layout:
    """The numeric answer variables of one questionnaire definition, as a row packs them."""

    #: SHA-256 (hex) of the layout: kinds, answers read, details and codes, in order.
    hash: str
    #: Per packed variable: the answer read, and stored value -> float.
    keys: tuple[str, ...]
    converts: tuple[Callable[[Any], float], ...]
    #: Per packed variable: (kind, key, detail), to match an export's variables.
    signature: tuple[tuple[str, str, str], ...]
    #: Every answer variable is packed (none is text or a date).
    complete: bool

    @property
    def width(self) -> int:
        return len(self.keys)

    def current(self) -> sa.ColumnElement[bool]:
        """SQL: the response's row is packed for this layout (NULL, not false, when its
        layout is unknown: for a ``CASE``; ``stale`` is the filter)."""
        return sa.and_(Response.analysis_layout == self.hash, Response.analysis_row.is_not(None))

    def stale(self) -> sa.ColumnElement[bool]:
        """SQL: the response's row is missing or packed for another layout."""
        return sa.or_(
            Response.analysis_layout.is_(None),
            Response.analysis_layout != self.hash,
            Response.analysis_row.is_(None),
        )

    def pack(self, answers: dict[str, Any]) -> bytes:
        """The analysis row of ``answers`` (decoded): float64, little-endian."""
        get = answers.get
        return struct.pack(
            f"<{len(self.keys)}d",
            *[convert(get(key)) for key, convert in zip(self.keys, self.converts, strict=True)],
        )


def layout(survey: Survey) -> Layout:
    """The layout of the survey's questionnaire version."""
    return _layout(survey.questionnaire_version.definition_json)


@lru_cache(maxsize=64)
def _layout(definition_json: str) -> Layout:
    keys, converts, signature, described = [], [], [], []
    complete = True
    for variable in dataset.answer_variables(parsed_definition(definition_json)):
        codes = encoding(variable)
        finish = finishing(variable, codes)
        if finish is None:
            complete = False
            continue
        function, _dtype = finish
        keys.append(variable.key)
        converts.append(lambda value, c=variable.convert, f=function: f(c(value)))
        signature.append((variable.kind, variable.key, variable.detail))
        described.append(
            [
                variable.kind,
                variable.key,
                variable.detail,
                variable.convert.__qualname__,
                [str(code) for code in (codes or variable.value_labels)],
            ]
        )
    text = json.dumps([LAYOUT_FORMAT, described], ensure_ascii=False)
    return Layout(
        hashlib.sha256(text.encode()).hexdigest(),
        tuple(keys),
        tuple(converts),
        tuple(signature),
        complete,
    )


def packed(survey: Survey, answers: dict[str, Any]) -> dict[str, Any]:
    """The column values that store ``answers``' analysis row (for an UPDATE or INSERT)."""
    found = layout(survey)
    return {"analysis_row": found.pack(answers or {}), "analysis_layout": found.hash}


def usable_layout(
    survey: Survey, variable_list: list[Variable], finish: list[Any]
) -> Layout | None:
    """The layout when the export may read the packed rows: no active cleaning steps, every
    answer variable numeric and packed, in the same order (otherwise None)."""
    from fieldkit.surveys.results import cleaning

    if not cleaning.plan(survey).empty:
        return None
    found = layout(survey)
    if not found.complete:
        return None
    answers = [(v, f) for v, f in zip(variable_list, finish, strict=True) if v.origin == ANSWERS]
    if any(f is None or f[1] is not float for _v, f in answers):
        return None
    if tuple((v.kind, v.key, v.detail) for v, _f in answers) != found.signature:
        return None
    return found


def repack(survey: Survey, chunk: int = REPACK_CHUNK) -> int:
    """Pack the analysis rows of the survey's responses whose row is missing or stale (after a
    new questionnaire version); returns how many were packed. Commits."""
    found = layout(survey)
    stale = found.stale()
    done, after = 0, ""
    while True:
        rows = db.session.execute(
            sa.select(Response.id, Response.revision, dataset.stored_answers())
            .where(Response.survey_id == survey.id, Response.id > after, stale)
            .order_by(Response.id)
            .limit(chunk)
        ).all()
        if not rows:
            return done
        for response_id, revision, text in rows:
            # Guarded by the revision: an answer saved meanwhile has packed its own row.
            db.session.execute(
                sa.update(Response)
                .where(Response.id == response_id, Response.revision == revision)
                .values(
                    analysis_row=found.pack(dataset.decode_answers(text)),
                    analysis_layout=found.hash,
                )
                .execution_options(synchronize_session=False)
            )
        done += len(rows)
        after = rows[-1][0]
        db.session.commit()


def _answer_writes(session: so.Session) -> Iterator[Response]:
    for instance in session.new:
        # A new response whose creator packed its row (``responses``) is left as it is.
        if isinstance(instance, Response) and instance.analysis_layout is None:
            yield instance
    for instance in session.dirty:
        changed = isinstance(instance, Response) and sa.inspect(instance).attrs.answers.history
        if changed and changed.has_changes():
            yield instance


@sa.event.listens_for(so.Session, "before_flush")
def _pack_on_flush(session: so.Session, _context: Any, _instances: Any) -> None:
    """Pack the row of every response inserted or whose answers change through the ORM."""
    for response in list(_answer_writes(session)):
        survey = response.__dict__.get("survey")
        if survey is None and response.survey_id is not None:
            survey = session.get(Survey, response.survey_id)
        if survey is None:
            continue
        for key, value in packed(survey, response.answers or {}).items():
            setattr(response, key, value)
