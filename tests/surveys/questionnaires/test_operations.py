"""Questionnaires in a project: import, pages, versions, export, command line."""

import io

import pytest
import sqlalchemy as sa

from fieldkit.core.models import AuditEvent
from fieldkit.extensions import db
from fieldkit.surveys.models import Questionnaire, QuestionnaireVersion
from fieldkit.surveys.questionnaires import definition
from fieldkit.surveys.questionnaires import operations as questionnaires
from tests.paths import FIXTURES

FIXTURES = FIXTURES
STAFF = FIXTURES / "ansatteskjema_storbysatsingen.yaml"
PARTICIPANT = FIXTURES / "deltakerskjema_storbysatsingen.yaml"


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_import_through_the_page(client, make_user, make_project, login):
    user = make_user()
    make_project("storby", members=[user])
    login(user)
    response = client.post(
        "/p/storby/questionnaires/import",
        data={"file": (io.BytesIO(STAFF.read_bytes()), "ansatteskjema.yaml")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    record = db.session.scalar(sa.select(Questionnaire))
    assert record.title == "Spørreskjema til ansatte i Aetat og sosialtjenesten"
    assert response.headers["Location"] == f"/p/storby/questionnaires/{record.id}/"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Hvor ofte samarbeider dere med følgende om den enkelte deltaker?" in page
    assert "<code>${q12} = &#39;1&#39;</code>" in page
    assert "Versjon 1" in page
    project_page = client.get("/p/storby/").get_data(as_text=True)
    assert "Spørreskjema til ansatte i Aetat og sosialtjenesten" in project_page


def test_a_broken_file_is_refused_with_its_place_and_creates_nothing(
    client, make_user, make_project, login
):
    user = make_user()
    make_project("storby", members=[user])
    login(user)
    broken = STAFF.read_text(encoding="utf-8").replace("type: grid_multiple", "type: grid_multi")
    response = client.post(
        "/p/storby/questionnaires/import",
        data={"file": (io.BytesIO(broken.encode()), "ansatteskjema.yaml")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert (
        "ansatteskjema.yaml, sections[1].questions[1].type: ukjent type &#39;grid_multi&#39;"
        in (html)
    )
    assert count(Questionnaire) == 0
    assert count(QuestionnaireVersion) == 0


@pytest.mark.parametrize(
    ("language", "said"),
    [
        ("nb", "ark «survey», rad 2, kolonne «type»: «geopoint» støttes ikke (fieldkit leser"),
        ("nn", "ark «survey», rad 2, kolonne «type»: «geopoint» er ikkje støtta (fieldkit les"),
        ("en", "sheet &#39;survey&#39;, row 2, column &#39;type&#39;: &#39;geopoint&#39; is not "),
    ],
)
def test_file_errors_are_said_in_the_researchers_language(
    client, make_user, make_project, login, language, said
):
    from tests.surveys.questionnaires.xlsform.workbooks import workbook

    user = make_user()
    make_project("storby", members=[user])
    login(user)
    client.post("/language", data={"language": language})
    content = workbook([["type", "name", "label"], ["geopoint", "g", "Hvor?"]])
    response = client.post(
        "/p/storby/questionnaires/import",
        data={"file": (io.BytesIO(content), "skjema.xlsx")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert f"skjema.xlsx, {said}" in response.get_data(as_text=True)
    assert count(Questionnaire) == 0


def test_other_projects_cannot_see_a_questionnaire(client, make_user, make_project, login):
    owner, outsider = make_user("owner@example.no"), make_user("outsider@example.no")
    project = make_project("storby", members=[owner])
    make_project("annet", members=[outsider])
    record = questionnaires.import_questionnaire(project, "a.yaml", STAFF.read_bytes())
    db.session.commit()
    login(outsider)
    assert client.get(f"/p/storby/questionnaires/{record.id}/").status_code == 403
    # Reached through the outsider's own project: not found, not revealed.
    assert client.get(f"/p/annet/questionnaires/{record.id}/").status_code == 404
    assert client.get(f"/p/annet/questionnaires/{record.id}/export/yaml").status_code == 404


def test_download_definition_round_trips(client, make_user, make_project, login):
    user = make_user()
    project = make_project("storby", members=[user])
    record = questionnaires.import_questionnaire(project, "a.yaml", PARTICIPANT.read_bytes())
    db.session.commit()
    login(user)
    response = client.get(f"/p/storby/questionnaires/{record.id}/export/yaml")
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    original = definition.load(PARTICIPANT.read_text(encoding="utf-8"))
    assert definition.load(response.get_data(as_text=True)) == original
    assert db.session.scalar(
        sa.select(AuditEvent.details).where(AuditEvent.action == "questionnaire.exported")
    ) == {"format": "yaml"}


def test_editing_before_answers_changes_version_one(app, make_project):
    project = make_project()
    record = questionnaires.import_questionnaire(project, "a.yaml", STAFF.read_bytes())
    changed = definition.load(
        STAFF.read_text(encoding="utf-8").replace('code: "moter"', 'code: "m"')
    )
    version = questionnaires.save_definition(record, changed)
    assert version.number == 1
    assert [v.number for v in record.versions] == [1]
    assert record.current.definition.item("q8").choices[0].code == "m"


def test_after_answers_wording_fixes_stay_and_structure_makes_a_new_version(app, make_project):
    project = make_project()
    record = questionnaires.import_questionnaire(project, "a.yaml", STAFF.read_bytes())
    questionnaires.freeze(record.current)
    text = STAFF.read_text(encoding="utf-8")
    reworded = definition.load(text.replace("Svært godt", "Meget godt"))
    assert questionnaires.save_definition(record, reworded).number == 1
    assert record.current.definition.item("q9").choices[0].label["nb"] == "Meget godt"
    restructured = definition.load(text.replace("row_count: 3", "row_count: 5"))
    version = questionnaires.save_definition(record, restructured)
    assert [v.number for v in record.versions] == [1, 2]
    assert version.definition.item("q13").row_count == 5
    assert record.versions[0].definition.item("q13").row_count == 3
    db.session.commit()
    actions = db.session.scalars(
        sa.select(AuditEvent.action)
        .where(AuditEvent.object_type == "questionnaires")
        .order_by(AuditEvent.id)
    ).all()
    assert actions == [
        "questionnaire.created",
        "questionnaire.wording_fixed",
        "questionnaire.version_created",
    ]


def test_cli_import_and_export(runner, make_project, tmp_path):
    make_project("storby")
    result = runner.invoke(args=["questionnaire", "import", str(STAFF), "--project", "storby"])
    assert result.exit_code == 0, result.output
    qid = int(result.output.strip())
    out = tmp_path / "out.yaml"
    result = runner.invoke(
        args=["questionnaire", "export", str(qid), "--format", "yaml", "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert definition.load(out.read_text()) == definition.load(STAFF.read_text(encoding="utf-8"))
    bad = tmp_path / "bad.yaml"
    bad.write_text("title: T\nquestions:\n  - {no: 1, type: text, colour: red}\n")
    result = runner.invoke(args=["questionnaire", "import", str(bad), "--project", "storby"])
    assert result.exit_code == 1
    assert "bad.yaml, questions[0].colour: ukjent nøkkel" in result.output
    result = runner.invoke(args=["questionnaire", "import", str(STAFF), "--project", "nope"])
    assert result.exit_code == 1
