"""Erasing a conference participant for good (GDPR art. 17), from the participants page.

The participant and their places in groups are deleted; the send log of summary documents
keeps its rows (counts) without the participant; their name and address are removed from what
the groups wrote (role labels, minutes, points and their edits, the plenum's notes), from the
details of past audit events and job records (``core.erasure``), and the outbox messages to
them are deleted. Compiled summaries name no participant (they count them by category and
municipality) and are kept as documents of record.
"""

from __future__ import annotations

import sqlalchemy as sa

from fieldkit.conferences.models import (
    Group,
    GroupMembership,
    GroupNote,
    Participant,
    Point,
    PointConflict,
    PointEdit,
    Round,
    SummarySend,
)
from fieldkit.core import erasure
from fieldkit.core.erasure import Erasure, Identifiers, scrub_rows
from fieldkit.core.models import User
from fieldkit.extensions import db


def erase_participant(participant: Participant, *, actor: User | None = None) -> Erasure:
    """Erase the participant and their traces (see the module doc); flushes, audits."""
    conference = participant.conference
    project_id = conference.project_id
    result = Erasure("participant", str(participant.id))
    identifiers = Identifiers.of(names=[participant.name], emails=[participant.email])
    places = db.session.execute(
        sa.delete(GroupMembership).where(GroupMembership.participant_id == participant.id)
    )
    result.add("group_places_deleted", places.rowcount)
    of_participant = SummarySend.participant_id == participant.id
    sends = list(db.session.scalars(sa.select(SummarySend).where(of_participant)))
    for send in sends:
        send.participant_id = None
    scrub_rows(identifiers, sends, ("error",))
    result.add("summary_sends_anonymised", len(sends))
    db.session.delete(participant)
    db.session.flush()

    groups = list(
        db.session.scalars(sa.select(Group).join(Round).where(Round.conference_id == conference.id))
    )
    group_ids = [g.id for g in groups]
    points = list(db.session.scalars(sa.select(Point).where(Point.group_id.in_(group_ids))))
    point_ids = [p.id for p in points]
    texts = scrub_rows(
        identifiers,
        groups,
        ("referent_label", "chair_label", "minutes", "minutes_conflict"),
    )
    texts += scrub_rows(identifiers, points, ("text", "original_text", "justification"))
    texts += scrub_rows(
        identifiers,
        db.session.scalars(sa.select(PointConflict).where(PointConflict.point_id.in_(point_ids))),
        ("text", "justification"),
    )
    texts += scrub_rows(
        identifiers,
        db.session.scalars(sa.select(PointEdit).where(PointEdit.point_id.in_(point_ids))),
        ("corrected_text",),
    )
    texts += scrub_rows(
        identifiers,
        db.session.scalars(sa.select(GroupNote).where(GroupNote.group_id.in_(group_ids))),
        ("text",),
    )
    result.add("group_texts_scrubbed", texts)
    result.add("outbox_messages_deleted", erasure.delete_outbox_messages(identifiers))
    result.add(
        "audit_events_scrubbed",
        erasure.scrub_audit(
            identifiers,
            project_id=project_id,
            objects=[("conference_participants", str(participant.id))],
        ),
    )
    result.add("job_records_scrubbed", erasure.scrub_jobs(identifiers, project_id=project_id))
    erasure.record(
        result,
        object_type="conference_participants",
        project=project_id,
        actor=actor,
        conference=conference.id,
    )
    return result
