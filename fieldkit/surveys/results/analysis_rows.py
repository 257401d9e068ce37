"""Each response's answers packed as a typed row, so SPSS and Stata exports need not decode JSON.

Beside its JSON answers a response keeps ``analysis_row``: the values of the questionnaire's
numeric answer variables, in data-set order, as little-endian float64 (NaN for missing), the
very numbers ``exports.statistical_frame`` puts in its columns (codes, 0/1 variables of a
multiple choice, string-coded choices numbered 1..k, numbers); ``analysis_layout``: a hash of
the variable layout it was packed for; and ``analysis_revision``: the response's ``revision``
(bumped by every write of its answers) that it was packed from.

Results own the rows: the respondent's pages never pack one. The SPSS/Stata export packs them
as it reads (``packed_chunks``): a row that is missing, packed for another layout (the survey
moved to a new questionnaire version) or packed from an older revision (its answers changed
since) is read as JSON instead (by id, a chunk's at a time), decoded and packed in memory, and
once the frame is built the export writes those rows back (``store``: a chunk at a time, each
chunk with one statement and committed). So the first export of a survey packs every response,
and each later one only the responses changed since; ``fieldkit survey repack`` packs them
ahead of an export (``pack_stale``). A row is written only if the response's revision is still
the one its answers were read at, and read only if it is current, so the export is always
exact.

``PackedLayout.pack`` is the one place a row is made, through the data set's own conversion
(``dataset.AnswerConverter``, each variable's ``convert`` and the export's
``schema.finishing``): the packed and decoded paths cannot drift. The packed path is used only
when it gives what the decoded one would: no active cleaning steps and no text, date or "other"
text answer variables (``usable_layout``).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from fieldkit.core.collector import collector_paused
from fieldkit.extensions import db
from fieldkit.surveys.models import Response, Survey
from fieldkit.surveys.models.questionnaires import parsed_definition
from fieldkit.surveys.results import cleaning_steps, dataset, schema
from fieldkit.surveys.results.schema import ANSWERS, Finish, Variable

if TYPE_CHECKING:
    import numpy as np

#: Bump when a conversion changes without the questionnaire changing: every row is stale then.
LAYOUT_FORMAT = 1
#: Responses packed (read, packed, written and committed) at a time.
PACK_CHUNK = 5000


@dataclass(frozen=True)
class PackedLayout:
    """The numeric answer variables of one questionnaire definition, as a row packs them."""

    #: SHA-256 (hex) of the layout: kinds, answers read, details and codes, in order.
    hash: str
    #: The packed variables, in data-set order, and how each becomes a float.
    variables: tuple[Variable, ...]
    finish: tuple[Finish, ...]
    #: Per packed variable: (kind, key, detail), to match an export's variables.
    signature: tuple[tuple[str, str, str], ...]
    #: Every answer variable is packed (none is text or a date).
    complete: bool

    @property
    def width(self) -> int:
        return len(self.variables)

    def current(self) -> sa.ColumnElement[bool]:
        """SQL: the response's row is packed for this layout from its present answers (NULL,
        not false, when that is unknown: for a ``CASE``; ``stale`` is the filter)."""
        return sa.and_(
            Response.analysis_layout == self.hash,
            Response.analysis_revision == Response.revision,
            Response.analysis_row.is_not(None),
        )

    def stale(self) -> sa.ColumnElement[bool]:
        """SQL: the response's row is missing, packed for another layout or from older
        answers."""
        return sa.or_(
            Response.analysis_layout.is_(None),
            Response.analysis_layout != self.hash,
            Response.analysis_revision.is_(None),
            Response.analysis_revision != Response.revision,
            Response.analysis_row.is_(None),
        )

    def pack(self, answers_list: list[dict[str, Any]]) -> list[bytes]:
        """The analysis rows of these (decoded) answers: float64, little-endian."""
        import numpy as np

        converter = dataset.AnswerConverter(list(self.variables), list(self.finish))
        block, _objects = converter.blocks(answers_list)
        order = [converter.block_column(index)[1] for index in range(self.width)]
        rows = np.ascontiguousarray(block[:, order], dtype="<f8")
        return [row.tobytes() for row in rows]


def packed_layout(survey: Survey) -> PackedLayout:
    """The packed layout of the survey's questionnaire version."""
    return _layout(survey.questionnaire_version.definition_json)


@lru_cache(maxsize=64)
def _layout(definition_json: str) -> PackedLayout:
    variables, finish, signature, described = [], [], [], []
    complete = True
    for variable in schema.answer_variables(parsed_definition(definition_json)):
        codes = schema.encoding(variable)
        finishing = schema.finishing(variable, codes)
        if finishing is None:
            complete = False
            continue
        variables.append(variable)
        finish.append(finishing)
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
    return PackedLayout(
        hashlib.sha256(text.encode()).hexdigest(),
        tuple(variables),
        tuple(finish),
        tuple(signature),
        complete,
    )


def usable_layout(
    survey: Survey, variable_list: list[Variable], finish: list[Finish | None]
) -> PackedLayout | None:
    """The layout when the export may read the packed rows: no active cleaning steps, every
    answer variable numeric and packed, in the same order (otherwise None)."""
    if not cleaning_steps.active_steps(survey).empty:
        return None
    found = packed_layout(survey)
    if not found.complete:
        return None
    answers = [(v, f) for v, f in zip(variable_list, finish, strict=True) if v.origin == ANSWERS]
    if any(f is None or f[1] is not float for _v, f in answers):
        return None
    if tuple((v.kind, v.key, v.detail) for v, _f in answers) != found.signature:
        return None
    return found


