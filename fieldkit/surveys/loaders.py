"""The objects named in a survey page's address, loaded for the project in the address (or 404)."""

from __future__ import annotations

from flask import abort
from flask_login import current_user

from fieldkit.extensions import db
from fieldkit.surveys.models import Questionnaire, Survey


def questionnaire_or_404(project, questionnaire_id: int) -> Questionnaire:
    """The questionnaire ``questionnaire_id`` of ``project``, or 404."""
    record = db.session.get(Questionnaire, questionnaire_id)
    if record is None or record.project_id != project.id:
        abort(404)
    return record


def survey_or_404(project, survey_id: int) -> Survey:
    """The survey ``survey_id`` of ``project``, or 404."""
    survey = db.session.get(Survey, survey_id)
    if survey is None or survey.project_id != project.id:
        abort(404)
    return survey


def actor():
    """The logged-in user, as a model instance (for operations and the audit log)."""
    return current_user._get_current_object()
