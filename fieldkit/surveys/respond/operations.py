"""The operations of responses: start or resume, save answers, submit.

Exactly one response per personal link, whatever the respondent does: a response is created
under a unique constraint (or, in anonymous surveys, claimed on the case by a conditional
update), answers are saved with optimistic revisions and merged (two tabs never blindly
overwrite each other), and submission is a conditional update that succeeds once.
"""

from __future__ import annotations

import functools
import uuid
from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so
from sqlalchemy.orm.attributes import set_committed_value

from fieldkit.core.models import User, utcnow
from fieldkit.core.text import normalise_value
from fieldkit.extensions import db
from fieldkit.surveys.models import (
    Case,
    Response,
    ResponseMode,
    ResponseStatus,
    Survey,
    SurveyState,
)
from fieldkit.surveys.questionnaires import definition, logic
from fieldkit.surveys.respond import links

MAX_SAVE_ATTEMPTS = 20


class ResponseError(Exception):
    """The response cannot be changed; ``reason`` says why (for the page to show)."""

    def __init__(self, reason: str):
        self.reason = reason
        super().__init__(reason)


def _new_response(survey: Survey, **values: Any) -> Response:
    now = utcnow()
    response = Response(
        id=str(uuid.uuid4()),
        survey_id=survey.id,
        answers={},
        warned=[],
        revision=0,
        started_at=None if survey.anonymous else now,
        updated_at=None if survey.anonymous else now,
        **values,
    )
    return response


def response_for_case(survey: Survey, case: Case) -> Response | None:
    """The case's response, if one was started (never for anonymous surveys once submitted)."""
    if survey.anonymous:
        if case.open_response_id is None:
            return None
        response = db.session.get(Response, case.open_response_id)
        if response is not None and response.submitted:
            # Submitted, but the case was not yet told (the process stopped between the two
            # transactions of ``submit``): finish that now, and forget the response.
            _forget_case(
                response.id,
                response.submitted_on,
                completeness_class(survey, response.completeness),
            )
            db.session.refresh(case)
            return None
        return response
    return db.session.scalar(sa.select(Response).where(Response.case_id == case.id))


def staff_may_enter(survey: Survey, case: Case, staff: User) -> bool:
    """Whether ``staff`` may key in (and so read) the case's response.

    Not the unfinished response of an anonymous survey that the respondent (or another
    member) began: its answers are for nobody else to read. A member goes on with an entry
    they began themselves.
    """
    if not survey.anonymous or case.open_response_id is None:
        return True
    entered_by = db.session.scalar(
        sa.select(Response.entered_by_id).where(Response.id == case.open_response_id)
    )
    return entered_by is not None and entered_by == staff.id


def survey_with_response(
    survey_id: int | None, *, case_id: int | None = None, response_id: str | None = None
) -> tuple[Survey | None, Response | None]:
    """The survey with its questionnaire, and the response of the case ``case_id`` (or the
    response ``response_id``) if one was started, in one query: what every page of a
    respondent needs first. An anonymous survey's response does not name its case, so there
    it is found from the case (``response_for_case``), never here."""
    by = "case" if case_id is not None else "response" if response_id is not None else None
    parameters = {"b_survey": survey_id, "b_case": case_id, "b_response": response_id}
    row = db.session.execute(_visit_query(by), parameters).first()
    if row is None:
        return None, None
    return row[0], (row[1] if by is not None else None)


@functools.cache
def _visit_query(by: str | None) -> sa.Select:
    """``survey_with_response``'s query, built once with bound parameters (as a save's UPDATE
    is) for the response found ``by`` its case, its id, or for no response."""
    query = sa.select(Survey).where(Survey.id == sa.bindparam("b_survey"))
    if by is not None:
        match = (
            Response.case_id == sa.bindparam("b_case")
            if by == "case"
            else Response.id == sa.bindparam("b_response")
        )
        query = query.add_columns(Response).outerjoin(
            Response, sa.and_(Response.survey_id == Survey.id, match)
        )
    return query.options(so.joinedload(Survey.questionnaire_version, innerjoin=True))


