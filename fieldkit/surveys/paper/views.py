"""The paper version (PDF) and the codebook (page, PDF, XLSX) of a questionnaire.

Each takes ``?lang=`` (one of the questionnaire's languages) and ``?version=`` (a version
number; default the current version).
"""

from __future__ import annotations

from io import BytesIO

from flask import Blueprint, abort, render_template, request, send_file
from flask_babel import force_locale

from fieldkit.core import access
from fieldkit.core.loaders import acting_user, owned_or_404
from fieldkit.extensions import db
from fieldkit.surveys.models import Questionnaire
from fieldkit.surveys.paper import operations
from fieldkit.surveys.paper.codebook import codebook_context

bp = Blueprint("paper", __name__)

LANGUAGE_NAMES = {"nb": "Bokmål", "nn": "Nynorsk", "en": "English"}


def _choice(record) -> tuple[int | None, str]:
    """The version number and language asked for, when the questionnaire has them (else 404)."""
    number = request.args.get("version", type=int)
    try:
        version = operations.version_of(record, number)
        return number, operations.language_of(version, request.args.get("lang"))
    except operations.ExportError:
        abort(404)


def _download(result: tuple[bytes, str, str]):
    content, filename, mimetype = result
    db.session.commit()  # the audit record of the export
    return send_file(
        BytesIO(content), mimetype=mimetype, as_attachment=True, download_name=filename
    )


@bp.route("/questionnaires/<int:qid>/paper.pdf")
@access.require_project_access
def questionnaire_paper(project, qid: int):
    """The printable paper version."""
    record = owned_or_404(Questionnaire, qid, project)
    number, language = _choice(record)
    return _download(operations.export_paper(record, language, version=number, actor=acting_user()))


@bp.route("/questionnaires/<int:qid>/codebook")
@access.require_project_access
def questionnaire_codebook(project, qid: int):
    """The codebook as a page, with links to its PDF and XLSX."""
    record = owned_or_404(Questionnaire, qid, project)
    number, language = _choice(record)
    version = operations.version_of(record, number)
    with force_locale(language):
        codebook = codebook_context(version.definition, language)
    return render_template(
        "surveys/paper/codebook.html",
        project=project,
        record=record,
        version=version,
        codebook=codebook,
        language=language,
        language_names={code: LANGUAGE_NAMES[code] for code in version.definition.languages},
    )


@bp.route("/questionnaires/<int:qid>/codebook.<any(pdf, xlsx):fmt>")
@access.require_project_access
def questionnaire_codebook_file(project, qid: int, fmt: str):
    """The codebook as a PDF or an XLSX workbook."""
    record = owned_or_404(Questionnaire, qid, project)
    number, language = _choice(record)
    return _download(
        operations.export_codebook(record, fmt, language, version=number, actor=acting_user())
    )
