"""Background jobs that never hang: thread mode, heartbeats, abandoned and lost jobs, retry.

The rest of the suite runs jobs inline (tests/conftest.py); these tests switch to the thread
mode where they need it, and simulate a dead process by a row whose heartbeat stopped.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from datetime import timedelta

import pytest
import sqlalchemy as sa

from fieldkit.config import ConfigError
from fieldkit.core import jobs
from fieldkit.core.jobs import enqueue
from fieldkit.core.models import Job, JobStatus, utcnow
from fieldkit.core.operations import OperationError
from fieldkit.extensions import db
from tests.core import job_functions
from tests.core.job_functions import acts_for, count_to, explode, slow_count, wait_at_gate
from tests.paths import ROOT

REDIS_URL = os.environ.get("FIELDKIT_TEST_REDIS_URL")
ABANDONED_NB = "Jobben stoppet uventet (prosessen som kjørte den, forsvant). Start den på nytt."
LOST_NB = (
    "Jobben kom aldri i gang (den forsvant fra køen, eller prosessen som skulle kjøre den, "
    "stoppet). Start den på nytt."
)
HERE = f"{socket.gethostname()}:{os.getpid()}"


def fresh(job_id: str) -> Job:
    """The job's row as the database has it now (no liveness check)."""
    return db.session.get(Job, job_id, populate_existing=True)


def until(condition, what: str, seconds: float = 30):
    """Poll ``condition`` until it returns something true; fail after ``seconds``."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.02)
    pytest.fail(f"waited {seconds} s for {what}")


def age(job_id: str, **columns_seconds_ago: float) -> None:
    """Move the job's timestamps into the past (a heartbeat that stopped long ago)."""
    now = utcnow()
    values = {name: now - timedelta(seconds=s) for name, s in columns_seconds_ago.items()}
    db.session.execute(sa.update(Job).where(Job.id == job_id).values(**values))
    db.session.commit()


def dead_job(status=JobStatus.RUNNING, runner="thread elsewhere:999999", **ages) -> Job:
    """A job row as a process that died left it (no process runs it)."""
    now = utcnow()
    job = Job(
        id=str(uuid.uuid4()),
        func="tests.core.job_functions:count_to",
        args=[3],
        kwargs={},
        status=status,
        progress_done=2,
        progress_total=3,
        message="telling 2/3",
        runner=runner,
        created_at=now - timedelta(seconds=ages.get("created", 0)),
        started_at=now - timedelta(seconds=ages.get("started", 0))
        if status == JobStatus.RUNNING
        else None,
        heartbeat_at=now - timedelta(seconds=ages["heartbeat"]) if "heartbeat" in ages else None,
    )
    db.session.add(job)
    db.session.commit()
    return job


@pytest.fixture
def thread_mode(app):
    """Jobs run in threads of this process, as on the embedded default."""
    app.config["JOBS_MODE"] = "thread"
    job_functions.GATE.clear()
    yield app
    job_functions.GATE.set()
    for job_id in list(jobs._threads):
        assert jobs.wait(job_id, timeout=60)


# --- Modes -------------------------------------------------------------------------------------


def test_the_mode_follows_redis_unless_set(app):
    app.config.update(JOBS_MODE=None, REDIS_URL=None)
    assert jobs.mode() == "thread"
    app.config["REDIS_URL"] = "redis://127.0.0.1:1/0"
    assert jobs.mode() == "rq"
    app.config["JOBS_MODE"] = "thread"
    assert jobs.mode() == "thread"
    with jobs.run_inline():
        assert jobs.mode() == "inline"
    app.config["JOBS_MODE"] = "fast"
    with pytest.raises(ConfigError, match="JOBS_MODE"):
        jobs.mode()
    app.config.update(JOBS_MODE="rq", REDIS_URL=None)
    with pytest.raises(ConfigError, match="FIELDKIT_REDIS_URL"):
        jobs.mode()


