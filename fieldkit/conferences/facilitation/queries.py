"""Read-side queries behind the live overview, the plenary view and the points page (one place
for counts)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from fieldkit.conferences.models import Conference, Group, Photo, Point, Round
from fieldkit.conferences.synthesis.overview import conference_points
from fieldkit.extensions import db


def live_overview(conference: Conference) -> list[dict[str, Any]]:
    """Per round and group: points per task, last saved, handed in, photos."""
    counts: dict[tuple[int, int], int] = {}
    marked: dict[int, int] = {}
    rows = db.session.execute(
        sa.select(
            Point.group_id,
            Point.task_id,
            sa.func.count(Point.id),
            sa.func.sum(sa.case((Point.for_plenum, 1), else_=0)),
        )
        .join(Group, Group.id == Point.group_id)
        .join(Round, Round.id == Group.round_id)
        .where(Round.conference_id == conference.id, Point.deleted_at.is_(None))
        .group_by(Point.group_id, Point.task_id)
    )
    for group_id, task_id, count, for_plenum in rows:
        counts[(group_id, task_id)] = count
        marked[group_id] = marked.get(group_id, 0) + int(for_plenum or 0)
    photos = dict(
        db.session.execute(
            sa.select(Photo.group_id, sa.func.count(Photo.id))
            .join(Group, Group.id == Photo.group_id)
            .join(Round, Round.id == Group.round_id)
            .where(Round.conference_id == conference.id)
            .group_by(Photo.group_id)
        ).all()
    )
    result = []
    for round_ in conference.rounds:
        result.append(
            {
                "id": round_.id,
                "title": round_.title,
                "tasks": [t.number for t in round_.tasks],
                "groups": [
                    {
                        "id": g.id,
                        "name": g.name,
                        "points": [counts.get((g.id, t.id), 0) for t in round_.tasks],
                        "for_plenum": marked.get(g.id, 0),
                        "photos": photos.get(g.id, 0),
                        "handed_in": g.is_handed_in,
                        "phase": g.phase.value,
                        "updated_at": g.updated_at.isoformat() if g.updated_at else None,
                    }
                    for g in round_.groups
                ],
            }
        )
    return result


def slides(group: Group) -> list[dict[str, Any]]:
    """What a group shows in the plenum: per task, the points marked for the plenum."""
    points = db.session.scalars(
        sa.select(Point)
        .where(Point.group_id == group.id, Point.deleted_at.is_(None), Point.for_plenum)
        .order_by(Point.position, Point.id)
    ).all()
    return [
        {
            "number": task.number,
            "text": task.text,
            "points": [
                {"text": p.text, "justification": p.justification}
                for p in points
                if p.task_id == task.id
            ],
        }
        for task in group.round.tasks
    ]


def plenary(conference: Conference, handed_in_only: bool = True) -> list[dict[str, Any]]:
    """The groups' slides in programme order (rounds, then groups), no names."""
    programme_rounds = [item.round_id for item in conference.programme if item.round_id]
    order = {rid: i for i, rid in enumerate(programme_rounds)}
    rounds = sorted(conference.rounds, key=lambda r: (order.get(r.id, 999), r.position))
    result = []
    for round_ in rounds:
        for group in round_.groups:
            if handed_in_only and not group.is_handed_in:
                continue
            result.append(
                {
                    "id": group.id,
                    "round": round_.title,
                    "name": group.name,
                    "tasks": slides(group),
                    "notes": [n.text for n in group.notes],
                }
            )
    return result


def points_by_group(conference: Conference) -> list[dict[str, Any]]:
    """Per round and group, the group's live points in document order (the points page)."""
    points = conference_points(conference)
    return [
        {"round": round_, "group": group, "points": [p for p in points if p.group_id == group.id]}
        for round_ in conference.rounds
        for group in round_.groups
    ]
