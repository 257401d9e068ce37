"""The combined synthesis document of a project: per theme, what came up in each conference."""

from __future__ import annotations

import io

from flask import render_template
from flask_babel import force_locale
from flask_babel import gettext as _

from fieldkit.conferences import compile as compiler
from fieldkit.conferences import synthesis
from fieldkit.core import downloads
from fieldkit.core.models import Project


def render_html(context: dict, *, standalone: bool) -> str:
    with force_locale(context["options"]["language"]):
        return render_template(
            "pdf/conferences/synthesis.html",
            doc=context,
            standalone=standalone,
            footer_css=compiler.page_counter_css(_("%(page)s of %(pages)s")),
        )


def to_docx(context: dict) -> bytes:
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
    return render_context(synthesis.combined_context(project, language), fmt)


def render_context(context: dict, fmt: str) -> tuple[bytes, str]:
    """The combined document of a built context in ``fmt``, and its MIME type."""
    if fmt == "pdf":
        return compiler.write_pdf(render_html(context, standalone=False), set()), "application/pdf"
    if fmt == "docx":
        return to_docx(context), compiler.MIMETYPES["docx"]
    if fmt == "html":
        return render_html(context, standalone=True).encode(), compiler.MIMETYPES["html"]
    raise ValueError(f"unknown format {fmt!r}")


def combined_job(project_id: int, fmt: str, language: str, user_id: int | None) -> dict:
    """Background job: render the combined synthesis document and keep it for download;
    returns where it is (see ``core.downloads.store``)."""
    from fieldkit.core import audit
    from fieldkit.core.jobs import report_progress
    from fieldkit.core.models import User
    from fieldkit.extensions import db

    project = db.session.get(Project, project_id)
    if project is None:
        raise LookupError(f"no project {project_id}")
    if fmt not in ("pdf", "docx"):
        raise ValueError(f"unknown format {fmt!r}")
    report_progress(0, 3, "collecting")
    context = synthesis.combined_context(project, language)
    report_progress(1, 3, "rendering")
    content, mimetype = render_context(context, fmt)
    report_progress(2, 3, "storing")
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
