"""Compiled summary documents, their public download links and the log of their sending."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from fieldkit.conferences.models.base import TransitionError, enum_column
from fieldkit.conferences.models.conferences import Conference
from fieldkit.conferences.models.participants import Participant
from fieldkit.core.models import UTCDateTime, utcnow
from fieldkit.extensions import db


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
        enum_column(SendMethod, "conference_send_method"),
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
