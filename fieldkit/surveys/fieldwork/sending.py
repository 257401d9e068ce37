"""Invitations and reminders: mailings, the send log, resuming after a crash, bounces.

Who gets which message is decided in ``recipients``.

Exactly-once bookkeeping, at most once delivery. Each message to a case has a row in the send
log, unique per (case, round) — round 0 the invitation, n the n-th reminder. Before a message
is handed to the SMTP server its row is committed as "sending"; when the server has accepted it
the row becomes "sent" (with its Message-ID), when the server refuses it "failed". A rerun of a
mailing sends only to cases with no row or a "failed" row. The one window we cannot close is
between the server's acceptance and our commit (the process dies right there): such a row stays
"sending", is never sent again automatically (we prefer a missing message to a duplicate), and is
listed as uncertain so the researcher can check the mail server's log by its Message-ID and
release it with ``release_uncertain`` if it did not go out.

All messages of a run go through one SMTP connection; a connection-level failure (the server
closes or stops answering) stops the run as "interrupted", and running it again continues.
"""

from __future__ import annotations

import smtplib
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask_babel import gettext as _

from fieldkit.core import audit, jobs
from fieldkit.core.jobs import enqueue, report_progress
from fieldkit.core.mail import build_message, mail_connection
from fieldkit.core.models import JobStatus, User, utcnow
from fieldkit.core.operations import OperationError
from fieldkit.extensions import db
from fieldkit.surveys.fieldwork import texts
from fieldkit.surveys.fieldwork.recipients import (
    INVITATION,
    REMINDER,
    OutgoingMessage,
    outgoing_invitations,
    outgoing_messages,
    outgoing_reminders,
)
from fieldkit.surveys.models import (
    Case,
    Mailing,
    MailingStatus,
    ReminderSchedule,
    SentMessage,
    Survey,
    SurveyState,
)

OSLO = ZoneInfo("Europe/Oslo")
#: Frame columns that may name a case's language.
LANGUAGE_COLUMNS = ("språk", "sprak", "language", "målform", "malform")


# --- Sending ----------------------------------------------------------------------------------


def _check_survey(survey: Survey) -> None:
    state = survey.state
    if state == SurveyState.DRAFT:
        raise OperationError(_("Put the survey in the field before sending mail."))
    if state == SurveyState.CLOSED:
        raise OperationError(_("The survey is closed; no more mail goes out."))


def create_mailing(
    survey: Survey,
    kind: str,
    *,
    case_ids=None,
    strata=None,
    scheduled_at: datetime | None = None,
    schedule_day: int | None = None,
    actor: User | None = None,
) -> Mailing:
    """Record a mailing (sent now or at ``scheduled_at``); the caller commits or runs it."""
    if kind not in (INVITATION, REMINDER):
        raise OperationError(_("Unknown kind of mailing."))
    _check_survey(survey)
    mailing = Mailing(
        survey=survey,
        kind=kind,
        status=MailingStatus.SCHEDULED.value,
        scheduled_at=scheduled_at,
        case_ids=sorted(int(i) for i in case_ids) if case_ids is not None else None,
        strata=dict(strata) if strata else None,
        schedule_day=schedule_day,
        created_by_id=actor.id if actor is not None and actor.is_authenticated else None,
        sent_count=0,
        failed_count=0,
        error="",
    )
    db.session.add(mailing)
    db.session.flush()
    audit.record(
        f"survey.{kind}s_scheduled" if scheduled_at else f"survey.{kind}s_sent",
        survey,
        actor=actor,
        mailing=mailing.id,
        cases=len(case_ids) if case_ids is not None else None,
        strata=mailing.strata,
        scheduled_at=scheduled_at.isoformat() if scheduled_at else None,
    )
    return mailing


def start(mailing: Mailing, *, actor: User | None = None) -> Mailing:
    """Hand the mailing to a background job (``core.jobs``: a thread of the app, an RQ worker,
    or inline in commands); commits."""
    # Queued: no longer "scheduled", so run-schedule never picks it up a second time.
    mailing.status = MailingStatus.QUEUED.value
    db.session.commit()
    job = enqueue(run_mailing, mailing.id, created_by=actor, project=mailing.survey.project_id)
    mailing = db.session.get(Mailing, mailing.id)
    mailing.job_id = job.id
    db.session.commit()
    return mailing


