"""With Redis, a worker process sends the mailing in the background (one SMTP session)."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid

import pytest
import sqlalchemy as sa

from fieldkit.core.models import Job, JobStatus
from fieldkit.extensions import db
from fieldkit.surveys.fieldwork import sending
from fieldkit.surveys.models import Case, Mailing
from fieldkit.surveys.respond import links
from tests.paths import ROOT

REDIS_URL = os.environ.get("FIELDKIT_TEST_REDIS_URL")


@pytest.mark.redis
@pytest.mark.skipif(not REDIS_URL, reason="FIELDKIT_TEST_REDIS_URL is not set")
def test_a_worker_sends_the_invitations(app, database_url, tmp_path, smtp_server, office_survey):
    queue_name = f"fieldkit-test-{uuid.uuid4().hex[:8]}"
    app.config.update(REDIS_URL=REDIS_URL, JOB_QUEUE=queue_name, JOBS_MODE="rq")
    mailing = sending.send_invitations(office_survey)
    assert mailing.status == "queued" and smtp_server.messages == []
    assert sending.run_schedule() == []  # the schedule does not send it a second time
    env = {
        **os.environ,
        "FIELDKIT_DATABASE_URL": database_url,
        "FIELDKIT_REDIS_URL": REDIS_URL,
        "FIELDKIT_JOB_QUEUE": queue_name,
        "FIELDKIT_INSTANCE_PATH": str(tmp_path / "worker-instance"),
        "FIELDKIT_SECRET_KEY": app.config["SECRET_KEY"],
        "FIELDKIT_BASE_URL": app.config["BASE_URL"],
        "FIELDKIT_SMTP_HOST": "127.0.0.1",
        "FIELDKIT_SMTP_PORT": str(smtp_server.port),
        "FIELDKIT_SMTP_STARTTLS": "0",
        "PYTHONPATH": str(ROOT),
    }
    result = subprocess.run(
        [sys.executable, "-m", "fieldkit.cli", "worker", "--burst"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stderr
    db.session.expire_all()
    mailing = db.session.get(Mailing, mailing.id)
    assert (mailing.status, mailing.sent_count) == ("done", 160)
    job = db.session.get(Job, mailing.job_id)
    assert job.status == JobStatus.DONE and job.progress_done == job.progress_total == 160
    assert len(smtp_server.messages) == 160 and len(smtp_server.handler.sessions) == 1
    case = db.session.scalars(sa.select(Case).where(Case.external_id == "S001")).one()
    (received,) = [m for m in smtp_server.messages if m.rcpt_tos == [case.email]]
    text = received.message.get_body(preferencelist=("plain",)).get_content()
    assert links.personal_url(case) in text  # the worker derives the same links
