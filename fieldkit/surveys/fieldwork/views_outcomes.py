"""A case's outcome by hand: override its disposition, discard or restore its response."""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _

from fieldkit.core import access
from fieldkit.core.loaders import acting_user, owned_or_404
from fieldkit.core.operations import OperationError
from fieldkit.extensions import db
from fieldkit.surveys.fieldwork import outcomes
from fieldkit.surveys.fieldwork.views import bp
from fieldkit.surveys.models import Case, Survey
from fieldkit.surveys.respond import operations as responses

ACTIONS = ("override", "clear-override", "discard", "restore")


@bp.route("/surveys/<int:sid>/cases/<int:cid>/outcome/<action>", methods=["POST"])
@access.require_project_access
def case_outcome(project, sid: int, cid: int, action: str):
    """Override, clear, discard or restore, with the researcher's reason (all audited)."""
    survey = owned_or_404(Survey, sid, project)
    case = owned_or_404(Case, cid, survey, by="survey_id")
    if action not in ACTIONS:
        abort(404)
    reason = request.form.get("reason", "")
    try:
        if action == "override":
            outcomes.override_disposition(
                case, request.form.get("code", ""), reason, actor=acting_user()
            )
        elif action == "clear-override":
            outcomes.clear_override(case, actor=acting_user())
        else:
            response = responses.response_for_case(survey, case)
            if response is None or not response.submitted:
                raise OperationError(_("The case has no returned response."))
            if action == "discard":
                outcomes.discard_response(response, reason, actor=acting_user())
            else:
                outcomes.restore_response(response, actor=acting_user())
    except OperationError as exc:
        db.session.rollback()
        flash(str(exc), "error")
    else:
        db.session.commit()
        flash(_("The outcome is saved."), "success")
    return redirect(url_for(".case", slug=project.slug, sid=survey.id, cid=case.id))
