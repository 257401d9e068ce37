"""Functions run as background jobs by the job tests (importable by a worker process)."""

import sqlalchemy as sa

from fieldkit.core import audit
from fieldkit.core.jobs import report_progress
from fieldkit.core.models import AuditEvent
from fieldkit.extensions import db


def count_to(n: int, label: str = "telling") -> dict:
    """Report progress n times and leave an audit trace; returns what it did."""
    for i in range(1, n + 1):
        report_progress(i, n, f"{label} {i}/{n}")
    audit.record("test.counted", object_type="test", object_id=label, n=n)
    db.session.commit()
    return {"counted": n, "events": db.session.scalar(sa.select(sa.func.count(AuditEvent.id)))}


def explode(reason: str) -> None:
    """Fail after writing something, which must not be kept."""
    audit.record("test.half_done", object_type="test")
    db.session.flush()
    raise RuntimeError(reason)
