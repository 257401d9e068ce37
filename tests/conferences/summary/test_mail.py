"""Sending the summary document to every participant through a real SMTP server."""

from __future__ import annotations

from collections import Counter

import pytest

from fieldkit.conferences.models import SummaryDocument, SummarySend
from fieldkit.conferences.summary import compile as compiler
from fieldkit.conferences.summary import mail, store
from fieldkit.core.models import AuditEvent, Job
from fieldkit.extensions import db
from tests import dead_jobs
from tests.conferences.summary_data import NAMES, fill


def test_every_participant_gets_one_message_with_the_pdf(
    app, client, login, facilitator, conference, smtp_server
):
    app.config.update(smtp_server.config)
    fill(conference, photo=False)
    document_id = compiler.compile_job(conference.id, "pdf", {}, facilitator.id)
    document = db.session.get(SummaryDocument, document_id)
    login(facilitator)
    url = f"/p/{conference.project.slug}/conferences/{conference.id}/summary/{document.id}/send"
    response = client.post(url)
    assert response.status_code == 302

    with_address = sorted(email for *_rest, email in NAMES if email)
    received = smtp_server.messages
    assert sorted(r for m in received for r in m.rcpt_tos) == with_address
    assert Counter(r for m in received for r in m.rcpt_tos) == Counter(with_address)
    assert len({m.session for m in received}) == 1  # one connection for all
    pdf = store.document_path(document).read_bytes()
    for message in received:
        attachments = list(message.message.iter_attachments())
        assert len(attachments) == 1
        assert attachments[0].get_content_type() == "application/pdf"
        assert attachments[0].get_filename().endswith(".pdf")
        assert attachments[0].get_content() == pdf
        assert message.message["Subject"].startswith("Oppsummering fra dialogkonferansen")

    log = Counter(s.status for s in db.session.scalars(db.select(SummarySend)))
    assert log == {"sent": 4, "no_address": 1}
    job = db.session.scalars(db.select(Job).where(Job.func.like("%send_summary_job"))).one()
    assert job.result == {"sent": 4, "failed": 0, "no_address": 0 + 1, "skipped": 0}
    assert db.session.scalars(
        db.select(AuditEvent).where(AuditEvent.action == "conference.summary_sent")
    ).one()

    # Sending again reaches nobody twice: those already sent to are skipped.
    counts = mail.send_summary_job(document.id, facilitator.id)
    assert counts == {"sent": 0, "failed": 0, "no_address": 1, "skipped": 4}
    assert len(smtp_server.messages) == 4
    page = client.get(f"/p/{conference.project.slug}/conferences/{conference.id}/summary")
    assert "4 sendt, 0 feilet, 2 uten adresse" in page.get_data(as_text=True)


def test_a_refused_message_is_logged_and_the_rest_are_sent(
    app, facilitator, conference, smtp_server
):
    app.config.update(smtp_server.config)
    fill(conference, photo=False)
    document_id = compiler.compile_job(conference.id, "pdf", {}, facilitator.id)
    smtp_server.handler.fail_after = 2
    with pytest.raises(mail.SendingIncomplete) as failure:
        mail.send_summary_job(document_id, facilitator.id)
    counts = failure.value.counts
    assert counts["sent"] == 2
    assert counts["failed"] == 2
    failed = db.session.scalars(
        db.select(SummarySend).where(SummarySend.status == "failed").order_by(SummarySend.id)
    ).all()
    assert "421" in failed[0].error
    # After the server is back, a second run sends only to the two who did not get it.
    smtp_server.handler.fail_after = None
    counts = mail.send_summary_job(document_id, facilitator.id)
    assert counts == {"sent": 2, "failed": 0, "no_address": 1, "skipped": 2}
    assert len(smtp_server.messages) == 4


def test_a_sending_whose_process_died_is_started_again_without_second_copies(
    app, client, login, facilitator, conference, smtp_server
):
    app.config.update(smtp_server.config)
    fill(conference, photo=False)
    document_id = compiler.compile_job(conference.id, "pdf", {}, facilitator.id)
    login(facilitator)
    url = f"/p/{conference.project.slug}/conferences/{conference.id}/summary/{document_id}/send"
    started = client.post(url)
    first = started.headers["Location"].rpartition("job=")[2]
    dead_jobs.die(first)  # say the process died after the last message
    page = client.get(started.headers["Location"]).get_data(as_text=True)
    retry_url = f"{url}/jobs/{first}/retry"
    assert "Jobben stoppet uventet" in page and f'action="{retry_url}"' in page
    retried = client.post(retry_url)
    again = db.session.get(Job, retried.headers["Location"].rpartition("job=")[2])
    assert again.result == {"sent": 0, "failed": 0, "no_address": 1, "skipped": 4}
    assert len(smtp_server.messages) == 4


def test_a_title_with_a_line_break_is_sent_and_a_failed_send_is_reported_failed(
    app, client, login, facilitator, conference, smtp_server
):
    """A conference title with a line break used to make every message fail while the page
    said the document was being sent: now the subject is one line and all are sent; and
    when messages do fail, the job and the page say so, and Try again sends the rest."""
    app.config.update(smtp_server.config)
    fill(conference, photo=False)
    conference.title = "Dialogkonferanse\r\nom Storbysatsingen"
    db.session.commit()
    document_id = compiler.compile_job(conference.id, "pdf", {}, facilitator.id)
    login(facilitator)
    url = f"/p/{conference.project.slug}/conferences/{conference.id}/summary/{document_id}/send"
    smtp_server.handler.fail_after = 3
    started = client.post(url, follow_redirects=True)
    page = started.get_data(as_text=True)
    assert len(smtp_server.messages) == 3
    subjects = {m.message["Subject"] for m in smtp_server.messages}
    assert subjects == {
        "Oppsummering fra dialogkonferansen: Dialogkonferanse om Storbysatsingen – Bergen"
    }
    job = db.session.scalars(db.select(Job).where(Job.func.like("%send_summary_job"))).one()
    assert job.status.value == "failed"
    assert job.error == "1 av 4 meldinger kunne ikke sendes. De andre er sendt."
    assert "Utsendingen stoppet: 1 av 4 meldinger kunne ikke sendes. De andre er sendt." in page
    assert "Feilet. 1 av 4 meldinger kunne ikke sendes" in page  # the job on the page
    assert "sendes til deltakerne" not in page
    smtp_server.handler.fail_after = None
    retried = client.post(f"{url}/jobs/{job.id}/retry")
    again = db.session.get(Job, retried.headers["Location"].rpartition("job=")[2])
    assert again.status.value == "done"
    assert again.result == {"sent": 1, "failed": 0, "no_address": 1, "skipped": 3}
    assert len(smtp_server.messages) == 4
