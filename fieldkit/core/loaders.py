"""The object named in a page's address, loaded only if it belongs to the object above it.

Every id in an address is checked against its owner, so that a member of one project cannot reach
another project's questionnaire, survey, case or conference by changing a number:
``owned_or_404(Survey, sid, project)``, ``owned_or_404(Case, cid, survey, by="survey_id")``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from flask import abort, flash
from flask_login import current_user

from fieldkit.core import jobs
from fieldkit.core.models import Job, Project
from fieldkit.core.operations import OperationError
from fieldkit.extensions import db

Model = TypeVar("Model")


def owned_or_404(
    model: type[Model], object_id: Any, owner: Any, *, by: str = "project_id"
) -> Model:
    """The ``model`` row ``object_id`` if its column ``by`` holds ``owner``'s id; else 404."""
    record = db.session.get(model, object_id)
    if record is None or getattr(record, by) != owner.id:
        abort(404)
    return record


def acting_user():
    """The logged-in user as a model instance, for operations and the audit log."""
    return current_user._get_current_object()


def project_job(
    project: Project, job_id: str | None, funcs: Iterable[Callable[..., Any]] | None = None
) -> Job | None:
    """The background job ``job_id`` of ``project`` (running one of ``funcs``, when given), or
    None: a page shows a job's progress or its file only to the job's own project.

    The job is read afresh and, if its runner is gone, marked failed (``jobs.load``)."""
    job = jobs.load(job_id)
    if job is None or job.project_id != project.id:
        return None
    if funcs is not None and job.func not in {jobs.func_path(f) for f in funcs}:
        return None
    return job


def object_job_or_404(
    project: Project, job_id: str, funcs: Iterable[Callable[..., Any]], object_id: int
) -> Job:
    """The project's job ``job_id`` running one of ``funcs`` for the object ``object_id`` (the
    job's first argument: the survey, conference, document or project it works on), or 404."""
    job = project_job(project, job_id, funcs)
    if job is None or not job.args or job.args[0] != object_id:
        abort(404)
    return job


def retry_job(job: Job) -> Job:
    """Start the failed ``job`` again for the logged-in user: the new job, or ``job`` itself
    with the reason flashed when it cannot be (the caller checked the user may start it)."""
    try:
        return jobs.retry(job, acting_user())
    except OperationError as exc:
        flash(str(exc), "error")
        return job
