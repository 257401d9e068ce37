"""The synthesis across a project's conferences (members of the project): themes × conferences,
the project's tags, the combined document and the export of all points."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _

from fieldkit.conferences.documents import page_language
from fieldkit.conferences.models import Tag, TagKind
from fieldkit.conferences.synthesis import combined, export, tags
from fieldkit.conferences.synthesis.forms import TagForm
from fieldkit.conferences.synthesis.overview import project_overview
from fieldkit.core import downloads
from fieldkit.core.access import require_project_access
from fieldkit.core.forms import EmptyForm
from fieldkit.core.jobs import enqueue
from fieldkit.core.loaders import (
    acting_user,
    object_job_or_404,
    owned_or_404,
    project_job,
    retry_job,
)
from fieldkit.extensions import db

bp = Blueprint("synthesis", __name__, url_prefix="/synthesis")

#: The jobs whose files the synthesis page offers for download.
JOBS = (combined.combined_job, export.export_job)


@bp.route("", methods=["GET", "POST"])
@require_project_access
def overview(project):
    """Themes × conferences for the project, the tags, the combined document and exports."""
    form = TagForm()
    suggest_form = EmptyForm(prefix="suggest")
    if request.method == "POST":
        if request.form.get("action") == "suggested":
            suggest_form.validate_on_submit() or abort(400)
            count = tags.add_suggested_tags(project)
            db.session.commit()
            flash(_("%(count)d suggested tags added.", count=count), "success")
            return redirect(url_for(".overview", slug=project.slug))
        if form.validate_on_submit():
            try:
                tags.add_tag(project, form.name.data, TagKind(form.kind.data))
            except tags.TagError as exc:
                form.name.errors.append(str(exc))
            else:
                db.session.commit()
                flash(_("Tag added."), "success")
                return redirect(url_for(".overview", slug=project.slug))
    job = project_job(project, request.args.get("job"), JOBS)
    job_download = retry_url = None
    if job is not None and job.status.value == "done":
        job_download = url_for(".download", slug=project.slug, job_id=job.id)
    elif job is not None and job.status.value == "failed":
        retry_url = url_for(".retry", slug=project.slug, job_id=job.id)
    return render_template(
        "conferences/synthesis/overview.html",
        project=project,
        overview=project_overview(project),
        tags=tags.project_tags(project),
        form=form,
        suggest_form=suggest_form,
        job_form=EmptyForm(prefix="job"),
        job=job,
        job_download=job_download,
        retry_url=retry_url,
    ), (422 if form.errors else 200)


@bp.route("/points.<fmt>", methods=["POST"])
@require_project_access
def export_points(project, fmt: str):
    """Export all points with group, round, task, tags and conference, as CSV or XLSX (a
    background job; the file is offered on the synthesis page when it is ready)."""
    if fmt not in export.EXPORT_MIMETYPES:
        abort(404)
    EmptyForm(prefix="job").validate_on_submit() or abort(400)
    job = enqueue(
        export.export_job,
        project.id,
        fmt,
        acting_user().id,
        created_by=acting_user(),
        project=project,
    )
    return redirect(url_for(".overview", slug=project.slug, job=job.id))


@bp.route("/combined.<fmt>", methods=["GET", "POST"])
@require_project_access
def combined_document(project, fmt: str):
    """The combined synthesis document of all the project's conferences: PDF or DOCX made by a
    background job (POST), or HTML to read at once (GET)."""
    if request.method == "POST":
        if fmt not in ("pdf", "docx"):
            abort(404)
        EmptyForm(prefix="job").validate_on_submit() or abort(400)
        job = enqueue(
            combined.combined_job,
            project.id,
            fmt,
            page_language(),
            acting_user().id,
            created_by=acting_user(),
            project=project,
        )
        return redirect(url_for(".overview", slug=project.slug, job=job.id))
    if fmt != "html":
        abort(405 if fmt in ("pdf", "docx") else 404)
    content, mimetype = combined.render(project, fmt, page_language())
    response = current_app.response_class(content, mimetype=mimetype)
    response.headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/jobs/<job_id>/retry", methods=["POST"])
@require_project_access
def retry(project, job_id: str):
    """Make the combined document or the export again, after it failed."""
    job = retry_job(object_job_or_404(project, job_id, JOBS, project.id))
    return redirect(url_for(".overview", slug=project.slug, job=job.id))


@bp.route("/jobs/<job_id>/download")
@require_project_access
def download(project, job_id: str):
    """The file a combined-document or export job of this project made."""
    job = project_job(project, job_id, JOBS)
    if job is None or job.status.value != "done":
        abort(404)
    response = downloads.send("conference-exports", job.result)
    if response is None:
        flash(downloads.gone_message(), "error")
        return redirect(url_for(".overview", slug=project.slug))
    return response


# --- tags -------------------------------------------------------------------------------------


@bp.route("/tags/<int:tag_id>/edit", methods=["GET", "POST"])
@require_project_access
def edit_tag(project, tag_id: int):
    """Rename a tag or change its kind; the points keep it."""
    tag = owned_or_404(Tag, tag_id, project)
    form = TagForm(obj=tag)
    if request.method == "GET":
        form.kind.data = tag.kind.value
    if form.validate_on_submit():
        try:
            tags.rename_tag(tag, form.name.data, TagKind(form.kind.data), actor=acting_user())
        except tags.TagError as exc:
            form.name.errors.append(str(exc))
        else:
            db.session.commit()
            flash(_("Saved."), "success")
            return redirect(url_for(".overview", slug=project.slug))
    return render_template(
        "conferences/synthesis/tag_edit.html",
        project=project,
        tag=tag,
        form=form,
        points=len(tags.tagged_point_ids(tag)),
    ), (422 if form.errors else 200)


@bp.route("/tags/<int:tag_id>/delete", methods=["GET", "POST"])
@require_project_access
def delete_tag(project, tag_id: int):
    """Delete a tag after a confirmation page; the points lose it."""
    tag = owned_or_404(Tag, tag_id, project)
    form = EmptyForm()
    if request.method == "POST":
        form.validate_on_submit() or abort(400)
        name = tag.name
        count = tags.delete_tag(tag, actor=acting_user())
        db.session.commit()
        flash(
            _(
                "The tag %(name)s is deleted and taken off %(count)d points.",
                name=name,
                count=count,
            ),
            "success",
        )
        return redirect(url_for(".overview", slug=project.slug))
    return render_template(
        "conferences/synthesis/tag_delete.html",
        project=project,
        tag=tag,
        form=form,
        points=len(tags.tagged_point_ids(tag)),
    )
