"""The operations of the referent's tablet beyond the points it syncs: handing in to the plenum."""

from __future__ import annotations

from flask_babel import gettext as _

from fieldkit.conferences.models import Group, TransitionError
from fieldkit.core import audit
from fieldkit.core.operations import OperationError
from fieldkit.extensions import db


def hand_in_group(group: Group) -> Group:
    """Lock the group's slides for the plenum (done by the referent)."""
    try:
        group.hand_in()
    except TransitionError as exc:
        raise OperationError(_("The group has handed in already.")) from exc
    db.session.flush()
    audit.record("conference.group_handed_in", group, project=group.round.conference.project_id)
    return group
