"""Access checks: who may see which project. Every project-scoped view goes through here."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

import sqlalchemy as sa
from flask import abort
from flask_login import current_user, login_required

from fieldkit.core.models import Membership, Project, Role, User
from fieldkit.extensions import db


def is_member(user: User, project: Project) -> bool:
    """Whether ``user`` may see ``project``: administrators see every project."""
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_admin:
        return True
    return (
        db.session.scalar(
            sa.select(Membership.id).where(
                Membership.user_id == user.id, Membership.project_id == project.id
            )
        )
        is not None
    )


def visible_projects(user: User) -> list[Project]:
    """The projects ``user`` may see, by name."""
    query = sa.select(Project).order_by(Project.name)
    if not user.is_admin:
        query = query.join(Membership).where(Membership.user_id == user.id)
    return list(db.session.scalars(query))


def project_or_abort(slug: str) -> Project:
    """The project ``slug`` for the current user: 404 when unknown, 403 when not a member."""
    project = db.session.scalar(sa.select(Project).where(Project.slug == slug))
    if project is None:
        abort(404)
    if not is_member(current_user, project):
        abort(403)
    return project


def roles_required(*roles: Role) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Decorator: the view needs a logged-in user with one of ``roles`` (admins always pass)."""

    def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        @login_required
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not (current_user.is_admin or current_user.role in roles):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def require_project_access(view: Callable[..., Any]) -> Callable[..., Any]:
    """Decorator for views under ``/p/<slug>/``: replaces ``slug`` by the checked ``project``."""

    @wraps(view)
    @login_required
    def wrapped(*args: Any, slug: str, **kwargs: Any) -> Any:
        return view(*args, project=project_or_abort(slug), **kwargs)

    return wrapped
