"""The read side of fieldwork: disposition counts and response rates, computed in SQL.

Every page, export and command that shows a count or a rate gets it from here, so they can
never disagree. Each case's AAPOR code is computed by one SQL ``CASE`` expression that mirrors
``dispositions.derive`` (a test holds the two together), and counted with ``GROUP BY``.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from fieldkit.extensions import db
from fieldkit.surveys.fieldwork import dispositions
from fieldkit.surveys.fieldwork.sending import mailing_dates
from fieldkit.surveys.models import Case, Response, ResponseStatus, Survey

#: The group name of the survey as a whole.
TOTAL = "__total__"


def _response_join(survey: Survey):
    """How a case finds its response: by case id, or (anonymous, in progress) on the case."""
    if survey.anonymous:
        return Response.id == Case.open_response_id
    return Response.case_id == Case.id


def code_expression(survey: Survey) -> sa.ColumnElement[str]:
    """The AAPOR code of each case, as SQL (the same rules as ``dispositions.derive``)."""
    submitted = Response.status == ResponseStatus.SUBMITTED
    in_progress = Response.status == ResponseStatus.IN_PROGRESS
    complete, partial = survey.complete_threshold, survey.partial_threshold
    return sa.case(
        (Case.disposition_override.is_not(None), Case.disposition_override),
        (Case.eligible.is_(False), "4.10"),
        (Response.discarded_at.is_not(None), "2.12"),
        (Case.submitted_class == "I", "1.1"),
        (Case.submitted_class == "P", "1.2"),
        (Case.submitted_class == "R", "2.12"),
        (sa.and_(submitted, Response.completeness >= complete), "1.1"),
        (sa.and_(submitted, Response.completeness >= partial), "1.2"),
        (submitted, "2.12"),
        (Case.declined_at.is_not(None), "2.111"),
        (sa.and_(in_progress, Response.completeness >= partial), "1.2"),
        (sa.and_(in_progress, Response.completeness > 0), "2.12"),
        (in_progress, "2.1121"),
        (Case.opened_at.is_not(None), "2.1121"),
        (Case.bounced_at.is_not(None), "3.20"),
        (Case.invited_at.is_not(None), "3.19"),
        else_="3.11",
    )


def stratum_expression(column: str) -> sa.ColumnElement[str]:
    """A frame column's value for each case ('' where the case has none)."""
    return sa.func.coalesce(Case.strata[column].as_string(), "")


def code_counts(survey: Survey, by: str | None = None) -> dict[str, dict[str, int]]:
    """Cases by AAPOR code, for the whole survey or for each value of frame column ``by``."""
    code = code_expression(survey).label("code")
    group = stratum_expression(by).label("grp") if by else sa.literal(TOTAL).label("grp")
    query = (
        sa.select(group, code, sa.func.count().label("n"))
        .select_from(Case)
        .outerjoin(Response, _response_join(survey))
        .where(Case.survey_id == survey.id)
        .group_by(group, code)
    )
    result: dict[str, dict[str, int]] = defaultdict(dict)
    for grp, code_value, n in db.session.execute(query):
        result[grp][code_value] = n
    if survey.anonymous and by is None:
        _discarded_anonymous(survey, result[TOTAL])
    return dict(result)


def _discarded_anonymous(survey: Survey, codes: dict[str, int]) -> None:
    """An anonymous survey's discarded responses cannot be traced to their cases: move them
    from the class they were returned as to break-off in the survey's total."""
    rows = db.session.execute(
        sa.select(Response.completeness).where(
            Response.survey_id == survey.id,
            Response.discarded_at.is_not(None),
            Response.status == ResponseStatus.SUBMITTED,
        )
    ).scalars()
    for share in rows:
        was = (
            "1.1"
            if share >= survey.complete_threshold
            else ("1.2" if share >= survey.partial_threshold else "2.12")
        )
        if codes.get(was, 0) > 0:
            codes[was] -= 1
            if not codes[was]:
                del codes[was]
            codes["2.12"] = codes.get("2.12", 0) + 1


@dataclass
class GroupRates:
    """Disposition counts and every outcome rate of one group of cases."""

    group: str
    codes: dict[str, int]
    counts: dict[str, int]
    rates: dict[str, float | None]
    e: float

    @property
    def cases(self) -> int:
        return sum(self.counts.values())

    @property
    def returned(self) -> int:
        return self.counts["I"] + self.counts["P"]

    @property
    def no_returns(self) -> bool:
        """Nobody in the group has returned anything: a gap to act on while there is time."""
        return self.cases > 0 and self.returned == 0

    def as_dict(self, decimals: int = 1) -> dict[str, Any]:
        return {
            "group": self.group,
            "cases": self.cases,
            "counts": dict(self.counts),
            "codes": dict(sorted(self.codes.items())),
            "e": round(self.e, 4),
            "rates": {k: dispositions.percent(v, decimals) for k, v in self.rates.items()},
            "no_returns": self.no_returns,
        }


