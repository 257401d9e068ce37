"""Surveys: questionnaires, surveys, sampling frames, invitations, responses and results."""

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the survey pages and commands."""
    from fieldkit.surveys.cli import questionnaire_cli, survey_cli
    from fieldkit.surveys.views import load_routes

    app.register_blueprint(load_routes())
    from fieldkit.surveys.views.respond import respond_bp

    app.register_blueprint(respond_bp)

    @app.context_processor
    def survey_helpers():
        from fieldkit.surveys.dispositions import CODES
        from fieldkit.surveys.queries import case_code
        from fieldkit.surveys.questionnaires import project_questionnaires
        from fieldkit.surveys.surveys import project_surveys

        return {
            "project_questionnaires": project_questionnaires,
            "project_surveys": project_surveys,
            "case_code": case_code,
            "disposition_codes": CODES,
        }

    app.cli.add_command(questionnaire_cli)
    app.cli.add_command(survey_cli)
    from fieldkit.surveys.cli import frame_cli

    app.cli.add_command(frame_cli)
    from fieldkit.surveys.views.fieldwork_pages import public_bp as fieldwork_public_bp

    app.register_blueprint(fieldwork_public_bp)


def load_demo(project, user) -> bool:
    """Add the survey module's demo data (a survey of 160 offices in the field)."""
    from fieldkit.surveys.fieldwork.demo import load_demo as load_fieldwork_demo

    return load_fieldwork_demo(project, user)
