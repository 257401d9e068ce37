"""The points groups write, their conflicts, the facilitators' corrections and the synthesis'
themes and actors (tags)."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from fieldkit.conferences.models.base import enum_column
from fieldkit.conferences.models.conferences import Task
from fieldkit.conferences.models.groups import Group
from fieldkit.core.models import UTCDateTime, utcnow
from fieldkit.extensions import db


class Point(db.Model):
    """A point (moment) a group wrote for a task. The text as first written is kept."""

    __tablename__ = "conference_points"
    __table_args__ = (sa.UniqueConstraint("group_id", "key"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    group_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("conference_groups.id", ondelete="CASCADE"), nullable=False, index=True
    )
    task_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("conference_tasks.id", ondelete="CASCADE"), nullable=False, index=True
    )
    #: Made by the tablet when the point is written, so a retried or offline create is applied
    #: once.
    key: so.Mapped[str] = so.mapped_column(sa.String(64), nullable=False)
    position: so.Mapped[int] = so.mapped_column(nullable=False, default=0)
    text: so.Mapped[str] = so.mapped_column(sa.Text, nullable=False)
    original_text: so.Mapped[str] = so.mapped_column(sa.Text, nullable=False)
    justification: so.Mapped[str] = so.mapped_column(sa.Text, nullable=False, default="")
    for_plenum: so.Mapped[bool] = so.mapped_column(nullable=False, default=False)
    #: Raised by every change of text, justification, plenum mark or deletion.
    version: so.Mapped[int] = so.mapped_column(nullable=False, default=1)
    deleted_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime, nullable=True)
    merged_into_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("conference_points.id", ondelete="SET NULL"), nullable=True
    )
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, nullable=False, default=utcnow)
    updated_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, nullable=False, default=utcnow)

    group: so.Mapped[Group] = so.relationship(back_populates="points")
    task: so.Mapped[Task] = so.relationship()
    conflicts: so.Mapped[list[PointConflict]] = so.relationship(
        back_populates="point", cascade="all, delete-orphan", order_by="PointConflict.id"
    )

    @property
    def conference_id(self) -> int:
        """The conference of the point's group."""
        return self.group.conference_id

    @property
    def live(self) -> bool:
        return self.deleted_at is None

    def __repr__(self) -> str:
        return f"<Point {self.id} v{self.version}>"


class PointConflict(db.Model):
    """An edit sent against an older version of a point: kept and shown, never applied
    silently."""

    __tablename__ = "conference_point_conflicts"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    point_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("conference_points.id", ondelete="CASCADE"), nullable=False, index=True
    )
    base_version: so.Mapped[int] = so.mapped_column(nullable=False)
    text: so.Mapped[str] = so.mapped_column(sa.Text, nullable=False)
    justification: so.Mapped[str] = so.mapped_column(sa.Text, nullable=False, default="")
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, nullable=False, default=utcnow)
    resolved_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime, nullable=True)

    point: so.Mapped[Point] = so.relationship(back_populates="conflicts")

    def __repr__(self) -> str:
        return f"<PointConflict {self.id} point={self.point_id}>"


class PointEdit(db.Model):
    """A facilitator's correction or hiding of a point before the summary is compiled.

    Kept beside the point, so the referent's text (and the original) is never lost.
    """

    __tablename__ = "conference_point_edits"

    point_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("conference_points.id", ondelete="CASCADE"), primary_key=True
    )
    corrected_text: so.Mapped[str | None] = so.mapped_column(sa.Text, nullable=True)
    hidden: so.Mapped[bool] = so.mapped_column(nullable=False, default=False)
    updated_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, nullable=False, default=utcnow)

    point: so.Mapped[Point] = so.relationship(
        backref=so.backref("edit", uselist=False, cascade="all, delete-orphan")
    )

    def __repr__(self) -> str:
        return f"<PointEdit point={self.point_id}>"


class TagKind(enum.StrEnum):
    """Whether a tag names a theme or an actor."""

    THEME = "theme"
    ACTOR = "actor"


point_tags = sa.Table(
    "conference_point_tags",
    db.metadata,
    sa.Column(
        "point_id",
        sa.ForeignKey("conference_points.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column(
        "tag_id",
        sa.ForeignKey("conference_tags.id", ondelete="CASCADE"),
        primary_key=True,
        index=True,
    ),
)


class Tag(db.Model):
    """A theme or actor of a project's synthesis ("Aetat", "Tiltak og metoder", ...)."""

    __tablename__ = "conference_tags"
    __table_args__ = (sa.UniqueConstraint("project_id", "name"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    project_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("projects.id", ondelete="CASCADE"), nullable=False, index=True
    )
    name: so.Mapped[str] = so.mapped_column(sa.String(200), nullable=False)
    kind: so.Mapped[TagKind] = so.mapped_column(
        enum_column(TagKind, "conference_tag_kind"), nullable=False, default=TagKind.THEME
    )
    position: so.Mapped[int] = so.mapped_column(nullable=False, default=0)

    points: so.Mapped[list[Point]] = so.relationship(
        secondary=point_tags, backref=so.backref("tags", order_by="Tag.position")
    )

    def __repr__(self) -> str:
        return f"<Tag {self.id} {self.name!r}>"
