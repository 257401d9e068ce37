"""The live fieldwork dashboard: dispositions and response rates, overall and by stratum."""

from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from fieldkit.core import access
from fieldkit.core.loaders import acting_user, owned_or_404
from fieldkit.core.models import utcnow
from fieldkit.core.operations import OperationError
from fieldkit.extensions import db
from fieldkit.surveys.fieldwork import dispositions, queries, rate_chart, rates_output, sending
from fieldkit.surveys.fieldwork.views import bp
from fieldkit.surveys.models import Survey


def _rate_options():
    e_method = request.args.get("e_method", "proportional")
    if e_method not in dispositions.E_METHODS:
        e_method = "proportional"
    e_value = request.args.get("e", type=float)
    if e_method == "fixed" and (e_value is None or not 0 <= e_value <= 1):
        e_method, e_value = "proportional", None
    return e_method, e_value


@bp.route("/surveys/<int:sid>/dashboard")
@access.require_project_access
def survey_dashboard(project, sid: int):
    """Counts by disposition and the chosen rates, live, with strata that lag standing out."""
    survey = owned_or_404(Survey, sid, project)
    columns = queries.frame_columns(survey)
    by = request.args.get("by") or (columns[0] if columns else None)
    if by not in columns:
        by = columns[0] if columns else None
    e_method, e_value = _rate_options()
    result = queries.survey_rates(survey, by, e_method=e_method, e_value=e_value)
    markers = [rate_chart.Marker(day, label) for day, label in queries.mailing_markers(survey)]
    points = rate_chart.cumulative_rate(
        queries.completes_by_day(survey),
        result.total.cases,
        utcnow().date(),
        start=min((m.day for m in markers), default=None),
    )
    chart = rate_chart.svg(points, markers, title=f"RR1 – {survey.title}")
    template = (
        "surveys/fieldwork/dashboard_body.html"
        if request.args.get("partial")
        else "surveys/fieldwork/dashboard.html"
    )
    return render_template(
        template,
        project=project,
        survey=survey,
        result=result,
        columns=columns,
        by=by,
        e_method=e_method,
        e_value=e_value,
        codes=dispositions.CODES,
        classes=dispositions.CLASSES,
        chart=chart,
        percent=dispositions.percent,
        updated=utcnow(),
    )


@bp.route("/surveys/<int:sid>/rates.<fmt>")
@access.require_project_access
def survey_rates_download(project, sid: int, fmt: str):
    """The dashboard's figures as CSV or JSON (the same numbers as the page and the CLI)."""
    survey = owned_or_404(Survey, sid, project)
    if fmt not in ("csv", "json"):
        return Response(status=404)
    e_method, e_value = _rate_options()
    body = rates_output.render(
        survey, by=request.args.get("by") or None, fmt=fmt, e_method=e_method, e_value=e_value
    )
    mimetype = "text/csv" if fmt == "csv" else "application/json"
    return Response(
        body,
        mimetype=f"{mimetype}; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="survey-{survey.id}-rates.{fmt}"'},
    )


@bp.route("/surveys/<int:sid>/dashboard/remind", methods=["POST"])
@access.require_project_access
def survey_remind_stratum(project, sid: int):
    """One click: remind the non-respondents of one stratum (a value of a frame column)."""
    survey = owned_or_404(Survey, sid, project)
    column, value = request.form.get("by", ""), request.form.get("value", "")
    if column not in queries.frame_columns(survey):
        abort(400)
    try:
        sending.send_reminders(survey, strata={column: value}, actor=acting_user())
    except OperationError as exc:
        flash(str(exc), "error")
        return redirect(url_for(".survey_dashboard", slug=project.slug, sid=survey.id, by=column))
    db.session.commit()
    flash(
        _(
            "Reminders to those who have not answered in %(column)s = %(value)s are on their way.",
            column=column,
            value=value or _("(empty)"),
        ),
        "success",
    )
    return redirect(url_for(".mail", slug=project.slug, sid=survey.id))