def send_invitations(
    survey: Survey,
    *,
    case_ids=None,
    strata=None,
    dry_run: bool = False,
    scheduled_at: datetime | None = None,
    actor: User | None = None,
):
    """Invite the chosen cases (all by default) now or at ``scheduled_at``.

    With ``dry_run`` returns the list of ``OutgoingMessage`` and changes nothing; otherwise
    returns the ``Mailing`` (already sent unless scheduled or run by a worker).
    """
    if dry_run:
        return outgoing_invitations(survey, case_ids=case_ids, strata=strata)
    mailing = create_mailing(
        survey, INVITATION, case_ids=case_ids, strata=strata, scheduled_at=scheduled_at, actor=actor
    )
    if scheduled_at is not None and scheduled_at > utcnow():
        db.session.commit()
        return mailing
    return start(mailing, actor=actor)


def send_reminders(
    survey: Survey,
    *,
    strata=None,
    case_ids=None,
    dry_run: bool = False,
    scheduled_at: datetime | None = None,
    actor: User | None = None,
):
    """Remind the cases that have not completed (optionally only those of ``strata``).

    ``strata`` is e.g. ``{"etat": "Aetat"}``. With ``dry_run`` returns the list of
    ``OutgoingMessage`` (who would get which text) and changes nothing; otherwise returns the
    ``Mailing``.
    """
    if dry_run:
        return outgoing_reminders(survey, case_ids=case_ids, strata=strata)
    mailing = create_mailing(
        survey, REMINDER, case_ids=case_ids, strata=strata, scheduled_at=scheduled_at, actor=actor
    )
    if scheduled_at is not None and scheduled_at > utcnow():
        db.session.commit()
        return mailing
    return start(mailing, actor=actor)


def send_to_case(case: Case, kind: str, *, actor: User | None = None) -> Mailing:
    """Send ``case`` its invitation (``kind`` "invitation") or its next reminder ("reminder")
    now; refused when the rules allow the case no such message now."""
    outgoing = outgoing_invitations if kind == INVITATION else outgoing_reminders
    if not outgoing(case.survey, case_ids=[case.id], count_only=True):
        raise OperationError(_("The rules allow no such message to this case now."))
    send = send_invitations if kind == INVITATION else send_reminders
    return send(case.survey, case_ids=[case.id], actor=actor)


def _language(survey: Survey, case: Case) -> str:
    offered = survey.languages or ["nb"]
    for column, value in (case.strata or {}).items():
        if column.strip().lower() in LANGUAGE_COLUMNS and value.strip().lower() in offered:
            return value.strip().lower()
    return offered[0]


def _claim(
    mailing: Mailing, outgoing: OutgoingMessage, address: str, language: str, message_id: str
) -> SentMessage | None:
    """Take the send-log row for ``outgoing`` as "sending" and commit; None if it is taken."""
    row = db.session.scalar(
        sa.select(SentMessage).where(
            SentMessage.case_id == outgoing.case_id, SentMessage.round == outgoing.round
        )
    )
    if row is None:
        row = SentMessage(
            mailing_id=mailing.id,
            case_id=outgoing.case_id,
            round=outgoing.round,
            kind=outgoing.kind,
            language=language,
            to_address=address,
            status="sending",
            message_id=message_id,
            error="",
            attempts=1,
        )
        db.session.add(row)
        try:
            db.session.commit()
        except sa.exc.IntegrityError:  # another run claimed it first
            db.session.rollback()
            return None
        return row
    claimed = db.session.execute(
        sa.update(SentMessage)
        .where(SentMessage.id == row.id, SentMessage.status == "failed")
        .values(
            status="sending",
            mailing_id=mailing.id,
            kind=outgoing.kind,
            language=language,
            to_address=address,
            message_id=message_id,
            attempts=SentMessage.attempts + 1,
            error="",
        )
    )
    db.session.commit()
    if claimed.rowcount != 1:
        return None
    db.session.refresh(row)
    return row


