"""Questionnaire pages for researchers: list, import, overview, upload, download."""

from __future__ import annotations

from io import BytesIO

from flask import Blueprint, abort, flash, redirect, render_template, send_file, url_for
from flask_babel import gettext as _

from fieldkit.core import access
from fieldkit.core.loaders import acting_user, owned_or_404
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


@bp.route("/questionnaires/import", methods=["GET", "POST"])
@access.require_project_access
def questionnaire_import(project):
    """Upload a native definition or an XLSForm as a new questionnaire."""
    form = DefinitionUploadForm()
    if form.validate_on_submit():
        upload = form.file.data
        try:
            record = questionnaires.import_questionnaire(
                project, upload.filename, upload.read(), actor=acting_user()
            )
        except DefinitionError as exc:
            db.session.rollback()
            form.file.errors.append(str(exc))
        else:
            db.session.commit()
            flash(_("Questionnaire %(title)s imported.", title=record.title), "success")
            return redirect(url_for(".questionnaire", slug=project.slug, qid=record.id))
    status = 422 if form.errors else 200
    return render_template("surveys/questionnaires/import.html", project=project, form=form), status


@bp.route("/questionnaires/<int:qid>/")
@access.require_project_access
def questionnaire(project, qid: int):
    """A questionnaire: its sections and items, versions, and files to download."""
    record = owned_or_404(Questionnaire, qid, project)
    return render_template(
        "surveys/questionnaires/questionnaire.html",
        project=project,
        record=record,
        version=record.current,
        q=record.current.definition,
        upload_form=DefinitionUploadForm(),
    )


@bp.route("/questionnaires/<int:qid>/upload", methods=["POST"])
@access.require_project_access
def questionnaire_upload(project, qid: int):
    """Replace the definition by an uploaded file (a new version once answers exist)."""
    record = owned_or_404(Questionnaire, qid, project)
    form = DefinitionUploadForm()
    if form.validate_on_submit():
        upload = form.file.data
        try:
            parsed = questionnaires.parse_upload(upload.filename, upload.read())
            version = questionnaires.save_definition(record, parsed, actor=acting_user())
        except DefinitionError as exc:
            db.session.rollback()
            flash(str(exc), "error")
        else:
            db.session.commit()
            flash(_("Saved as version %(number)d.", number=version.number), "success")
    else:
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
