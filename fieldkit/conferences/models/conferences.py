"""A conference's design: the conference, its programme, its rounds of group work, their tasks."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import TYPE_CHECKING

import sqlalchemy as sa
import sqlalchemy.orm as so

from fieldkit.core.models import Project, UTCDateTime, utcnow
from fieldkit.extensions import db

if TYPE_CHECKING:
    from fieldkit.conferences.models.groups import Group
    from fieldkit.conferences.models.participants import Participant


class Conference(db.Model):
    """One dialog conference (e.g. the Bergen conference of a project)."""

    __tablename__ = "conferences"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    project_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("projects.id", ondelete="CASCADE"), nullable=False, index=True
    )
    title: so.Mapped[str] = so.mapped_column(sa.String(300), nullable=False)
    subtitle: so.Mapped[str] = so.mapped_column(sa.String(300), nullable=False, default="")
    place: so.Mapped[str] = so.mapped_column(sa.String(200), nullable=False, default="")
    date: so.Mapped[date | None] = so.mapped_column(sa.Date, nullable=True)
    #: Who runs the conference ("konferanseledelsen"), as printed on the programme.
    organiser: so.Mapped[str] = so.mapped_column(sa.String(300), nullable=False, default="")
    introduction: so.Mapped[str] = so.mapped_column(sa.Text, nullable=False, default="")
    #: Rules for the plenary presentations, verbatim ("Gruppene refererer kort i plenum", ...).
    plenary_rules: so.Mapped[list[str]] = so.mapped_column(sa.JSON, nullable=False, default=list)
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, nullable=False, default=utcnow)

    project: so.Mapped[Project] = so.relationship()
    programme: so.Mapped[list[ProgrammeItem]] = so.relationship(
        back_populates="conference",
        cascade="all, delete-orphan",
        order_by="ProgrammeItem.position",
    )
    rounds: so.Mapped[list[Round]] = so.relationship(
        back_populates="conference", cascade="all, delete-orphan", order_by="Round.position"
    )
    participants: so.Mapped[list[Participant]] = so.relationship(
        back_populates="conference", cascade="all, delete-orphan", order_by="Participant.id"
    )

    def __repr__(self) -> str:
        return f"<Conference {self.id} {self.title!r}>"


class ProgrammeItem(db.Model):
    """An item of the day's programme: Innledning, Gruppearbeid I, Plenum, ..."""

    __tablename__ = "conference_programme_items"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    conference_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("conferences.id", ondelete="CASCADE"), nullable=False, index=True
    )
    position: so.Mapped[int] = so.mapped_column(nullable=False, default=0)
    starts_at: so.Mapped[time | None] = so.mapped_column(sa.Time, nullable=True)
    title: so.Mapped[str] = so.mapped_column(sa.String(300), nullable=False)
    #: The round of group work this item is, when it is one.
    round_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("conference_rounds.id", ondelete="SET NULL"), nullable=True
    )

    conference: so.Mapped[Conference] = so.relationship(back_populates="programme")
    round: so.Mapped[Round | None] = so.relationship()

    def __repr__(self) -> str:
        return f"<ProgrammeItem {self.id} {self.title!r}>"


class Round(db.Model):
    """A round of group work with its tasks and the rules the groups follow."""

    __tablename__ = "conference_rounds"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    conference_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("conferences.id", ondelete="CASCADE"), nullable=False, index=True
    )
    position: so.Mapped[int] = so.mapped_column(nullable=False, default=0)
    title: so.Mapped[str] = so.mapped_column(sa.String(300), nullable=False)
    #: Heading above the tasks, e.g. "Gruppeoppgaver:".
    label: so.Mapped[str] = so.mapped_column(sa.String(200), nullable=False, default="")
    preamble: so.Mapped[str] = so.mapped_column(sa.Text, nullable=False, default="")
    #: How the groups are made up, as told to participants ("blandet på tvers av kommuner").
    group_composition: so.Mapped[str] = so.mapped_column(sa.String(300), nullable=False, default="")
    rules_title: so.Mapped[str] = so.mapped_column(sa.String(300), nullable=False, default="")
    rules: so.Mapped[list[str]] = so.mapped_column(sa.JSON, nullable=False, default=list)

    conference: so.Mapped[Conference] = so.relationship(back_populates="rounds")
    tasks: so.Mapped[list[Task]] = so.relationship(
        back_populates="round", cascade="all, delete-orphan", order_by="Task.position"
    )
    groups: so.Mapped[list[Group]] = so.relationship(
        back_populates="round", cascade="all, delete-orphan", order_by="Group.position"
    )

    def __repr__(self) -> str:
        return f"<Round {self.id} {self.title!r}>"


class Task(db.Model):
    """A numbered group task (a question the groups answer), verbatim."""

    __tablename__ = "conference_tasks"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    round_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("conference_rounds.id", ondelete="CASCADE"), nullable=False, index=True
    )
    position: so.Mapped[int] = so.mapped_column(nullable=False, default=0)
    text: so.Mapped[str] = so.mapped_column(sa.Text, nullable=False)

    round: so.Mapped[Round] = so.relationship(back_populates="tasks")

    @property
    def number(self) -> int:
        return self.position + 1

    def __repr__(self) -> str:
        return f"<Task {self.id} round={self.round_id} #{self.number}>"