def test_the_job_settings_come_from_the_environment(monkeypatch):
    from fieldkit.config import from_environment

    assert from_environment(
        {
            "FIELDKIT_JOBS_MODE": "inline",
            "FIELDKIT_JOB_HEARTBEAT_SECONDS": "2.5",
            "FIELDKIT_JOB_ABANDONED_AFTER_SECONDS": "30",
        }
    ) == {"JOBS_MODE": "inline", "JOB_HEARTBEAT_SECONDS": 2.5, "JOB_ABANDONED_AFTER_SECONDS": 30.0}


def test_an_inline_job_names_its_runner_and_beats_once(app):
    job = enqueue(count_to, 2)
    assert job.status == JobStatus.DONE
    assert job.runner == f"inline {HERE}"
    assert job.started_at <= job.heartbeat_at <= job.finished_at


# --- Thread mode --------------------------------------------------------------------------------


def test_in_thread_mode_enqueue_returns_at_once_and_the_page_follows_the_progress(
    thread_mode, client, make_user, login
):
    user = make_user()
    login(user)
    job = enqueue(wait_at_gate, "eksport", created_by=user)
    assert job.status in (JobStatus.QUEUED, JobStatus.RUNNING)  # enqueue did not wait

    def status():
        data = client.get(f"/jobs/{job.id}").get_json()
        return data if data["done"] == 1 else None

    running = until(status, "the first progress report")
    assert (running["status"], running["total"], running["percent"]) == ("running", 2, 50)
    assert running["message"] == "eksport 1/2" and running["finished"] is False
    assert fresh(job.id).runner == f"thread {HERE}"
    job_functions.GATE.set()
    assert jobs.wait(job.id, timeout=30)
    done = client.get(f"/jobs/{job.id}").get_json()
    assert (done["status"], done["done"], done["percent"], done["finished"]) == (
        "done",
        2,
        100,
        True,
    )
    assert fresh(job.id).result == {"label": "eksport"}


def test_in_thread_mode_a_failure_is_recorded(thread_mode):
    job = enqueue(explode, "PDF-motoren krasjet")
    assert jobs.wait(job.id, timeout=30)
    job = fresh(job.id)
    assert job.status == JobStatus.FAILED
    assert job.error == "RuntimeError: PDF-motoren krasjet"
    assert "Traceback" in job.message


def test_a_running_job_beats_while_it_waits(thread_mode):
    thread_mode.config["JOB_HEARTBEAT_SECONDS"] = 0.05
    job = enqueue(wait_at_gate)
    until(lambda: fresh(job.id).progress_done == 1, "the job to run")
    first = fresh(job.id).heartbeat_at
    until(lambda: fresh(job.id).heartbeat_at > first, "a second heartbeat")
    job_functions.GATE.set()
    assert jobs.wait(job.id, timeout=30)
    assert fresh(job.id).status == JobStatus.DONE


# --- Abandoned and lost jobs ---------------------------------------------------------------------


def test_a_running_job_whose_process_died_is_failed_where_its_status_is_read(
    client, make_user, login
):
    user = make_user()
    login(user)
    job = dead_job(started=300, heartbeat=120)  # runner pid 999999 is no process here
    job.created_by_id = user.id
    db.session.commit()
    data = client.get(f"/jobs/{job.id}").get_json()
    assert (data["status"], data["finished"], data["error"]) == ("failed", True, ABANDONED_NB)
    job = fresh(job.id)
    assert job.status == JobStatus.FAILED and job.finished_at is not None
    assert (job.progress_done, job.progress_total) == (2, 3)  # how far it got


def test_a_job_with_a_recent_heartbeat_is_left_running(app):
    job = dead_job(started=300, heartbeat=5)
    assert jobs.load(job.id).status == JobStatus.RUNNING
    assert jobs.sweep() == 0


