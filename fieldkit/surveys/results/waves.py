"""Waves: a survey run again with the same questionnaire version and frame, and tables that
show two waves side by side."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

import sqlalchemy as sa
from flask_babel import gettext as _

from fieldkit.core import audit
from fieldkit.core.models import User
from fieldkit.extensions import db
from fieldkit.surveys.fieldwork import operations as survey_operations
from fieldkit.surveys.models import Case, Questionnaire, Survey, SurveyWave
from fieldkit.surveys.questionnaires import definition as d
from fieldkit.surveys.results.dataset import Record
from fieldkit.surveys.results.numbers import TableError, number
from fieldkit.surveys.results.tables import (
    Options,
    Table,
    choice_label,
    percent_cell,
    percentages,
    question,
    table_choices,
)


def wave_number(survey: Survey) -> int:
    """1 for a first run, 2 for its first repeat, ..."""
    wave = db.session.get(SurveyWave, survey.id)
    return wave.number if wave else 1


def related_waves(survey: Survey) -> list[Survey]:
    """The other waves of the same series (earlier and later), oldest first."""
    first = survey
    while (wave := db.session.get(SurveyWave, first.id)) is not None:
        first = db.session.get(Survey, wave.follows_id)
    series, current = [first], first
    while True:
        following = db.session.scalar(
            sa.select(SurveyWave).where(SurveyWave.follows_id == current.id).limit(1)
        )
        if following is None:
            break
        current = db.session.get(Survey, following.survey_id)
        series.append(current)
    return [s for s in series if s.id != survey.id]


def new_wave(survey: Survey, title: str, *, actor: User | None = None) -> Survey:
    """Run ``survey`` again: a new draft survey of the same questionnaire version, with a copy
    of its frame (every case gets a new personal link)."""
    record = db.session.get(Questionnaire, survey.questionnaire_version.questionnaire_id)
    wave = survey_operations.create_survey(
        record,
        title,
        anonymous=survey.anonymous,
        open_link=survey.open_link,
        languages=list(survey.languages),
        intro=dict(survey.intro),
        thank_you=dict(survey.thank_you),
        contact_name=survey.contact_name,
        contact_email=survey.contact_email,
        contact_phone=survey.contact_phone,
        actor=actor,
    )
    wave.questionnaire_version_id = survey.questionnaire_version_id
    wave.complete_threshold = survey.complete_threshold
    wave.partial_threshold = survey.partial_threshold
    db.session.flush()
    cases = db.session.scalars(
        sa.select(Case).where(Case.survey_id == survey.id).order_by(Case.id)
    ).all()
    for case in cases:
        survey_operations.add_case(
            wave,
            case.external_id,
            name=case.name,
            email=case.email,
            contact_person=case.contact_person,
            strata=dict(case.strata),
            actor=actor,
        )
    db.session.add(
        SurveyWave(survey_id=wave.id, follows_id=survey.id, number=wave_number(survey) + 1)
    )
    db.session.flush()
    audit.record("survey.new_wave", wave, actor=actor, follows=survey.id, cases=len(cases))
    return wave


def side_by_side(
    item: d.Item,
    waves: list[tuple[str, Iterable[Record]]],
    options: Options,
    variable: str | None = None,
) -> Table:
    """A single-choice question (or grid row) in each wave: percentages with N per column."""
    if item.type not in (d.SINGLE, d.GRID_SINGLE):
        raise TableError(_("%(name)s is not a single-choice question.", name=item.name))
    choices = table_choices(item, options)
    codes = [c.code for c in choices]
    columns = []
    for name, records in waves:
        counter: Counter[str] = Counter()
        for record in records:
            value = record.answers.get(variable or item.name)
            if value in codes:
                counter[value] += 1
        counts = [counter[code] for code in codes]
        shares, total = percentages(counts, sum(counts), options)
        columns.append((name, counts, shares, total))
    header = [""] + [f"{name} (N={number(sum(counts))})" for name, counts, _s, _t in columns]
    rows = [
        [choice_label(choice, options)]
        + [percent_cell(counts[i], shares[i], options) for _n, counts, shares, _t in columns]
        for i, choice in enumerate(choices)
    ]
    rows.append([_("Sum")] + [number(total, options.decimals) for _n, _c, _s, total in columns])
    return Table(
        caption=_("%(question)s By wave. Percent.", question=question(item, options)),
        header=header,
        rows=rows,
        n=sum(sum(c) for _n, c, _s, _t in columns),
        kind="waves",
        total=True,
    )
