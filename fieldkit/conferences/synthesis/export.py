"""The export of all points of a project's conferences, with group, round, task and tags, for
analysis elsewhere (CSV or XLSX, made by a background job and kept for download)."""

from __future__ import annotations

import io
from typing import Any

import sqlalchemy as sa

from fieldkit.conferences.documents import point_text
from fieldkit.conferences.models import Conference, TagKind
from fieldkit.conferences.synthesis.overview import conference_points
from fieldkit.core import audit, downloads, jobs, spreadsheets
from fieldkit.core.models import Project, User
from fieldkit.extensions import db

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
    """The points as CSV (UTF-8 with BOM, comma; true/false as 1/0)."""
    buffer = io.StringIO()
    writer = spreadsheets.csv_writer(buffer, lineterminator="\r\n")
    writer.writerow(EXPORT_COLUMNS)
    for row in export_rows(project):
        writer.writerow(
            "1" if v is True else "0" if v is False else v for v in (row[c] for c in EXPORT_COLUMNS)
        )
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def export_xlsx(project: Project) -> bytes:
    """The points as a workbook of one sheet."""
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "points"
    spreadsheets.append(sheet, EXPORT_COLUMNS)
    for row in export_rows(project):
        spreadsheets.append(sheet, [row[c] for c in EXPORT_COLUMNS])
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


EXPORT_MIMETYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def export_job(project_id: int, fmt: str, user_id: int | None) -> dict:
    """Background job: the export of all points as CSV or XLSX, kept for download."""
    project = db.session.get(Project, project_id)
    if project is None:
        raise LookupError(f"no project {project_id}")
    if fmt not in EXPORT_MIMETYPES:
        raise ValueError(f"unknown format {fmt!r}")
    jobs.report_progress(0, 2, "exporting")
    content = export_csv(project) if fmt == "csv" else export_xlsx(project)
    jobs.report_progress(1, 2, "storing")
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
