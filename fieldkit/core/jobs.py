"""Background jobs behind one interface: ``enqueue(func, *args)``.

Where a job runs is the ``JOBS_MODE`` setting:

- ``thread`` (the default without ``REDIS_URL``): in a background thread of the app process;
  ``enqueue`` returns at once and pages poll the job's progress.
- ``rq`` (the default with ``REDIS_URL``): on an RQ queue, run by a ``fieldkit worker``.
- ``inline``: at once, in the calling process, to the end (the tests; commands use
  ``run_inline()`` whatever the setting, so that they finish the work they start).

Either way the job is recorded in the ``jobs`` table (queued, running, done, failed with the
error) so pages can show progress, and the function itself can report progress with
``report_progress``.

Liveness. While a job runs, a heartbeat thread writes ``heartbeat_at`` every
``JOB_HEARTBEAT_SECONDS``, and the row names its ``runner`` (``thread host:pid``, ``rq <worker>
host:pid`` …). A running job whose heartbeat is older than ``JOB_ABANDONED_AFTER_SECONDS`` was
abandoned (its process died: a killed worker, a restarted app node) and is marked failed. A
queued job that can no longer start is marked failed too: on RQ when Redis no longer holds it
(Redis restarted empty), in the other modes when it is still queued after the same time (the
process that was to start it died first). This is checked wherever a job's status is read
(``load``, used by the progress pages and the status endpoint), by ``fieldkit jobs sweep`` and
when a worker starts. Every such change is one conditional UPDATE (still running, heartbeat
still old), so a live job is never given up by a reader with a stale copy of its row.

A job given up for dead that turns out to be alive finds out at its next heartbeat (which then
stops) and when it ends: its final write is conditional on its row still being running under
its own runner, so it never overwrites the failure the user has already seen (and perhaps
retried); the late result is only logged. What the function did stays done, which is why job
functions must be safe to run again (``retry``).

Job functions take plain JSON arguments (ids, not objects) and are named by import path, so
the same call works in every mode.
"""

from __future__ import annotations

import contextvars
import importlib
import inspect
import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from flask import current_app, has_app_context
from flask_babel import gettext

from fieldkit.config import ConfigError
from fieldkit.core.i18n import N_
from fieldkit.core.models import Job, JobStatus, utcnow
from fieldkit.core.operations import OperationError
from fieldkit.core.redaction import safe_traceback
from fieldkit.core.text import normalise, normalise_value
from fieldkit.extensions import db

logger = logging.getLogger(__name__)

MODES = ("thread", "inline", "rq")

#: What a user reads on a job given up because its process died while running it.
ABANDONED = N_("The job stopped unexpectedly (its worker process disappeared). Start it again.")
#: … and on a queued job that will never start.
DATABASE_LOST = N_(
    "The database could not be reached while the job ran (was it restarted?). Start it again."
)
#: How long the end of a job keeps trying to reach a database that went away (a restart),
#: so that the job's row says what happened instead of being given up as abandoned later.
END_PATIENCE_SECONDS = 60.0
LOST = N_(
    "The job never started (it was lost from the queue, or the process that was to run it "
    "stopped). Start it again."
)
#: RQ states in which a job of ours that is still recorded as queued will never run.
_RQ_DEAD_STATES = ("failed", "stopped", "canceled")

_current_job: contextvars.ContextVar[tuple[str, str] | None] = contextvars.ContextVar(
    "fieldkit_current_job", default=None
)
_forced_mode: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "fieldkit_jobs_mode", default=None
)

#: The job threads of this process, by job id (for ``wait``).
_threads: dict[str, threading.Thread] = {}
_threads_lock = threading.Lock()

_table = Job.__table__


def func_path(func: Callable[..., Any]) -> str:
    """The ``module:qualname`` import path of a module-level function."""
    if "<locals>" in func.__qualname__ or "<lambda>" in func.__qualname__:
        raise ValueError(f"{func.__qualname__} is not importable; jobs need module-level functions")
    return f"{func.__module__}:{func.__qualname__}"


def resolve(path: str) -> Callable[..., Any]:
    """The function named by a ``module:qualname`` path."""
    module_name, _, qualname = path.partition(":")
    target: Any = importlib.import_module(module_name)
    for part in qualname.split("."):
        target = getattr(target, part)
    return target


def redis_connection(url: str | None = None):
    """A Redis connection for ``url`` (default: the app's ``REDIS_URL``)."""
    from redis import Redis

    return Redis.from_url(url or current_app.config["REDIS_URL"])


