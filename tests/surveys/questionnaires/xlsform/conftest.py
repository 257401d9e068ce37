import pytest

from fieldkit.surveys.questionnaires.xlsform import read_xlsform
from tests.surveys.questionnaires.xlsform.workbooks import STAFF_XLSFORM


@pytest.fixture(scope="module")
def staff():
    """The staff questionnaire authored as an XLSForm, as read."""
    return read_xlsform(STAFF_XLSFORM.read_bytes())