def run_mailing(mailing_id: int) -> dict:
    """Send a mailing's messages through one SMTP connection (the background job)."""
    mailing = db.session.get(Mailing, mailing_id)
    if mailing is None or mailing.status == MailingStatus.CANCELLED.value:
        return {"sent": 0, "failed": 0}
    mailing.status = MailingStatus.RUNNING.value
    # The job sending it, known before a message goes out (so a run that dies is found).
    mailing.job_id = jobs.current_job_id() or mailing.job_id
    mailing.started_at = mailing.started_at or utcnow()
    mailing.error = ""
    db.session.commit()
    survey = mailing.survey
    todo = outgoing_messages(mailing)
    total = len(todo)
    sent = failed = 0
    fatal: str | None = None
    report_progress(0, total, _("Sending %(count)d messages", count=total))
    try:
        with mail_connection() as connection:
            for done, outgoing in enumerate(todo, start=1):
                case = db.session.get(Case, outgoing.case_id)
                language = _language(survey, case)
                message = texts.render(survey, case, outgoing.kind, language)
                email = build_message(
                    case.email,
                    message.subject,
                    message.text,
                    message.html,
                    reply_to=survey.contact_email or None,
                    headers={"List-Unsubscribe": f"<{message.decline_link}>"},
                )
                row = _claim(mailing, outgoing, case.email, language, str(email["Message-ID"]))
                if row is None:
                    continue
                try:
                    connection.send(email)
                except smtplib.SMTPRecipientsRefused as exc:
                    _record_failure(row, exc)
                    failed += 1
                    if all(code >= 500 for code, _text in exc.recipients.values()):
                        # A permanent refusal of the address: no further mail to it.
                        mark_bounced(case)
                        db.session.commit()
                except smtplib.SMTPResponseException as exc:
                    _record_failure(row, exc)
                    failed += 1
                    if exc.smtp_code == 421 or exc.smtp_code < 500:
                        fatal = f"{exc.smtp_code} {_decode(exc.smtp_error)}"
                        break
                except OSError as exc:  # the connection died
                    _record_failure(row, exc)
                    failed += 1
                    fatal = f"{type(exc).__name__}: {exc}"
                    break
                else:
                    now = utcnow()
                    row.status = "sent"
                    row.sent_at = now
                    if outgoing.round == 0 and case.invited_at is None:
                        case.invited_at = now
                    sent += 1
                    db.session.commit()
                if done % 20 == 0 or done == total:
                    report_progress(done, total)
    except OSError as exc:  # could not connect at all
        fatal = f"{type(exc).__name__}: {exc}"
    except Exception as exc:  # noqa: BLE001 - leave the mailing resumable, then fail the job
        db.session.rollback()
        broken = db.session.get(Mailing, mailing_id)
        broken.status = MailingStatus.INTERRUPTED.value
        broken.error = f"{type(exc).__name__}: {exc}"[:2000]
        broken.finished_at = utcnow()
        db.session.commit()
        raise
    mailing = db.session.get(Mailing, mailing_id)
    # From the log, so that messages a run sent before its process died are counted too.
    mailing.sent_count = _count(mailing, "sent")
    mailing.failed_count = _count(mailing, "failed")
    mailing.finished_at = utcnow()
    mailing.status = (MailingStatus.INTERRUPTED if fatal else MailingStatus.DONE).value
    mailing.error = fatal or ""
    audit.record(
        "survey.mailing_finished",
        mailing.survey,
        mailing=mailing.id,
        kind=mailing.kind,
        sent=sent,
        failed=failed,
        interrupted=bool(fatal),
    )
    db.session.commit()
    return {"sent": sent, "failed": failed, "interrupted": bool(fatal)}


def _decode(value) -> str:
    return value.decode(errors="replace") if isinstance(value, bytes) else str(value)


def _record_failure(row: SentMessage, exc: Exception) -> None:
    row.status = "failed"
    row.error = f"{type(exc).__name__}: {exc}"[:2000]
    db.session.commit()


def _count(mailing: Mailing, status: str) -> int:
    return db.session.scalar(
        sa.select(sa.func.count())
        .select_from(SentMessage)
        .where(SentMessage.mailing_id == mailing.id, SentMessage.status == status)
    )