def queue():
    """The RQ queue jobs go to."""
    from rq import Queue

    return Queue(current_app.config["JOB_QUEUE"], connection=redis_connection())


def mode() -> str:
    """Where jobs enqueued now run: "thread", "inline" or "rq" (see the module docstring)."""
    forced = _forced_mode.get()
    if forced is not None:
        return forced
    configured = current_app.config.get("JOBS_MODE")
    has_redis = bool(current_app.config.get("REDIS_URL"))
    if not configured:
        return "rq" if has_redis else "thread"
    if configured not in MODES:
        raise ConfigError(f"JOBS_MODE: expected one of {', '.join(MODES)}, got {configured!r}")
    if configured == "rq" and not has_redis:
        raise ConfigError("JOBS_MODE is rq but FIELDKIT_REDIS_URL is not set")
    return configured


@contextmanager
def run_inline() -> Iterator[None]:
    """Run the jobs enqueued inside the block in this process, to the end (for commands, which
    would otherwise exit before a job thread finished, or leave the work to a worker)."""
    token = _forced_mode.set("inline")
    try:
        yield
    finally:
        _forced_mode.reset(token)


def _here() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def enqueue(
    func: Callable[..., Any],
    *args: Any,
    created_by: Any = None,
    project: Any = None,
    **kwargs: Any,
) -> Job:
    """Record a job for ``func(*args, **kwargs)`` and start it as ``mode()`` says; commits.

    Returns the job: done or failed in inline mode, queued or running otherwise (failed at once
    when the queue cannot be reached).
    """
    how = mode()
    runner = f"rq queue {current_app.config['JOB_QUEUE']}" if how == "rq" else f"{how} {_here()}"
    job = Job(
        id=str(uuid.uuid4()),
        func=func_path(func),
        args=list(args),
        kwargs=kwargs,
        status=JobStatus.QUEUED,
        created_by_id=getattr(created_by, "id", None),
        project_id=getattr(project, "id", project),
        runner=runner,
    )
    db.session.add(job)
    db.session.commit()
    if how == "rq":
        try:
            queue().enqueue(execute, job.id, job_id=job.id, job_timeout=6 * 3600, result_ttl=3600)
        except Exception as exc:  # noqa: BLE001 - Redis is down: the job fails, visibly
            logger.exception("job %s could not be queued", job.id)
            _finish(job.id, JobStatus.QUEUED, None, error=f"{type(exc).__name__}: {exc}")
    elif how == "thread":
        _start_thread(job.id, runner)
    else:
        execute(job.id, runner=runner)
    db.session.refresh(job)
    return job


def _start_thread(job_id: str, runner: str) -> None:
    app = current_app._get_current_object()

    def run() -> None:
        # An app context of its own gives the thread its own database session.
        with app.app_context():
            try:
                execute(job_id, runner=runner)
            except Exception:  # noqa: BLE001 - a thread has nobody to raise to
                logger.exception("job %s could not be run", job_id)
            finally:
                with _threads_lock:
                    _threads.pop(job_id, None)

    # Not a daemon: a process stopping gracefully (gunicorn's restart) lets its jobs finish.
    thread = threading.Thread(target=run, name=f"fieldkit-job-{job_id}")
    with _threads_lock:
        _threads[job_id] = thread
    thread.start()


def wait(job_id: str, timeout: float | None = None) -> bool:
    """Wait until this process's thread running ``job_id`` ends; False if still running."""
    with _threads_lock:
        thread = _threads.get(job_id)
    if thread is not None:
        thread.join(timeout)
        return not thread.is_alive()
    return True


