"""Creating surveys, putting them in the field, and their command line."""

from datetime import UTC, datetime

import sqlalchemy as sa

from fieldkit.core.models import AuditEvent
from fieldkit.extensions import db
from fieldkit.surveys.models import Case, Survey, SurveyState
from fieldkit.surveys.questionnaires import operations as questionnaires
from fieldkit.surveys.respond import links
from tests.paths import FIXTURES

FIXTURES = FIXTURES
STAFF = FIXTURES / "ansatteskjema_storbysatsingen.yaml"


def test_create_and_launch_a_survey_in_the_browser_forms(client, make_user, make_project, login):
    user = make_user()
    project = make_project("storby", members=[user])
    record = questionnaires.import_questionnaire(project, "a.yaml", STAFF.read_bytes())
    db.session.commit()
    login(user)
    response = client.post(
        "/p/storby/surveys/new",
        data={
            "title": "Kartlegging av kontorene 2004",
            "questionnaire": record.id,
            "opens": "2004-03-01",
            "closes": "2004-03-31",
            "thank_you": "Takk for hjelpen!",
            "open_link": "y",
            "review_page": "y",
            "complete_threshold": "80",
            "partial_threshold": "50",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    survey = db.session.scalar(sa.select(Survey))
    # Dates are whole days in Oslo: opens at midnight, closes at the end of the last day.
    assert survey.opens_at == datetime(2004, 2, 29, 23, 0, tzinfo=UTC)
    assert survey.closes_at == datetime(2004, 3, 31, 22, 0, tzinfo=UTC)
    assert survey.state == SurveyState.DRAFT
    assert survey.thank_you == {"nb": "Takk for hjelpen!"}
    page = client.get(f"/p/storby/surveys/{survey.id}/").get_data(as_text=True)
    assert "Utkast: ikke sendt ut ennå" in page
    assert links.open_url(survey) in page
    client.post(f"/p/storby/surveys/{survey.id}/launch")
    db.session.refresh(survey)
    assert survey.launched_at is not None
    assert survey.state == SurveyState.CLOSED  # its field period is over
    assert "Kartlegging av kontorene 2004" in client.get("/p/storby/").get_data(as_text=True)


def test_survey_form_refuses_kiosk_without_open_link(client, make_user, make_project, login):
    user = make_user()
    project = make_project("storby", members=[user])
    record = questionnaires.import_questionnaire(project, "a.yaml", STAFF.read_bytes())
    db.session.commit()
    login(user)
    response = client.post(
        "/p/storby/surveys/new",
        data={
            "title": "T",
            "questionnaire": record.id,
            "kiosk": "y",
            "complete_threshold": "80",
            "partial_threshold": "50",
        },
    )
    assert response.status_code == 422
    assert "Kioskmodus krever åpen lenke." in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(Survey.id))) == 0


def test_cli_create_add_case_and_link(runner, make_project):
    project = make_project("storby")
    record = questionnaires.import_questionnaire(project, "a.yaml", STAFF.read_bytes())
    db.session.commit()
    result = runner.invoke(
        args=[
            "survey",
            "create",
            "--questionnaire",
            str(record.id),
            "--title",
            "Kartlegging",
            "--open-link",
            "--opens",
            "2004-03-01",
            "--closes",
            "2004-03-31",
        ]
    )
    assert result.exit_code == 0, result.output
    survey_id, open_link = result.output.split()
    survey = db.session.get(Survey, int(survey_id))
    assert open_link == links.open_url(survey)
    assert survey.launched_at is not None
    result = runner.invoke(
        args=[
            "survey",
            "add-case",
            survey_id,
            "0301-12",
            "--name",
            "NAV Sagene",
            "--email",
            "post@sagene.no",
            "--stratum",
            "etat=Aetat",
            "--stratum",
            "fylke=Oslo",
        ]
    )
    assert result.exit_code == 0, result.output
    link = result.output.strip()
    case = db.session.scalar(sa.select(Case))
    assert case.strata == {"etat": "Aetat", "fylke": "Oslo"}
    assert link == links.personal_url(case)
    assert runner.invoke(args=["survey", "link", survey_id, "0301-12"]).output.strip() == link
    shown = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "case.personal_link_shown")
    ).all()
    assert [(e.actor_id, e.object_id, e.details) for e in shown] == [
        (None, str(case.id), {"via": "command"})
    ]
    missing = runner.invoke(args=["survey", "link", survey_id, "nope"])
    assert missing.exit_code == 1
    again = runner.invoke(args=["survey", "add-case", survey_id, "0301-12"])
    assert again.exit_code == 1
    assert "0301-12" in again.output


def test_dispositions_thresholds_are_set_per_survey(client, make_user, make_project, login):
    user = make_user()
    project = make_project("storby", members=[user])
    record = questionnaires.import_questionnaire(project, "a.yaml", STAFF.read_bytes())
    db.session.commit()
    login(user)
    refused = client.post(
        "/p/storby/surveys/new",
        data={
            "title": "T",
            "questionnaire": record.id,
            "complete_threshold": "60",
            "partial_threshold": "70",
        },
    )
    assert refused.status_code == 422
    assert "under den for fullført" in refused.get_data(as_text=True)
    client.post(
        "/p/storby/surveys/new",
        data={
            "title": "T",
            "questionnaire": record.id,
            "complete_threshold": "90",
            "partial_threshold": "40",
        },
    )
    survey = db.session.scalar(sa.select(Survey))
    assert (survey.complete_threshold, survey.partial_threshold) == (0.9, 0.4)
    page = client.get(f"/p/storby/surveys/{survey.id}/").get_data(as_text=True)
    assert "fullført fra 90 %, delvis fra 40 %" in page
