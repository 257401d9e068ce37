"""The decline (opt-out) page respondents reach from every message; no login, no project."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_wtf import FlaskForm

from fieldkit.extensions import db
from fieldkit.surveys.fieldwork import cases as case_ops
from fieldkit.surveys.respond import links
from fieldkit.surveys.respond.views import unknown_link

public_bp = Blueprint("fieldwork_public", __name__)


@public_bp.route("/n/<token>", methods=["GET", "POST"])
def decline(token: str):
    """The decline link of every message: confirm, then no more mail."""
    case = links.case_for_decline_token(token)
    if case is None:
        return unknown_link()
    form = FlaskForm()
    done = case.declined_at is not None
    if not done and form.validate_on_submit():
        case_ops.decline(case)
        db.session.commit()
        done = True
    return render_template(
        "surveys/fieldwork/decline.html", case=case, survey=case.survey, form=form, done=done
    )
