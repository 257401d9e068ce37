"""XLSForm through the import page, the upload form, the download link and the command line."""

import io

import sqlalchemy as sa

from fieldkit.extensions import db
from fieldkit.surveys.models import Questionnaire, QuestionnaireVersion
from fieldkit.surveys.questionnaires import definition
from fieldkit.surveys.questionnaires import operations as questionnaires
from fieldkit.surveys.questionnaires.xlsform import read_xlsform, write_xlsform
from tests.paths import FIXTURES
from tests.surveys.questionnaires.xlsform.workbooks import (
    CHOICES,
    HEADER,
    NATIVE,
    STAFF_XLSFORM,
    workbook,
)


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


BROKEN = workbook(
    [HEADER, ["begin_group", "s1", "Side 1"], ["select_one jn", "q1", "Q1"],
     ["calculate", "sum", "Sum"], ["end_group"]],
    CHOICES,
)  # fmt: skip


def test_import_page_takes_an_xlsform_and_refuses_a_broken_one(
    client, make_user, make_project, login
):
    user = make_user()
    make_project("storby", members=[user])
    login(user)
    response = client.post(
        "/p/storby/questionnaires/import",
        data={"file": (io.BytesIO(BROKEN), "skjema.xlsx")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert (
        "skjema.xlsx, ark «survey», rad 4, kolonne «type»: «calculate» støttes ikke"
        in response.get_data(as_text=True)
    )
    assert count(Questionnaire) == 0 and count(QuestionnaireVersion) == 0
    response = client.post(
        "/p/storby/questionnaires/import",
        data={"file": (io.BytesIO(STAFF_XLSFORM.read_bytes()), "ansatteskjema.xlsx")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    record = db.session.scalar(sa.select(Questionnaire))
    assert record.title == "Spørreskjema til NAV-kontorene om Storbysatsingen"
    assert record.current.definition == read_xlsform(STAFF_XLSFORM.read_bytes())
    response = client.get(f"/p/storby/questionnaires/{record.id}/export/xlsform")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].endswith(".xlsx")
    assert read_xlsform(response.data) == record.current.definition


def test_cli_imports_and_exports_xlsform_and_a_broken_one_creates_nothing(
    runner, make_project, tmp_path
):
    make_project("storby")
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(BROKEN)
    result = runner.invoke(args=["questionnaire", "import", str(broken), "--project", "storby"])
    assert result.exit_code == 1
    assert (
        "broken.xlsx, ark «survey», rad 4, kolonne «type»: «calculate» støttes ikke"
        in result.output
    )
    assert count(Questionnaire) == 0
    result = runner.invoke(
        args=["questionnaire", "import", str(STAFF_XLSFORM), "--project", "storby"]
    )
    assert result.exit_code == 0, result.output
    qid = int(result.output.strip())
    out = tmp_path / "out.xlsx"
    result = runner.invoke(
        args=["questionnaire", "export", str(qid), "--format", "xlsform", "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert read_xlsform(out.read_bytes()) == read_xlsform(STAFF_XLSFORM.read_bytes())
    assert count(Questionnaire) == 1


def test_upload_form_takes_an_xlsform_and_a_broken_one_changes_nothing(
    client, make_user, make_project, login
):
    user = make_user()
    project = make_project("storby", members=[user])
    staff_yaml = (FIXTURES / NATIVE[0]).read_bytes()
    record = questionnaires.import_questionnaire(project, "a.yaml", staff_yaml)
    db.session.commit()
    login(user)
    url = f"/p/storby/questionnaires/{record.id}/upload"
    response = client.post(
        url,
        data={"file": (io.BytesIO(BROKEN), "ny.xlsx")},
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert (
        "ny.xlsx, ark «survey», rad 4, kolonne «type»: «calculate» støttes ikke"
        in response.get_data(as_text=True)
    )
    db.session.expire_all()
    assert record.current.definition == definition.load(staff_yaml.decode())
    edited = definition.load(staff_yaml.decode())
    edited.item("q18").label["nb"] = "Andre kommentarer til evalueringen"
    response = client.post(
        url,
        data={"file": (io.BytesIO(write_xlsform(edited)), "ny.xlsx")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert [v.number for v in record.versions] == [1]
    assert record.current.definition == edited
