"""Questionnaires and their versions."""

from __future__ import annotations

import enum
import json
from datetime import date, datetime
from functools import lru_cache

import sqlalchemy as sa
import sqlalchemy.orm as so

from fieldkit.core.models import Project, User, UTCDateTime, utcnow
from fieldkit.extensions import db
from fieldkit.surveys import definition


@lru_cache(maxsize=64)
def _parsed_definition(definition_json: str) -> definition.Questionnaire:
    """Parsing and checking a definition takes milliseconds; every page view needs it."""
    return definition.from_dict(json.loads(definition_json))


class Questionnaire(db.Model):
    """An instrument of a project; what it asks is held by its versions."""

    __tablename__ = "questionnaires"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    project_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("projects.id", ondelete="CASCADE"), nullable=False, index=True
    )
    #: The title for lists; the respondent sees the title in the definition.
    title: so.Mapped[str] = so.mapped_column(sa.String(300), nullable=False)
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, nullable=False, default=utcnow)
    created_by_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )

    project: so.Mapped[Project] = so.relationship()
    created_by: so.Mapped[User | None] = so.relationship()
    versions: so.Mapped[list[QuestionnaireVersion]] = so.relationship(
        back_populates="questionnaire",
        order_by="QuestionnaireVersion.number",
        cascade="all, delete-orphan",
    )

    @property
    def current(self) -> QuestionnaireVersion:
        """The newest version: the one editing and new surveys use."""
        return self.versions[-1]

    def __repr__(self) -> str:
        return f"<Questionnaire {self.id} {self.title!r}>"


class QuestionnaireVersion(db.Model):
    """One version of a questionnaire's definition (the native format, as JSON)."""

    __tablename__ = "questionnaire_versions"
    __table_args__ = (sa.UniqueConstraint("questionnaire_id", "number"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    questionnaire_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("questionnaires.id", ondelete="CASCADE"), nullable=False, index=True
    )
    number: so.Mapped[int] = so.mapped_column(nullable=False)
    #: The definition in the native format (see docs/questionnaire-format.md), as JSON text.
    definition_json: so.Mapped[str] = so.mapped_column(sa.Text, nullable=False)
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, nullable=False, default=utcnow)
    updated_at: so.Mapped[datetime] = so.mapped_column(
        UTCDateTime, nullable=False, default=utcnow, onupdate=utcnow
    )
    #: Set when a survey using this version stores its first answer: from then on only wording
    #: fixes change it in place, and structural changes make a new version.
    frozen_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime, nullable=True)

    questionnaire: so.Mapped[Questionnaire] = so.relationship(back_populates="versions")

    @property
    def frozen(self) -> bool:
        return self.frozen_at is not None

    @property
    def definition(self) -> definition.Questionnaire:
        """The parsed definition: shared, so read-only (editing works on a copy)."""
        return _parsed_definition(self.definition_json)

    def set_definition(self, questionnaire: definition.Questionnaire) -> None:
        self.definition_json = definition.to_json(questionnaire)

    def __repr__(self) -> str:
        return f"<QuestionnaireVersion {self.questionnaire_id} v{self.number}>"


class SurveyState(enum.StrEnum):
    """Where a survey is in its field period (computed from the dates, never stored)."""

    DRAFT = "draft"
    NOT_YET_OPEN = "not_yet_open"
    OPEN = "open"
    CLOSED = "closed"


