"""Results: the list of cleaning steps, adding one, undoing one, a coding step's code frame."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from fieldkit.core import access
from fieldkit.core.loaders import acting_user, owned_or_404
from fieldkit.extensions import db
from fieldkit.surveys.models import CleaningStep, Survey
from fieldkit.surveys.questionnaires import definition as d
from fieldkit.surveys.results import cleaning, cleaning_steps
from fieldkit.surveys.results.cleaning_steps import CODE, FILTER, RECODE, CleaningError
from fieldkit.surveys.results.forms import BandForm, CodeForm, FilterForm, RecodeForm, parse_codes
from fieldkit.surveys.results.views import bp


def _forms(survey):
    questionnaire = cleaning_steps.active_steps(survey).questionnaire()
    band = BandForm(prefix="band")
    band.source.choices = [
        (item.name, f"{item.number + '. ' if item.number else ''}{d.text_in(item.label, 'nb')}")
        for _s, item in questionnaire.items()
        if item.type in d.NUMBER_TYPES
    ]
    code = CodeForm(prefix="code")
    code.source.choices = list(cleaning_steps.text_sources(questionnaire).items())
    return {
        "code_form": code,
        "filter_form": FilterForm(prefix="filter"),
        "recode_form": RecodeForm(prefix="recode"),
        "band_form": band,
    }


def _page(project, survey, forms, status=200):
    steps = [(step, cleaning.describe(step)) for step in cleaning_steps.all_steps(survey)]
    return (
        render_template(
            "surveys/results/cleaning.html", project=project, survey=survey, steps=steps, **forms
        ),
        status,
    )


@bp.route("/surveys/<int:sid>/results/cleaning", methods=["GET", "POST"])
@access.require_project_access
def survey_cleaning(project, sid: int):
    """The survey's cleaning steps; add a filter, a recode or bands."""
    survey = owned_or_404(Survey, sid, project)
    forms = _forms(survey)
    if request.method == "GET":
        return _page(project, survey, forms)
    # Each form has a prefix (filter-, recode-, band-) and a hidden field with its kind.
    kind = next((k.split("-")[0] for k in request.form if k.endswith("-kind")), "")
    form = forms.get(f"{kind}_form")
    if form is None:
        abort(400)
    if not form.validate_on_submit():
        return _page(project, survey, forms, 400)
    try:
        step = cleaning.add_step(survey, kind, form.spec(), actor=acting_user())
    except CleaningError as exc:
        db.session.rollback()
        forms = _forms(survey)  # the forms read the posted values again
        form = forms[f"{kind}_form"]
        default = {FILTER: "condition", RECODE: "rules"}.get(kind, "limits")
        field = getattr(form, exc.field.split("[")[0], None)
        if field is None or field.name.endswith("kind"):
            field = getattr(form, default)
        field.errors = [exc.message]
        return _page(project, survey, forms, 400)
    db.session.commit()
    flash(_("The step was added."), "success")
    if kind == CODE:
        return redirect(url_for(".survey_code_frame", slug=project.slug, sid=survey.id,
                                step_id=step.id))  # fmt: skip
    return redirect(url_for(".survey_cleaning", slug=project.slug, sid=survey.id))


@bp.route("/surveys/<int:sid>/results/cleaning/<int:step_id>/undo", methods=["POST"])
@access.require_project_access
def survey_cleaning_undo(project, sid: int, step_id: int):
    """Stop applying a step (it stays listed)."""
    survey = owned_or_404(Survey, sid, project)
    step = owned_or_404(CleaningStep, step_id, survey, by="survey_id")
    try:
        cleaning.undo_step(step, actor=acting_user())
    except CleaningError:
        flash(_("The step is already undone."), "error")
        return redirect(url_for(".survey_cleaning", slug=project.slug, sid=survey.id))
    db.session.commit()
    flash(_("The step was undone."), "success")
    return redirect(url_for(".survey_cleaning", slug=project.slug, sid=survey.id))


@bp.route("/surveys/<int:sid>/results/cleaning/<int:step_id>/codes", methods=["GET", "POST"])
@access.require_project_access
def survey_code_frame(project, sid: int, step_id: int):
    """The code frame of a coding step: its codes, and a code for each different text."""
    survey = owned_or_404(Survey, sid, project)
    step = owned_or_404(CleaningStep, step_id, survey, by="survey_id")
    if step.kind != CODE:
        abort(404)
    texts = cleaning.distinct_texts(survey, step.spec["source"])
    error = None
    codes_text = "\n".join(f"{c['code']} = {c['label']}" for c in step.spec["codes"])
    if request.method == "POST":
        codes_text = request.form.get("codes", "")
        assignments = {
            text: request.form.get(f"text-{index}", "") for index, (text, _n) in enumerate(texts)
        }
        try:
            cleaning.update_code_frame(
                step, parse_codes(codes_text), assignments, actor=acting_user()
            )
        except CleaningError as exc:
            db.session.rollback()
            error = exc.message
        else:
            db.session.commit()
            flash(_("The code frame was saved."), "success")
            return redirect(url_for(".survey_code_frame", slug=project.slug, sid=survey.id,
                                    step_id=step.id))  # fmt: skip
    counts, uncoded = cleaning.coded_counts(step, texts)
    return render_template(
        "surveys/results/code_frame.html",
        project=project,
        survey=survey,
        step=step,
        texts=list(enumerate(texts)),
        codes_text=codes_text,
        counts=counts,
        uncoded=uncoded,
        error=error,
    ), (400 if error else 200)
