"""Who gets mail: the reminder schedule, and the messages a mailing would send now.

A case may get mail when it has an address, is eligible, and has not declined, bounced or
completed. An invitation goes once to each such case; reminders go to invited cases that have
not finished, no more often than the survey's reminder schedule allows. Everything is decided
in SQL, so a dry run, a count on a page and the mailing itself always agree.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import gettext as _

from fieldkit.core import audit
from fieldkit.core.models import User, utcnow
from fieldkit.core.operations import OperationError
from fieldkit.extensions import db
from fieldkit.surveys.models import (
    Case,
    Mailing,
    MailKind,
    ReminderSchedule,
    Response,
    ResponseStatus,
    SentMessage,
    Survey,
)

INVITATION, REMINDER = "invitation", "reminder"
DEFAULT_MIN_GAP_DAYS = 5
DEFAULT_MAX_REMINDERS = 3


@dataclass(frozen=True)
class OutgoingMessage:
    """One message a mailing would send now (what a dry run lists)."""

    case_id: int
    external_id: str
    name: str
    email: str
    kind: str
    round: int


# --- Who may get mail ---------------------------------------------------------------------


def completed_clause():
    """SQL: the case has submitted its response."""
    submitted = sa.exists().where(
        Response.case_id == Case.id, Response.status == ResponseStatus.SUBMITTED
    )
    return sa.or_(Case.submitted_at.is_not(None), submitted)


def started_clause():
    """SQL: the case has a response in progress."""
    in_progress = sa.exists().where(
        Response.case_id == Case.id, Response.status == ResponseStatus.IN_PROGRESS
    )
    return sa.or_(Case.open_response_id.is_not(None), in_progress)


def mailable_clause():
    """SQL: the case may get mail at all (has an address, eligible, not declined or bounced)."""
    return sa.and_(
        Case.email.is_not(None),
        Case.email != "",
        Case.eligible.is_(True),
        Case.declined_at.is_(None),
        Case.bounced_at.is_(None),
        sa.not_(completed_clause()),
    )


def _selection(query, survey: Survey, case_ids=None, strata=None):
    """``query`` limited to the survey's chosen cases and frame values, in SQL."""
    query = query.where(Case.survey_id == survey.id)
    if case_ids is not None:
        query = query.where(Case.id.in_([int(i) for i in case_ids]))
    for column, value in (strata or {}).items():
        query = query.where(Case.strata[column].as_string() == str(value))
    return query


def reminder_schedule(survey: Survey) -> ReminderSchedule:
    """The survey's reminder schedule (the defaults when none is stored)."""
    record = db.session.get(ReminderSchedule, survey.id)
    if record is None:
        record = ReminderSchedule(
            survey_id=survey.id,
            reminder_days=[],
            min_gap_days=DEFAULT_MIN_GAP_DAYS,
            max_reminders=DEFAULT_MAX_REMINDERS,
        )
    return record


def save_reminder_schedule(
    survey: Survey,
    reminder_days: list[int],
    min_gap_days: int = DEFAULT_MIN_GAP_DAYS,
    max_reminders: int = DEFAULT_MAX_REMINDERS,
    *,
    actor: User | None = None,
) -> ReminderSchedule:
    """Store the reminder schedule (days after the invitation), minimum gap and maximum count."""
    days = sorted({int(d) for d in reminder_days})
    if any(d < 1 for d in days):
        raise OperationError(_("Reminder days count from the invitation (1 or more)."))
    if min_gap_days < 0 or max_reminders < 0:
        raise OperationError(_("The gap and the number of reminders cannot be negative."))
    record = db.session.get(ReminderSchedule, survey.id)
    if record is None:
        record = ReminderSchedule(survey_id=survey.id)
        db.session.add(record)
    record.reminder_days = days
    record.min_gap_days = int(min_gap_days)
    record.max_reminders = int(max_reminders)
    db.session.flush()
    audit.record(
        "survey.reminder_plan_saved",  # the name it has always had in the audit log
        survey,
        actor=actor,
        reminder_days=days,
        min_gap_days=record.min_gap_days,
        max_reminders=record.max_reminders,
    )
    return record


CASE_COLUMNS = (Case.id, Case.external_id, Case.name, Case.email)


def outgoing_invitations(survey: Survey, *, case_ids=None, strata=None, count_only=False):
    """The invitations a mailing would send now: to mailable cases not yet (possibly) invited.

    A list of ``OutgoingMessage``, or with ``count_only`` just how many.
    """
    logged = sa.exists().where(
        SentMessage.case_id == Case.id,
        SentMessage.round == 0,
        SentMessage.status.in_(("sent", "sending")),
    )
    query = sa.select(*CASE_COLUMNS).where(mailable_clause(), sa.not_(logged))
    query = _selection(query, survey, case_ids, strata).order_by(Case.id)
    if count_only:
        return db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery()))
    return [
        OutgoingMessage(case_id, external_id, name, email, MailKind.INVITATION.value, 0)
        for case_id, external_id, name, email in db.session.execute(query)
    ]


def outgoing_reminders(
    survey: Survey, *, case_ids=None, strata=None, now: datetime | None = None, count_only=False
):
    """The reminders a mailing would send now: to whom, with which text.

    Only invited cases that have not completed, declined, bounced or been found not eligible;
    no more than the maximum number of reminders; none sooner than the minimum gap after the
    case's previous message; none while a message to the case is uncertain. One SQL query.
    """
    now = now or utcnow()
    rules = reminder_schedule(survey)
    sent = SentMessage.status == "sent"
    stats = (
        sa.select(
            SentMessage.case_id.label("case_id"),
            sa.func.count().filter(sent, SentMessage.round > 0).label("reminders"),
            sa.func.max(SentMessage.sent_at).filter(sent).label("last_sent"),
            sa.func.count().filter(SentMessage.status == "sending").label("uncertain"),
            sa.func.count().filter(sent, SentMessage.round == 0).label("invited"),
        )
        .join(Case, Case.id == SentMessage.case_id)
        .where(Case.survey_id == survey.id)
        .group_by(SentMessage.case_id)
        .subquery()
    )
    query = (
        sa.select(*CASE_COLUMNS, stats.c.reminders, started_clause())
        .join(stats, stats.c.case_id == Case.id)
        .where(
            mailable_clause(),
            stats.c.invited > 0,
            stats.c.uncertain == 0,
            stats.c.reminders < rules.max_reminders,
            stats.c.last_sent <= now - timedelta(days=rules.min_gap_days),
        )
    )
    query = _selection(query, survey, case_ids, strata).order_by(Case.id)
    if count_only:
        return db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery()))
    messages = []
    for case_id, external_id, name, email, reminders, started in db.session.execute(query):
        kind = MailKind.REMINDER_STARTED if started else MailKind.REMINDER_NOT_STARTED
        messages.append(
            OutgoingMessage(case_id, external_id, name, email, kind.value, reminders + 1)
        )
    return messages


def outgoing_messages(mailing: Mailing, now: datetime | None = None) -> list[OutgoingMessage]:
    """The messages ``mailing`` would send now (a rerun: only those not sent yet)."""
    survey = mailing.survey
    if mailing.kind == INVITATION:
        return outgoing_invitations(survey, case_ids=mailing.case_ids, strata=mailing.strata)
    return outgoing_reminders(survey, case_ids=mailing.case_ids, strata=mailing.strata, now=now)