def start_for_case(
    survey: Survey,
    case: Case,
    *,
    mode: ResponseMode = ResponseMode.WEB,
    language: str = "nb",
    entered_by: User | None = None,
) -> Response:
    """The case's response: the one already started, or a new one (never two)."""
    existing = response_for_case(survey, case)
    if existing is not None:
        return existing
    if survey.anonymous and case.submitted_at is not None:
        raise ResponseError("already_submitted")
    values = {"mode": mode, "language": language, "entered_by_id": getattr(entered_by, "id", None)}
    if not survey.anonymous:
        response = _new_response(survey, case_id=case.id, **values)
        try:
            with db.session.begin_nested():
                db.session.add(response)
        except sa.exc.IntegrityError:
            # Another request (a double click, a second tab) created it first: use that one.
            return db.session.scalar(sa.select(Response).where(Response.case_id == case.id))
        db.session.commit()
        return response
    response = _new_response(survey, **values)
    db.session.add(response)
    db.session.flush()
    claimed = db.session.execute(
        sa.update(Case)
        .where(Case.id == case.id, Case.open_response_id.is_(None), Case.submitted_at.is_(None))
        .values(open_response_id=response.id)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not claimed:
        db.session.rollback()
        db.session.refresh(case)
        if case.submitted_at is not None:
            raise ResponseError("already_submitted")
        return db.session.get(Response, case.open_response_id)
    db.session.commit()
    db.session.refresh(case)
    return response


def start_open(survey: Survey, *, language: str = "nb") -> tuple[Response, str]:
    """A new response through the survey's open link, with its resume token."""
    response = _new_response(survey, mode=ResponseMode.WEB, language=language)
    token = links.new_resume_token(response)
    db.session.add(response)
    db.session.commit()
    return response, token


def editable(response: Response) -> bool:
    """Whether the respondent may still change ``response``."""
    survey = response.survey
    if survey.state != SurveyState.OPEN and response.mode == ResponseMode.WEB:
        return False
    return not response.submitted or survey.allow_edit_after_submit


def save_answers(
    response: Response,
    page_answers: dict[str, Any],
    page_variables: list[str],
    *,
    section: str | None = None,
    warned: list[str] | None = None,
    language: str | None = None,
) -> Response:
    """Merge one page's answers into the response and store them.

    ``page_variables`` are the names the page shows: their old values are replaced by
    ``page_answers`` (an emptied field is removed); everything else is kept as it is, so
    two tabs saving different pages both keep their answers. Answers of questions that skip
    logic now hides are removed.
    """
    questionnaire = response.survey.definition
    response_id = response.id
    # Pasted control characters are cleaned, never refused: the respondent's text is kept.
    page_answers = normalise_value(page_answers)
    for attempt in range(MAX_SAVE_ATTEMPTS):
        if attempt:  # someone saved meanwhile: merge into what they saved
            db.session.refresh(response)
        if not editable(response):
            raise ResponseError("already_submitted" if response.submitted else "closed")
        page_keys = set(page_variables)
        merged = {
            key: value
            for key, value in response.answers.items()
            if key not in page_keys and key.split(".")[0] not in page_keys
        }
        merged.update(page_answers)
        merged = logic.prune(questionnaire, merged)
        values: dict[str, Any] = {
            "answers": merged,
            "completeness": completeness(questionnaire, merged),
            "revision": response.revision + 1,
        }
        if section is not None:
            values["current_section"] = section
        if warned is not None:
            values["warned"] = sorted(set(response.warned) | set(warned))
        if language is not None:
            values["language"] = language
        if not response.survey.anonymous:
            values["updated_at"] = utcnow()
        statement = _save_statement(
            tuple(sorted(values)), submitted_too=response.survey.allow_edit_after_submit
        )
        parameters = {f"b_{key}": value for key, value in values.items()}
        parameters.update(b_id=response_id, b_seen_revision=response.revision)
        updated = db.session.execute(statement, parameters).rowcount
        _commit_keeping_loaded()
        if updated:
            # The row now holds exactly these values: no need to read it back.
            for key, value in values.items():
                set_committed_value(response, key, value)
            return response
    raise ResponseError("busy")


@functools.cache
def _save_statement(columns: tuple[str, ...], *, submitted_too: bool) -> sa.Update:
    """The UPDATE of a save: ``columns`` of the response with id ``b_id``, only if it is still
    at revision ``b_seen_revision`` (and in progress, unless ``submitted_too``).

    Built once per set of columns, with bound parameters: building the statement and its
    cache key anew took about a third of a save's time in Python (docs/benchmarks.md).
    """
    table = Response.__table__
    guard = [
        table.c.id == sa.bindparam("b_id"),
        table.c.revision == sa.bindparam("b_seen_revision"),
    ]
    if not submitted_too:
        guard.append(table.c.status == ResponseStatus.IN_PROGRESS)
    return (
        sa.update(table)
        .where(*guard)
        .values({name: sa.bindparam(f"b_{name}", type_=table.c[name].type) for name in columns})
    )


def _commit_keeping_loaded() -> None:
    """Commit, but leave what the session has loaded as it is instead of expiring it.

    After a save its request goes on (renders the page, redirects, submits) with the survey
    and questionnaire it read a moment ago; expired, they would be read again in a second
    transaction, two more round trips to PostgreSQL per page. The saved row's own new values
    are set by the caller, and a save that has to merge reads the row again first.
    """
    session = db.session()
    expire = session.expire_on_commit
    session.expire_on_commit = False
    try:
        session.commit()
    finally:
        session.expire_on_commit = expire


def completeness(questionnaire: definition.Questionnaire, answers: dict[str, Any]) -> float:
    """The share of applicable questions answered (grid rows count one by one; notes not)."""
    _sections, shown = logic.visibility(questionnaire, answers)
    applicable = answered = 0
    for _section, item in questionnaire.items():
        if item.name not in shown:
            continue
        for name in item.variable_names():
            applicable += 1
            value = answers.get(name)
            if item.type == definition.TABLE and isinstance(value, list):
                value = [row for row in value if any(v not in (None, "") for v in row.values())]
            if value not in (None, "", [], {}):
                answered += 1
    return answered / applicable if applicable else 0.0


def completeness_class(survey: Survey, share: float) -> str:
    """AAPOR's class for a returned response: I (complete), P (partial) or R (break-off)."""
    if share >= survey.complete_threshold:
        return "I"
    if share >= survey.partial_threshold:
        return "P"
    return "R"


def submit(response: Response) -> bool:
    """Submit ``response``; True when this call submitted it, False when it already was.

    In an anonymous survey nothing may tie the response to the case that gave it (see
    docs/security.md): the response is submitted and the survey's submitted responses are
    rewritten together (``remix_submitted``) in one transaction, and only after it commits
    is the case told, in a transaction of its own, that it answered (the day, how fully).
    """
    survey = response.survey
    now = utcnow()
    share = completeness(survey.definition, response.answers)
    values: dict[str, Any] = {
        "status": ResponseStatus.SUBMITTED,
        "completeness": share,
        "submitted_on": now.date(),
        "resume_hash": None,
        "revision": Response.revision + 1,
    }
    if survey.anonymous:
        values["entered_by_id"] = None  # the audit log names the case a member entered
    else:
        values["submitted_at"] = now
        values["updated_at"] = now
    updated = db.session.execute(
        sa.update(Response)
        .where(Response.id == response.id, Response.status == ResponseStatus.IN_PROGRESS)
        .values(**values)
        .execution_options(synchronize_session=False)
    ).rowcount
    anonymous = survey.anonymous
    if updated and anonymous:
        remix_submitted(db.session.connection(), survey.id)
    answered_as = completeness_class(survey, share)
    db.session.commit()
    db.session.refresh(response)
    if updated and anonymous:
        _forget_case(response.id, now.date(), answered_as)
    return bool(updated)


#: The first key of the PostgreSQL advisory lock that lets one submission at a time re-mix a
#: survey's responses (the second key is the survey's id).
REMIX_LOCK = 15_001


def remix_submitted(connection: sa.Connection, survey_id: int, table: sa.Table | None = None):
    """Rewrite every submitted response of the anonymous survey ``survey_id`` in the order of
    their random ids, in ``connection``'s transaction, so that nothing the database keeps
    about a row tells when it was started, saved or submitted.

    PostgreSQL: the rows are deleted and inserted again by one statement, so they all share
    one transaction id and command id (``xmin``, ``cmin``), and lie in the table (``ctid``)
    in the order of their ids. SQLite: their ``rowid`` is renumbered in the order of their ids.
    ``table`` is the responses table as the schema has it (a migration passes it reflected).
    Cost: bench/anonymous_submit.py (about 0.1 ms a response).
    """
    table = Response.__table__ if table is None else table
    mine = sa.and_(table.c.survey_id == survey_id, table.c.status == ResponseStatus.SUBMITTED.value)
    if connection.dialect.name == "postgresql":
        # Two submissions at once would each rewrite only what the other had not locked.
        lock = sa.func.pg_advisory_xact_lock(
            sa.cast(REMIX_LOCK, sa.Integer), sa.cast(survey_id, sa.Integer)
        )
        connection.execute(sa.select(lock)).all()
        moved = sa.delete(table).where(mine).returning(*table.c).cte("moved")
        names = [column.name for column in table.c]
        in_order = sa.select(*(moved.c[name] for name in names)).order_by(moved.c.id)
        connection.execute(sa.insert(table).from_select(names, in_order).add_cte(moved))
        return
    ids = connection.execute(sa.select(table.c.id).where(mine).order_by(table.c.id)).scalars()
    ids = ids.all()
    top = connection.execute(sa.text(f"SELECT coalesce(max(rowid), 0) FROM {table.name}"))
    top = top.scalar_one()
    connection.execute(
        sa.text(f"UPDATE {table.name} SET rowid = :rowid WHERE id = :id"),
        [{"rowid": top + n, "id": id_} for n, id_ in enumerate(ids, start=1)],
    )


def _forget_case(response_id: str, day: date, answered_as: str) -> None:
    """Tell the case that held the submitted anonymous response ``response_id`` that it
    answered (the ``day``, and the AAPOR class ``answered_as`` only) and forget which response
    it was, in a transaction of its own: sharing the response's would tie the two together."""
    db.session.execute(
        sa.update(Case)
        .where(Case.open_response_id == response_id)
        .values(
            open_response_id=None,
            submitted_at=datetime(day.year, day.month, day.day, tzinfo=UTC),
            submitted_class=answered_as,
        )
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