def resume(mailing: Mailing, *, actor: User | None = None) -> Mailing:
    """Run an interrupted mailing again: only unsent and failed messages go out."""
    # Safe even while another run of it is still going: each message is claimed before sending.
    if mailing.status in (MailingStatus.SCHEDULED.value, MailingStatus.CANCELLED.value):
        raise OperationError(_("Only a finished or interrupted mailing can be run again."))
    _check_survey(mailing.survey)
    audit.record("survey.mailing_resumed", mailing.survey, actor=actor, mailing=mailing.id)
    return start(mailing, actor=actor)


def interrupt_stopped(survey: Survey) -> int:
    """Mark interrupted the survey's mailings whose job stopped without finishing them (its
    process died, or it never started), so the page offers to continue; commits; how many.

    The job's status is read afresh, which gives up a job whose runner is gone
    (``core.jobs.load``). Only a mailing still sent by that same job changes.
    """
    count = 0
    waiting = [MailingStatus.QUEUED.value, MailingStatus.RUNNING.value]
    for mailing in db.session.scalars(
        sa.select(Mailing).where(
            Mailing.survey_id == survey.id,
            Mailing.status.in_(waiting),
            Mailing.job_id.is_not(None),
        )
    ).all():
        job = jobs.load(mailing.job_id)
        if job is None or job.status != JobStatus.FAILED:
            continue
        stopped = db.session.execute(
            sa.update(Mailing)
            .where(
                Mailing.id == mailing.id,
                Mailing.status.in_(waiting),
                Mailing.job_id == job.id,
            )
            .values(
                status=MailingStatus.INTERRUPTED.value,
                error=(job.error or "")[:2000],
                finished_at=utcnow(),
                # What the dead run sent, from the send log (it never got to count).
                sent_count=_count(mailing, "sent"),
                failed_count=_count(mailing, "failed"),
            )
            .execution_options(synchronize_session=False)
        )
        count += stopped.rowcount
    db.session.commit()
    return count


def cancel(mailing: Mailing, *, actor: User | None = None) -> Mailing:
    """Cancel a scheduled mailing."""
    if mailing.status != MailingStatus.SCHEDULED.value:
        raise OperationError(_("Only a scheduled mailing can be cancelled."))
    mailing.status = MailingStatus.CANCELLED.value
    db.session.flush()
    audit.record("survey.mailing_cancelled", mailing.survey, actor=actor, mailing=mailing.id)
    return mailing


def uncertain_messages(survey: Survey) -> list[SentMessage]:
    """Messages handed to the server whose outcome was never recorded (see the module doc)."""
    return list(
        db.session.scalars(
            sa.select(SentMessage)
            .join(Case, Case.id == SentMessage.case_id)
            .where(Case.survey_id == survey.id, SentMessage.status == "sending")
            .order_by(SentMessage.id)
        )
    )


def release_uncertain(survey: Survey, *, actor: User | None = None) -> int:
    """Mark uncertain messages as failed, so the next run sends them (after checking the log)."""
    rows = uncertain_messages(survey)
    for row in rows:
        row.status = "failed"
        row.error = "released by researcher"
    db.session.flush()
    if rows:
        audit.record("survey.uncertain_released", survey, actor=actor, count=len(rows))
    return len(rows)


# --- Schedules ----------------------------------------------------------------------------------


def first_invitation_at(survey: Survey) -> datetime | None:
    return db.session.scalar(
        sa.select(sa.func.min(SentMessage.sent_at))
        .join(Case, Case.id == SentMessage.case_id)
        .where(Case.survey_id == survey.id, SentMessage.round == 0, SentMessage.status == "sent")
    )


