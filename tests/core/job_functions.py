"""Functions run as background jobs by the job tests (importable by a worker process)."""

import threading
import time

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


#: Opened by a test to let ``wait_at_gate`` go on (thread mode: the job runs in this process).
GATE = threading.Event()


def wait_at_gate(label: str = "port") -> dict:
    """Report 1 of 2, wait until the test opens ``GATE`` (at most a minute), then finish."""
    report_progress(1, 2, f"{label} 1/2")
    if not GATE.wait(60):
        raise TimeoutError("the test never opened the gate")
    report_progress(2, 2, f"{label} 2/2")
    return {"label": label}


def slow_count(n: int, seconds: float) -> dict:
    """Count to n, sleeping ``seconds`` after each step (a job slow enough to kill midway)."""
    for i in range(1, n + 1):
        report_progress(i, n, f"{i}/{n}")
        time.sleep(seconds)
    return {"counted": n}


def acts_for(survey_id: int, user_id: int | None = None) -> dict:
    """Return whom it acted for (a retry acts for the user who starts it again)."""
    return {"survey_id": survey_id, "user_id": user_id}


def lose_the_database() -> None:
    """Fail as a query does when PostgreSQL restarts under it."""
    raise sa.exc.OperationalError(
        "SELECT 1", {}, Exception("terminating connection due to administrator command")
    )


def add_user_twice(email: str) -> None:
    """Fail on the unique e-mail address, with the address in the statement's values."""
    from fieldkit.core.models import User

    for name in ("Kari Nordmann", "Kari Nordmann igjen"):
        db.session.add(User(email=email, name=name, password_hash="x"))
        db.session.flush()
