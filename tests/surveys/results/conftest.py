"""Surveys with known answers, made through the respondents' own operations."""

import pytest

from fieldkit.extensions import db
from fieldkit.surveys.fieldwork import operations as surveys
from fieldkit.surveys.fieldwork import outcomes
from fieldkit.surveys.questionnaires import operations as questionnaires
from fieldkit.surveys.respond import operations as responses
from tests.paths import FIXTURES

FIXTURES = FIXTURES


@pytest.fixture
def make_survey(app, make_project):
    """Factory: a launched survey of a fixture questionnaire."""

    def make(fixture="ansatteskjema_storbysatsingen.yaml", slug="storby", **options):
        project = make_project(slug)
        record = questionnaires.import_questionnaire(
            project, fixture, (FIXTURES / fixture).read_bytes()
        )
        survey = surveys.create_survey(record, "Kartlegging 2004", **options)
        surveys.launch(survey)
        db.session.commit()
        return survey

    return make


@pytest.fixture
def answer(app):
    """Factory: a case with ``strata`` that submits ``answers`` (optionally then discarded)."""
    counter = iter(range(1, 1_000_000))

    def make(survey, answers, strata=None, *, submit=True, discard=False, mode="web"):
        case = surveys.add_case(survey, f"K{next(counter):04d}", strata=strata or {})
        db.session.commit()
        response = responses.start_for_case(survey, case, mode=mode)
        names = list(survey.definition.variables()) + list(answers)
        responses.save_answers(response, answers, names)
        if submit:
            responses.submit(response)
        if discard:
            outcomes.discard_response(response, "mangelfull utfylling")
            db.session.commit()
        return response

    return make
