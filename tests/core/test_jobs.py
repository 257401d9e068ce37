"""Background jobs: recorded, inline by default, on RQ workers when Redis is configured."""

import os
import subprocess
import sys
import uuid

import pytest
import sqlalchemy as sa

from fieldkit.core.jobs import enqueue, execute, func_path
from fieldkit.core.models import AuditEvent, Job, JobStatus
from fieldkit.extensions import db
from tests.core.job_functions import add_user_twice, count_to, explode
from tests.paths import ROOT

REDIS_URL = os.environ.get("FIELDKIT_TEST_REDIS_URL")


def test_inline_job_runs_at_once_and_is_recorded(app):
    job = enqueue(count_to, 4, label="svar")
    assert job.status == JobStatus.DONE
    assert job.func == "tests.core.job_functions:count_to"
    assert job.args == [4]
    assert job.kwargs == {"label": "svar"}
    assert (job.progress_done, job.progress_total) == (4, 4)
    assert job.message == "svar 4/4"
    assert job.percent == 100
    assert job.result == {"counted": 4, "events": 1}
    assert job.started_at <= job.finished_at


def test_failed_job_records_the_error_and_keeps_nothing_half_done(app):
    job = enqueue(explode, "SMTP-tjeneren svarte ikke")
    assert job.status == JobStatus.FAILED
    assert job.error == "RuntimeError: SMTP-tjeneren svarte ikke"
    assert "Traceback" in job.message
    assert (
        db.session.scalar(
            sa.select(sa.func.count(AuditEvent.id)).where(AuditEvent.action == "test.half_done")
        )
        == 0
    )


def test_a_job_failing_on_text_the_database_cannot_hold_ends_failed(app):
    """An error whose message holds NUL (PostgreSQL refuses it in text): the job still ends
    "failed" at once, with the message cleaned, instead of staying "running"."""
    job = enqueue(explode, "ugyldig tegn: \x00 i svaret\x0b", created_by=None)
    job = db.session.get(Job, job.id, populate_existing=True)
    assert job.status == JobStatus.FAILED
    assert job.error == "RuntimeError: ugyldig tegn:  i svaret\n"
    assert "\x00" not in job.message and "Traceback" in job.message


def test_a_job_end_the_database_refuses_is_recorded_without_details(app, monkeypatch):
    """When the database refuses what a failed job's end says (not a lost connection), the
    end is recorded at once without the details, not retried until the job is abandoned."""
    from fieldkit.core import jobs

    real_finish = jobs._finish

    def refusing(job_id, expected, runner, **end):
        if end.get("message") is not None:
            raise sa.exc.DataError("UPDATE jobs", {}, ValueError("refused"))
        return real_finish(job_id, expected, runner, **end)

    monkeypatch.setattr(jobs, "_finish", refusing)
    monkeypatch.setattr(jobs, "END_PATIENCE_SECONDS", 2.0)
    job = enqueue(explode, "noe gikk galt", created_by=None)
    job = db.session.get(Job, job.id, populate_existing=True)
    assert job.status == JobStatus.FAILED
    assert job.error == "RuntimeError: noe gikk galt"
    assert "Traceback" not in (job.message or "")


def test_a_failed_job_logs_no_personal_data_from_its_database_error(app, caplog):
    """A unique e-mail address taken twice: SQLAlchemy puts the values in the message (and
    PostgreSQL the key: ``Key (email)=(…) already exists``); neither reaches the log or the
    job's record of the failure."""
    email = "kari.nordmann@example.no"
    with caplog.at_level("INFO"):
        job = enqueue(add_user_twice, email)
    assert job.status == JobStatus.FAILED
    assert "IntegrityError" in caplog.text
    assert "job_functions.py" in caplog.text  # where it failed is still logged
    assert "INSERT INTO users" in caplog.text
    assert email not in caplog.text and "Kari Nordmann" not in caplog.text
    assert job.error.startswith("IntegrityError")
    assert email not in job.error and email not in job.message
    assert "Kari Nordmann" not in job.message


def test_a_failing_request_logs_no_personal_data_from_its_database_error(app, caplog, monkeypatch):
    from fieldkit.core import roles

    email = "ola.nordmann@example.no"

    @app.route("/boom")
    def boom():
        add_user_twice(email)

    monkeypatch.setitem(roles.ENDPOINTS, "boom", roles.Rule.PUBLIC)

    app.config["PROPAGATE_EXCEPTIONS"] = False
    with caplog.at_level("INFO"):
        assert app.test_client().get("/boom").status_code == 500
    assert "Exception on /boom [GET]" in caplog.text
    assert "IntegrityError" in caplog.text
    assert email not in caplog.text and "Kari Nordmann" not in caplog.text


def test_job_status_page_reports_progress(client, app, make_user, login):
    user = make_user()
    job = enqueue(count_to, 2, created_by=user)
    login(user)
    data = client.get(f"/jobs/{job.id}").get_json()
    assert data["status"] == "done"
    assert (data["done"], data["total"], data["percent"]) == (2, 2, 100)
    other = make_user("other@example.no")
    client.post("/logout")
    login(other)
    assert client.get(f"/jobs/{job.id}").status_code == 403
    assert client.get(f"/jobs/{uuid.uuid4()}").status_code == 404


def test_only_importable_functions_can_be_jobs():
    def local():
        pass

    with pytest.raises(ValueError, match="not importable"):
        func_path(local)


def test_a_job_runs_in_its_callers_app_context_only():
    """A worker process gets its app from `fieldkit worker`; core never builds one."""
    with pytest.raises(RuntimeError, match="run workers with `fieldkit worker`"):
        execute("no-such-job")


@pytest.mark.redis
@pytest.mark.skipif(not REDIS_URL, reason="FIELDKIT_TEST_REDIS_URL is not set")
def test_with_redis_a_worker_process_runs_the_job(app, database_url, tmp_path):
    queue_name = f"fieldkit-test-{uuid.uuid4().hex[:8]}"
    app.config.update(REDIS_URL=REDIS_URL, JOB_QUEUE=queue_name, JOBS_MODE="rq")
    job = enqueue(count_to, 3, label="rq")
    assert job.status == JobStatus.QUEUED  # nothing ran in this process
    env = {
        **os.environ,
        "FIELDKIT_DATABASE_URL": database_url,
        "FIELDKIT_REDIS_URL": REDIS_URL,
        "FIELDKIT_JOB_QUEUE": queue_name,
        "FIELDKIT_INSTANCE_PATH": str(tmp_path / "worker-instance"),
        "FIELDKIT_SECRET_KEY": app.config["SECRET_KEY"],
        "PYTHONPATH": str(ROOT),
    }
    result = subprocess.run(
        [sys.executable, "-m", "fieldkit.cli", "worker", "--burst"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    db.session.expire_all()
    job = db.session.get(Job, job.id)
    assert job.status == JobStatus.DONE, job.error
    assert job.result == {"counted": 3, "events": 1}
    assert job.message == "rq 3/3"


@pytest.mark.redis
@pytest.mark.skipif(not REDIS_URL, reason="FIELDKIT_TEST_REDIS_URL is not set")
def test_health_checks_redis_when_configured(client, app):
    app.config["REDIS_URL"] = REDIS_URL
    assert client.get("/healthz").get_json() == {
        "status": "ok",
        "checks": {"database": "ok", "redis": "ok"},
    }
