"""The cases of a survey's frame: find, filter, edit, not eligible, decline."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext as _

from fieldkit.core import audit
from fieldkit.core.models import User, utcnow
from fieldkit.core.operations import OperationError
from fieldkit.extensions import db
from fieldkit.surveys.fieldwork.frame import EMAIL_PATTERN
from fieldkit.surveys.fieldwork.recipients import completed_clause, started_clause
from fieldkit.surveys.models import Case, SentMessage, Survey
from fieldkit.surveys.respond import links

#: Status filters on the cases page, in the order shown.
STATUSES = (
    "not_invited",
    "invited",
    "started",
    "completed",
    "declined",
    "bounced",
    "not_eligible",
    "no_email",
)


@dataclass
class CasePage:
    cases: list[Case]
    total: int
    page: int
    pages: int


def status_clause(status: str):
    """SQL for one status filter."""
    invited = sa.exists().where(SentMessage.case_id == Case.id, SentMessage.status == "sent")
    return {
        "not_invited": sa.not_(invited),
        "invited": invited,
        "started": sa.and_(started_clause(), sa.not_(completed_clause())),
        "completed": completed_clause(),
        "declined": Case.declined_at.is_not(None),
        "bounced": Case.bounced_at.is_not(None),
        "not_eligible": Case.eligible.is_(False),
        "no_email": sa.or_(Case.email.is_(None), Case.email == ""),
    }[status]


def strata_values(survey: Survey) -> dict[str, list[str]]:
    """Every frame column with its distinct values (for the filters), counted in SQL."""
    columns: dict[str, None] = {}
    sample = sa.select(Case.strata).where(Case.survey_id == survey.id).limit(1000)
    for strata in db.session.scalars(sample):
        columns.update(dict.fromkeys(strata or {}))
    values = {}
    for column in sorted(columns):
        value = Case.strata[column].as_string()
        query = sa.select(value).where(Case.survey_id == survey.id, value.is_not(None)).distinct()
        values[column] = sorted(db.session.scalars(query))
    return values


def find_cases(
    survey: Survey,
    *,
    text: str = "",
    status: str = "",
    strata: dict[str, str] | None = None,
    page: int = 1,
    per_page: int = 50,
) -> CasePage:
    """The survey's cases matching a search (name, id, e-mail, contact), a status and strata."""
    query = sa.select(Case).where(Case.survey_id == survey.id)
    text = text.strip().lower()
    if text:
        pattern = f"%{text}%"
        query = query.where(
            sa.or_(
                sa.func.lower(Case.name).like(pattern),
                sa.func.lower(Case.external_id).like(pattern),
                sa.func.lower(Case.email).like(pattern),
                sa.func.lower(Case.contact_person).like(pattern),
            )
        )
    if status in STATUSES:
        query = query.where(status_clause(status))
    for column, value in (strata or {}).items():
        query = query.where(Case.strata[column].as_string() == str(value))
    query = query.order_by(Case.external_id, Case.id)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery()))
    chosen = list(db.session.scalars(query.offset((page - 1) * per_page).limit(per_page)))
    pages = max(1, -(-total // per_page))
    return CasePage(chosen, total, page, pages)


def case_by_external_id(survey: Survey, external_id: str) -> Case | None:
    """The case with the frame's id ``external_id``, or None."""
    if not external_id.strip():
        return None
    return db.session.scalar(
        sa.select(Case).where(Case.survey_id == survey.id, Case.external_id == external_id.strip())
    )


def edit_case(
    case: Case,
    *,
    name: str,
    email: str | None,
    contact_person: str,
    strata: dict[str, str],
    actor: User | None = None,
) -> Case:
    """Change a case's name, address, contact person and frame values."""
    email = (email or "").strip().lower() or None
    if email is not None and not EMAIL_PATTERN.match(email):
        raise OperationError(_("%(email)s is not an e-mail address.", email=email))
    changed = []
    for attribute, value in (
        ("name", name.strip()),
        ("email", email),
        ("contact_person", contact_person.strip()),
        ("strata", {k.strip(): str(v).strip() for k, v in strata.items() if k.strip()}),
    ):
        if getattr(case, attribute) != value:
            setattr(case, attribute, value)
            changed.append(attribute)
    if "email" in changed and case.bounced_at is not None:
        case.bounced_at = None  # a new address is worth a try
        changed.append("bounced_at")
    db.session.flush()
    if changed:
        audit.record(
            "case.edited", case, actor=actor, project=case.survey.project_id, fields=changed
        )
    return case


def set_not_eligible(case: Case, reason: str, *, actor: User | None = None) -> Case:
    """Mark the case as not belonging to the population (AAPOR: not eligible), with a reason."""
    if not reason.strip():
        raise OperationError(_("Give the reason the case is not eligible."))
    case.eligible = False
    case.ineligible_reason = reason.strip()
    db.session.flush()
    audit.record("case.not_eligible", case, actor=actor, project=case.survey.project_id)
    return case


def set_eligible(case: Case, *, actor: User | None = None) -> Case:
    """Undo "not eligible"."""
    case.eligible = True
    case.ineligible_reason = ""
    db.session.flush()
    audit.record("case.eligible_again", case, actor=actor, project=case.survey.project_id)
    return case


def decline(case: Case) -> Case:
    """The respondent used the decline link: a refusal, and no more mail."""
    if case.declined_at is None:
        case.declined_at = utcnow()
        db.session.flush()
        audit.record("case.declined", case, project=case.survey.project_id)
    return case


def undo_decline(case: Case, *, actor: User | None = None) -> Case:
    if case.declined_at is not None:
        case.declined_at = None
        db.session.flush()
        audit.record("case.decline_undone", case, actor=actor, project=case.survey.project_id)
    return case


def reveal_personal_link(case: Case, *, actor: User | None, via: str) -> str:
    """``case``'s personal link, shown to staff (``via`` the case page, a command …): the
    audit log records who saw it, when and where; never the link itself."""
    audit.record(
        "case.personal_link_shown", case, actor=actor, project=case.survey.project_id, via=via
    )
    return links.personal_url(case)
