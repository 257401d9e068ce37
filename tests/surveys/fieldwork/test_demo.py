"""The demo project's survey in the field: loaded once, never twice, never over SMTP."""

from __future__ import annotations

import sqlalchemy as sa

from fieldkit.extensions import db
from fieldkit.surveys.fieldwork import demo, queries, sending
from fieldkit.surveys.models import Case, Survey


def test_the_demo_survey_is_in_the_field_and_loads_once(app, make_user, make_project):
    user = make_user("demo@example.no")
    project = make_project("demo", members=[user])
    assert demo.load_demo(project, user) is True
    survey = db.session.scalars(sa.select(Survey).where(Survey.title == demo.TITLE)).one()
    assert survey.state.value == "open"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Case)) == 160
    assert len(sending.invited_case_ids(survey)) == 160
    assert all(e.endswith("@example.no") for e in db.session.scalars(sa.select(Case.email)))
    rates = queries.survey_rates(survey, "fylke")
    gaps = sorted(g.group for g in rates.groups if g.no_returns)
    assert gaps == ["Finnmark", "Troms"]
    assert demo.load_demo(project, user) is False
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Survey)) == 1


def test_the_demo_never_mails_through_a_real_server(app, make_user, make_project, smtp_server):
    app.config.update(smtp_server.config)
    user = make_user("demo@example.no")
    project = make_project("demo", members=[user])
    assert demo.load_demo(project, user) is True
    assert smtp_server.messages == []
