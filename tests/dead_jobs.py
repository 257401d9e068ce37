"""Make a job look as a process that died while running it leaves it (for retry tests)."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from fieldkit.core.models import Job, JobStatus, utcnow
from fieldkit.extensions import db


def die(job_id: str, seconds_ago: float = 120) -> None:
    """Turn the job into one still recorded as running, whose heartbeat stopped
    ``seconds_ago`` and whose runner is a process that no longer exists."""
    then = utcnow() - timedelta(seconds=seconds_ago)
    db.session.execute(
        sa.update(Job)
        .where(Job.id == job_id)
        .values(
            status=JobStatus.RUNNING,
            heartbeat_at=then,
            runner="thread gone.example:999999",
            finished_at=None,
            result=None,
            error=None,
        )
    )
    db.session.commit()
