"""Fixtures for the paper version and codebook: the two questionnaires, parsed or stored."""

from __future__ import annotations

import pytest

from fieldkit.extensions import db
from fieldkit.surveys.questionnaires import definition
from fieldkit.surveys.questionnaires import operations as questionnaires
from tests.paths import FIXTURES

FIXTURES = FIXTURES
STAFF = FIXTURES / "ansatteskjema_storbysatsingen.yaml"
PARTICIPANT = FIXTURES / "deltakerskjema_storbysatsingen.yaml"
XLSFORM = FIXTURES / "ansatteskjema_xlsform.xlsx"


@pytest.fixture
def staff() -> definition.Questionnaire:
    """The staff questionnaire (every item type, nb/nn/en)."""
    return definition.load(STAFF.read_text(encoding="utf-8"))


@pytest.fixture
def participant() -> definition.Questionnaire:
    """The participant form (bokmål only)."""
    return definition.load(PARTICIPANT.read_text(encoding="utf-8"))


@pytest.fixture
def staff_xlsform(app) -> definition.Questionnaire:
    """The staff questionnaire written as XLSForm (read through pyxform)."""
    return questionnaires.parse_upload(XLSFORM.name, XLSFORM.read_bytes())


@pytest.fixture
def stored_staff(app):
    """Factory: the staff questionnaire stored in ``project``."""

    def make(project):
        record = questionnaires.import_questionnaire(project, STAFF.name, STAFF.read_bytes())
        db.session.commit()
        return record

    return make
