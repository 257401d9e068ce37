"""Questionnaire pages for researchers: list, import, overview, upload, download."""

from __future__ import annotations

from io import BytesIO

from flask import Blueprint, abort, flash, redirect, render_template, send_file, url_for
from flask_babel import get_locale
from flask_babel import gettext as _

from fieldkit.core import access, jobs, pending_uploads
from fieldkit.core.loaders import acting_user, object_job_or_404, owned_or_404
from fieldkit.extensions import db
from fieldkit.surveys.models import Questionnaire
from fieldkit.surveys.questionnaires import operations as questionnaires
from fieldkit.surveys.questionnaires.definition import DefinitionError
from fieldkit.surveys.questionnaires.forms import DefinitionUploadForm

bp = Blueprint("questionnaires", __name__)


@bp.route("/questionnaires/")
@access.require_project_access
def questionnaire_list(project):
    """The project's questionnaires."""
    return render_template(
        "surveys/questionnaires/list.html",
        project=project,
        questionnaires=questionnaires.project_questionnaires(project),
    )


def _start_import(project, form, record=None):
    """Check the uploaded file cheaply, keep it and start the job that parses and stores it;
    the job, or None when the file is refused at once (the form then says why)."""
    upload = form.file.data
    content = upload.read()
    try:
        questionnaires.check_upload(upload.filename, content)
    except DefinitionError as exc:
        form.file.errors.append(str(exc))
        return None
    token = questionnaires.store_upload(project, upload.filename, content)
    return jobs.enqueue(
        questionnaires.import_upload_job,
        project.id,
        token,
        str(get_locale()),
        acting_user().id,
        record.id if record is not None else None,
        created_by=acting_user(),
        project=project,
    )


def _imported(project, job):
    """Where a job that stored a file goes on to: the questionnaire, with what was saved."""
    record = db.session.get(Questionnaire, job.result["questionnaire"])
    if job.args[4] is None:
        flash(_("Questionnaire %(title)s imported.", title=record.title), "success")
    else:
        flash(_("Saved as version %(number)d.", number=job.result["version"]), "success")
    return redirect(url_for(".questionnaire", slug=project.slug, qid=record.id))


def _import_page(project, form):
    status = 422 if form.errors else 200
    return render_template("surveys/questionnaires/import.html", project=project, form=form), status


@bp.route("/questionnaires/import", methods=["GET", "POST"])
@access.require_project_access
def questionnaire_import(project):
    """Upload a native definition or an XLSForm as a new questionnaire (a job parses it)."""
    form = DefinitionUploadForm()
    if form.validate_on_submit():
        job = _start_import(project, form)
        if job is not None:
            if not job.finished:
                return redirect(url_for(".questionnaire_job", slug=project.slug, job_id=job.id))
            refusal = pending_uploads.refusal(job)
            if refusal is None:
                return _imported(project, job)
            form.file.errors.append(refusal)
    return _import_page(project, form)


@bp.route("/questionnaires/jobs/<job_id>")
@access.require_project_access
def questionnaire_job(project, job_id: str):
    """The parsing of an uploaded file: its progress, then the questionnaire, or the form it
    came from with the reason it was refused."""
    job = object_job_or_404(project, job_id, [questionnaires.import_upload_job], project.id)
    refusal = pending_uploads.refusal(job) if job.finished else None
    if job.finished and refusal is None:
        return _imported(project, job)
    qid = job.args[4]
    if refusal is None:
        record = owned_or_404(Questionnaire, qid, project) if qid is not None else None
        return render_template(
            "surveys/questionnaires/job.html", project=project, record=record, job=job
        )
    form = DefinitionUploadForm(formdata=None)
    form.file.errors = [refusal]
    if qid is None:
        return _import_page(project, form)
    return _questionnaire_page(project, owned_or_404(Questionnaire, qid, project), form), 422


@bp.route("/questionnaires/<int:qid>/")
@access.require_project_access
def questionnaire(project, qid: int):
    """A questionnaire: its sections and items, versions, and files to download."""
    record = owned_or_404(Questionnaire, qid, project)
    return _questionnaire_page(project, record, DefinitionUploadForm())


def _questionnaire_page(project, record, upload_form):
    return render_template(
        "surveys/questionnaires/questionnaire.html",
        project=project,
        record=record,
        version=record.current,
        q=record.current.definition,
        upload_form=upload_form,
    )


@bp.route("/questionnaires/<int:qid>/upload", methods=["POST"])
@access.require_project_access
def questionnaire_upload(project, qid: int):
    """Replace the definition by an uploaded file (a new version once answers exist); a job
    parses it."""
    record = owned_or_404(Questionnaire, qid, project)
    form = DefinitionUploadForm()
    if form.validate_on_submit():
        job = _start_import(project, form, record)
        if job is not None:
            if not job.finished:
                return redirect(url_for(".questionnaire_job", slug=project.slug, job_id=job.id))
            refusal = pending_uploads.refusal(job)
            if refusal is None:
                return _imported(project, job)
            form.file.errors.append(refusal)
    for errors in form.errors.values():
        for error in errors:
            flash(error, "error")
    return redirect(url_for(".questionnaire", slug=project.slug, qid=record.id))


@bp.route("/questionnaires/<int:qid>/export/<fmt>")
@access.require_project_access
def questionnaire_export(project, qid: int, fmt: str):
    """Download the current version as native YAML or as XLSForm."""
    record = owned_or_404(Questionnaire, qid, project)
    if fmt not in ("yaml", "xlsform"):
        abort(404)
    content, filename, mimetype = questionnaires.export(record, fmt, actor=acting_user())
    db.session.commit()
    return send_file(
        BytesIO(content), mimetype=mimetype, as_attachment=True, download_name=filename
    )
