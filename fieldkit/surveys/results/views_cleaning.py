"""Results: the list of cleaning steps, adding one, undoing one."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from fieldkit.core import access
from fieldkit.extensions import db
from fieldkit.surveys.loaders import actor, survey_or_404
from fieldkit.surveys.models import CleaningStep
from fieldkit.surveys.questionnaires import definition as d
from fieldkit.surveys.results import cleaning, cleaning_steps
from fieldkit.surveys.results.cleaning_steps import CODE, FILTER, RECODE, CleaningError
from fieldkit.surveys.results.forms import BandForm, CodeForm, FilterForm, RecodeForm
from fieldkit.surveys.results.views import bp


def parse_rules(text: str) -> list[dict[str, str]]:
    """Rules from lines ``condition => code = label``; raises CleaningError naming the line."""
    rules = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        condition, arrow, result = line.partition("=>")
        code, _eq, label = result.partition("=")
        if not arrow or not code.strip():
            raise CleaningError("rules", _("line %(n)d: write condition => code = label", n=number))
        rules.append({"condition": condition.strip(), "code": code.strip(), "label": label.strip()})
    return rules


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
    survey = survey_or_404(project, sid)
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
        if kind == FILTER:
            spec = {"condition": form.condition.data, "label": form.label.data}
        elif kind == RECODE:
            spec = {
                "name": form.name.data,
                "label": form.label.data,
                "rules": parse_rules(form.rules.data),
            }
        elif kind == CODE:
            spec = {"source": form.source.data, "name": form.name.data, "label": form.label.data}
        else:
            spec = {
                "source": form.source.data,
                "name": form.name.data,
                "label": form.label.data,
                "limits": form.limits.data,
            }
        step = cleaning.add_step(survey, kind, spec, actor=actor())
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
    survey = survey_or_404(project, sid)
    step = db.session.get(CleaningStep, step_id)
    if step is None or step.survey_id != survey.id:
        abort(404)
    try:
        cleaning.undo_step(step, actor=actor())
    except CleaningError:
        flash(_("The step is already undone."), "error")
        return redirect(url_for(".survey_cleaning", slug=project.slug, sid=survey.id))
    db.session.commit()
    flash(_("The step was undone."), "success")
    return redirect(url_for(".survey_cleaning", slug=project.slug, sid=survey.id))


def parse_codes(text: str) -> list[dict[str, str]]:
    """Codes from lines ``code = label``."""
    codes = []
    for line in text.splitlines():
        if line.strip():
            code, _eq, label = line.partition("=")
            codes.append({"code": code.strip(), "label": label.strip()})
    return codes


@bp.route("/surveys/<int:sid>/results/cleaning/<int:step_id>/codes", methods=["GET", "POST"])
@access.require_project_access
def survey_code_frame(project, sid: int, step_id: int):
    """The code frame of a coding step: its codes, and a code for each different text."""
    survey = survey_or_404(project, sid)
    step = db.session.get(CleaningStep, step_id)
    if step is None or step.survey_id != survey.id or step.kind != CODE:
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
            cleaning.update_code_frame(step, parse_codes(codes_text), assignments, actor=actor())
        except CleaningError as exc:
            db.session.rollback()
            error = exc.message
        else:
            db.session.commit()
            flash(_("The code frame was saved."), "success")
            return redirect(url_for(".survey_code_frame", slug=project.slug, sid=survey.id,
                                    step_id=step.id))  # fmt: skip
    counts: dict[str, int] = {}
    for text, n in texts:
        code = step.spec["assignments"].get(text)
        if code:
            counts[code] = counts.get(code, 0) + n
    return render_template(
        "surveys/results/code_frame.html",
        project=project,
        survey=survey,
        step=step,
        texts=list(enumerate(texts)),
        codes_text=codes_text,
        counts=counts,
        uncoded=sum(n for text, n in texts if text not in step.spec["assignments"]),
        error=error,
    ), (400 if error else 200)
