"""Results: a survey's report tables on a page, and its exports as background jobs."""

from __future__ import annotations

from io import BytesIO

from flask import (
    Blueprint,
    abort,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _

from fieldkit.core import access, downloads
from fieldkit.core.jobs import enqueue
from fieldkit.core.loaders import acting_user, object_job_or_404, owned_or_404, retry_job
from fieldkit.core.models import Job, JobStatus
from fieldkit.extensions import db
from fieldkit.surveys.fieldwork import queries
from fieldkit.surveys.models import Survey
from fieldkit.surveys.questionnaires import definition as d
from fieldkit.surveys.results import (
    cleaning_steps,
    composition,
    dataset,
    exports,
    operations,
    report,
    tables,
    waves,
)
from fieldkit.surveys.results.forms import ReportCompileForm, ReportCompositionForm

bp = Blueprint("results", __name__)


def _export_formats() -> list[tuple[str, str]]:
    return [
        ("sav", _("SPSS (.sav)")),
        ("dta", _("Stata (.dta)")),
        ("xlsx", _("Excel (.xlsx)")),
        ("csv_excel", _("CSV for Excel (semicolons, decimal comma)")),
        ("csv", _("CSV (UTF-8, comma)")),
        ("r", _("R (CSV and a script that applies the labels, zipped)")),
        ("codebook", _("Codebook (.xlsx)")),
        ("report_pdf", _("Report as composed on the report page (PDF)")),
        ("report_docx", _("Report as composed on the report page (Word)")),
        ("report_html", _("Report as composed on the report page (HTML)")),
    ]


def _options(survey) -> tuple[tables.Options, str | None]:
    """The table options asked for in the query string, or an error message."""
    total = request.args.get("total", tables.TOTAL_100)
    decimals = request.args.get("decimals", 0, type=int)
    min_cell_default = 0 if survey.anonymous else tables.DEFAULT_MIN_CELL
    min_cell = request.args.get("min_cell", min_cell_default, type=int)
    try:
        options = tables.Options(
            decimals=decimals,
            total=total if total in tables.TOTAL_MODES else tables.TOTAL_100,
            exclude_nonsubstantive=request.args.get("without_nonsubstantive") == "1",
            min_cell=max(min_cell, 0),
        )
    except tables.TableError:
        return tables.Options(min_cell=min_cell_default), _("Choose 0 to 3 decimals.")
    return options, None


@bp.route("/surveys/<int:sid>/results")
@access.require_project_access
def survey_results(project, sid: int):
    """Pick a question (and a column to break it down by) and see its report table."""
    survey = owned_or_404(Survey, sid, project)
    questionnaire = cleaning_steps.active_steps(survey).questionnaire()
    items = [item for _s, item in questionnaire.items() if item.type in tables.TABLE_TYPES]
    by_choices = [] if survey.anonymous else list(queries.frame_columns(survey))
    by_choices += [item.name for item in items if item.type == d.SINGLE]
    options, error = _options(survey)
    name = request.args.get("item") or (items[0].name if items else None)
    by = request.args.get("by") or None
    bands = request.args.get("bands", "").strip()
    other_waves = waves.related_waves(survey)
    compare = request.args.get("compare", type=int)
    compare_with = next((w for w in other_waves if w.id == compare), None)
    table = figure = None
    if name and error is None:
        try:
            table = operations.question_table(
                survey, name, options, by=by, bands=bands, compare=compare_with
            )
        except tables.TableError as exc:
            error = str(exc)
    if table is not None and not (by or bands or compare_with):
        figure = operations.question_figure(survey, name, options)
    return render_template(
        "surveys/results/results.html",
        project=project,
        survey=survey,
        items=items,
        by_choices=by_choices,
        name=name,
        by=by,
        bands=bands,
        options=options,
        table=table,
        figure=figure,
        error=error,
        other_waves=other_waves,
        compare=compare_with.id if compare_with else None,
        wave=waves.wave_number(survey),
        steps_active=sum(1 for step in cleaning_steps.all_steps(survey) if step.active),
        responses=dataset.count_valid(survey),
        formats=_export_formats(),
    )


@bp.route("/surveys/<int:sid>/results/figure.<fmt>")
@access.require_project_access
def survey_results_figure(project, sid: int, fmt: str):
    """The figure of ``?item=`` as SVG or PNG (with the page's options)."""
    survey = owned_or_404(Survey, sid, project)
    if fmt not in ("svg", "png"):
        abort(404)
    options, error = _options(survey)
    item = request.args.get("item", "")
    figure = None if error else operations.question_figure(survey, item, options)
    if figure is None:
        abort(404)
    name = _("figure") + f"_{item}.{fmt}"
    if fmt == "svg":
        content = str(figure.svg).encode()
        mimetype = "image/svg+xml"
    else:
        content = report.figure_png(figure.svg)
        if content is None:
            abort(503)
        mimetype = "image/png"
    return send_file(BytesIO(content), mimetype=mimetype, as_attachment=True, download_name=name)


@bp.route("/surveys/<int:sid>/results/export", methods=["POST"])
@access.require_project_access
def survey_results_export(project, sid: int):
    """Start an export in the background and go to its progress page."""
    survey = owned_or_404(Survey, sid, project)
    fmt = request.form.get("format", "")
    if fmt not in exports.FORMATS:
        abort(400)
    job = enqueue(
        exports.export_job,
        survey.id,
        fmt,
        acting_user().id,
        created_by=acting_user(),
        project=project,
    )
    return redirect(url_for(".survey_results_job", slug=project.slug, sid=survey.id,
                            job_id=job.id))  # fmt: skip


@bp.route("/surveys/<int:sid>/results/report", methods=["GET", "POST"])
@access.require_project_access
def survey_report_composition(project, sid: int):
    """Compose the report: tick questions, order them, put texts between them, save."""
    survey = owned_or_404(Survey, sid, project)
    form = ReportCompositionForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        entries = composition.from_form(
            request.form.getlist("order"),
            request.form.getlist("include"),
            request.form.getlist("text"),
            composition.report_items(survey),
        )
        action = request.form.get("action", "save")
        entries = composition.apply_action(entries, action)
        composition.save_composition(survey, entries, form.figures.data, actor=acting_user())
        db.session.commit()
        if action == "save":
            flash(_("The report's composition was saved."), "success")
        # Back to the line that moved (or got a text), so keyboard users keep their place.
        verb, _dash, where = action.partition("-")
        anchor = None
        if verb in ("up", "down", "text") and where.lstrip("-").isdigit():
            shift = {"up": -1, "down": 1, "text": 1}[verb]
            anchor = f"entry-{max(int(where) + shift, 0)}"
        return redirect(url_for(".survey_report_composition", slug=project.slug, sid=survey.id,
                                _anchor=anchor))  # fmt: skip
    entries, include_figures = composition.entries_for(survey)
    form.figures.data = include_figures
    return render_template(
        "surveys/results/report_composition.html",
        project=project,
        survey=survey,
        entries=entries,
        form=form,
        compile_form=ReportCompileForm(),
        chosen=sum(1 for e in entries if not e.is_text and e.included),
    )


@bp.route("/surveys/<int:sid>/results/report/compile", methods=["POST"])
@access.require_project_access
def survey_results_report(project, sid: int):
    """Compile the report as composed, in the background, and go to its progress page."""
    survey = owned_or_404(Survey, sid, project)
    form = ReportCompileForm()
    if not form.validate_on_submit():
        abort(400)
    entries, _figures = composition.entries_for(survey)
    if not composition.report_order(entries):
        flash(_("Choose at least one question for the report."), "error")
        return redirect(url_for(".survey_report_composition", slug=project.slug, sid=survey.id))
    job = enqueue(
        exports.export_job,
        survey.id,
        f"report_{form.format.data}",
        acting_user().id,
        created_by=acting_user(),
        project=project,
    )
    return redirect(url_for(".survey_results_job", slug=project.slug, sid=survey.id,
                            job_id=job.id))  # fmt: skip


@bp.route("/surveys/<int:sid>/results/new-wave", methods=["POST"])
@access.require_project_access
def survey_new_wave(project, sid: int):
    """Run the survey again as a new wave (a draft with a copy of the frame)."""
    survey = owned_or_404(Survey, sid, project)
    title = request.form.get("title", "").strip()
    if not title:
        flash(_("Give the new wave a title."), "error")
        return redirect(url_for(".survey_results", slug=project.slug, sid=survey.id))
    wave = waves.new_wave(survey, title, actor=acting_user())
    db.session.commit()
    flash(_("The new wave is a draft: check it and put it in the field."), "success")
    return redirect(url_for("surveys.fieldwork.survey", slug=project.slug, sid=wave.id))


def _export_job_or_404(project, survey, job_id: str) -> Job:
    return object_job_or_404(project, job_id, [exports.export_job], survey.id)


@bp.route("/surveys/<int:sid>/results/exports/<job_id>")
@access.require_project_access
def survey_results_job(project, sid: int, job_id: str):
    """An export's progress, and its download when it is ready."""
    survey = owned_or_404(Survey, sid, project)
    job = _export_job_or_404(project, survey, job_id)
    names = dict(_export_formats())
    return render_template(
        "surveys/results/export.html",
        project=project,
        survey=survey,
        job=job,
        format_name=names.get(job.args[1], job.args[1]),
        done=job.status == JobStatus.DONE,
        failed=job.status == JobStatus.FAILED,
    )


@bp.route("/surveys/<int:sid>/results/exports/<job_id>/retry", methods=["POST"])
@access.require_project_access
def survey_results_retry(project, sid: int, job_id: str):
    """Start a failed export (or report) again and go to the new one's progress page."""
    survey = owned_or_404(Survey, sid, project)
    job = retry_job(_export_job_or_404(project, survey, job_id))
    return redirect(url_for(".survey_results_job", slug=project.slug, sid=survey.id,
                            job_id=job.id))  # fmt: skip


@bp.route("/surveys/<int:sid>/results/exports/<job_id>/download")
@access.require_project_access
def survey_results_download(project, sid: int, job_id: str):
    """The file an export job wrote (members of the project only)."""
    survey = owned_or_404(Survey, sid, project)
    job = _export_job_or_404(project, survey, job_id)
    if job.status != JobStatus.DONE or not isinstance(job.result, dict):
        abort(404)
    response = downloads.send("exports", job.result)
    if response is None:
        flash(downloads.gone_message(), "error")
        return redirect(url_for(".survey_results", slug=project.slug, sid=survey.id))
    return response
