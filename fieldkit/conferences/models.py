"""Dialog conferences: programme, rounds of group work, participants, groups and their points."""

from __future__ import annotations

import enum
from datetime import date, datetime, time

import sqlalchemy as sa
import sqlalchemy.orm as so

from fieldkit.core.models import Project, User, UTCDateTime, utcnow
from fieldkit.extensions import db


def _enum(kind: type[enum.Enum], name: str) -> sa.Enum:
    return sa.Enum(
        kind,
        name=name,
        native_enum=False,
        length=20,
        values_callable=lambda members: [m.value for m in members],
    )


class TransitionError(ValueError):
    """A state change that is not allowed from the object's current state."""


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
        _enum(GroupState, "conference_group_state"), nullable=False, default=GroupState.OPEN
    )
    phase: so.Mapped[GroupPhase] = so.mapped_column(
        _enum(GroupPhase, "conference_group_phase"),
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


# --- the summary document and synthesis (issue 8) ------------------------------------------


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
        _enum(TagKind, "conference_tag_kind"), nullable=False, default=TagKind.THEME
    )
    position: so.Mapped[int] = so.mapped_column(nullable=False, default=0)

    points: so.Mapped[list[Point]] = so.relationship(
        secondary=point_tags, backref=so.backref("tags", order_by="Tag.position")
    )

    def __repr__(self) -> str:
        return f"<Tag {self.id} {self.name!r}>"


class SummaryDocument(db.Model):
    """A compiled summary document of a conference, stored under UPLOAD_PATH."""

    __tablename__ = "conference_summary_documents"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    conference_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("conferences.id", ondelete="CASCADE"), nullable=False, index=True
    )
    format: so.Mapped[str] = so.mapped_column(sa.String(10), nullable=False)
    #: Random file stem under ``UPLOAD_PATH/conference-summaries``.
    stem: so.Mapped[str] = so.mapped_column(sa.String(64), nullable=False, unique=True)
    size: so.Mapped[int] = so.mapped_column(nullable=False, default=0)
    #: What was chosen to go in (minutes, photos, all points or only the plenum's, ...).
    options: so.Mapped[dict] = so.mapped_column(sa.JSON, nullable=False, default=dict)
    created_by_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, nullable=False, default=utcnow)

    conference: so.Mapped[Conference] = so.relationship()

    def __repr__(self) -> str:
        return f"<SummaryDocument {self.id} {self.format}>"


class SendMethod(enum.StrEnum):
    """How a summary document reached a participant: in the message, or as a link to it."""

    ATTACHMENT = "attachment"
    LINK = "link"


class SummaryLink(db.Model):
    """A public download link to a summary document, made for one sending.

    The token is never stored: it is derived from the random nonce with the secret key, and
    only its SHA-256 is kept to find the link when it is opened. The facilitator chooses when
    the link expires and can revoke it.
    """

    __tablename__ = "conference_summary_links"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    document_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("conference_summary_documents.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    )
    nonce: so.Mapped[str] = so.mapped_column(sa.String(64), nullable=False)
    token_hash: so.Mapped[str] = so.mapped_column(sa.String(64), nullable=False, unique=True)
    #: None: the link works until it is revoked.
    expires_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime, nullable=True)
    revoked_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime, nullable=True)
    created_by_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, nullable=False, default=utcnow)

    document: so.Mapped[SummaryDocument] = so.relationship()

    @property
    def expired(self) -> bool:
        return self.expires_at is not None and self.expires_at <= utcnow()

    @property
    def active(self) -> bool:
        return self.revoked_at is None and not self.expired

    def revoke(self) -> None:
        if self.revoked_at is not None:
            raise TransitionError("link already revoked")
        self.revoked_at = utcnow()

    def __repr__(self) -> str:
        return f"<SummaryLink {self.id} document={self.document_id}>"


class SummarySend(db.Model):
    """The send log: one row per participant a summary document was sent to (or failed)."""

    __tablename__ = "conference_summary_sends"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    document_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("conference_summary_documents.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    )
    participant_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("conference_participants.id", ondelete="SET NULL"), nullable=True
    )
    status: so.Mapped[str] = so.mapped_column(sa.String(20), nullable=False)
    method: so.Mapped[SendMethod] = so.mapped_column(
        _enum(SendMethod, "conference_send_method"),
        nullable=False,
        default=SendMethod.ATTACHMENT,
        server_default=SendMethod.ATTACHMENT.value,
    )
    #: The link the message carried, when sent by link.
    link_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("conference_summary_links.id", ondelete="SET NULL"), nullable=True
    )
    message_id: so.Mapped[str] = so.mapped_column(sa.String(300), nullable=False, default="")
    error: so.Mapped[str] = so.mapped_column(sa.Text, nullable=False, default="")
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, nullable=False, default=utcnow)

    document: so.Mapped[SummaryDocument] = so.relationship()
    participant: so.Mapped[Participant | None] = so.relationship()
    link: so.Mapped[SummaryLink | None] = so.relationship()

    def __repr__(self) -> str:
        return f"<SummarySend {self.id} {self.status}>"
