"""The paper version and codebook pages: members download, others are refused, exports audited."""

import io

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook
from pypdf import PdfReader

from fieldkit.core.models import AuditEvent
from fieldkit.extensions import db


def audit_actions():
    return db.session.scalars(sa.select(AuditEvent.action).order_by(AuditEvent.id)).all()


@pytest.fixture
def member_setup(make_user, make_project, login, stored_staff):
    user = make_user()
    project = make_project("storby", members=[user])
    record = stored_staff(project)
    login(user)
    return user, project, record


def test_the_overview_links_to_paper_and_codebook(client, member_setup):
    _user, _project, record = member_setup
    page = client.get(f"/p/storby/questionnaires/{record.id}/").get_data(as_text=True)
    for language in ("nb", "nn", "en"):
        assert f'href="/p/storby/questionnaires/{record.id}/paper.pdf?lang={language}"' in page
    assert f'href="/p/storby/questionnaires/{record.id}/codebook"' in page
    assert "Papirversjon (PDF):" in page and "Kodebok" in page


def test_a_member_downloads_the_paper_version(client, member_setup):
    user, _project, record = member_setup
    response = client.get(f"/p/storby/questionnaires/{record.id}/paper.pdf?lang=nn")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == (
        f"attachment; filename=questionnaire-{record.id}-v1-paper-nn.pdf"
    )
    reader = PdfReader(io.BytesIO(response.data))
    assert len(reader.pages) == 3
    assert "Spørjeskjema til tilsette i Aetat og sosialtenesta" in reader.pages[0].extract_text()
    event = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "questionnaire.paper_exported")
    ).one()
    assert (event.actor_id, event.object_id, event.details) == (
        user.id,
        str(record.id),
        {"version": 1, "language": "nn"},
    )


def test_the_default_language_is_the_first(client, member_setup):
    _user, _project, record = member_setup
    response = client.get(f"/p/storby/questionnaires/{record.id}/paper.pdf")
    assert response.headers["Content-Disposition"].endswith("-paper-nb.pdf")


def test_a_language_the_questionnaire_lacks_is_not_found(client, member_setup):
    _user, _project, record = member_setup
    for url in ("paper.pdf?lang=de", "codebook?lang=sv", "codebook.xlsx?lang=fr"):
        assert client.get(f"/p/storby/questionnaires/{record.id}/{url}").status_code == 404
    assert "questionnaire.paper_exported" not in audit_actions()


def test_the_codebook_page(client, member_setup):
    _user, _project, record = member_setup
    response = client.get(f"/p/storby/questionnaires/{record.id}/codebook")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert page.count('<tr id="var-') == 28
    assert "<code>q6_andre.other</code>" in page
    assert "Stilles bare hvis «Ja» på spørsmål 12 og «Nei» på spørsmål 14." in page
    assert "9 = Vet ikke (ikke-substansielt)" in page
    english = client.get(f"/p/storby/questionnaires/{record.id}/codebook?lang=en")
    assert "Asked only if “Yes” to question 12." in english.get_data(as_text=True)


def test_the_codebook_files(client, member_setup):
    _user, _project, record = member_setup
    pdf = client.get(f"/p/storby/questionnaires/{record.id}/codebook.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert "28 variabler" in PdfReader(io.BytesIO(pdf.data)).pages[0].extract_text()
    xlsx = client.get(f"/p/storby/questionnaires/{record.id}/codebook.xlsx?lang=en")
    assert xlsx.status_code == 200
    assert xlsx.headers["Content-Disposition"] == (
        f"attachment; filename=questionnaire-{record.id}-v1-codebook-en.xlsx"
    )
    assert load_workbook(io.BytesIO(xlsx.data)).sheetnames == ["Variables", "Value labels"]
    assert client.get(f"/p/storby/questionnaires/{record.id}/codebook.docx").status_code == 404
    assert audit_actions()[-2:] == [
        "questionnaire.codebook_exported",
        "questionnaire.codebook_exported",
    ]


def test_non_members_are_refused(client, make_user, make_project, login, stored_staff):
    member, outsider = make_user(), make_user()
    project = make_project("storby", members=[member])
    record = stored_staff(project)
    urls = [
        f"/p/storby/questionnaires/{record.id}/{tail}"
        for tail in ("paper.pdf", "codebook", "codebook.pdf", "codebook.xlsx")
    ]
    for url in urls:  # not logged in: to the login page
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"]
    login(outsider)
    for url in urls:
        assert client.get(url).status_code == 403
    assert "questionnaire.paper_exported" not in audit_actions()
    assert "questionnaire.codebook_exported" not in audit_actions()


def test_another_projects_questionnaire_is_not_found(
    client, make_user, make_project, login, stored_staff
):
    user = make_user()
    make_project("storby", members=[user])
    other = make_project("annet", "Annet prosjekt", members=[user])
    record = stored_staff(other)
    login(user)
    assert client.get(f"/p/storby/questionnaires/{record.id}/paper.pdf").status_code == 404
    assert client.get(f"/p/storby/questionnaires/{record.id}/codebook").status_code == 404


def test_the_paper_command(runner, make_project, stored_staff, tmp_path):
    record = stored_staff(make_project("storby"))
    output = tmp_path / "skjema.pdf"
    result = runner.invoke(
        args=["questionnaire", "paper", str(record.id), "-o", str(output), "--lang", "en"]
    )
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"Wrote {output} (")
    assert "Page 1 of 3" in PdfReader(output).pages[0].extract_text()
    assert audit_actions()[-1] == "questionnaire.paper_exported"
    refused = runner.invoke(
        args=["questionnaire", "paper", str(record.id), "-o", str(output), "--lang", "de"]
    )
    assert refused.exit_code == 1
    assert "the questionnaire is in nb, nn, en, not in 'de'" in refused.output
    no_version = runner.invoke(
        args=["questionnaire", "paper", str(record.id), "-o", str(output), "--version", "9"]
    )
    assert no_version.exit_code == 1
    assert "the questionnaire has no version 9" in no_version.output
    missing = runner.invoke(args=["questionnaire", "paper", "999", "-o", str(output)])
    assert missing.exit_code == 1 and "no questionnaire has id 999" in missing.output


def test_an_older_version_has_its_own_codebook_and_paper(client, member_setup):
    from fieldkit.surveys.questionnaires import definition
    from fieldkit.surveys.questionnaires import operations as questionnaires

    user, _project, record = member_setup
    questionnaires.freeze(record.current)
    changed = definition.load(definition.dump(record.current.definition))
    changed.sections[-1].items.pop()  # q18 goes: a structural change, so version 2
    questionnaires.save_definition(record, changed, actor=user)
    db.session.commit()
    assert [v.number for v in record.versions] == [1, 2]

    current = client.get(f"/p/storby/questionnaires/{record.id}/codebook")
    assert current.get_data(as_text=True).count('<tr id="var-') == 27
    older = client.get(f"/p/storby/questionnaires/{record.id}/codebook?version=1&lang=nn")
    page = older.get_data(as_text=True)
    assert page.count('<tr id="var-') == 28
    assert 'aria-current="page">Versjon 1</a>' in page
    assert "/codebook.xlsx?lang=nn&amp;version=1" in page
    paper = client.get(f"/p/storby/questionnaires/{record.id}/paper.pdf?version=1")
    assert paper.headers["Content-Disposition"].endswith(f"-{record.id}-v1-paper-nb.pdf")
    assert client.get(f"/p/storby/questionnaires/{record.id}/codebook?version=9").status_code == 404
