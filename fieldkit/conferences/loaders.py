"""What a conference page loads beyond the objects in its address (those go through
``core.loaders.owned_or_404``): the background job named in ``?job=``, shown while it runs."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from fieldkit.core.jobs import func_path
from fieldkit.core.models import Job, Project
from fieldkit.extensions import db


def project_job(
    project: Project, job_id: str | None, funcs: Iterable[Callable[..., Any]] | None = None
) -> Job | None:
    """The job ``job_id`` of ``project`` (running one of ``funcs``, when given), or None."""
    job = db.session.get(Job, job_id) if job_id else None
    if job is None or job.project_id != project.id:
        return None
    if funcs is not None and job.func not in {func_path(f) for f in funcs}:
        return None
    return job
