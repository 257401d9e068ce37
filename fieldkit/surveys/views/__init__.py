"""The survey module's blueprint; its routes live in one module per area of work."""

from __future__ import annotations

from flask import Blueprint, abort
from flask_login import current_user

from fieldkit.extensions import db

bp = Blueprint("surveys", __name__, url_prefix="/p/<slug>")


def questionnaire_or_404(project, questionnaire_id: int):
    """The questionnaire ``questionnaire_id`` of ``project``, or 404."""
    from fieldkit.surveys.models import Questionnaire

    record = db.session.get(Questionnaire, questionnaire_id)
    if record is None or record.project_id != project.id:
        abort(404)
    return record


def actor():
    """The logged-in user, as a model instance (for operations and the audit log)."""
    return current_user._get_current_object()


#: Modules holding the blueprint's routes, imported when the blueprint is registered.
ROUTE_MODULES = (
    "questionnaires",
    "preview",
    "survey_admin",
    "editor",
    "paper",
    "dashboard",
    "respond",
    "outcomes",
    "fieldwork_pages",
    "results_pages",
    "results_cleaning",
)


def load_routes() -> Blueprint:
    """Import every route module (each adds its routes to ``bp``) and return ``bp``."""
    import importlib

    for name in ROUTE_MODULES:
        importlib.import_module(f"{__name__}.{name}")
    return bp
