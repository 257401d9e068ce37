"""Referent links: the address on a group's card that opens the group's page on a tablet.

The token is never stored: it is derived from a random salt with the secret key (so a card can
be printed again), and only its keyed hash is kept to find the link when it is opened.
"""

from __future__ import annotations

import secrets

from flask_babel import gettext as _

from fieldkit.conferences.models import Group, ReferentLink, TransitionError
from fieldkit.core import audit, tokens
from fieldkit.core.models import User
from fieldkit.core.operations import OperationError
from fieldkit.extensions import db


def token_hash(token: str) -> str:
    """The keyed hash stored for a token."""
    return tokens.keyed_hash(b"referent-token:", token)


def token_for(link: ReferentLink) -> str:
    """The link's token, derived from its random salt with the secret key."""
    return tokens.derive(b"referent-link:", link.salt)


def create_referent_link(group: Group) -> ReferentLink:
    """A new referent link for the group."""
    link = ReferentLink(group=group, salt=secrets.token_urlsafe(32), token_hash="")
    link.token_hash = token_hash(token_for(link))
    db.session.add(link)
    db.session.flush()
    return link


def active_link(group: Group) -> ReferentLink | None:
    """The group's newest link that is not revoked."""
    active = [link for link in group.links if link.active]
    return active[-1] if active else None


def card_link(group: Group) -> ReferentLink:
    """The link a card prints: the group's active link, made when it has none."""
    return active_link(group) or create_referent_link(group)


def link_for_token(token: str) -> ReferentLink | None:
    """The active link with this token, or None."""
    if not token or len(token) > 100:
        return None
    return tokens.active_row(ReferentLink, token_hash(token))


def revoke_link(link: ReferentLink, *, actor: User | None = None) -> None:
    """Stop a referent link from working."""
    try:
        link.revoke()
    except TransitionError as exc:
        raise OperationError(_("The link was revoked already.")) from exc
    db.session.flush()
    audit.record(
        "conference.referent_link_revoked",
        link,
        actor=actor,
        project=link.group.round.conference.project_id,
        group_id=link.group_id,
    )


def renew_link(group: Group, *, actor: User | None = None) -> ReferentLink:
    """Revoke the group's links and give it a new one."""
    for link in group.links:
        if link.active:
            revoke_link(link, actor=actor)
    return create_referent_link(group)
