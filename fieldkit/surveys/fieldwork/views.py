"""Survey pages for researchers: create a survey, its overview, put it in the field."""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _

from fieldkit.core import access
from fieldkit.core.loaders import acting_user, owned_or_404
from fieldkit.core.operations import OperationError
from fieldkit.extensions import db
from fieldkit.surveys.fieldwork import operations as surveys
from fieldkit.surveys.fieldwork.forms import SurveyForm
from fieldkit.surveys.fieldwork.operations import start_of_day
from fieldkit.surveys.models import Questionnaire, Survey
from fieldkit.surveys.questionnaires import operations as questionnaires
from fieldkit.surveys.respond import links

bp = Blueprint("fieldwork", __name__)


@bp.route("/surveys/new", methods=["GET", "POST"])
@access.require_project_access
def survey_new(project):
    """Create a survey from one of the project's questionnaires."""
    form = SurveyForm()
    choices = questionnaires.project_questionnaires(project)
    form.questionnaire.choices = [(q.id, q.title) for q in choices]
    if not choices:
        flash(_("Import or create a questionnaire first."), "warning")
        return redirect(url_for("core.project", slug=project.slug))
    if form.validate_on_submit():
        record = owned_or_404(Questionnaire, form.questionnaire.data, project)
        try:
            survey = surveys.create_survey(
                record,
                form.title.data,
                opens_at=start_of_day(form.opens.data),
                closes_at=start_of_day(form.closes.data + timedelta(days=1))
                if form.closes.data
                else None,
                open_link=form.open_link.data,
                kiosk=form.kiosk.data,
                anonymous=form.anonymous.data or record.current.definition.anonymous,
                allow_edit_after_submit=form.allow_edit_after_submit.data,
                review_page=form.review_page.data,
                intro={"nb": form.intro.data} if form.intro.data else None,
                thank_you={"nb": form.thank_you.data} if form.thank_you.data else None,
                contact_name=form.contact_name.data or "",
                contact_email=form.contact_email.data or "",
                contact_phone=form.contact_phone.data or "",
                complete_threshold=form.complete_threshold.data / 100,
                partial_threshold=form.partial_threshold.data / 100,
                actor=acting_user(),
            )
        except OperationError as exc:
            form.title.errors.append(str(exc))
        else:
            db.session.commit()
            flash(_("Survey %(title)s created.", title=survey.title), "success")
            return redirect(url_for(".survey", slug=project.slug, sid=survey.id))
    status = 422 if form.errors else 200
    return render_template("surveys/fieldwork/survey_form.html", project=project, form=form), status


@bp.route("/surveys/<int:sid>/")
@access.require_project_access
def survey(project, sid: int):
    """A survey's overview: state, links, and what can be done with it."""
    survey = owned_or_404(Survey, sid, project)
    return render_template(
        "surveys/fieldwork/survey.html",
        project=project,
        survey=survey,
        open_url=links.open_url(survey) if survey.open_link else None,
    )


@bp.route("/surveys/<int:sid>/launch", methods=["POST"])
@access.require_project_access
def survey_launch(project, sid: int):
    """Put the survey in the field."""
    survey = owned_or_404(Survey, sid, project)
    try:
        surveys.launch(survey, actor=acting_user())
    except OperationError as exc:
        flash(str(exc), "error")
    else:
        db.session.commit()
        flash(_("The survey is in the field."), "success")
    return redirect(url_for(".survey", slug=project.slug, sid=survey.id))


@bp.route("/surveys/<int:sid>/close", methods=["POST"])
@access.require_project_access
def survey_close(project, sid: int):
    """Close the survey now."""
    survey = owned_or_404(Survey, sid, project)
    surveys.close_now(survey, actor=acting_user())
    db.session.commit()
    flash(_("The survey is closed."), "success")
    return redirect(url_for(".survey", slug=project.slug, sid=survey.id))
