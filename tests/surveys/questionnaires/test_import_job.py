"""A questionnaire file is parsed by a background job, not in the request: the page stores the
upload, a job reads it and creates the questionnaire (or the new version), and the page follows
the job; a refused file creates nothing and leaves no upload behind."""

import io
import os
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from fieldkit.core import jobs, retention
from fieldkit.core.models import Job, JobStatus
from fieldkit.extensions import db
from fieldkit.surveys.models import Questionnaire, QuestionnaireVersion
from fieldkit.surveys.questionnaires import definition
from fieldkit.surveys.questionnaires import operations as questionnaires
from fieldkit.surveys.questionnaires.xlsform import read_xlsform, write_xlsform
from tests.paths import FIXTURES
from tests.surveys.questionnaires.xlsform.workbooks import CHOICES, HEADER, workbook

STAFF = FIXTURES / "ansatteskjema_storbysatsingen.yaml"
STAFF_XLSFORM = FIXTURES / "ansatteskjema_xlsform.xlsx"
BROKEN = workbook(
    [HEADER, ["begin_group", "s1", "Side 1"], ["select_one jn", "q1", "Q1"],
     ["calculate", "sum", "Sum"], ["end_group"]],
    CHOICES,
)  # fmt: skip
BROKEN_MESSAGE = "skjema.xlsx, ark «survey», rad 4, kolonne «type»: «calculate» støttes ikke"


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def kept_uploads(app) -> list[str]:
    folder = Path(app.config["UPLOAD_PATH"]) / "questionnaires"
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


@pytest.fixture
def researcher(make_user, login):
    user = make_user("forsker@nibr.no")
    login(user)
    return user