def execute(job_id: str, runner: str | None = None) -> Any:
    """Run the recorded job ``job_id``; the entry point in every mode (RQ calls it with the id
    only, and the runner is the worker).

    It runs in the app context of its caller: the request's or command's (inline), the job
    thread's own, or in a worker the one ``fieldkit worker`` opened before RQ forked the
    process that runs the job. A job that is no longer queued (given up as lost, or taken by
    another runner) is not run.
    """
    if not has_app_context():
        raise RuntimeError(f"job {job_id} needs an app context: run workers with `fieldkit worker`")
    runner = runner or _rq_runner()
    now = utcnow()
    started = db.session.execute(
        _table.update()
        .where(_table.c.id == job_id, _table.c.status == JobStatus.QUEUED.value)
        .values(
            status=JobStatus.RUNNING.value, started_at=now, heartbeat_at=now, runner=runner[:200]
        )
    )
    db.session.commit()
    try:
        job = db.session.get(Job, job_id, populate_existing=True)
    except sa.exc.DBAPIError as exc:  # it is ours now: it must not stay "running"
        _fail_reaching_the_database(job_id, runner, exc)
        return None
    if job is None:
        raise LookupError(f"no job {job_id}")
    if started.rowcount != 1:
        logger.warning("job %s is %s, not queued: not run again", job_id, job.status.value)
        return None
    runner = job.runner
    heartbeat = _Heartbeat(db.engine, job_id, runner)
    heartbeat.start()
    token = _current_job.set((job_id, runner))
    try:
        result = resolve(job.func)(*job.args, **job.kwargs)
    except Exception as exc:  # noqa: BLE001 - every failure is recorded on the job
        db.session.rollback()
        # Where it failed, not the message: a database error holds the row's values.
        logger.error("job %s (%s) failed\n%s", job_id, job.func, safe_traceback(exc))
        if _lost_the_database(exc):
            _fail_reaching_the_database(job_id, runner, exc)
            return None
        _finish_patiently(
            job_id,
            runner,
            error=_error_of(exc),
            message=safe_traceback(exc)[-4000:],
        )
        return None
    finally:
        _current_job.reset(token)
        heartbeat.stop()
    try:
        # Commits what the job left in the session with the row: both or neither.
        _finish(
            job_id, JobStatus.RUNNING, runner, result=result if _is_json(result) else repr(result)
        )
    except sa.exc.DBAPIError as exc:
        _fail_reaching_the_database(job_id, runner, exc)
        return None
    return result


def _error_of(exc: BaseException) -> str:
    """The failure shown to whoever started the job: the message, but for a database error
    (which holds the values of the row) only its kind."""
    if isinstance(exc, sa.exc.StatementError):
        return f"{type(exc).__name__} ({type(exc.orig).__name__})"
    if isinstance(exc, OperationError):
        return str(exc)  # an operation's refusal is written for the person who sees the job
    return f"{type(exc).__name__}: {exc}"


def _lost_the_database(exc: BaseException) -> bool:
    """Whether ``exc`` (or what caused it) is the database connection failing."""
    while exc is not None:
        if isinstance(exc, sa.exc.OperationalError) or (
            isinstance(exc, sa.exc.DBAPIError) and exc.connection_invalidated
        ):
            return True
        exc = exc.__cause__ or exc.__context__
    return False


def _fail_reaching_the_database(job_id: str, runner: str | None, exc: BaseException) -> None:
    """Record that the database went away under the job, once it answers again."""
    db.session.rollback()
    logger.warning("job %s lost the database: %s", job_id, exc)
    _finish_patiently(job_id, runner, error=gettext(DATABASE_LOST), message=str(exc)[-4000:])


def _finish_patiently(job_id: str, runner: str | None, **end: Any) -> bool:
    """``_finish`` a failed job, trying again for ``END_PATIENCE_SECONDS`` while the database
    does not answer (a restart takes seconds); after that the row is left to be given up."""
    deadline = time.monotonic() + END_PATIENCE_SECONDS
    pause = 0.5
    while True:
        try:
            return _finish(job_id, JobStatus.RUNNING, runner, **end)
        except sa.exc.DBAPIError as exc:
            db.session.rollback()
            if not _lost_the_database(exc) and end.get("message") is not None:
                # The database refuses what the end says (not a restart): waiting will not
                # help; record the failure without the details, so it never stays "running".
                logger.exception("job %s: its end was refused; recorded without details", job_id)
                end = {"error": str(end.get("error") or "")[:200], "message": None}
                continue
            if time.monotonic() + pause > deadline:
                logger.exception("job %s: its end could not be recorded", job_id)
                return False
            time.sleep(pause)
            pause = min(pause * 2, 5.0)