def pack_stale(survey: Survey, chunk: int = PACK_CHUNK) -> int:
    """Pack the analysis rows of the survey's valid responses whose row is missing or stale,
    ahead of an export (``fieldkit survey repack``); returns how many were packed. Nothing to
    pack when some answer variable is not numeric (the export then never reads the rows).
    Commits after each chunk."""
    layout = packed_layout(survey)
    if not layout.complete:
        return 0
    # In the order of the valid responses' index, which follows the table's own order more
    # closely than the ids do: the rows are then written page after page.
    stale = list(
        db.session.scalars(
            sa.select(Response.id)
            .where(*dataset.valid_criteria(survey), layout.stale())
            .order_by(Response.submitted_at, Response.submitted_on, Response.id)
        )
    )
    packed = 0
    for start in range(0, len(stale), chunk):
        # A dict per response and an object per answer: nothing for the collector to free.
        with collector_paused():
            ids = stale[start : start + chunk]
            found = answers_by_id(ids)
            ids = [rid for rid in ids if rid in found]  # not one deleted meanwhile
            rows = layout.pack([found[rid][1] for rid in ids])
            packed += store(
                layout,
                [(rid, found[rid][0], row) for rid, row in zip(ids, rows, strict=True)],
                chunk=chunk,
            )
    return packed


def store(layout: PackedLayout, rows: list[tuple[str, int, bytes]], chunk: int = PACK_CHUNK) -> int:
    """Write packed rows, ``(response id, revision its answers were read at, row)``, a chunk at
    a time, each with one statement and committed; returns how many were given.

    A row is written only where the response's revision is still the one read with its
    answers: a response saved meanwhile keeps its stale row (and is packed again next time)."""
    table = Response.__table__
    write = (
        sa.update(table)
        .where(table.c.id == sa.bindparam("b_id"), table.c.revision == sa.bindparam("b_revision"))
        .values(
            analysis_row=sa.bindparam("b_row"),
            analysis_layout=layout.hash,
            analysis_revision=sa.bindparam("b_revision"),
        )
    )
    for start in range(0, len(rows), chunk):
        db.session.execute(
            write,
            [
                {"b_id": rid, "b_revision": revision, "b_row": row}
                for rid, revision, row in rows[start : start + chunk]
            ],
        )
        db.session.commit()
    return len(rows)


def answers_by_id(ids: list[str]) -> dict[str, tuple[int, dict[str, Any]]]:
    """The revision and the decoded answers of the responses with these ids (read together)."""
    found = db.session.execute(
        sa.select(Response.id, Response.revision, dataset.stored_answers()).where(
            Response.id.in_(ids)
        )
    ).all()
    return {
        response_id: (revision, dataset.decode_answers(text))
        for response_id, revision, text in found
    }


def packed_chunks(
    survey: Survey,
    variable_list: list[Variable],
    finish: list[Finish | None],
    layout: PackedLayout,
    chunk: int = dataset.COLUMN_CHUNK,
    *,
    repacked: list[tuple[str, int, bytes]] | None = None,
) -> Iterator[tuple[np.ndarray, list[np.ndarray]]]:
    """What ``dataset.columns`` gives, read from the responses' packed analysis rows instead of
    their JSON answers: for a survey without cleaning steps whose answer variables are all
    numeric (``usable_layout`` says so).

    Each chunk comes as its answer variables' values, one float64 block of a row per response
    and a column per answer variable in variable order (the rows joined and seen through
    ``numpy.frombuffer``, no copy), and a column for each of the other variables. A response
    whose row is missing or stale has its JSON read (by id, a chunk's at a time), decoded and
    packed here; ``repacked`` (when given) collects those rows as ``store`` writes them, for
    the caller to write back once the read is done.
    """
    import numpy as np

    stored = [
        Response.analysis_row,
        # The id only of a response whose row is missing or stale: its JSON is read by id (and
        # its row, if any, not used). One condition per row, evaluated once.
        sa.case((layout.current(), sa.null()), else_=Response.id),
    ]
    others = [
        (variable, finishing)
        for variable, finishing in zip(variable_list, finish, strict=True)
        if variable.origin != ANSWERS
    ]
    # The rows are the frame's own numbers: fetched from PostgreSQL in one go, not chunk by
    # chunk through a server-side cursor (no larger than the frame being built; stale rows'
    # JSON is read a chunk at a time below).
    for (packed, stale), meta in dataset.chunks(survey, chunk, stored, server_side=False):
        missing = [rid for rid in stale if rid is not None]
        if missing:
            found = answers_by_id(missing)
            made = dict(zip(missing, layout.pack([found[r][1] for r in missing]), strict=True))
            if repacked is not None:
                repacked += [(rid, found[rid][0], made[rid]) for rid in missing]
            packed = [
                row if rid is None else made[rid] for row, rid in zip(packed, stale, strict=True)
            ]
        block = np.frombuffer(b"".join(packed), dtype="<f8").reshape(len(packed), layout.width)
        distinct: dict[tuple[str, str], dataset.Distinct] = {}
        yield block, [dataset.meta_column(distinct, v, meta, f) for v, f in others]