def test_giving_up_is_conditional_on_the_heartbeat_still_being_old(app):
    """A reader holding an old copy of the row does not give up a job that has since beaten."""
    job = dead_job(started=300, heartbeat=120)
    copy = db.session.get(Job, job.id)
    with db.engine.begin() as connection:  # the job's heartbeat, from its own process
        connection.execute(
            sa.update(Job.__table__).where(Job.id == job.id).values(heartbeat_at=utcnow())
        )
    assert copy.heartbeat_at < utcnow() - timedelta(seconds=60)  # the reader's view is stale
    assert jobs.give_up_if_dead(copy) is False
    assert fresh(job.id).status == JobStatus.RUNNING


def test_a_job_from_before_heartbeats_counts_from_its_start(app):
    old = dead_job(started=600)  # no heartbeat column value: a row from before m003
    young = dead_job(started=10)
    assert jobs.sweep() == 1
    assert fresh(old.id).status == JobStatus.FAILED
    assert fresh(young.id).status == JobStatus.RUNNING


def test_a_queued_job_whose_process_stopped_before_starting_it_is_lost(app):
    stuck = dead_job(status=JobStatus.QUEUED, created=120)
    waiting = dead_job(status=JobStatus.QUEUED, created=5)
    assert jobs.load(stuck.id).error == LOST_NB
    assert jobs.load(waiting.id).status == JobStatus.QUEUED


def test_the_sweep_command_marks_abandoned_and_lost_jobs(app, runner):
    dead_job(started=300, heartbeat=90)
    dead_job(status=JobStatus.QUEUED, created=90)
    alive = dead_job(started=300, heartbeat=1)
    result = runner.invoke(args=["jobs", "sweep"])
    assert result.exit_code == 0, result.output
    assert result.output == "2 abandoned or lost job(s) marked failed\n"
    assert fresh(alive.id).status == JobStatus.RUNNING
    assert runner.invoke(args=["jobs", "sweep"]).output.startswith("0 ")


def test_the_abandoned_time_is_configurable(app):
    job = dead_job(started=30, heartbeat=20)
    assert jobs.load(job.id).status == JobStatus.RUNNING
    app.config["JOB_ABANDONED_AFTER_SECONDS"] = 15
    assert jobs.load(job.id).status == JobStatus.FAILED


def test_a_job_given_up_that_finishes_after_all_does_not_overwrite_the_failure(thread_mode):
    thread_mode.config["JOB_HEARTBEAT_SECONDS"] = 3600  # it will not beat again by itself
    job = enqueue(wait_at_gate, "sen")
    until(lambda: fresh(job.id).progress_done == 1, "the job to run")
    age(job.id, heartbeat_at=120)
    assert jobs.sweep() == 1
    job_functions.GATE.set()  # it was alive after all, and finishes
    assert jobs.wait(job.id, timeout=30)
    job = fresh(job.id)
    assert (job.status, job.error, job.result) == (JobStatus.FAILED, ABANDONED_NB, None)
    assert job.progress_done == 1  # nor did its last progress report count


def test_a_job_that_is_no_longer_queued_is_not_run(app):
    job = dead_job(status=JobStatus.QUEUED, created=120)
    jobs.sweep()
    assert jobs.execute(job.id) is None  # e.g. an RQ worker taking it from Redis late
    assert fresh(job.id).status == JobStatus.FAILED and fresh(job.id).progress_done == 2


# --- Retry --------------------------------------------------------------------------------------


def test_retry_starts_the_same_work_again_for_the_user_who_retries(app, make_user, make_project):
    first, second = make_user(), make_user()
    project = make_project(members=[first, second])
    failed = dead_job(started=300, heartbeat=300)
    failed.func, failed.args, failed.kwargs = "tests.core.job_functions:acts_for", [7, first.id], {}
    failed.project_id, failed.created_by_id = project.id, first.id
    db.session.commit()
    jobs.sweep()
    again = jobs.retry(fresh(failed.id), second)
    assert again.id != failed.id and again.status == JobStatus.DONE
    assert (again.func, again.args) == (failed.func, [7, second.id])
    assert (again.project_id, again.created_by_id) == (project.id, second.id)
    assert again.result == {"survey_id": 7, "user_id": second.id}
    with pytest.raises(OperationError, match="Bare en jobb som har feilet"):
        jobs.retry(again, second)


