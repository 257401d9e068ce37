"""Synthesis: the points of each conference grouped by the project's themes and actors, and
themes × conferences across the project."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from fieldkit.conferences.documents import DEFAULT_OPTIONS, included, point_text
from fieldkit.conferences.models import Conference, Group, Point, Round, Task
from fieldkit.conferences.synthesis.tags import project_tags
from fieldkit.core.models import Project
from fieldkit.extensions import db


def conference_points(conference: Conference) -> list[Point]:
    """The conference's live points in document order (round, group, task, position)."""
    return list(
        db.session.scalars(
            sa.select(Point)
            .join(Group, Group.id == Point.group_id)
            .join(Round, Round.id == Group.round_id)
            .join(Task, Task.id == Point.task_id)
            .where(
                Round.conference_id == conference.id,
                Point.deleted_at.is_(None),
                Point.merged_into_id.is_(None),
            )
            .order_by(Round.position, Group.position, Task.position, Point.position, Point.id)
            .options(sa.orm.selectinload(Point.edit), sa.orm.selectinload(Point.tags))
        )
    )


def provenance(conference: Conference) -> str:
    if conference.place:
        return _(
            "The following points came up in the working groups at the dialogue conference "
            "in %(place)s.",
            place=conference.place,
        )
    return _("The following points came up in the working groups at the dialogue conference.")


def conference_synthesis(
    conference: Conference, options: dict[str, Any], points: list[Point] | None = None
) -> dict[str, Any]:
    """ "Utfordringer og endringsforslag": the included points grouped by theme or actor."""
    if points is None:
        points = conference_points(conference)
    points = [p for p in points if included(p, options)]
    themes = []
    for tag in project_tags(conference.project):
        tagged = [p for p in points if tag in p.tags]
        if tagged:
            themes.append(
                {
                    "name": tag.name,
                    "points": [{"text": point_text(p), "group": p.group.name} for p in tagged],
                }
            )
    return {
        "title": _("Challenges and proposals for change"),
        "provenance": provenance(conference),
        "themes": themes,
        "untagged": sum(1 for p in points if not p.tags),
    }


def project_overview(project: Project) -> dict[str, Any]:
    """Themes × conferences: how many visible points carry each tag in each conference, with
    the points behind each count."""
    conferences = list(
        db.session.scalars(
            sa.select(Conference)
            .where(Conference.project_id == project.id)
            .order_by(Conference.date, Conference.id)
        )
    )
    tags = project_tags(project)
    cells: dict[tuple[int, int], list[dict[str, Any]]] = {}
    for conference in conferences:
        for point in conference_points(conference):
            if not included(point, DEFAULT_OPTIONS):
                continue
            for tag in point.tags:
                cells.setdefault((tag.id, conference.id), []).append(
                    {"id": point.id, "text": point_text(point), "group": point.group.name}
                )
    rows = []
    for tag in tags:
        counts = [len(cells.get((tag.id, c.id), [])) for c in conferences]
        rows.append(
            {
                "id": tag.id,
                "name": tag.name,
                "kind": tag.kind.value,
                "counts": counts,
                "total": sum(counts),
                "points": [cells.get((tag.id, c.id), []) for c in conferences],
            }
        )
    return {
        "conferences": [
            {"id": c.id, "title": c.title, "place": c.place or c.title} for c in conferences
        ],
        "rows": rows,
    }
