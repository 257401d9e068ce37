"""The operations of surveys: create one from a questionnaire, put it in the field, add cases."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from flask_babel import gettext as _

from fieldkit.core import audit
from fieldkit.core.models import User, utcnow
from fieldkit.core.operations import OperationError
from fieldkit.extensions import db
from fieldkit.surveys.fieldwork.frame import EMAIL_PATTERN
from fieldkit.surveys.models import Case, Questionnaire, Survey
from fieldkit.surveys.respond import links

OSLO = ZoneInfo("Europe/Oslo")

DEFAULT_THANK_YOU = {"nb": "Takk for hjelpen!", "nn": "Takk for hjelpa!", "en": "Thank you!"}


def create_survey(
    questionnaire: Questionnaire,
    title: str,
    *,
    opens_at: datetime | None = None,
    closes_at: datetime | None = None,
    open_link: bool = False,
    anonymous: bool | None = None,
    kiosk: bool = False,
    allow_edit_after_submit: bool = False,
    review_page: bool = True,
    languages: list[str] | None = None,
    intro: dict[str, str] | None = None,
    thank_you: dict[str, str] | None = None,
    contact_name: str = "",
    contact_email: str = "",
    contact_phone: str = "",
    complete_threshold: float = 0.8,
    partial_threshold: float = 0.5,
    actor: User | None = None,
) -> Survey:
    """A survey of the questionnaire's current version, not yet in the field."""
    version = questionnaire.current
    q = version.definition
    languages = languages or list(q.languages)
    missing = [language for language in languages if language not in q.languages]
    if missing:
        raise OperationError(
            _("The questionnaire has no text in %(languages)s.", languages=", ".join(missing))
        )
    if opens_at and closes_at and closes_at <= opens_at:
        raise OperationError(_("The survey must close after it opens."))
    if not title.strip():
        raise OperationError(_("The survey needs a title."))
    if kiosk and not open_link:
        raise OperationError(_("Kiosk mode needs the open link."))
    if not 0 <= partial_threshold < complete_threshold <= 1:
        raise OperationError(_("The partial threshold must be below the complete one."))
    survey = Survey(
        project_id=questionnaire.project_id,
        questionnaire_version=version,
        title=title.strip(),
        opens_at=opens_at,
        closes_at=closes_at,
        open_link=open_link,
        anonymous=q.anonymous if anonymous is None else anonymous,
        kiosk=kiosk,
        allow_edit_after_submit=allow_edit_after_submit,
        review_page=review_page,
        languages=languages,
        intro=intro if intro is not None else dict(q.intro),
        thank_you=thank_you if thank_you is not None else dict(DEFAULT_THANK_YOU),
        contact_name=contact_name,
        contact_email=contact_email,
        contact_phone=contact_phone,
        complete_threshold=complete_threshold,
        partial_threshold=partial_threshold,
    )
    links.assign_open_link(survey)
    db.session.add(survey)
    db.session.flush()
    audit.record("survey.created", survey, actor=actor, questionnaire_version=version.number)
    return survey


def launch(survey: Survey, *, actor: User | None = None) -> Survey:
    """Put the survey in the field: its links work from its opening date."""
    if survey.launched_at is not None:
        raise OperationError(_("The survey is already in the field."))
    survey.launched_at = utcnow()
    db.session.flush()
    audit.record("survey.launched", survey, actor=actor)
    return survey


def close_now(survey: Survey, *, actor: User | None = None) -> Survey:
    """Close the survey at once."""
    survey.closes_at = utcnow()
    db.session.flush()
    audit.record("survey.closed", survey, actor=actor)
    return survey


def add_case(
    survey: Survey,
    external_id: str,
    *,
    name: str = "",
    email: str | None = None,
    contact_person: str = "",
    strata: dict[str, Any] | None = None,
    actor: User | None = None,
) -> Case:
    """Add one case (a unit of the frame) with its personal link."""
    external_id = str(external_id).strip()
    if not external_id:
        raise OperationError(_("A case needs an id."))
    email = (email or "").strip().lower() or None
    if email is not None and not EMAIL_PATTERN.match(email):
        raise OperationError(_("%(email)s is not an e-mail address.", email=email))
    exists = db.session.scalar(
        db.select(Case.id).where(Case.survey_id == survey.id, Case.external_id == external_id)
    )
    if exists is not None:
        raise OperationError(_("The survey already has a case with id %(id)s.", id=external_id))
    case = Case(
        survey_id=survey.id,
        external_id=external_id,
        name=name.strip(),
        email=email,
        contact_person=contact_person.strip(),
        strata={k: str(v) for k, v in (strata or {}).items()},
    )
    links.assign_personal_link(case)
    db.session.add(case)
    db.session.flush()
    audit.record("case.added", case, actor=actor, project=survey.project_id)
    return case


def project_surveys(project) -> list[Survey]:
    """The project's surveys, newest first."""
    return list(
        db.session.scalars(
            db.select(Survey)
            .where(Survey.project_id == project.id)
            .order_by(Survey.created_at.desc(), Survey.id.desc())
        )
    )


def start_of_day(day: date | None) -> datetime | None:
    """Midnight in Oslo at the start of ``day`` (as a moment), for a survey's opening or
    closing date."""
    return datetime.combine(day, time.min, OSLO) if day else None