def test_retry_keeps_keyword_arguments(app, make_user):
    user = make_user()
    job = enqueue(acts_for, 3, user_id=None)
    job.status = JobStatus.FAILED
    db.session.commit()
    assert jobs.retry(job, user).result == {"survey_id": 3, "user_id": user.id}
    job = enqueue(explode, "igjen")
    assert jobs.retry(job, user).kwargs == {} and jobs.retry(job, user).args == ["igjen"]


# --- RQ ------------------------------------------------------------------------------------------


def test_when_redis_is_unreachable_a_job_fails_at_once_and_queued_ones_stay(app):
    app.config.update(REDIS_URL="redis://127.0.0.1:1/0", JOBS_MODE="rq")
    job = enqueue(count_to, 2)
    assert job.status == JobStatus.FAILED and "ConnectionError" in job.error
    waiting = dead_job(status=JobStatus.QUEUED, runner="rq queue fieldkit", created=600)
    assert jobs.load(waiting.id).status == JobStatus.QUEUED  # Redis may only be restarting
    assert jobs.sweep() == 0


@pytest.mark.redis
@pytest.mark.skipif(not REDIS_URL, reason="FIELDKIT_TEST_REDIS_URL is not set")
def test_a_queued_job_that_redis_lost_is_failed(app):
    from rq.job import Job as RQJob

    app.config.update(REDIS_URL=REDIS_URL, JOB_QUEUE=f"fieldkit-test-{uuid.uuid4().hex[:8]}")
    app.config["JOBS_MODE"] = "rq"
    kept = enqueue(count_to, 1)
    lost = enqueue(count_to, 2)
    assert (kept.runner, lost.status) == (f"rq queue {app.config['JOB_QUEUE']}", JobStatus.QUEUED)
    RQJob.fetch(lost.id, connection=jobs.redis_connection()).delete()  # as a Redis restart would
    assert jobs.load(lost.id).status == JobStatus.QUEUED  # just queued: not judged yet
    age(lost.id, created_at=120)
    age(kept.id, created_at=120)
    assert jobs.sweep() == 1
    assert fresh(lost.id).error == LOST_NB
    assert fresh(kept.id).status == JobStatus.QUEUED  # still in Redis, waiting for a worker
    jobs.queue().empty()


def _worker(app, database_url, tmp_path, *extra):
    env = {
        **os.environ,
        "FIELDKIT_DATABASE_URL": database_url,
        "FIELDKIT_REDIS_URL": REDIS_URL,
        "FIELDKIT_JOB_QUEUE": app.config["JOB_QUEUE"],
        "FIELDKIT_INSTANCE_PATH": str(tmp_path / "worker-instance"),
        "FIELDKIT_SECRET_KEY": app.config["SECRET_KEY"],
        "FIELDKIT_JOB_HEARTBEAT_SECONDS": "0.2",
        "FIELDKIT_JOB_ABANDONED_AFTER_SECONDS": "2",
        "PYTHONPATH": str(ROOT),
    }
    log = open(tmp_path / "worker.log", "w")  # noqa: SIM115 - the worker writes it
    return subprocess.Popen(
        [sys.executable, "-m", "fieldkit.cli", "worker", *extra],
        env=env,
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # a process group of its own, to kill
    )


