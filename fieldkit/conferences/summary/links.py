"""Public download links to a compiled summary document, for sending it by link.

A link's token is derived with a keyed HMAC from the installation's secret key and a random
nonce stored with the link (as the survey links are), so the facilitator can see the address
again, while a copy of the database alone holds no working link: only the nonce and the
SHA-256 of the token. Tokens carry 256 bits; the address names neither the conference nor a
participant.
"""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from fieldkit.conferences.models import SummaryDocument, SummaryLink, TransitionError
from fieldkit.core import audit, tokens
from fieldkit.core.models import User, utcnow
from fieldkit.core.operations import OperationError
from fieldkit.extensions import db

TOKEN_LENGTH = 43
#: The choices of how long a link works, in days (None: until it is revoked).
LIFETIMES = (14, 30, 90, 365, None)
DEFAULT_LIFETIME = 90


def token_for(link: SummaryLink) -> str:
    """The link's token, derived from its nonce with the secret key."""
    return tokens.derive(b"summary-link|", link.nonce)


token_hash = tokens.token_hash


def url_for_link(link: SummaryLink) -> str:
    """The address sent to the participants."""
    return f"{current_app.config['BASE_URL'].rstrip('/')}/d/{token_for(link)}"


def create_link(
    document: SummaryDocument, days: int | None, *, actor: User | None = None
) -> SummaryLink:
    """A new download link to ``document`` that works for ``days`` (or until revoked)."""
    link = SummaryLink(
        document=document,
        nonce=tokens.new_nonce(),
        token_hash="",
        expires_at=utcnow() + timedelta(days=days) if days else None,
        created_by_id=getattr(actor, "id", None),
    )
    link.token_hash = token_hash(token_for(link))
    db.session.add(link)
    db.session.flush()
    audit.record(
        "conference.summary_link_created",
        link,
        actor=actor,
        project=document.conference.project_id,
        document_id=document.id,
        days=days,
    )
    return link


def link_for_token(token: str) -> SummaryLink | None:
    """The working link with this token; None when unknown, revoked or expired."""
    if len(token) != TOKEN_LENGTH:
        return None
    return tokens.active_row(SummaryLink, token_hash(token))


def revoke_link(link: SummaryLink, *, actor: User | None = None) -> SummaryLink:
    """Stop a download link from working."""
    try:
        link.revoke()
    except TransitionError as exc:
        raise OperationError(_("The link was revoked already.")) from exc
    db.session.flush()
    audit.record(
        "conference.summary_link_revoked",
        link,
        actor=actor,
        project=link.document.conference.project_id,
        document_id=link.document_id,
    )
    return link


def document_links(document: SummaryDocument) -> list[SummaryLink]:
    """The document's links, newest first."""
    return list(
        db.session.scalars(
            sa.select(SummaryLink)
            .where(SummaryLink.document_id == document.id)
            .order_by(SummaryLink.id.desc())
        )
    )
