"""The audit log: one function that every feature calls to record who did what to which object."""

from __future__ import annotations

import logging
from typing import Any

import sqlalchemy as sa

from fieldkit.core.models import AuditEvent, Project, User
from fieldkit.extensions import db

logger = logging.getLogger(__name__)


def record(
    action: str,
    obj: Any = None,
    *,
    actor: User | None = None,
    project: Project | int | None = None,
    object_type: str | None = None,
    object_id: Any = None,
    **details: Any,
) -> AuditEvent:
    """Record ``action`` by ``actor`` on ``obj`` (a model instance) and add it to the session.

    ``project`` defaults to the object's own project when it has one. ``details`` must be plain
    JSON values and must not hold personal data beyond ids.
    """
    if obj is not None:
        object_type = object_type or type(obj).__tablename__
        if object_id is None:
            db.session.flush()
            object_id = getattr(obj, "id", None)
    if project is None and obj is not None:
        project = obj if isinstance(obj, Project) else getattr(obj, "project_id", None)
    project_id = project.id if isinstance(project, Project) else project
    event = AuditEvent(
        action=action,
        actor_id=actor.id if actor is not None and actor.is_authenticated else None,
        project_id=project_id,
        object_type=object_type or "system",
        object_id=None if object_id is None else str(object_id),
        details=details,
    )
    db.session.add(event)
    logger.info(
        "audit %s %s:%s by %s",
        action,
        event.object_type,
        event.object_id,
        event.actor_id or "system",
    )
    return event


def events_for(obj: Any = None, *, project: Project | None = None, limit: int = 200):
    """The newest audit events about ``obj`` or within ``project``."""
    query = sa.select(AuditEvent).order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).limit(limit)
    if obj is not None:
        query = query.where(
            AuditEvent.object_type == type(obj).__tablename__, AuditEvent.object_id == str(obj.id)
        )
    if project is not None:
        query = query.where(AuditEvent.project_id == project.id)
    return db.session.scalars(query).all()
