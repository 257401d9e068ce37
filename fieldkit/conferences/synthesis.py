"""Synthesis: themes and actors per project, points grouped by them per conference and across
the project's conferences, and the export of all points for analysis elsewhere."""

from __future__ import annotations

import csv
import io
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from fieldkit.conferences.models import (
    Conference,
    Group,
    Point,
    Round,
    Tag,
    TagKind,
    Task,
    point_tags,
)
from fieldkit.core import downloads
from fieldkit.core.models import Project
from fieldkit.extensions import db

#: Themes and actors the researchers used ("Utfordringer og endringsforslag", per city).
SUGGESTED_TAGS: list[tuple[str, TagKind]] = [
    ("Aetat", TagKind.ACTOR),
    ("Tiltak og metoder", TagKind.THEME),
    ("Hjelpeapparatet og samarbeid", TagKind.ACTOR),
    ("Arbeidslivet", TagKind.ACTOR),
    ("Behov for endringer i tiltaksregelverket", TagKind.THEME),
    ("Informasjon og kunnskap", TagKind.THEME),
    ("Samarbeid", TagKind.THEME),
    ("Tiltaksutvikling", TagKind.THEME),
    ("Individuell plan", TagKind.THEME),
]


def project_tags(project: Project) -> list[Tag]:
    return list(
        db.session.scalars(
            sa.select(Tag).where(Tag.project_id == project.id).order_by(Tag.position, Tag.id)
        )
    )


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
    from fieldkit.conferences.compile import included, point_text

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


# --- tagging ------------------------------------------------------------------------------


class TagError(ValueError):
    """A tag that cannot be made (empty or already there)."""


def _clean_tag_name(name: str) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise TagError(_("Give the tag a name."))
    if len(name) > 200:
        raise TagError(_("A tag's name can have at most 200 characters."))
    return name


def add_tag(project: Project, name: str, kind: TagKind = TagKind.THEME) -> Tag:
    name = _clean_tag_name(name)
    existing = {t.name.casefold() for t in project_tags(project)}
    if name.casefold() in existing:
        raise TagError(_("The project already has the tag “%(name)s”.", name=name))
    position = len(existing)
    tag = Tag(project_id=project.id, name=name, kind=kind, position=position)
    db.session.add(tag)
    db.session.flush()
    return tag


def rename_tag(tag: Tag, name: str, kind: TagKind | None = None, *, actor=None) -> Tag:
    """Give ``tag`` a new name (and kind); the points keep it."""
    from fieldkit.core import audit

    name = _clean_tag_name(name)
    others = {t.name.casefold() for t in project_tags(tag_project(tag)) if t.id != tag.id}
    if name.casefold() in others:
        raise TagError(_("The project already has the tag “%(name)s”.", name=name))
    before = {"name": tag.name, "kind": tag.kind.value}
    tag.name = name
    if kind is not None:
        tag.kind = kind
    db.session.flush()
    audit.record(
        "conference.tag_changed",
        tag,
        actor=actor,
        project=tag.project_id,
        before=before,
        after={"name": tag.name, "kind": tag.kind.value},
    )
    return tag


def delete_tag(tag: Tag, *, actor=None) -> int:
    """Delete ``tag`` and take it off every point; returns how many points had it."""
    from fieldkit.core import audit

    count = len(tagged_point_ids(tag))
    audit.record(
        "conference.tag_deleted",
        tag,
        actor=actor,
        project=tag.project_id,
        name=tag.name,
        kind=tag.kind.value,
        points=count,
    )
    db.session.delete(tag)  # the ORM removes its rows in conference_point_tags
    db.session.flush()
    return count


def tag_project(tag: Tag) -> Project:
    return db.session.get(Project, tag.project_id)


def add_suggested_tags(project: Project) -> int:
    """Add the suggested themes and actors the project does not have; returns how many."""
    existing = {t.name.casefold() for t in project_tags(project)}
    added = 0
    for name, kind in SUGGESTED_TAGS:
        if name.casefold() not in existing:
            add_tag(project, name, kind)
            added += 1
    return added


def set_tag(points: list[Point], tag: Tag, on: bool) -> int:
    """Put ``tag`` on (or take it off) every point; returns how many changed."""
    changed = 0
    for point in points:
        if on and tag not in point.tags:
            point.tags.append(tag)
            changed += 1
        elif not on and tag in point.tags:
            point.tags.remove(tag)
            changed += 1
    db.session.flush()
    return changed


# --- across conferences ---------------------------------------------------------------------