def test_an_imported_file_is_parsed_by_a_job_that_creates_the_questionnaire(
    app, client, researcher, make_project
):
    project = make_project("storby", members=[researcher])
    response = client.post(
        "/p/storby/questionnaires/import",
        data={"file": (io.BytesIO(STAFF_XLSFORM.read_bytes()), "ansatteskjema.xlsx")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    record = db.session.scalar(sa.select(Questionnaire))
    assert response.location == f"/p/storby/questionnaires/{record.id}/"
    job = db.session.scalar(sa.select(Job))
    assert job.func == jobs.func_path(questionnaires.import_upload_job)
    assert job.status is JobStatus.DONE
    assert job.project_id == project.id and job.created_by_id == researcher.id
    assert job.args[0] == project.id and len(job.args[1]) == 32  # the stored upload's token
    assert job.result == {"questionnaire": record.id, "version": 1}
    assert record.current.definition == read_xlsform(STAFF_XLSFORM.read_bytes())
    assert kept_uploads(app) == []  # the upload is gone once it is imported


def test_a_refused_file_is_refused_by_its_job_and_leaves_nothing(
    app, client, researcher, make_project
):
    make_project("storby", members=[researcher])
    response = client.post(
        "/p/storby/questionnaires/import",
        data={"file": (io.BytesIO(BROKEN), "skjema.xlsx")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert BROKEN_MESSAGE in response.get_data(as_text=True)
    job = db.session.scalar(sa.select(Job))
    assert job.func == jobs.func_path(questionnaires.import_upload_job)
    assert job.status is JobStatus.DONE and list(job.result) == ["error"]
    assert job.result["error"].startswith(BROKEN_MESSAGE + " (fieldkit leser select_one LIST")
    assert count(Questionnaire) == 0 and count(QuestionnaireVersion) == 0
    assert kept_uploads(app) == []


def test_a_file_refused_by_the_cheap_checks_starts_no_job(app, client, researcher, make_project):
    make_project("storby", members=[researcher])
    response = client.post(
        "/p/storby/questionnaires/import",
        data={"file": (io.BytesIO(b"x: " + b"y" * 300_000), "skjema.yaml")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert "skjema.yaml: filen er større enn 256 KB" in response.get_data(as_text=True)
    assert count(Job) == 0 and count(Questionnaire) == 0
    assert kept_uploads(app) == []


def queued(project, token, *, questionnaire_id=None, language="nb", job_id="q-1"):
    """A job recorded as a worker would find it (the suite runs jobs inline)."""
    job = Job(
        id=job_id,
        func=jobs.func_path(questionnaires.import_upload_job),
        args=[project.id, token, language, None, questionnaire_id],
        kwargs={},
        status=JobStatus.QUEUED,
        project_id=project.id,
        runner="test",
    )
    db.session.add(job)
    db.session.commit()
    return job


def test_the_import_job_page_shows_progress_then_goes_to_the_questionnaire(
    app, client, researcher, make_project
):
    """With a worker (thread or RQ) the import goes to the job's page, which waits for the
    parsing and then goes on to the questionnaire, or shows the refusal as the form's error."""
    project = make_project("storby", members=[researcher])
    token = questionnaires.store_upload(project, "ansatteskjema.yaml", STAFF.read_bytes())
    job = queued(project, token)
    waiting = client.get(f"/p/storby/questionnaires/jobs/{job.id}")
    assert waiting.status_code == 200
    assert "Leser filen" in waiting.get_data(as_text=True)
    assert 'class="job-progress"' in waiting.get_data(as_text=True)
    assert count(Questionnaire) == 0
    jobs.execute(job.id, runner="test")
    done = client.get(f"/p/storby/questionnaires/jobs/{job.id}")
    record = db.session.scalar(sa.select(Questionnaire))
    assert done.status_code == 302 and done.location == f"/p/storby/questionnaires/{record.id}/"
    page = client.get(done.location).get_data(as_text=True)
    title = "Spørreskjema til ansatte i Aetat og sosialtjenesten"
    assert f"Spørreskjemaet {title} er importert." in page

    bad = questionnaires.store_upload(project, "skjema.xlsx", BROKEN)
    job = queued(project, bad, language="en", job_id="q-2")
    jobs.execute(job.id, runner="test")
    refused = client.get(f"/p/storby/questionnaires/jobs/{job.id}")
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    # The import form again, with the refusal as its error, in the language it was asked in.
    assert 'enctype="multipart/form-data"' in page
    assert (
        "skjema.xlsx, sheet &#39;survey&#39;, row 4, column &#39;type&#39;: &#39;calculate&#39;"
        in page
    )
    assert count(Questionnaire) == 1 and kept_uploads(app) == []
    make_project("annet", members=[researcher])
    assert client.get(f"/p/annet/questionnaires/jobs/{job.id}").status_code == 404


def test_a_new_version_is_parsed_by_a_job_and_its_page_shows_a_refusal_on_the_upload_form(
    app, client, researcher, make_project
):
    project = make_project("storby", members=[researcher])
    staff_yaml = STAFF.read_bytes()
    record = questionnaires.import_questionnaire(project, "a.yaml", staff_yaml)
    db.session.commit()
    edited = definition.load(staff_yaml.decode())
    edited.item("q18").label["nb"] = "Andre kommentarer til evalueringen"
    response = client.post(
        f"/p/storby/questionnaires/{record.id}/upload",
        data={"file": (io.BytesIO(write_xlsform(edited)), "ny.xlsx")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    job = db.session.scalar(sa.select(Job))
    assert job.func == jobs.func_path(questionnaires.import_upload_job)
    assert job.args[4] == record.id and job.result == {"questionnaire": record.id, "version": 1}
    db.session.expire_all()
    assert record.current.definition == edited

    bad = questionnaires.store_upload(project, "skjema.xlsx", BROKEN)
    job = queued(project, bad, questionnaire_id=record.id, job_id="q-3")
    waiting = client.get(f"/p/storby/questionnaires/jobs/{job.id}")
    assert waiting.status_code == 200 and "Leser filen" in waiting.get_data(as_text=True)
    jobs.execute(job.id, runner="test")
    refused = client.get(f"/p/storby/questionnaires/jobs/{job.id}")
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    assert BROKEN_MESSAGE in page
    assert "Last opp en ny definisjon" in page  # the questionnaire page, with its upload form
    db.session.expire_all()
    assert [v.number for v in record.versions] == [1]
    assert record.current.definition == edited
    assert kept_uploads(app) == []


def test_a_job_that_fails_midway_changes_nothing_and_keeps_the_upload(
    app, client, researcher, make_project, monkeypatch
):
    project = make_project("storby", members=[researcher])
    record = questionnaires.import_questionnaire(project, "a.yaml", STAFF.read_bytes())
    db.session.commit()
    before = record.current.definition

    def crash(*args, **kwargs):
        db.session.flush()
        raise RuntimeError("disk full")

    monkeypatch.setattr(questionnaires.audit, "record", crash)
    response = client.post(
        f"/p/storby/questionnaires/{record.id}/upload",
        data={"file": (io.BytesIO(STAFF_XLSFORM.read_bytes()), "ny.xlsx")},
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert "Filen kunne ikke leses: RuntimeError: disk full" in response.get_data(as_text=True)
    job = db.session.scalar(sa.select(Job))
    assert job.status is JobStatus.FAILED
    db.session.expire_all()
    assert record.current.definition == before and count(QuestionnaireVersion) == 1
    assert len(kept_uploads(app)) == 2  # kept for a retry, until retention removes it


def test_stale_questionnaire_uploads_are_pruned_with_the_frame_previews(app, make_project):
    app.config["PREVIEW_RETENTION_HOURS"] = 6
    project = make_project("storby")
    old = questionnaires.store_upload(project, "gammel.yaml", STAFF.read_bytes())
    folder = retention.preview_folder("questionnaires")
    moment = time.time() - 7 * 3600
    for path in folder.glob(f"{old}.*"):
        os.utime(path, (moment, moment))
    fresh = questionnaires.store_upload(project, "ny.yaml", STAFF.read_bytes())
    assert retention.prune_previews() == 0  # store_upload pruned the old one already
    assert kept_uploads(app) == [f"{fresh}.bin", f"{fresh}.name"]