@dataclass
class SurveyRates:
    survey_id: int
    by: str | None
    e_method: str
    total: GroupRates
    groups: list[GroupRates] = field(default_factory=list)

    def as_dict(self, decimals: int = 1) -> dict[str, Any]:
        return {
            "survey": self.survey_id,
            "by": self.by,
            "e_method": self.e_method,
            "total": self.total.as_dict(decimals),
            "groups": [g.as_dict(decimals) for g in self.groups],
        }


def _group_rates(
    name: str, codes: dict[str, int], e_method: str, e_value: float | None, e_total: float | None
) -> GroupRates:
    counts = dispositions.classes_from_codes(codes)
    if e_method == "fixed":
        e = dispositions.estimate_e(counts, "fixed", e_value)
    else:
        # Strata use the survey's own e: a small stratum gives no stable estimate of its own.
        e = e_total if e_total is not None else dispositions.estimate_e(counts)
    return GroupRates(name, codes, counts, dispositions.rates(counts, e), e)


def survey_rates(
    survey: Survey,
    by: str | None = None,
    *,
    e_method: str = "proportional",
    e_value: float | None = None,
) -> SurveyRates:
    """Counts and rates for the survey, and for each value of frame column ``by``."""
    if e_method not in dispositions.E_METHODS:
        raise ValueError(f"unknown method for e: {e_method!r}")
    by_group = code_counts(survey, by) if by else {}
    if by and not survey.anonymous:
        # One scan serves both: the survey's total is the sum of its groups.
        total_codes: dict[str, int] = defaultdict(int)
        for codes in by_group.values():
            for code, n in codes.items():
                total_codes[code] += n
        total_codes = dict(total_codes)
    else:
        total_codes = code_counts(survey).get(TOTAL, {})
    total = _group_rates(TOTAL, total_codes, e_method, e_value, None)
    result = SurveyRates(survey.id, by, e_method, total)
    for name, codes in sorted(by_group.items()):
        result.groups.append(_group_rates(name, codes, e_method, e_value, total.e))
    return result


def frame_columns(survey: Survey) -> list[str]:
    """The stratum columns the survey's cases have, in first-seen order."""
    seen: dict[str, None] = {}
    rows = db.session.execute(
        sa.select(Case.strata).where(Case.survey_id == survey.id).limit(1000)
    ).scalars()
    for strata in rows:
        for key in strata or {}:
            seen.setdefault(key, None)
    return list(seen)


def completes_by_day(survey: Survey) -> list[tuple[date, int]]:
    """How many complete responses (AAPOR I) arrived each day, in date order."""
    if survey.anonymous:
        day = sa.func.date(Case.submitted_at)
        query = (
            sa.select(day, sa.func.count())
            .where(Case.survey_id == survey.id, Case.submitted_class == "I")
            .group_by(day)
        )
    else:
        query = (
            sa.select(Response.submitted_on, sa.func.count())
            .where(
                Response.survey_id == survey.id,
                Response.status == ResponseStatus.SUBMITTED,
                Response.completeness >= survey.complete_threshold,
                Response.discarded_at.is_(None),
            )
            .group_by(Response.submitted_on)
        )
    rows = []
    for day_value, n in db.session.execute(query):
        if isinstance(day_value, str):
            day_value = date.fromisoformat(day_value[:10])
        elif isinstance(day_value, datetime):
            day_value = day_value.date()
        rows.append((day_value, n))
    return sorted(rows)


def mailing_markers(survey: Survey) -> list[tuple[date, str]]:
    """Days invitations and reminders went out, for the rate chart."""
    labels = {"invitation": _("Invitation"), "reminder": _("Reminder")}
    return [(day, labels.get(kind, kind)) for day, kind, _count in mailing_dates(survey)]


def case_code(survey: Survey, case: Case) -> str:
    """One case's AAPOR code (as the counts count it)."""
    return db.session.scalar(
        sa.select(code_expression(survey))
        .select_from(Case)
        .outerjoin(Response, _response_join(survey))
        .where(Case.id == case.id)
    )