@pytest.mark.redis
@pytest.mark.skipif(not REDIS_URL, reason="FIELDKIT_TEST_REDIS_URL is not set")
def test_a_killed_worker_leaves_a_failed_job_that_a_new_worker_runs_again(
    app, database_url, tmp_path, make_user
):
    app.config.update(
        REDIS_URL=REDIS_URL,
        JOBS_MODE="rq",
        JOB_QUEUE=f"fieldkit-test-{uuid.uuid4().hex[:8]}",
        JOB_ABANDONED_AFTER_SECONDS=2,
    )
    user = make_user()
    job = enqueue(slow_count, 20, 0.1, created_by=user)
    worker = _worker(app, database_url, tmp_path)
    try:
        until(lambda: fresh(job.id).progress_done >= 3, "the worker to run the job", 60)
        # (tmp_path / "worker.log" says why, if it never does)
        running = fresh(job.id)
        assert running.status == JobStatus.RUNNING and running.runner.startswith("rq ")
        # kill -9 the worker and the work horse it forked for the job (RQ gives the horse a
        # session of its own; the job's runner names its pid).
        horse = int(running.runner.rpartition(":")[2])
        assert horse != worker.pid
        os.killpg(worker.pid, signal.SIGKILL)
        os.kill(horse, signal.SIGKILL)
        worker.wait(timeout=10)
    finally:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait(timeout=10)
    stopped_at = fresh(job.id).progress_done
    assert stopped_at < 20
    failed = until(
        lambda: (j := jobs.load(job.id)).status == JobStatus.FAILED and j,
        "the job to be given up",
    )
    assert failed.error == ABANDONED_NB
    assert failed.progress_done == stopped_at  # the row stays as far as it got
    again = jobs.retry(failed, user)
    assert again.status == JobStatus.QUEUED
    result = subprocess.run(
        [sys.executable, "-m", "fieldkit.cli", "worker", "--burst"],
        env={
            **os.environ,
            "FIELDKIT_DATABASE_URL": database_url,
            "FIELDKIT_REDIS_URL": REDIS_URL,
            "FIELDKIT_JOB_QUEUE": app.config["JOB_QUEUE"],
            "FIELDKIT_INSTANCE_PATH": str(tmp_path / "worker-instance"),
            "FIELDKIT_SECRET_KEY": app.config["SECRET_KEY"],
            "PYTHONPATH": str(ROOT),
        },
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stderr
    again = fresh(again.id)
    assert (again.status, again.result, again.progress_done) == (
        JobStatus.DONE,
        {"counted": 20},
        20,
    )
    assert fresh(job.id).status == JobStatus.FAILED  # the first run stays failed


DATABASE_LOST_NB = (
    "Databasen svarte ikke mens jobben kjørte (ble den startet på nytt?). Start den på nytt."
)


def test_a_job_the_database_went_away_under_says_so_not_that_its_process_died(app):
    """A PostgreSQL restart under a running job: the row says what happened, at once."""
    job = enqueue(job_functions.lose_the_database)
    job = fresh(job.id)
    assert job.status == JobStatus.FAILED
    assert job.error == DATABASE_LOST_NB
    assert "terminating connection" in job.message


def test_the_end_of_a_job_waits_for_the_database_to_come_back(app, monkeypatch):
    """While the database restarts, recording the end fails; it is tried again, not lost (a
    row left "running" would only be given up as abandoned a minute later)."""
    monkeypatch.setattr(jobs.time, "sleep", lambda seconds: None)
    real_finish = jobs._finish
    refusals = []

    def finish_when_back(*args, **kwargs):
        if len(refusals) < 3:
            refusals.append(kwargs.get("error"))
            raise sa.exc.OperationalError("UPDATE jobs", {}, Exception("connection refused"))
        return real_finish(*args, **kwargs)

    monkeypatch.setattr(jobs, "_finish", finish_when_back)
    job = enqueue(count_to, 2)
    job = fresh(job.id)
    # The first refusal was the job's own end (its work and its row commit together): that
    # work is not there, so the job failed; the failure was recorded on the third try.
    assert refusals == [None, DATABASE_LOST_NB, DATABASE_LOST_NB]
    assert (job.status, job.error) == (JobStatus.FAILED, DATABASE_LOST_NB)
