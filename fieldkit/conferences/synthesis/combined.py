"""The combined synthesis document of a project: per theme, what came up in each conference
(PDF, DOCX or HTML)."""

from __future__ import annotations

import io
from typing import Any

import sqlalchemy as sa
from flask import render_template
from flask_babel import force_locale
from flask_babel import gettext as _

from fieldkit.conferences.documents import DEFAULT_OPTIONS, MIMETYPES
from fieldkit.conferences.models import Conference
from fieldkit.conferences.synthesis.overview import project_overview, provenance
from fieldkit.core import audit, downloads, jobs, pdf
from fieldkit.core.models import Project, User
from fieldkit.core.text import xml_safe_data
from fieldkit.extensions import db


def combined_context(project: Project, language: str = "nb") -> dict[str, Any]:
    """The combined synthesis document: per theme, per conference, the points."""
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


def render_html(context: dict, *, standalone: bool) -> str:
    """The print template filled in (``standalone``: to be read as a page, not printed)."""
    with force_locale(context["options"]["language"]):
        return render_template(
            "pdf/conferences/synthesis.html",
            doc=context,
            standalone=standalone,
            footer_css=pdf.page_counter_css(_("%(page)s of %(pages)s")),
        )


def to_docx(context: dict) -> bytes:
    """The combined document as an editable Word file."""
    context = xml_safe_data(context)  # stored text may hold what XML cannot
    from docx import Document

    with force_locale(context["options"]["language"]):
        theme_word, total_word = _("Theme"), _("Total")
    document = Document()
    document.add_heading(context["title"], level=0)
    document.add_paragraph(context["project"])
    overview = context["overview"]
    table = document.add_table(rows=1, cols=len(overview["conferences"]) + 2)
    table.style = "Table Grid"
    head = table.rows[0].cells
    head[0].text = theme_word
    for index, conference in enumerate(overview["conferences"], start=1):
        head[index].text = conference["place"]
    head[-1].text = total_word
    for row in overview["rows"]:
        cells = table.add_row().cells
        cells[0].text = row["name"]
        for index, count in enumerate(row["counts"], start=1):
            cells[index].text = str(count)
        cells[-1].text = str(row["total"])
    for section in context["sections"]:
        document.add_heading(section["name"], level=1)
        for conference in section["conferences"]:
            document.add_heading(conference["place"], level=2)
            document.add_paragraph(conference["provenance"])
            for point in conference["points"]:
                document.add_paragraph(point["text"], style="List Bullet")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def render(project: Project, fmt: str, language: str = "nb") -> tuple[bytes, str]:
    """The combined document in ``fmt`` (pdf, docx or html) and its MIME type."""
    return render_context(combined_context(project, language), fmt)


def render_context(context: dict, fmt: str) -> tuple[bytes, str]:
    """The combined document of a built context in ``fmt``, and its MIME type."""
    if fmt == "pdf":
        return pdf.write_pdf(render_html(context, standalone=False)), MIMETYPES["pdf"]
    if fmt == "docx":
        return to_docx(context), MIMETYPES["docx"]
    if fmt == "html":
        return render_html(context, standalone=True).encode(), MIMETYPES["html"]
    raise ValueError(f"unknown format {fmt!r}")


def combined_job(project_id: int, fmt: str, language: str, user_id: int | None) -> dict:
    """Background job: render the combined synthesis document and keep it for download;
    returns where it is (see ``core.downloads.store``)."""
    project = db.session.get(Project, project_id)
    if project is None:
        raise LookupError(f"no project {project_id}")
    if fmt not in ("pdf", "docx"):
        raise ValueError(f"unknown format {fmt!r}")
    jobs.report_progress(0, 3, "collecting")
    context = combined_context(project, language)
    jobs.report_progress(1, 3, "rendering")
    content, mimetype = render_context(context, fmt)
    jobs.report_progress(2, 3, "storing")
    result = downloads.store_bytes(
        "conference-exports",
        content,
        f".{fmt}",
        download_name=f"synthesis-{project.slug}.{fmt}",
        mimetype=mimetype,
    )
    user = db.session.get(User, user_id) if user_id else None
    audit.record("conference.synthesis_compiled", project, actor=user, format=fmt)
    db.session.commit()
    return result