def project_overview(project: Project) -> dict[str, Any]:
    """Themes × conferences: how many visible points carry each tag in each conference, with
    the points behind each count."""
    from fieldkit.conferences.compile import DEFAULT_OPTIONS, included, point_text

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


def combined_context(project: Project, language: str = "nb") -> dict[str, Any]:
    """The combined synthesis document: per theme, per conference, the points."""
    from flask_babel import force_locale

    from fieldkit.conferences.compile import DEFAULT_OPTIONS

    overview = project_overview(project)
    with force_locale(language):
        conferences = {
            c.id: c
            for c in db.session.scalars(
                sa.select(Conference).where(Conference.project_id == project.id)
            )
        }
        sections = []
        for row in overview["rows"]:
            if not row["total"]:
                continue
            sections.append(
                {
                    "name": row["name"],
                    "conferences": [
                        {
                            "place": conf["place"],
                            "provenance": provenance(conferences[conf["id"]]),
                            "points": points,
                        }
                        for conf, points in zip(overview["conferences"], row["points"], strict=True)
                        if points
                    ],
                }
            )
        return {
            "options": dict(DEFAULT_OPTIONS, language=language),
            "project": project.name,
            "title": _("Challenges and proposals for change"),
            "overview": overview,
            "sections": sections,
        }


# --- export ---------------------------------------------------------------------------------

EXPORT_COLUMNS = [
    "conference",
    "place",
    "round",
    "group",
    "task",
    "task_text",
    "point_id",
    "text",
    "original_text",
    "for_plenum",
    "hidden",
    "themes",
    "actors",
]


def export_rows(project: Project) -> list[dict[str, Any]]:
    """All live points of the project's conferences with group, round, task, tags."""
    from fieldkit.conferences.compile import point_text

    rows = []
    conferences = db.session.scalars(
        sa.select(Conference).where(Conference.project_id == project.id).order_by(Conference.id)
    )
    for conference in conferences:
        for point in conference_points(conference):
            rows.append(
                {
                    "conference": conference.title,
                    "place": conference.place,
                    "round": point.group.round.title,
                    "group": point.group.name,
                    "task": point.task.number,
                    "task_text": point.task.text,
                    "point_id": point.id,
                    "text": point_text(point),
                    "original_text": point.original_text,
                    "for_plenum": point.for_plenum,
                    "hidden": bool(point.edit and point.edit.hidden),
                    "themes": "; ".join(t.name for t in point.tags if t.kind == TagKind.THEME),
                    "actors": "; ".join(t.name for t in point.tags if t.kind == TagKind.ACTOR),
                }
            )
    return rows


def export_csv(project: Project) -> bytes:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=EXPORT_COLUMNS)
    writer.writeheader()
    for row in export_rows(project):
        writer.writerow(
            {k: ("1" if v is True else "0" if v is False else v) for k, v in row.items()}
        )
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def export_xlsx(project: Project) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "points"
    sheet.append(EXPORT_COLUMNS)
    for row in export_rows(project):
        sheet.append([row[c] for c in EXPORT_COLUMNS])
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def tagged_point_ids(tag: Tag) -> list[int]:
    """The ids of the points carrying ``tag``, in order."""
    return list(
        db.session.scalars(
            sa.select(point_tags.c.point_id)
            .where(point_tags.c.tag_id == tag.id)
            .order_by(point_tags.c.point_id)
        )
    )


# --- made in the background, kept for download ------------------------------------------------

EXPORT_MIMETYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def export_job(project_id: int, fmt: str, user_id: int | None) -> dict:
    """Background job: the export of all points as CSV or XLSX, kept for download."""
    from fieldkit.core import audit
    from fieldkit.core.jobs import report_progress
    from fieldkit.core.models import User

    project = db.session.get(Project, project_id)
    if project is None:
        raise LookupError(f"no project {project_id}")
    if fmt not in EXPORT_MIMETYPES:
        raise ValueError(f"unknown format {fmt!r}")
    report_progress(0, 2, "exporting")
    content = export_csv(project) if fmt == "csv" else export_xlsx(project)
    report_progress(1, 2, "storing")
    result = downloads.store_bytes(
        "conference-exports",
        content,
        f".{fmt}",
        download_name=f"points-{project.slug}.{fmt}",
        mimetype=EXPORT_MIMETYPES[fmt],
    )
    user = db.session.get(User, user_id) if user_id else None
    audit.record("conference.points_exported", project, actor=user, format=fmt)
    db.session.commit()
    return result
