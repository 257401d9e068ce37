"""Background jobs behind one interface: ``enqueue(func, *args)``.

Without ``REDIS_URL`` a job runs inline, at once, in the calling process. With ``REDIS_URL`` it
is put on an RQ queue and a ``fieldkit worker`` runs it. Either way the job is recorded in the
``jobs`` table (queued, running, done, failed with the error) so pages can show progress, and
the function itself can report progress with ``report_progress``.

Job functions take plain JSON arguments (ids, not objects) and are named by import path, so
the same call works inline and in a worker process.
"""

from __future__ import annotations

import contextvars
import importlib
import logging
import traceback
import uuid
from collections.abc import Callable
from typing import Any

from flask import current_app, has_app_context

from fieldkit.core.models import Job, JobStatus, utcnow
from fieldkit.extensions import db

logger = logging.getLogger(__name__)

_current_job_id: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "fieldkit_current_job", default=None
)


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


def enqueue(
    func: Callable[..., Any],
    *args: Any,
    created_by: Any = None,
    project: Any = None,
    **kwargs: Any,
) -> Job:
    """Record a job for ``func(*args, **kwargs)`` and run it inline or hand it to RQ."""
    job = Job(
        id=str(uuid.uuid4()),
        func=func_path(func),
        args=list(args),
        kwargs=kwargs,
        status=JobStatus.QUEUED,
        created_by_id=getattr(created_by, "id", None),
        project_id=getattr(project, "id", project),
    )
    db.session.add(job)
    db.session.commit()
    if current_app.config.get("REDIS_URL"):
        queue().enqueue(execute, job.id, job_id=job.id, job_timeout=6 * 3600, result_ttl=3600)
    else:
        execute(job.id)
        db.session.refresh(job)
    return job


def execute(job_id: str) -> Any:
    """Run the recorded job ``job_id``; the entry point both inline and in RQ workers.

    It runs in the app context of its caller: the request's, or in a worker the one
    ``fieldkit worker`` opened before RQ forked the process that runs the job.
    """
    if not has_app_context():
        raise RuntimeError(f"job {job_id} needs an app context: run workers with `fieldkit worker`")
    job = db.session.get(Job, job_id)
    if job is None:
        raise LookupError(f"no job {job_id}")
    job.status = JobStatus.RUNNING
    job.started_at = utcnow()
    db.session.commit()
    token = _current_job_id.set(job_id)
    try:
        result = resolve(job.func)(*job.args, **job.kwargs)
    except Exception as exc:  # noqa: BLE001 - every failure is recorded on the job
        db.session.rollback()
        job = db.session.get(Job, job_id)
        job.status = JobStatus.FAILED
        job.error = f"{type(exc).__name__}: {exc}"
        job.message = traceback.format_exc(limit=20)[-4000:]
        job.finished_at = utcnow()
        db.session.commit()
        logger.exception("job %s (%s) failed", job_id, job.func)
        return None
    finally:
        _current_job_id.reset(token)
    job = db.session.get(Job, job_id)
    job.status = JobStatus.DONE
    job.result = result if _is_json(result) else repr(result)
    job.finished_at = utcnow()
    if job.progress_total is not None:
        job.progress_done = job.progress_total
    db.session.commit()
    return result


def report_progress(done: int, total: int | None = None, message: str | None = None) -> None:
    """Record the running job's progress; does nothing outside a job.

    Written through a separate connection so that progress shows while the job's own
    transaction is still open.
    """
    job_id = _current_job_id.get()
    if job_id is None:
        return
    values: dict[str, Any] = {"progress_done": done}
    if total is not None:
        values["progress_total"] = total
    if message is not None:
        values["message"] = message
    with db.engine.begin() as connection:
        connection.execute(Job.__table__.update().where(Job.id == job_id).values(**values))


def _is_json(value: Any) -> bool:
    return value is None or isinstance(value, str | int | float | bool | list | dict)


def run_worker(burst: bool = False) -> None:
    """Run an RQ worker on the app's queue (the ``fieldkit worker`` command)."""
    from rq import Worker

    if not current_app.config.get("REDIS_URL"):
        raise RuntimeError("FIELDKIT_REDIS_URL is not set: jobs run inline, no worker is needed")
    # The worker forks a child per job; the child must not reuse the parent's connections.
    db.engine.dispose()
    worker = Worker([queue()], connection=redis_connection())
    worker.work(burst=burst, with_scheduler=False)
