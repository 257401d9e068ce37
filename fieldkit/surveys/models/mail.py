"""E-mail of a survey's fieldwork: texts, the reminder schedule, mailings and each sent message."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from fieldkit.core.models import UTCDateTime, utcnow
from fieldkit.extensions import db
from fieldkit.surveys.models.surveys import Case, Survey


class MailKind(enum.StrEnum):
    """Which text a message uses."""

    INVITATION = "invitation"
    REMINDER_NOT_STARTED = "reminder_not_started"
    REMINDER_STARTED = "reminder_started"


class EmailTemplate(db.Model):
    """A survey's text for one kind of message in one language (placeholders in braces)."""

    __tablename__ = "survey_email_templates"
    __table_args__ = (sa.UniqueConstraint("survey_id", "language", "kind"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    survey_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("surveys.id", ondelete="CASCADE"), nullable=False, index=True
    )
    language: so.Mapped[str] = so.mapped_column(sa.String(5), nullable=False)
    kind: so.Mapped[str] = so.mapped_column(sa.String(30), nullable=False)
    subject: so.Mapped[str] = so.mapped_column(sa.String(300), nullable=False)
    #: The plain-text body; the HTML alternative is made from it.
    body: so.Mapped[str] = so.mapped_column(sa.Text, nullable=False)
    updated_at: so.Mapped[datetime] = so.mapped_column(
        UTCDateTime, nullable=False, default=utcnow, onupdate=utcnow
    )

    def __repr__(self) -> str:
        return f"<EmailTemplate {self.survey_id} {self.kind} {self.language}>"


class ReminderSchedule(db.Model):
    """A survey's reminder schedule: on which days after the invitation, how often, how far apart.

    Its table keeps the name it was made with, ``survey_fieldwork_plans``.
    """

    __tablename__ = "survey_fieldwork_plans"

    survey_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("surveys.id", ondelete="CASCADE"), primary_key=True
    )
    #: Days after the invitation on which `run-schedule` sends reminders (e.g. [7, 14]).
    reminder_days: so.Mapped[list[int]] = so.mapped_column(sa.JSON, nullable=False, default=list)
    #: No reminder to a case sooner than this many days after its previous message.
    min_gap_days: so.Mapped[int] = so.mapped_column(nullable=False, default=5)
    #: No case gets more reminders than this.
    max_reminders: so.Mapped[int] = so.mapped_column(nullable=False, default=3)

    def __repr__(self) -> str:
        return f"<ReminderSchedule {self.survey_id} {self.reminder_days}>"


class MailingStatus(enum.StrEnum):
    SCHEDULED = "scheduled"
    #: Handed to a background job that has not started yet.
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    #: Stopped by a mail-server failure; sending it again sends only what is unsent.
    INTERRUPTED = "interrupted"
    CANCELLED = "cancelled"


class Mailing(db.Model):
    """One round of invitations or reminders to a survey's cases, now or at a set time."""

    __tablename__ = "survey_mailings"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    survey_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("surveys.id", ondelete="CASCADE"), nullable=False, index=True
    )
    #: "invitation" or "reminder".
    kind: so.Mapped[str] = so.mapped_column(sa.String(20), nullable=False)
    status: so.Mapped[str] = so.mapped_column(sa.String(20), nullable=False, default="scheduled")
    #: When to send (None: at once).
    scheduled_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime, nullable=True)
    #: The chosen cases (ids), or None for every case the rules allow.
    case_ids: so.Mapped[list[int] | None] = so.mapped_column(sa.JSON, nullable=True)
    #: Only cases with these frame values (e.g. {"etat": "Aetat"}), or None.
    strata: so.Mapped[dict[str, str] | None] = so.mapped_column(sa.JSON, nullable=True)
    #: For reminders made by the reminder schedule: the day after the invitation they are for
    #: (the column keeps the name it was made with, ``plan_day``).
    schedule_day: so.Mapped[int | None] = so.mapped_column("plan_day", nullable=True)
    job_id: so.Mapped[str | None] = so.mapped_column(sa.String(36), nullable=True)
    sent_count: so.Mapped[int] = so.mapped_column(nullable=False, default=0)
    failed_count: so.Mapped[int] = so.mapped_column(nullable=False, default=0)
    error: so.Mapped[str] = so.mapped_column(sa.Text, nullable=False, default="")
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, nullable=False, default=utcnow)
    created_by_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    started_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime, nullable=True)
    finished_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime, nullable=True)

    survey: so.Mapped[Survey] = so.relationship()

    def __repr__(self) -> str:
        return f"<Mailing {self.id} {self.kind} {self.status}>"


class SentMessage(db.Model):
    """The send log: one message to one case, and what became of it.

    ``round`` is 0 for the invitation and n for the n-th reminder; (case, round) is unique, so a
    case can never be logged (or sent) the same message twice.
    """

    __tablename__ = "survey_sent_messages"
    __table_args__ = (sa.UniqueConstraint("case_id", "round"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    mailing_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("survey_mailings.id", ondelete="CASCADE"), nullable=False, index=True
    )
    case_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("cases.id", ondelete="CASCADE"), nullable=False, index=True
    )
    round: so.Mapped[int] = so.mapped_column(nullable=False)
    kind: so.Mapped[str] = so.mapped_column(sa.String(30), nullable=False)
    language: so.Mapped[str] = so.mapped_column(sa.String(5), nullable=False, default="nb")
    to_address: so.Mapped[str] = so.mapped_column(sa.String(254), nullable=False)
    #: "sending" (handed to the server, outcome not yet recorded), "sent" or "failed".
    status: so.Mapped[str] = so.mapped_column(sa.String(10), nullable=False)
    message_id: so.Mapped[str] = so.mapped_column(sa.String(300), nullable=False, default="")
    error: so.Mapped[str] = so.mapped_column(sa.Text, nullable=False, default="")
    attempts: so.Mapped[int] = so.mapped_column(nullable=False, default=0)
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, nullable=False, default=utcnow)
    sent_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime, nullable=True)

    mailing: so.Mapped[Mailing] = so.relationship()
    case: so.Mapped[Case] = so.relationship()

    def __repr__(self) -> str:
        return f"<SentMessage {self.case_id} r{self.round} {self.status}>"


# --- Results: data cleaning steps ------------------------------------------------------------