def _finish(
    job_id: str,
    expected: JobStatus,
    runner: str | None,
    *,
    error: str | None = None,
    message: str | None = None,
    result: Any = None,
) -> bool:
    """Record the end of a job that is still ``expected`` (and still ``runner``'s); commits
    whatever the job left in the session too. False when the job was given up meanwhile."""
    values: dict[str, Any] = {"finished_at": utcnow()}
    # An exception's text may quote what the job read (an answer with a NUL, which
    # PostgreSQL refuses): stored normalised, so the end is always recorded.
    error = normalise(error) if error is not None else None
    message = normalise(message) if message is not None else None
    if error is None:
        values.update(
            status=JobStatus.DONE.value,
            result=normalise_value(result),
            progress_done=sa.func.coalesce(_table.c.progress_total, _table.c.progress_done),
        )
    else:
        values.update(status=JobStatus.FAILED.value, error=error)
        if message is not None:
            values["message"] = message
    conditions = [_table.c.id == job_id, _table.c.status == expected.value]
    if runner is not None:
        conditions.append(_table.c.runner == runner)
    finished = db.session.execute(_table.update().where(*conditions).values(**values))
    db.session.commit()
    if finished.rowcount != 1:
        logger.warning("job %s ended after it was given up; its end is not recorded", job_id)
        return False
    return True


def _rq_runner() -> str:
    """The runner of a job ``execute`` was called for without one: an RQ worker's work horse
    (or, outside RQ, whatever process called it)."""
    from rq import get_current_job

    rq_job = get_current_job()
    if rq_job is None:
        return f"direct {_here()}"
    return f"rq {rq_job.worker_name or '?'} {_here()}"


class _Heartbeat:
    """A daemon thread writing the running job's ``heartbeat_at`` through its own connection."""

    def __init__(self, engine: sa.Engine, job_id: str, runner: str):
        self.engine = engine
        self.job_id = job_id
        self.runner = runner
        self.interval = float(current_app.config["JOB_HEARTBEAT_SECONDS"])
        self.stopped = threading.Event()
        self.thread = threading.Thread(
            target=self.run, name=f"fieldkit-heartbeat-{job_id}", daemon=True
        )

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.stopped.set()
        self.thread.join(timeout=5)

    def run(self) -> None:
        while not self.stopped.wait(self.interval):
            try:
                with self.engine.begin() as connection:
                    beat = connection.execute(
                        _table.update()
                        .where(
                            _table.c.id == self.job_id,
                            _table.c.status == JobStatus.RUNNING.value,
                            _table.c.runner == self.runner,
                        )
                        .values(heartbeat_at=utcnow())
                    )
            except Exception:  # noqa: BLE001 - a database restart: try again at the next beat
                logger.warning("heartbeat of job %s not written", self.job_id, exc_info=True)
                continue
            if beat.rowcount != 1:
                logger.warning("job %s was given up while it ran; heartbeat stopped", self.job_id)
                return


def current_job_id() -> str | None:
    """The id of the job running the calling code, or None outside a job."""
    current = _current_job.get()
    return current[0] if current is not None else None


def report_progress(done: int, total: int | None = None, message: str | None = None) -> None:
    """Record the running job's progress (a sign of life too); does nothing outside a job.

    Written through a separate connection so that progress shows while the job's own
    transaction is still open; not written once the job has been given up.
    """
    current = _current_job.get()
    if current is None:
        return
    job_id, runner = current
    values: dict[str, Any] = {"progress_done": done, "heartbeat_at": utcnow()}
    if total is not None:
        values["progress_total"] = total
    if message is not None:
        values["message"] = normalise(message)
    with db.engine.begin() as connection:
        connection.execute(
            _table.update()
            .where(
                _table.c.id == job_id,
                _table.c.status == JobStatus.RUNNING.value,
                _table.c.runner == runner,
            )
            .values(**values)
        )


def _is_json(value: Any) -> bool:
    return value is None or isinstance(value, str | int | float | bool | list | dict)


# --- Liveness: giving up abandoned and lost jobs ----------------------------------------------


def _cutoff():
    return utcnow() - timedelta(seconds=float(current_app.config["JOB_ABANDONED_AFTER_SECONDS"]))


def _give_up(conditions: list[Any], text: str) -> int:
    """Mark the jobs matching ``conditions`` failed with ``text``; how many.

    Through a connection of its own, so that a page reading a job never commits its own
    session's work on the way.
    """
    with db.engine.begin() as connection:
        given_up = connection.execute(
            _table.update()
            .where(*conditions)
            .values(status=JobStatus.FAILED.value, error=gettext(text), finished_at=utcnow())
        )
    return given_up.rowcount


def _abandoned(cutoff) -> list[Any]:
    """Running, and no sign of life since ``cutoff``."""
    last_seen = sa.func.coalesce(_table.c.heartbeat_at, _table.c.started_at, _table.c.created_at)
    return [_table.c.status == JobStatus.RUNNING.value, last_seen < cutoff]


