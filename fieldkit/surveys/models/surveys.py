"""Surveys, the cases of their sampling frame, and the responses to them."""

from __future__ import annotations

import enum
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
import sqlalchemy.orm as so

from fieldkit.core.models import Project, UTCDateTime, utcnow
from fieldkit.extensions import db
from fieldkit.surveys.models.questionnaires import QuestionnaireVersion
from fieldkit.surveys.questionnaires import definition

OSLO = ZoneInfo("Europe/Oslo")


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
    def last_day(self) -> date | None:
        """The last day respondents can answer (in Oslo), or None when the survey has no end.

        A survey closes at the start of the day after its last day.
        """
        if self.closes_at is None:
            return None
        return (self.closes_at.astimezone(OSLO) - timedelta(microseconds=1)).date()

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
    #: SHA-256 of the decline-link token (derived from the same nonce for another purpose):
    #: a decline link declines, it does not open the questionnaire.
    decline_hash: so.Mapped[str] = so.mapped_column(
        sa.String(64), nullable=False, server_default="", unique=True, index=True
    )
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
    #: Bumped on every write of the answers (and on submission); a save based on an older
    #: revision is merged, never blind.
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
    #: missing), packed by the SPSS/Stata export (``results.analysis_rows``) so that it need
    #: not decode the JSON again; None, packed for another layout or from another revision:
    #: stale (packed again by the next export, decoded until then).
    analysis_row: so.Mapped[bytes | None] = so.mapped_column(sa.LargeBinary, nullable=True)
    #: Hash of the variable layout ``analysis_row`` was packed for.
    analysis_layout: so.Mapped[str | None] = so.mapped_column(sa.String(64), nullable=True)
    #: The ``revision`` whose answers ``analysis_row`` was packed from.
    analysis_revision: so.Mapped[int | None] = so.mapped_column(nullable=True)

    survey: so.Mapped[Survey] = so.relationship()
    case: so.Mapped[Case | None] = so.relationship()

    @property
    def submitted(self) -> bool:
        return self.status == ResponseStatus.SUBMITTED

    def __repr__(self) -> str:
        return f"<Response {self.id} {self.status}>"


# --- Fieldwork: e-mail templates, mailings and the send log --------------------------------
