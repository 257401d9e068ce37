"""The operations of accounts and projects, called by views, CLI commands and the demo alike."""

from __future__ import annotations

import functools
import re

import sqlalchemy as sa
from flask_babel import gettext as _

from fieldkit.core import audit
from fieldkit.core.models import Membership, Project, Role, User
from fieldkit.core.passwords import (
    MIN_LENGTH,
    hash_password,
    is_common,
    is_personal,
    needs_rehash,
    verify_password,
)
from fieldkit.extensions import db

SLUG_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}[a-z0-9]$|^[a-z0-9]$")


class OperationError(ValueError):
    """An operation refused its input; the message says why, for the person who gave it."""


def normalise_email(email: str) -> str:
    return email.strip().lower()


def user_by_email(email: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.email == normalise_email(email)))


def create_user(
    email: str, name: str, password: str, role: Role | str = Role.RESEARCHER, *, actor=None
) -> User:
    """Create a user; refuses a taken e-mail address or a password too easy to guess."""
    email = normalise_email(email)
    if "@" not in email:
        raise OperationError(_("%(email)s is not an e-mail address.", email=email))
    if user_by_email(email) is not None:
        raise OperationError(
            _("A user with the e-mail address %(email)s exists already.", email=email)
        )
    if not name.strip():
        raise OperationError(_("The name is empty."))
    check_new_password(password, email=email, name=name)
    user = User(
        email=email, name=name.strip(), password_hash=hash_password(password), role=Role(role)
    )
    db.session.add(user)
    db.session.flush()
    audit.record("user.created", user, actor=actor, role=user.role.value)
    return user


def check_new_password(password: str, *, email: str, name: str) -> None:
    """Refuse a password that is short, common, or the user's e-mail address or name."""
    if len(password) < MIN_LENGTH:
        raise OperationError(
            _("The password must have at least %(count)d characters.", count=MIN_LENGTH)
        )
    if is_common(password):
        raise OperationError(
            _(
                "This password is among the most common passwords and is easy to guess. "
                "Choose another, e.g. three or four words that do not belong together."
            )
        )
    if is_personal(password, email, name):
        raise OperationError(_("The password must not be your e-mail address or your name."))


def set_password(user: User, password: str, *, actor=None) -> None:
    """Give ``user`` a new password; every login session of the user ends."""
    check_new_password(password, email=user.email, name=user.name)
    user.password_hash = hash_password(password)
    user.end_sessions()
    audit.record("user.password_changed", user, actor=actor)


def authenticate(email: str, password: str) -> User | None:
    """The active user with these credentials, or None. Upgrades an outdated hash."""
    user = user_by_email(email)
    if user is None:
        # Spend the same time as a real check so that timing does not reveal known addresses.
        verify_password(_dummy_hash(), password)
        return None
    if not user.active or not verify_password(user.password_hash, password):
        return None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user


def create_project(slug: str, name: str, description: str = "", *, actor=None) -> Project:
    """Create a project; the creator (when a user) becomes its first member."""
    slug = slug.strip().lower()
    if not SLUG_PATTERN.match(slug):
        raise OperationError(
            _(
                "%(slug)s is not a valid short name: use a-z, 0-9 and hyphens (at most 64).",
                slug=slug,
            )
        )
    if db.session.scalar(sa.select(Project.id).where(Project.slug == slug)) is not None:
        raise OperationError(_("A project with the short name %(slug)s exists already.", slug=slug))
    project = Project(slug=slug, name=name.strip(), description=description.strip())
    db.session.add(project)
    db.session.flush()
    audit.record("project.created", project, actor=actor)
    if actor is not None:
        add_member(project, actor, actor=actor)
    return project


def add_member(project: Project, user: User, *, actor=None) -> Membership:
    """Make ``user`` a member of ``project`` (no change when already one)."""
    membership = db.session.scalar(
        sa.select(Membership).where(
            Membership.project_id == project.id, Membership.user_id == user.id
        )
    )
    if membership is None:
        membership = Membership(project=project, user=user)
        db.session.add(membership)
        db.session.flush()
        audit.record("project.member_added", project, actor=actor, user_id=user.id)
    return membership


def remove_member(project: Project, user: User, *, actor=None) -> None:
    """End ``user``'s membership of ``project``; a project keeps at least one researcher."""
    membership = db.session.scalar(
        sa.select(Membership).where(
            Membership.project_id == project.id, Membership.user_id == user.id
        )
    )
    if membership is None:
        raise OperationError(_("%(name)s is not a member of the project.", name=user.name))
    if user.role == Role.RESEARCHER:
        researchers = db.session.scalar(
            sa.select(sa.func.count(Membership.id))
            .join(User, User.id == Membership.user_id)
            .where(Membership.project_id == project.id, User.role == Role.RESEARCHER)
        )
        if researchers <= 1:
            raise OperationError(
                _(
                    "%(name)s is the project's last researcher and cannot be removed. Add "
                    "another researcher first.",
                    name=user.name,
                )
            )
    db.session.delete(membership)
    db.session.flush()
    audit.record("project.member_removed", project, actor=actor, user_id=user.id)


@functools.cache
def _dummy_hash() -> str:
    """A hash to check unknown addresses' passwords against (made once, when first needed:
    hashing takes a deliberate while, which every import would otherwise pay)."""
    return hash_password("not a real password, only spends time")
