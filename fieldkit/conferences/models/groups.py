"""The groups of a round: their members, referent links, photos and the plenum's notes."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
import sqlalchemy.orm as so

from fieldkit.conferences.models.base import TransitionError, enum_column
from fieldkit.conferences.models.conferences import Round
from fieldkit.conferences.models.participants import Participant
from fieldkit.core.models import User, UTCDateTime, utcnow
from fieldkit.extensions import db

if TYPE_CHECKING:
    from fieldkit.conferences.models.points import Point


class GroupState(enum.StrEnum):
    """Whether a group still works on its slides or has handed them in to the plenum."""

    OPEN = "open"
    HANDED_IN = "handed_in"


class GroupPhase(enum.StrEnum):
    """The phase of group work the referent's tablet is in, following the rules."""

    BRAINSTORMING = "brainstorming"
    STRUCTURING = "structuring"


class Group(db.Model):
    """A group in one round of group work, with its referent's minutes and hand-in state."""

    __tablename__ = "conference_groups"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    round_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("conference_rounds.id", ondelete="CASCADE"), nullable=False, index=True
    )
    position: so.Mapped[int] = so.mapped_column(nullable=False, default=0)
    name: so.Mapped[str] = so.mapped_column(sa.String(200), nullable=False)
    state: so.Mapped[GroupState] = so.mapped_column(
        enum_column(GroupState, "conference_group_state"), nullable=False, default=GroupState.OPEN
    )
    phase: so.Mapped[GroupPhase] = so.mapped_column(
        enum_column(GroupPhase, "conference_group_phase"),
        nullable=False,
        default=GroupPhase.BRAINSTORMING,
    )
    handed_in_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime, nullable=True)
    #: The referent's free-text minutes (referat), separate from the slides.
    minutes: so.Mapped[str] = so.mapped_column(sa.Text, nullable=False, default="")
    minutes_version: so.Mapped[int] = so.mapped_column(nullable=False, default=0)
    #: Minutes sent from another tablet against an older version: kept and shown until a
    #: tablet decides which text stands.
    minutes_conflict: so.Mapped[str | None] = so.mapped_column(sa.Text, nullable=True)
    #: Roles chosen in the group, as the group wants them written (a name, or "valgt", or blank).
    referent_label: so.Mapped[str] = so.mapped_column(sa.String(200), nullable=False, default="")
    chair_label: so.Mapped[str] = so.mapped_column(sa.String(200), nullable=False, default="")
    updated_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime, nullable=True)

    round: so.Mapped[Round] = so.relationship(back_populates="groups")
    memberships: so.Mapped[list[GroupMembership]] = so.relationship(
        back_populates="group", cascade="all, delete-orphan"
    )
    points: so.Mapped[list[Point]] = so.relationship(
        back_populates="group",
        cascade="all, delete-orphan",
        order_by="[Point.task_id, Point.position, Point.id]",
    )
    photos: so.Mapped[list[Photo]] = so.relationship(
        back_populates="group", cascade="all, delete-orphan", order_by="Photo.id"
    )
    notes: so.Mapped[list[GroupNote]] = so.relationship(
        back_populates="group", cascade="all, delete-orphan", order_by="GroupNote.id"
    )
    links: so.Mapped[list[ReferentLink]] = so.relationship(
        back_populates="group", cascade="all, delete-orphan", order_by="ReferentLink.id"
    )

    @property
    def conference_id(self) -> int:
        """The conference of the group's round (for loading a group by its conference)."""
        return self.round.conference_id

    @property
    def is_handed_in(self) -> bool:
        return self.state == GroupState.HANDED_IN

    def hand_in(self) -> None:
        """Lock the slides for the plenum; only an open group can hand in."""
        if self.state != GroupState.OPEN:
            raise TransitionError("group already handed in")
        self.state = GroupState.HANDED_IN
        self.handed_in_at = utcnow()

    def reopen(self) -> None:
        """Unlock a handed-in group's slides (the facilitator's decision)."""
        if self.state != GroupState.HANDED_IN:
            raise TransitionError("group is not handed in")
        self.state = GroupState.OPEN
        self.handed_in_at = None

    def __repr__(self) -> str:
        return f"<Group {self.id} {self.name!r} {self.state}>"


class GroupMembership(db.Model):
    """A participant's place in a group for one round (one group per round)."""

    __tablename__ = "conference_group_memberships"
    __table_args__ = (sa.UniqueConstraint("round_id", "participant_id"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    round_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("conference_rounds.id", ondelete="CASCADE"), nullable=False, index=True
    )
    group_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("conference_groups.id", ondelete="CASCADE"), nullable=False, index=True
    )
    participant_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("conference_participants.id", ondelete="CASCADE"), nullable=False, index=True
    )

    group: so.Mapped[Group] = so.relationship(back_populates="memberships")
    participant: so.Mapped[Participant] = so.relationship()

    def __repr__(self) -> str:
        return f"<GroupMembership group={self.group_id} participant={self.participant_id}>"


class ReferentLink(db.Model):
    """A group's referent link. The token is never stored: only its keyed hash and the salt
    it is derived from with the secret key (so a card can be printed again)."""

    __tablename__ = "conference_referent_links"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    group_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("conference_groups.id", ondelete="CASCADE"), nullable=False, index=True
    )
    salt: so.Mapped[str] = so.mapped_column(sa.String(64), nullable=False)
    token_hash: so.Mapped[str] = so.mapped_column(sa.String(64), nullable=False, unique=True)
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, nullable=False, default=utcnow)
    revoked_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime, nullable=True)

    group: so.Mapped[Group] = so.relationship(back_populates="links")

    @property
    def active(self) -> bool:
        return self.revoked_at is None

    def revoke(self) -> None:
        if self.revoked_at is not None:
            raise TransitionError("link already revoked")
        self.revoked_at = utcnow()

    def __repr__(self) -> str:
        return f"<ReferentLink {self.id} group={self.group_id}>"


class Photo(db.Model):
    """A photo of a flip chart or paper slide, stored under UPLOAD_PATH with random names."""

    __tablename__ = "conference_photos"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    group_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("conference_groups.id", ondelete="CASCADE"), nullable=False, index=True
    )
    #: Random file stem; the print rendition is ``<stem>.jpg``, the thumbnail ``<stem>-t.jpg``.
    stem: so.Mapped[str] = so.mapped_column(sa.String(64), nullable=False, unique=True)
    original_format: so.Mapped[str] = so.mapped_column(sa.String(10), nullable=False)
    width: so.Mapped[int] = so.mapped_column(nullable=False)
    height: so.Mapped[int] = so.mapped_column(nullable=False)
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, nullable=False, default=utcnow)

    group: so.Mapped[Group] = so.relationship(back_populates="photos")

    @property
    def conference_id(self) -> int:
        """The conference of the photo's group."""
        return self.group.conference_id

    def __repr__(self) -> str:
        return f"<Photo {self.id} group={self.group_id}>"


class GroupNote(db.Model):
    """A note the facilitators add to a group in the plenum (questions and comments raised)."""

    __tablename__ = "conference_group_notes"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    group_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("conference_groups.id", ondelete="CASCADE"), nullable=False, index=True
    )
    text: so.Mapped[str] = so.mapped_column(sa.Text, nullable=False)
    author_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, nullable=False, default=utcnow)

    group: so.Mapped[Group] = so.relationship(back_populates="notes")
    author: so.Mapped[User | None] = so.relationship()

    def __repr__(self) -> str:
        return f"<GroupNote {self.id} group={self.group_id}>"
