"""The combined synthesis document and the export of all points are made by background jobs."""

from __future__ import annotations

import io
import re

from docx import Document
from pypdf import PdfReader

from fieldkit.conferences.synthesis import combined, export
from fieldkit.core import downloads
from fieldkit.core.jobs import enqueue
from fieldkit.core.models import AuditEvent, Job
from fieldkit.extensions import db
from tests import dead_jobs
from tests.conferences.synthesis_data import two_conferences


def start(client, url: str) -> Job:
    """Post to ``url``; it answers with a redirect to the synthesis page showing the job."""
    response = client.post(url)
    assert response.status_code == 302
    location = response.headers["Location"]
    match = re.fullmatch(r"/p/storby/conferences/synthesis\?job=([0-9a-f-]{36})", location)
    assert match, location
    return db.session.get(Job, match.group(1))


def download(client, job: Job) -> bytes:
    page = client.get(f"/p/storby/conferences/synthesis?job={job.id}").get_data(as_text=True)
    assert 'id="job-status"' in page and "Ferdig." in page
    url = f"/p/storby/conferences/synthesis/jobs/{job.id}/download"
    assert f'href="{url}"' in page
    response = client.get(url)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "private, no-store"
    return response


def test_export_jobs_make_the_same_files_as_before(client, login, facilitator, project):
    two_conferences(project)
    login(facilitator)
    job = start(client, "/p/storby/conferences/synthesis/points.csv")
    assert job.func == "fieldkit.conferences.synthesis.export:export_job"
    assert job.status.value == "done"
    assert (job.progress_done, job.progress_total) == (2, 2)
    response = download(client, job)
    assert response.data == export.export_csv(project)
    assert response.mimetype == "text/csv"
    assert "points-storby.csv" in response.headers["Content-Disposition"]

    job = start(client, "/p/storby/conferences/synthesis/points.xlsx")
    response = download(client, job)
    from openpyxl import load_workbook

    made = list(load_workbook(io.BytesIO(response.data)).active.values)
    expected = list(load_workbook(io.BytesIO(export.export_xlsx(project))).active.values)
    assert made == expected and len(made) == 10
    # Past the retention period the file is gone; the facilitator is told, not shown a 404.
    downloads.stored_path("conference-exports", job.result).unlink()
    gone = client.get(f"/p/storby/conferences/synthesis/jobs/{job.id}/download")
    assert gone.status_code == 302
    assert gone.headers["Location"] == "/p/storby/conferences/synthesis"
    assert "Filen er slettet: filer som lages for nedlasting, tas vare på i 72 timer." in (
        client.get(gone.headers["Location"]).get_data(as_text=True)
    )
    assert (
        db.session.scalar(
            db.select(db.func.count(AuditEvent.id)).where(
                AuditEvent.action == "conference.points_exported"
            )
        )
        == 2
    )


def test_combined_document_jobs_make_the_same_documents_as_before(
    client, login, facilitator, project
):
    two_conferences(project)
    login(facilitator)
    job = start(client, "/p/storby/conferences/synthesis/combined.pdf")
    assert job.func == "fieldkit.conferences.synthesis.combined:combined_job"
    assert (job.progress_done, job.progress_total) == (3, 3)
    pdf = download(client, job).data
    before, _mimetype = combined.render(project, "pdf")

    def text(content: bytes) -> list[str]:
        return [" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(content)).pages]

    assert text(pdf) == text(before)
    assert "dialogkonferansen i Oslo." in " ".join(text(pdf))

    job = start(client, "/p/storby/conferences/synthesis/combined.docx")
    docx = download(client, job).data
    before, _mimetype = combined.render(project, "docx")
    paragraphs = [p.text for p in Document(io.BytesIO(docx)).paragraphs]
    assert paragraphs == [p.text for p in Document(io.BytesIO(before)).paragraphs]
    assert "Aetat" in paragraphs


def test_job_downloads_stay_in_their_project(client, login, make_project, make_user, project):
    two_conferences(project)
    owner = make_user("eier@example.no", "Eva Eier")
    other = make_project("annet", "Annet prosjekt", members=[owner])
    login(owner)
    # A member of another project cannot start or fetch this project's jobs.
    assert client.post("/p/storby/conferences/synthesis/points.csv").status_code == 403

    made = enqueue(export.export_job, project.id, "csv", None, project=project)
    assert client.get(f"/p/storby/conferences/synthesis/jobs/{made.id}/download").status_code == 403
    assert (
        client.get(f"/p/{other.slug}/conferences/synthesis/jobs/{made.id}/download").status_code
        == 404
    )
    # A GET no longer makes files inside the request.
    assert client.get(f"/p/{other.slug}/conferences/synthesis/points.csv").status_code == 405


def test_an_export_whose_process_died_can_be_started_again(
    client, login, facilitator, project, make_user
):
    two_conferences(project)
    login(facilitator)
    job = start(client, "/p/storby/conferences/synthesis/points.csv")
    dead_jobs.die(job.id)
    page = client.get(f"/p/storby/conferences/synthesis?job={job.id}").get_data(as_text=True)
    assert "Jobben stoppet uventet" in page and "Prøv igjen" in page
    retry_url = f"/p/storby/conferences/synthesis/jobs/{job.id}/retry"
    assert f'action="{retry_url}"' in page
    again = start(client, retry_url)
    assert again.id != job.id and again.args == [project.id, "csv", facilitator.id]
    assert download(client, again).data == export.export_csv(project)
    # A job that did not fail is not started again; an outsider cannot start it.
    assert start(client, f"/p/storby/conferences/synthesis/jobs/{again.id}/retry").id == again.id
    client.post("/logout")
    login(make_user("utenfor@example.no", "Ute Forbi"))
    assert client.post(retry_url).status_code in (403, 404)
