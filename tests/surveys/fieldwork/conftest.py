"""Fixtures for fieldwork tests: a survey in the field and the 160-office frame."""

from __future__ import annotations

from datetime import timedelta

import pytest

from fieldkit.core import uploads
from fieldkit.core.models import utcnow
from fieldkit.extensions import db
from fieldkit.surveys.fieldwork import frame
from fieldkit.surveys.fieldwork import operations as surveys
from fieldkit.surveys.questionnaires import operations as questionnaires
from tests.paths import FIXTURES

FIXTURES = FIXTURES
OFFICES = FIXTURES / "frame_sosial_aetat_160.csv"


@pytest.fixture
def make_survey(app, make_project):
    """Factory: a survey of the staff form, in the field, closing in 30 days."""

    def make(project=None, **options):
        project = project or make_project()
        fixture = "ansatteskjema_storbysatsingen.yaml"
        record = questionnaires.import_questionnaire(
            project, fixture, (FIXTURES / fixture).read_bytes()
        )
        options.setdefault("closes_at", utcnow() + timedelta(days=30))
        options.setdefault("contact_name", "Ola Forsker")
        options.setdefault("contact_email", "ola.forsker@nibr.no")
        survey = surveys.create_survey(record, "Kartlegging av sosialkontor og Aetat", **options)
        surveys.launch(survey)
        db.session.commit()
        return survey

    return make


@pytest.fixture
def office_survey(make_survey):
    """A survey in the field with the 160 offices imported."""
    survey = make_survey()
    table = uploads.read_table(OFFICES.name, OFFICES.read_bytes())
    frame.import_frame(survey, table)
    db.session.commit()
    return survey


@pytest.fixture
def smtp_app(app, smtp_server):
    app.config.update(smtp_server.config)
    return app