class Survey(db.Model):
    """One questionnaire version put in the field for a project."""

    __tablename__ = "surveys"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    project_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("projects.id", ondelete="CASCADE"), nullable=False, index=True
    )
    questionnaire_version_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("questionnaire_versions.id", ondelete="RESTRICT"),
        nullable=False,
        index=True,
    )
    title: so.Mapped[str] = so.mapped_column(sa.String(300), nullable=False)
    #: Welcome text with the confidentiality or anonymity statement, per language.
    intro: so.Mapped[dict[str, str]] = so.mapped_column(sa.JSON, nullable=False, default=dict)
    thank_you: so.Mapped[dict[str, str]] = so.mapped_column(sa.JSON, nullable=False, default=dict)
    contact_name: so.Mapped[str] = so.mapped_column(sa.String(200), nullable=False, default="")
    contact_email: so.Mapped[str] = so.mapped_column(sa.String(254), nullable=False, default="")
    contact_phone: so.Mapped[str] = so.mapped_column(sa.String(50), nullable=False, default="")
    #: Languages offered to respondents; the questionnaire must have them.
    languages: so.Mapped[list[str]] = so.mapped_column(sa.JSON, nullable=False, default=list)
    opens_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime, nullable=True)
    closes_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime, nullable=True)
    #: Set when the researcher puts the survey in the field; before that it is a draft.
    launched_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime, nullable=True)
    #: Responses carry nothing that links them to a person or case.
    anonymous: so.Mapped[bool] = so.mapped_column(nullable=False, default=False)
    #: Anyone with the survey's open link may answer.
    open_link: so.Mapped[bool] = so.mapped_column(nullable=False, default=False)
    #: Open link on one shared tablet: back to the start after each submission.
    kiosk: so.Mapped[bool] = so.mapped_column(nullable=False, default=False)
    #: Respondents may change a submitted response until the survey closes.
    allow_edit_after_submit: so.Mapped[bool] = so.mapped_column(nullable=False, default=False)
    review_page: so.Mapped[bool] = so.mapped_column(nullable=False, default=True)
    #: A random value that, with the secret key, gives the open link (change it to revoke).
    open_link_nonce: so.Mapped[str] = so.mapped_column(sa.String(64), nullable=False)
    #: SHA-256 of the open-link token, to find the survey from its open link.
    open_link_hash: so.Mapped[str] = so.mapped_column(sa.String(64), nullable=False, unique=True)
    #: Thresholds (share of applicable items answered) for complete and partial dispositions.
    complete_threshold: so.Mapped[float] = so.mapped_column(nullable=False, default=0.8)
    partial_threshold: so.Mapped[float] = so.mapped_column(nullable=False, default=0.5)
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, nullable=False, default=utcnow)

    project: so.Mapped[Project] = so.relationship()
    questionnaire_version: so.Mapped[QuestionnaireVersion] = so.relationship()

    def state_at(self, moment: datetime) -> SurveyState:
        """The survey's state at ``moment``."""
        if self.launched_at is None:
            return SurveyState.DRAFT
        if self.opens_at is not None and moment < self.opens_at:
            return SurveyState.NOT_YET_OPEN
        if self.closes_at is not None and moment >= self.closes_at:
            return SurveyState.CLOSED
        return SurveyState.OPEN

    @property
    def state(self) -> SurveyState:
        return self.state_at(utcnow())

    @property
    def definition(self) -> definition.Questionnaire:
        return self.questionnaire_version.definition

    def __repr__(self) -> str:
        return f"<Survey {self.id} {self.title!r}>"


class ResponseMode(enum.StrEnum):
    WEB = "web"
    INTERVIEWER = "interviewer"
    PAPER = "paper"


class Case(db.Model):
    """A unit of the sampling frame (an office, a person): whom a personal link is for."""

    __tablename__ = "cases"
    __table_args__ = (sa.UniqueConstraint("survey_id", "external_id"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    survey_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("surveys.id", ondelete="CASCADE"), nullable=False, index=True
    )
    #: The id the frame gives the unit (e.g. an office number).
    external_id: so.Mapped[str] = so.mapped_column(sa.String(100), nullable=False)
    name: so.Mapped[str] = so.mapped_column(sa.String(300), nullable=False, default="")
    email: so.Mapped[str | None] = so.mapped_column(sa.String(254), nullable=True)
    contact_person: so.Mapped[str] = so.mapped_column(sa.String(200), nullable=False, default="")
    #: Stratum values by frame column (etat, fylke, kommune, ...).
    strata: so.Mapped[dict[str, str]] = so.mapped_column(sa.JSON, nullable=False, default=dict)
    #: A random value that, with the secret key, gives the personal link (change it to revoke).
    link_nonce: so.Mapped[str] = so.mapped_column(sa.String(64), nullable=False)
    #: SHA-256 of the personal-link token: finds the case from a link; reveals no link itself.
    link_hash: so.Mapped[str] = so.mapped_column(sa.String(64), nullable=False, unique=True)
    #: For anonymous surveys only: the response in progress, forgotten at submission.
    open_response_id: so.Mapped[str | None] = so.mapped_column(sa.String(36), nullable=True)
    #: When the case's response was submitted (for anonymous surveys: the date only).
    submitted_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime, nullable=True)
    #: False for a unit found not to belong to the population (AAPOR: not eligible).
    eligible: so.Mapped[bool] = so.mapped_column(nullable=False, default=True)
    ineligible_reason: so.Mapped[str] = so.mapped_column(sa.Text, nullable=False, default="")
    #: The case used the decline (opt-out) link: no more mail, an explicit refusal.
    declined_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime, nullable=True)
    #: Mail to the case's address came back undeliverable: no more mail to it.
    bounced_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime, nullable=True)
    #: When the first invitation to the case was sent successfully (set by the fieldwork
    #: module's sending; dispositions count a case as invited from then on).
    invited_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime, nullable=True)
    #: When the personal link was first opened.
    opened_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime, nullable=True)
    #: A researcher's AAPOR code replacing the derived disposition, with the reason.
    disposition_override: so.Mapped[str | None] = so.mapped_column(sa.String(10), nullable=True)
    override_reason: so.Mapped[str] = so.mapped_column(sa.Text, nullable=False, default="")
    #: For anonymous surveys, whose responses cannot be traced back to the case: how complete
    #: the submitted response was, only as its AAPOR class (I complete, P partial, R break-off),
    #: never the exact share (which could be matched against the responses).
    submitted_class: so.Mapped[str | None] = so.mapped_column(sa.String(2), nullable=True)
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, nullable=False, default=utcnow)

    survey: so.Mapped[Survey] = so.relationship()

    def __repr__(self) -> str:
        return f"<Case {self.id} {self.external_id}>"


