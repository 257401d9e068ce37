"""Fixtures for the respondent's items: the staff questionnaire, stored in a project."""

import pytest

from fieldkit.extensions import db
from fieldkit.surveys.questionnaires import definition
from fieldkit.surveys.questionnaires import operations as questionnaires
from tests.paths import FIXTURES

FIXTURES = FIXTURES
STAFF = FIXTURES / "ansatteskjema_storbysatsingen.yaml"
PARTICIPANT = FIXTURES / "deltakerskjema_storbysatsingen.yaml"


@pytest.fixture
def staff():
    """The staff questionnaire (every item type, nb/nn/en)."""
    return definition.load(STAFF.read_text(encoding="utf-8"))


@pytest.fixture
def preview(client, make_user, make_project, login, staff):
    """A logged-in member and the staff questionnaire in project ``storby``: its preview URL."""
    user = make_user("kari@example.no")
    project = make_project("storby", members=[user])
    record = questionnaires.create_questionnaire(project, staff, actor=user)
    db.session.commit()
    login(user)
    return f"/p/storby/questionnaires/{record.id}/preview"
