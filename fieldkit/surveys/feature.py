"""The survey feature's entry: its pages, template helpers, commands and demo data.

Imported by the app factory (``fieldkit.factory.FEATURES``), not by the areas.
"""

from __future__ import annotations

from flask import Flask

from fieldkit.core.models import Project, User
from fieldkit.surveys import blueprints
from fieldkit.surveys.fieldwork import demo
from fieldkit.surveys.fieldwork.cli import frame_cli, survey_cli
from fieldkit.surveys.fieldwork.dispositions import CODES
from fieldkit.surveys.fieldwork.operations import project_surveys
from fieldkit.surveys.fieldwork.queries import case_code
from fieldkit.surveys.paper import cli as paper_cli  # noqa: F401  (adds `questionnaire paper`)
from fieldkit.surveys.questionnaires.cli import questionnaire_cli
from fieldkit.surveys.questionnaires.operations import project_questionnaires
from fieldkit.surveys.results import cli as results_cli  # noqa: F401  (adds `survey export` …)


def init_app(app: Flask) -> None:
    """Register the survey pages, template helpers and commands."""
    app.register_blueprint(blueprints.staff)
    for blueprint in blueprints.PUBLIC:
        app.register_blueprint(blueprint)

    @app.context_processor
    def survey_helpers():
        return {
            "project_questionnaires": project_questionnaires,
            "project_surveys": project_surveys,
            "case_code": case_code,
            "disposition_codes": CODES,
        }

    for group in (questionnaire_cli, survey_cli, frame_cli):
        app.cli.add_command(group)


def load_demo(project: Project, user: User) -> bool:
    """Add the survey feature's demo data (a survey of 160 offices in the field)."""
    return demo.load_demo(project, user)
