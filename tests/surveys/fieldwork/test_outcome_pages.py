"""A case's outcome on its page: discard and restore a response, override the disposition,
and start keying in a paper form."""

import sqlalchemy as sa

from fieldkit.core.models import AuditEvent
from fieldkit.extensions import db
from fieldkit.surveys.fieldwork import operations as surveys
from fieldkit.surveys.fieldwork import queries
from fieldkit.surveys.fieldwork.demo import ANSWERS
from fieldkit.surveys.models import Response
from fieldkit.surveys.questionnaires import operations as questionnaires
from fieldkit.surveys.respond import operations as responses
from tests.paths import FIXTURES

FIXTURES = FIXTURES


def test_outcome_by_hand_on_the_case_page(client, make_user, make_project, login):
    user = make_user()
    project = make_project("storby", members=[user])
    record = questionnaires.import_questionnaire(
        project, "a.yaml", (FIXTURES / "ansatteskjema_storbysatsingen.yaml").read_bytes()
    )
    survey = surveys.create_survey(record, "Kartlegging")
    surveys.launch(survey)
    answered = surveys.add_case(survey, "1", name="NAV Sagene")
    silent = surveys.add_case(survey, "2", name="NAV Frogner")
    db.session.commit()
    response = responses.start_for_case(survey, answered)
    responses.save_answers(response, ANSWERS, list(ANSWERS))
    responses.submit(response)
    login(user)
    base = f"/p/storby/surveys/{survey.id}/cases"

    page = client.get(f"{base}/{answered.id}").get_data(as_text=True)
    assert "<strong>1.1</strong> Fullført (I)" in page
    assert "Forkast svaret" in page
    refused = client.post(f"{base}/{answered.id}/outcome/discard", data={"reason": " "})
    assert "Oppgi hvorfor svaret forkastes." in client.get(refused.headers["Location"]).get_data(
        as_text=True
    )
    client.post(f"{base}/{answered.id}/outcome/discard", data={"reason": "Mangelfull utfylling"})
    assert queries.case_code(survey, answered) == "2.12"
    page = client.get(f"{base}/{answered.id}").get_data(as_text=True)
    assert "Svaret ble forkastet: Mangelfull utfylling" in page
    client.post(f"{base}/{answered.id}/outcome/restore")
    assert queries.case_code(survey, answered) == "1.1"

    client.post(
        f"{base}/{silent.id}/outcome/override",
        data={"code": "4.10", "reason": "Kontoret er lagt ned"},
    )
    assert queries.case_code(survey, silent) == "4.10"
    client.post(f"{base}/{silent.id}/outcome/clear-override")
    assert queries.case_code(survey, silent) == "3.11"
    actions = db.session.scalars(
        sa.select(AuditEvent.action)
        .where(
            AuditEvent.action.in_(
                [
                    "response.discarded",
                    "response.restored",
                    "case.disposition_overridden",
                    "case.override_cleared",
                ]
            )
        )
        .order_by(AuditEvent.id)
    ).all()
    assert actions == [
        "response.discarded",
        "response.restored",
        "case.disposition_overridden",
        "case.override_cleared",
    ]

    page = client.get(f"{base}/{silent.id}").get_data(as_text=True)
    assert "Registrer et papirskjema" in page
    entered = client.post(f"{base}/{silent.id}/enter/paper")
    assert entered.headers["Location"] == "/svar"
    client.post("/svar/start")
    assert db.session.scalar(sa.select(sa.func.count(Response.id))) == 2
    assert client.post(f"{base}/{silent.id}/outcome/nonsense").status_code == 404