class ResponseStatus(enum.StrEnum):
    IN_PROGRESS = "in_progress"
    SUBMITTED = "submitted"


class Response(db.Model):
    """One respondent's answers to a survey.

    The id is random (no sequence that could be correlated with invitation order). In an
    anonymous survey the response has no case and only the date of submission.
    """

    __tablename__ = "responses"
    __table_args__ = (
        # The valid responses in the order results read them (``dataset.valid_responses``):
        # an export of 100,000 responses neither sorts them nor counts them from the table.
        # Partial, because PostgreSQL does not take ``discarded_at IS NULL`` as an equality
        # that leaves the later columns in order: with it in the index it sorted every export.
        sa.Index(
            "ix_responses_valid_order",
            "survey_id",
            "status",
            "submitted_at",
            "submitted_on",
            "id",
            sqlite_where=sa.text("discarded_at IS NULL"),
            postgresql_where=sa.text("discarded_at IS NULL"),
        ),
    )

    id: so.Mapped[str] = so.mapped_column(sa.String(36), primary_key=True)
    survey_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("surveys.id", ondelete="CASCADE"), nullable=False, index=True
    )
    #: The case answered for; None in anonymous surveys and for open-link respondents.
    case_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("cases.id", ondelete="SET NULL"), nullable=True, unique=True
    )
    mode: so.Mapped[ResponseMode] = so.mapped_column(
        sa.Enum(
            ResponseMode,
            name="response_mode",
            native_enum=False,
            length=20,
            values_callable=lambda modes: [m.value for m in modes],
        ),
        nullable=False,
        default=ResponseMode.WEB,
    )
    status: so.Mapped[ResponseStatus] = so.mapped_column(
        sa.Enum(
            ResponseStatus,
            name="response_status",
            native_enum=False,
            length=20,
            values_callable=lambda states: [s.value for s in states],
        ),
        nullable=False,
        default=ResponseStatus.IN_PROGRESS,
    )
    language: so.Mapped[str] = so.mapped_column(sa.String(5), nullable=False, default="nb")
    #: Answers by variable name (see docs/questionnaire-format.md for what each type holds).
    answers: so.Mapped[dict] = so.mapped_column(sa.JSON, nullable=False, default=dict)
    #: The section the respondent was last on, to resume there.
    current_section: so.Mapped[str | None] = so.mapped_column(sa.String(64), nullable=True)
    #: Soft-required items the respondent has been warned about once.
    warned: so.Mapped[list[str]] = so.mapped_column(sa.JSON, nullable=False, default=list)
    #: Share of applicable questions answered, kept up to date on every save (so that
    #: dispositions can be counted in SQL).
    completeness: so.Mapped[float] = so.mapped_column(nullable=False, default=0.0)
    #: Bumped on every save; a save based on an older revision is merged, never blind.
    revision: so.Mapped[int] = so.mapped_column(nullable=False, default=0)
    #: SHA-256 of an open-link respondent's resume token; removed at submission.
    resume_hash: so.Mapped[str | None] = so.mapped_column(sa.String(64), nullable=True, unique=True)
    #: Exact times for ordinary surveys; None in anonymous ones.
    started_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime, nullable=True)
    updated_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime, nullable=True)
    submitted_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime, nullable=True)
    #: The day of submission (all an anonymous survey keeps).
    submitted_on: so.Mapped[date | None] = so.mapped_column(sa.Date, nullable=True)
    #: Discarded by a researcher as unusable ("forkastet på grunn av mangelfull utfylling"):
    #: counts as a break-off, kept out of results.
    discarded_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime, nullable=True)
    discard_reason: so.Mapped[str] = so.mapped_column(sa.Text, nullable=False, default="")
    #: Entered by a researcher (interviewer or paper mode).
    entered_by_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    #: The numeric values of the answers as exports see them (little-endian float64, NaN
    #: missing), packed by ``results.analysis_rows`` whenever answers are written, so that an
    #: SPSS/Stata export need not decode the JSON; None or a stale layout: decode instead.
    analysis_row: so.Mapped[bytes | None] = so.mapped_column(sa.LargeBinary, nullable=True)
    #: Hash of the variable layout ``analysis_row`` was packed for.
    analysis_layout: so.Mapped[str | None] = so.mapped_column(sa.String(64), nullable=True)

    survey: so.Mapped[Survey] = so.relationship()
    case: so.Mapped[Case | None] = so.relationship()

    @property
    def submitted(self) -> bool:
        return self.status == ResponseStatus.SUBMITTED

    def __repr__(self) -> str:
        return f"<Response {self.id} {self.status}>"


