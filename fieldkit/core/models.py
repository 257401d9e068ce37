"""Models every feature shares: users, projects and their members, the audit log, jobs."""

from __future__ import annotations

import enum
import secrets
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_login import UserMixin

from fieldkit.extensions import db


def utcnow() -> datetime:
    """The current time in UTC, as stored in every timestamp column."""
    return datetime.now(UTC)


class UTCDateTime(sa.types.TypeDecorator):
    """A timestamp stored in UTC that always comes back timezone-aware (SQLite forgets)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is not None:
            if value.tzinfo is None:
                raise ValueError("naive datetime given; store times in UTC")
            value = value.astimezone(UTC)
        return value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value


class Role(enum.StrEnum):
    """What a user may do across the installation."""

    ADMIN = "admin"
    RESEARCHER = "researcher"
    FACILITATOR = "facilitator"


class User(UserMixin, db.Model):
    """A person who logs in: researcher, facilitator or administrator."""

    __tablename__ = "users"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    email: so.Mapped[str] = so.mapped_column(sa.String(254), unique=True, nullable=False)
    name: so.Mapped[str] = so.mapped_column(sa.String(200), nullable=False)
    #: argon2id hash in PHC string format.
    password_hash: so.Mapped[str] = so.mapped_column(sa.String(255), nullable=False)
    role: so.Mapped[Role] = so.mapped_column(
        sa.Enum(
            Role,
            name="user_role",
            native_enum=False,
            length=20,
            values_callable=lambda roles: [r.value for r in roles],
        ),
        nullable=False,
        default=Role.RESEARCHER,
    )
    active: so.Mapped[bool] = so.mapped_column(nullable=False, default=True)
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, nullable=False, default=utcnow)
    #: Part of every login session's user id: a new one (at logout, at a password change)
    #: ends every session that carries the old one, a copied session cookie too.
    session_token: so.Mapped[str] = so.mapped_column(
        sa.String(64), nullable=False, server_default="", default=lambda: secrets.token_urlsafe(24)
    )

    memberships: so.Mapped[list[Membership]] = so.relationship(
        back_populates="user", cascade="all, delete-orphan"
    )

    @property
    def is_active(self) -> bool:  # Flask-Login asks this
        return self.active

    def get_id(self) -> str:  # Flask-Login keeps this in the session (and remember cookie)
        return f"{self.id}:{self.session_token}"

    def end_sessions(self) -> None:
        """Make every login session of this user (on any device) stop working."""
        self.session_token = secrets.token_urlsafe(24)

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email}>"


class Project(db.Model):
    """An evaluation (e.g. "Storbysatsingen"), owning its surveys and conferences."""

    __tablename__ = "projects"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    #: Short name used in URLs and on the command line.
    slug: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True, nullable=False)
    name: so.Mapped[str] = so.mapped_column(sa.String(200), nullable=False)
    description: so.Mapped[str] = so.mapped_column(sa.Text, nullable=False, default="")
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, nullable=False, default=utcnow)

    memberships: so.Mapped[list[Membership]] = so.relationship(
        back_populates="project", cascade="all, delete-orphan"
    )

    def __repr__(self) -> str:
        return f"<Project {self.id} {self.slug}>"


class Membership(db.Model):
    """A user's membership of a project: only members see the project's data."""

    __tablename__ = "memberships"
    __table_args__ = (sa.UniqueConstraint("user_id", "project_id"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    user_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True
    )
    project_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("projects.id", ondelete="CASCADE"), nullable=False, index=True
    )
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, nullable=False, default=utcnow)

    user: so.Mapped[User] = so.relationship(back_populates="memberships")
    project: so.Mapped[Project] = so.relationship(back_populates="memberships")

    def __repr__(self) -> str:
        return f"<Membership user={self.user_id} project={self.project_id}>"


class AuditEvent(db.Model):
    """Who did what to which object, and when. Written by ``fieldkit.core.audit.record``."""

    __tablename__ = "audit_events"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    at: so.Mapped[datetime] = so.mapped_column(
        UTCDateTime, nullable=False, default=utcnow, index=True
    )
    #: None for the system itself (a scheduled job, a command run without a user).
    actor_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), nullable=True, index=True
    )
    project_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("projects.id", ondelete="SET NULL"), nullable=True, index=True
    )
    #: A dotted verb, e.g. ``survey.invitations_sent`` or ``response.discarded``.
    action: so.Mapped[str] = so.mapped_column(sa.String(100), nullable=False)
    object_type: so.Mapped[str] = so.mapped_column(sa.String(60), nullable=False)
    object_id: so.Mapped[str | None] = so.mapped_column(sa.String(64), nullable=True)
    #: Plain JSON details; never personal data beyond ids.
    details: so.Mapped[dict[str, Any]] = so.mapped_column(sa.JSON, nullable=False, default=dict)

    actor: so.Mapped[User | None] = so.relationship()

    def __repr__(self) -> str:
        return f"<AuditEvent {self.action} {self.object_type}:{self.object_id}>"


class JobStatus(enum.StrEnum):
    """Where a background job is in its life."""

    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class Job(db.Model):
    """A unit of background work, recorded so the interface can show its progress."""

    __tablename__ = "jobs"

    id: so.Mapped[str] = so.mapped_column(sa.String(36), primary_key=True)
    #: Import path of the function run, ``module:function``.
    func: so.Mapped[str] = so.mapped_column(sa.String(200), nullable=False)
    args: so.Mapped[list[Any]] = so.mapped_column(sa.JSON, nullable=False, default=list)
    kwargs: so.Mapped[dict[str, Any]] = so.mapped_column(sa.JSON, nullable=False, default=dict)
    status: so.Mapped[JobStatus] = so.mapped_column(
        sa.Enum(
            JobStatus,
            name="job_status",
            native_enum=False,
            length=20,
            values_callable=lambda states: [s.value for s in states],
        ),
        nullable=False,
        default=JobStatus.QUEUED,
    )
    progress_done: so.Mapped[int] = so.mapped_column(nullable=False, default=0)
    progress_total: so.Mapped[int | None] = so.mapped_column(nullable=True)
    message: so.Mapped[str] = so.mapped_column(sa.Text, nullable=False, default="")
    error: so.Mapped[str | None] = so.mapped_column(sa.Text, nullable=True)
    result: so.Mapped[Any] = so.mapped_column(sa.JSON, nullable=True)
    created_by_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    project_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("projects.id", ondelete="CASCADE"), nullable=True, index=True
    )
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, nullable=False, default=utcnow)
    started_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime, nullable=True)
    finished_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime, nullable=True)
    #: Last sign of life of a running job; a job whose heartbeat is too old is given up.
    heartbeat_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime, nullable=True)
    #: Who runs (or was to run) it: ``thread host:pid``, ``inline host:pid``, ``rq <worker>
    #: host:pid``, or ``rq queue <name>`` while it waits in Redis.
    runner: so.Mapped[str | None] = so.mapped_column(sa.String(200), nullable=True)

    @property
    def finished(self) -> bool:
        return self.status in (JobStatus.DONE, JobStatus.FAILED)

    @property
    def percent(self) -> int | None:
        if not self.progress_total:
            return 100 if self.status == JobStatus.DONE else None
        return min(100, round(100 * self.progress_done / self.progress_total))

    def __repr__(self) -> str:
        return f"<Job {self.id} {self.func} {self.status}>"


class RateLimitHit(db.Model):
    """One counted attempt (e.g. a failed link lookup) by one client, for rate limiting."""

    __tablename__ = "rate_limit_hits"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    #: What is limited and for whom: a keyed hash, never the client's address itself.
    key: so.Mapped[str] = so.mapped_column(sa.String(64), nullable=False, index=True)
    at: so.Mapped[datetime] = so.mapped_column(
        UTCDateTime, nullable=False, default=utcnow, index=True
    )
