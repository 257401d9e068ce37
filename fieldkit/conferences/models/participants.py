"""The people at a conference and the project's kinds of participant."""

from __future__ import annotations

import sqlalchemy as sa
import sqlalchemy.orm as so

from fieldkit.conferences.models.conferences import Conference
from fieldkit.extensions import db


class ParticipantCategory(db.Model):
    """A kind of participant in a project: Aetat, tiltaksarrangør, bruker, ..."""

    __tablename__ = "conference_participant_categories"
    __table_args__ = (sa.UniqueConstraint("project_id", "name"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    project_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("projects.id", ondelete="CASCADE"), nullable=False, index=True
    )
    name: so.Mapped[str] = so.mapped_column(sa.String(200), nullable=False)
    position: so.Mapped[int] = so.mapped_column(nullable=False, default=0)

    def __repr__(self) -> str:
        return f"<ParticipantCategory {self.id} {self.name!r}>"


class Participant(db.Model):
    """A person attending a conference. Personal data: shown to facilitators only."""

    __tablename__ = "conference_participants"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    conference_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("conferences.id", ondelete="CASCADE"), nullable=False, index=True
    )
    name: so.Mapped[str] = so.mapped_column(sa.String(200), nullable=False)
    organisation: so.Mapped[str] = so.mapped_column(sa.String(300), nullable=False, default="")
    category_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("conference_participant_categories.id", ondelete="SET NULL"),
        nullable=True,
        index=True,
    )
    kommune: so.Mapped[str] = so.mapped_column(sa.String(100), nullable=False, default="")
    email: so.Mapped[str] = so.mapped_column(sa.String(254), nullable=False, default="")

    conference: so.Mapped[Conference] = so.relationship(back_populates="participants")
    category: so.Mapped[ParticipantCategory | None] = so.relationship()

    def __repr__(self) -> str:
        return f"<Participant {self.id}>"
