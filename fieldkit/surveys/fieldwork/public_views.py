"""The decline (opt-out) page respondents reach from every message; no login, no project."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from flask import Blueprint, abort, render_template
from flask_wtf import FlaskForm

from fieldkit.extensions import db
from fieldkit.surveys.fieldwork import cases as case_ops
from fieldkit.surveys.respond import links

OSLO = ZoneInfo("Europe/Oslo")

public_bp = Blueprint("fieldwork_public", __name__)


@public_bp.route("/n/<token>", methods=["GET", "POST"])
def decline(token: str):
    """The decline link of every message: confirm, then no more mail."""
    case = links.case_for_token(token) if len(token) == 43 else None
    if case is None:
        abort(404)
    form = FlaskForm()
    done = case.declined_at is not None
    if not done and form.validate_on_submit():
        case_ops.decline(case)
        db.session.commit()
        done = True
    return render_template(
        "surveys/fieldwork/decline.html", case=case, survey=case.survey, form=form, done=done
    )