def due_mailings(now: datetime | None = None) -> list[Mailing]:
    """Create the reminder schedules' mailings that are due and return every mailing due now."""
    now = now or utcnow()
    for record in db.session.scalars(sa.select(ReminderSchedule)):
        survey = db.session.get(Survey, record.survey_id)
        if survey is None or survey.state_at(now) != SurveyState.OPEN or not record.reminder_days:
            continue
        first = first_invitation_at(survey)
        if first is None:
            continue
        made = set(
            db.session.scalars(
                sa.select(Mailing.schedule_day).where(
                    Mailing.survey_id == survey.id, Mailing.schedule_day.is_not(None)
                )
            )
        )
        for day in record.reminder_days:
            if day not in made and now >= first + timedelta(days=day):
                create_mailing(survey, REMINDER, scheduled_at=now, schedule_day=day)
                # Only the latest due day: an overdue earlier one would double up.
                made.update(d for d in record.reminder_days if d <= day)
    db.session.commit()
    return list(
        db.session.scalars(
            sa.select(Mailing)
            .where(
                Mailing.status == MailingStatus.SCHEDULED.value,
                sa.or_(Mailing.scheduled_at.is_(None), Mailing.scheduled_at <= now),
            )
            .order_by(Mailing.id)
        )
    )


def run_schedule(now: datetime | None = None) -> list[tuple[Mailing, dict]]:
    """Send everything that is due (for cron: ``fieldkit survey run-schedule``)."""
    results = []
    for mailing in due_mailings(now):
        if mailing.survey.state != SurveyState.OPEN:
            continue
        results.append((mailing, run_mailing(mailing.id)))
    return results


# --- Bounces -----------------------------------------------------------------------------------


def mark_bounced(case: Case, *, actor: User | None = None) -> Case:
    """Mark the case's address undeliverable: no further mail to it."""
    if case.bounced_at is None:
        case.bounced_at = utcnow()
        db.session.flush()
        audit.record("case.bounced", case, actor=actor, project=case.survey.project_id)
    return case


def unmark_bounced(case: Case, *, actor: User | None = None) -> Case:
    if case.bounced_at is not None:
        case.bounced_at = None
        db.session.flush()
        audit.record("case.bounce_undone", case, actor=actor, project=case.survey.project_id)
    return case


def mark_bounced_addresses(
    survey: Survey, addresses: list[str], *, actor: User | None = None
) -> tuple[int, list[str]]:
    """Mark every case of the survey with one of ``addresses`` bounced; returns (count, unknown)."""
    wanted = {a.strip().lower() for a in addresses if a.strip()}
    cases = list(
        db.session.scalars(
            sa.select(Case).where(Case.survey_id == survey.id, Case.email.in_(wanted))
        )
    )
    found = {c.email for c in cases}
    count = 0
    for case in cases:
        if case.bounced_at is None:
            mark_bounced(case, actor=actor)
            count += 1
    return count, sorted(wanted - found)


# --- For dispositions and the dashboard --------------------------------------------------------


def invited_case_ids(survey: Survey) -> set[int]:
    """The cases with at least one message that the mail server accepted."""
    return set(
        db.session.scalars(
            sa.select(SentMessage.case_id)
            .join(Case, Case.id == SentMessage.case_id)
            .where(Case.survey_id == survey.id, SentMessage.status == "sent")
            .distinct()
        )
    )


def mailing_dates(survey: Survey) -> list[tuple[date, str, int]]:
    """(day in Oslo, "invitation" or "reminder", messages sent) for every mailing that sent any."""
    rows = db.session.execute(
        sa.select(Mailing.kind, sa.func.min(SentMessage.sent_at), sa.func.count())
        .join(SentMessage, SentMessage.mailing_id == Mailing.id)
        .where(Mailing.survey_id == survey.id, SentMessage.status == "sent")
        .group_by(Mailing.id, Mailing.kind)
    )
    result = [(first.astimezone(OSLO).date(), kind, count) for kind, first, count in rows]
    return sorted(result)


def send_log(survey: Survey, case: Case | None = None, limit: int = 500) -> list[SentMessage]:
    query = (
        sa.select(SentMessage)
        .join(Case, Case.id == SentMessage.case_id)
        .where(Case.survey_id == survey.id)
        .order_by(SentMessage.created_at.desc(), SentMessage.id.desc())
        .limit(limit)
    )
    if case is not None:
        query = query.where(SentMessage.case_id == case.id)
    return list(db.session.scalars(query))


def mailings(survey: Survey) -> list[Mailing]:
    return list(
        db.session.scalars(
            sa.select(Mailing).where(Mailing.survey_id == survey.id).order_by(Mailing.id.desc())
        )
    )