# --- Fieldwork: e-mail templates, mailings and the send log --------------------------------


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


class FieldworkPlan(db.Model):
    """A survey's reminder rules: on which days after the invitation, how often, how far apart."""

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
        return f"<FieldworkPlan {self.survey_id} {self.reminder_days}>"


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
    #: For reminders made by the plan: the day after the invitation they are for.
    plan_day: so.Mapped[int | None] = so.mapped_column(nullable=True)
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


class CleaningStep(db.Model):
    """One reproducible data-cleaning step of a survey's results (raw answers never change).

    Steps apply in order to tables, figures and exports alike; undoing one keeps it listed
    (with when and by whom) but no longer applies it.
    """

    __tablename__ = "survey_cleaning_steps"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    survey_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("surveys.id", ondelete="CASCADE"), nullable=False, index=True
    )
    #: "filter", "recode" or "band" (see ``fieldkit.surveys.results.cleaning``).
    kind: so.Mapped[str] = so.mapped_column(sa.String(20), nullable=False)
    #: What the step does, as checked by ``cleaning.check_spec``.
    spec: so.Mapped[dict] = so.mapped_column(sa.JSON, nullable=False, default=dict)
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, nullable=False, default=utcnow)
    created_by_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    undone_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime, nullable=True)
    undone_by_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )

    created_by: so.Mapped[User | None] = so.relationship(foreign_keys=[created_by_id])

    @property
    def active(self) -> bool:
        return self.undone_at is None

    def __repr__(self) -> str:
        return f"<CleaningStep {self.id} {self.kind}>"


class SurveyWave(db.Model):
    """A survey run again: the same questionnaire version and frame as the one it follows."""

    __tablename__ = "survey_waves"

    #: The later wave.
    survey_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("surveys.id", ondelete="CASCADE"), primary_key=True
    )
    #: The wave it repeats.
    follows_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("surveys.id", ondelete="CASCADE"), nullable=False, index=True
    )
    #: 2 for the first repeat, 3 for the next ...
    number: so.Mapped[int] = so.mapped_column(nullable=False)
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, nullable=False, default=utcnow)

    def __repr__(self) -> str:
        return f"<SurveyWave {self.survey_id} follows {self.follows_id} #{self.number}>"


class ReportPlan(db.Model):
    """How a survey's results report is composed: which questions' tables and figures, in
    which order, with the researcher's texts between them (one plan per survey)."""

    __tablename__ = "survey_report_plans"

    survey_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("surveys.id", ondelete="CASCADE"), primary_key=True
    )
    #: In report order: ``{"item": name, "included": bool}`` or ``{"text": "..."}``.
    entries: so.Mapped[list] = so.mapped_column(sa.JSON, nullable=False, default=list)
    include_figures: so.Mapped[bool] = so.mapped_column(nullable=False, default=True)
    updated_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, nullable=False, default=utcnow)
    updated_by_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )

    def __repr__(self) -> str:
        return f"<ReportPlan of survey {self.survey_id}: {len(self.entries)} entries>"
