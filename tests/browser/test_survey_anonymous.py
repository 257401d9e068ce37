"""An anonymous survey seen from the staff side: a respondent's unfinished answers stay theirs."""

from fieldkit.extensions import db
from fieldkit.surveys.fieldwork import operations as surveys
from fieldkit.surveys.questionnaires import operations as questionnaires
from fieldkit.surveys.respond import operations as responses
from tests.browser.conftest import log_in, shot
from tests.conftest import PASSWORD
from tests.paths import FIXTURES


def test_case_page_of_an_anonymous_response_in_progress(page, make_user, make_project):
    member = make_user("kari@afi.no")
    project = make_project(members=[member])
    fixture = "deltakerskjema_storbysatsingen.yaml"
    record = questionnaires.import_questionnaire(
        project, fixture, (FIXTURES / fixture).read_bytes()
    )
    survey = surveys.create_survey(record, "Deltakere 2006")
    surveys.launch(survey)
    case = surveys.add_case(survey, "d01", name="Deltaker 1", email="d1@example.no")
    db.session.commit()
    # The respondent has begun (the pages' forms carry CSRF tokens: through the operations).
    response = responses.start_for_case(survey, case)
    responses.save_answers(response, {"q3": "Hemmelig fagbrev"}, ["q3"])

    log_in(page, member.email, PASSWORD)
    page.goto(f"/p/{project.slug}/surveys/{survey.id}/cases/{case.id}")
    explanation = page.locator(".anonymous-in-progress")
    assert explanation.inner_text().startswith("Respondenten har begynt på dette anonyme svaret")
    assert page.get_by_role("button", name="Registrer et papirskjema").count() == 0
    assert page.get_by_role("button", name="Intervju: fyll inn svarene").count() == 0
    assert "Hemmelig fagbrev" not in page.content()
    shot(page, "anonymous-case-in-progress")
