"""Compiling the summary runs as a background job that reports its steps."""

from fieldkit.conferences.models import SummaryDocument
from fieldkit.conferences.summary import compile as compiler
from fieldkit.conferences.summary import store
from fieldkit.core import jobs
from fieldkit.extensions import db
from tests.conferences.summary_data import fill


def test_compiling_is_a_background_job_that_reports_its_steps(conference, facilitator, monkeypatch):
    fill(conference)
    steps = []
    report = jobs.report_progress

    def spy(done, total=None, message=None):
        steps.append((done, total, message))
        report(done, total, message)

    monkeypatch.setattr(jobs, "report_progress", spy)
    job = jobs.enqueue(
        compiler.compile_job,
        conference.id,
        "pdf",
        {},
        facilitator.id,
        created_by=facilitator,
        project=conference.project,
    )
    assert job.status.value == "done"
    assert steps == [
        (0, 3, "collecting"),
        (1, 3, "rendering"),
        (2, 3, "storing"),
        (3, 3, "done"),
    ]
    assert (job.progress_done, job.progress_total) == (3, 3)
    document = db.session.get(SummaryDocument, job.result)
    assert store.document_path(document).read_bytes().startswith(b"%PDF")
