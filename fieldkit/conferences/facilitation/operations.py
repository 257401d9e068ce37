"""The facilitators' operations during and after the conference: reopening a group's slides, notes
from the plenum, and correcting, hiding and tagging points before the summary is compiled."""

from __future__ import annotations

from flask_babel import gettext as _

from fieldkit.conferences.models import (
    Conference,
    Group,
    GroupNote,
    Point,
    PointEdit,
    TransitionError,
)
from fieldkit.conferences.synthesis.overview import conference_points
from fieldkit.conferences.synthesis.tags import project_tags, set_tag
from fieldkit.core import audit
from fieldkit.core.models import User, utcnow
from fieldkit.core.operations import OperationError
from fieldkit.extensions import db


class UnknownAction(ValueError):
    """An action on points the page does not offer (a made-up request)."""


def reopen_group(group: Group, *, actor: User | None = None) -> Group:
    """Unlock a handed-in group's slides (done by a facilitator)."""
    try:
        group.reopen()
    except TransitionError as exc:
        raise OperationError(_("The group has not handed in.")) from exc
    db.session.flush()
    audit.record(
        "conference.group_reopened", group, actor=actor, project=group.round.conference.project_id
    )
    return group


def add_group_note(group: Group, text: str, *, actor: User | None = None) -> GroupNote:
    """Note a question or comment raised in the plenum about a group's presentation."""
    text = text.strip()
    if not text:
        raise OperationError(_("The note is empty."))
    note = GroupNote(group=group, text=text, author_id=actor.id if actor else None)
    db.session.add(note)
    db.session.flush()
    return note


def edit_point(
    point: Point, corrected_text: str | None, hidden: bool, *, actor: User | None = None
) -> PointEdit:
    """Store the facilitator's wording beside the point (the point's own texts stay as they
    are) and whether it is hidden from the summary."""
    corrected = (corrected_text or "").strip() or None
    if corrected == point.text:
        corrected = None
    edit = point.edit
    if edit is None:
        edit = PointEdit(point=point)
        db.session.add(edit)
    edit.corrected_text = corrected
    edit.hidden = bool(hidden)
    edit.updated_at = utcnow()
    db.session.flush()
    audit.record(
        "conference.point_edited",
        point,
        actor=actor,
        project=point.group.round.conference.project_id,
        corrected=corrected is not None,
        hidden=edit.hidden,
    )
    return edit


def hide_points(points: list[Point], hidden: bool, *, actor: User | None = None) -> int:
    """Hide (or show again) several points; keeps any correction. Returns how many changed."""
    changed = 0
    for point in points:
        current = bool(point.edit and point.edit.hidden)
        if current != hidden:
            edit_point(
                point, point.edit.corrected_text if point.edit else None, hidden, actor=actor
            )
            changed += 1
    return changed


def moderate_points(
    conference: Conference, point_ids: set[int], action: str, *, actor: User | None = None
) -> int:
    """Apply ``action`` to the conference's live points ``point_ids``: ``hide``, ``show``,
    ``tag:<tag id>`` or ``untag:<tag id>`` (a tag of the project). Returns how many changed."""
    chosen = [p for p in conference_points(conference) if p.id in point_ids]
    if not chosen:
        raise OperationError(_("Tick at least one point."))
    if action in ("hide", "show"):
        return hide_points(chosen, action == "hide", actor=actor)
    verb, _sep, tag_id = action.partition(":")
    tag = next((t for t in project_tags(conference.project) if str(t.id) == tag_id), None)
    if verb not in ("tag", "untag") or tag is None:
        raise UnknownAction(action)
    return set_tag(chosen, tag, verb == "tag")
