"""The audit log: one function that every feature calls to record who did what to which object."""

from __future__ import annotations

import logging
from dataclasses import dataclass
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


@dataclass
class EventPage:
    """One page of the audit log, newest first."""

    events: list[AuditEvent]
    total: int
    page: int
    pages: int


def find_events(
    *,
    project_id: int | None = None,
    actor_id: int | None = None,
    action: str = "",
    page: int = 1,
    per_page: int = 50,
) -> EventPage:
    """The audit events of a project, by an actor (0: the system itself) and of an action,
    newest first, one page of them."""
    query = sa.select(AuditEvent)
    if project_id is not None:
        query = query.where(AuditEvent.project_id == project_id)
    if actor_id == 0:
        query = query.where(AuditEvent.actor_id.is_(None))
    elif actor_id is not None:
        query = query.where(AuditEvent.actor_id == actor_id)
    if action:
        query = query.where(AuditEvent.action == action)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery()))
    pages = max(1, -(-total // per_page))
    page = min(max(1, page), pages)
    query = query.order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
    events = list(db.session.scalars(query.offset((page - 1) * per_page).limit(per_page)))
    return EventPage(events, total, page, pages)


def filter_choices() -> dict[str, list[tuple[Any, str]]]:
    """What the audit log can be filtered by: projects, actors and actions that occur."""
    projects = db.session.execute(sa.select(Project.id, Project.name).order_by(Project.name)).all()
    actors = db.session.execute(
        sa.select(User.id, User.name, User.email)
        .where(User.id.in_(sa.select(AuditEvent.actor_id).distinct()))
        .order_by(User.name)
    ).all()
    actions = db.session.scalars(
        sa.select(AuditEvent.action).distinct().order_by(AuditEvent.action)
    ).all()
    return {
        "projects": [(p.id, p.name) for p in projects],
        "actors": [(a.id, f"{a.name} ({a.email})") for a in actors],
        "actions": [(a, a) for a in actions],
    }