def _stuck_in_queue(cutoff, *, on_rq: bool) -> list[Any]:
    """Queued since before ``cutoff``, on RQ or (``on_rq`` False) waiting for a process."""
    waiting_on_rq = sa.or_(_table.c.runner.is_(None), _table.c.runner.startswith("rq "))
    return [
        _table.c.status == JobStatus.QUEUED.value,
        _table.c.created_at < cutoff,
        waiting_on_rq if on_rq else sa.not_(waiting_on_rq),
    ]


def _lost_from_rq(job_ids: list[str]) -> list[str]:
    """Of ``job_ids`` (queued on RQ), those Redis no longer holds or that RQ will not run;
    none when Redis cannot be asked (it may only be restarting)."""
    if not job_ids or not current_app.config.get("REDIS_URL"):
        return []
    from rq.exceptions import NoSuchJobError
    from rq.job import Job as RQJob

    lost = []
    try:
        connection = redis_connection()
        for job_id in job_ids:
            try:
                status = RQJob.fetch(job_id, connection=connection).get_status(refresh=False)
            except NoSuchJobError:
                lost.append(job_id)
                continue
            if status is None or str(getattr(status, "value", status)) in _RQ_DEAD_STATES:
                lost.append(job_id)
    except Exception:  # noqa: BLE001 - Redis unreachable: decide nothing now
        logger.warning("could not ask Redis about queued jobs", exc_info=True)
        return []
    return lost


def give_up_if_dead(job: Job) -> bool:
    """Mark ``job`` failed if it was abandoned or lost (see the module docstring); True if so."""
    if job.status not in (JobStatus.RUNNING, JobStatus.QUEUED):
        return False
    cutoff = _cutoff()
    mine = _table.c.id == job.id
    if job.status == JobStatus.RUNNING:
        count = _give_up([mine, *_abandoned(cutoff)], ABANDONED)
    else:
        count = _give_up([mine, *_stuck_in_queue(cutoff, on_rq=False)], LOST)
        if not count and job.created_at < cutoff and _lost_from_rq([job.id]):
            count = _give_up([mine, *_stuck_in_queue(cutoff, on_rq=True)], LOST)
    if count:
        logger.warning("job %s (%s, %s) given up", job.id, job.func, job.runner)
        db.session.refresh(job)
    return bool(count)


def load(job_id: str | None) -> Job | None:
    """The job ``job_id`` as the database has it now, failed if its runner is gone."""
    job = db.session.get(Job, job_id, populate_existing=True) if job_id else None
    if job is not None:
        give_up_if_dead(job)
    return job


def sweep() -> int:
    """Mark every abandoned or lost job failed (``fieldkit jobs sweep``, and at worker start);
    returns how many."""
    cutoff = _cutoff()
    count = _give_up(_abandoned(cutoff), ABANDONED)
    count += _give_up(_stuck_in_queue(cutoff, on_rq=False), LOST)
    waiting_on_rq = _stuck_in_queue(cutoff, on_rq=True)
    queued = list(db.session.scalars(sa.select(_table.c.id).where(*waiting_on_rq)))
    lost = _lost_from_rq(queued)
    if lost:
        count += _give_up([_table.c.id.in_(lost), *waiting_on_rq], LOST)
    if count:
        logger.warning("%d abandoned or lost job(s) marked failed", count)
    return count


def retry(job: Job, actor: Any = None) -> Job:
    """Start a failed job again: a new job running the same function with the same arguments,
    started by ``actor`` (the caller checks that ``actor`` may start it, as for the first run).

    A job function's ``user_id`` parameter names the user it acts for (the audit log's actor);
    the new run acts for ``actor``.
    """
    if job.status != JobStatus.FAILED:
        raise OperationError(gettext("Only a failed job can be started again."))
    func = resolve(job.func)
    args, kwargs = list(job.args), dict(job.kwargs)
    actor_id = getattr(actor, "id", None)
    if actor_id is not None and "user_id" in inspect.signature(func).parameters:
        bound = inspect.signature(func).bind_partial(*args, **kwargs)
        bound.arguments["user_id"] = actor_id
        args, kwargs = list(bound.args), dict(bound.kwargs)
    new = enqueue(func, *args, created_by=actor, project=job.project_id, **kwargs)
    logger.info("job %s started again as %s", job.id, new.id)
    return new
