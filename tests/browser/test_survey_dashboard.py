"""The fieldwork dashboard in a real browser: figures, strata that lag, accessibility."""

from datetime import UTC, datetime

from fieldkit.extensions import db
from fieldkit.surveys.fieldwork import operations as surveys
from fieldkit.surveys.fieldwork.demo import ANSWERS as COMPLETE_ANSWERS
from fieldkit.surveys.questionnaires import operations as questionnaires
from fieldkit.surveys.respond import operations as responses
from tests.browser.conftest import axe_violations, log_in, shot
from tests.conftest import PASSWORD
from tests.paths import FIXTURES

FIXTURES = FIXTURES


def test_dashboard_shows_rates_by_stratum(page, make_user, make_project):
    user = make_user("forsker@example.no")
    project = make_project("storby", members=[user])
    record = questionnaires.import_questionnaire(
        project, "a.yaml", (FIXTURES / "ansatteskjema_storbysatsingen.yaml").read_bytes()
    )
    survey = surveys.create_survey(record, "Kartlegging 2004")
    surveys.launch(survey)
    db.session.commit()
    full = COMPLETE_ANSWERS
    for n, fylke in enumerate(["Oslo"] * 6 + ["Finnmark"] * 3 + ["Hordaland"] * 4):
        case = surveys.add_case(survey, str(n), strata={"fylke": fylke})
        case.invited_at = datetime(2004, 3, 1, tzinfo=UTC)
        db.session.commit()
        if fylke != "Finnmark" and n % 2 == 0:
            response = responses.start_for_case(survey, case)
            responses.save_answers(response, full, list(full))
            responses.submit(response)
    log_in(page, "forsker@example.no", PASSWORD)
    page.goto(f"/p/storby/surveys/{survey.id}/")
    page.get_by_role("link", name="Svarprosent").click()
    assert page.locator("h1").inner_text() == "Svarprosent: Kartlegging 2004"
    # 3 of 6 in Oslo, 2 of 4 in Hordaland, 0 of 3 in Finnmark: 5 of 13 = 38,5 %.
    assert page.locator(".figure-value").first.inner_text() == "38,5 %"
    lagging = page.locator("tr.no-returns th")
    assert lagging.count() == 1
    assert lagging.first.inner_text().startswith("Finnmark")
    assert axe_violations(page) == []
    shot(page, "survey-dashboard")
