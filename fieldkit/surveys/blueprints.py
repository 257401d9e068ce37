"""The survey feature's pages: each area's staff pages, nested under ``/p/<slug>/`` in the
``surveys`` blueprint, and the public pages respondents reach by a link in an e-mail."""

from __future__ import annotations

from flask import Blueprint

from fieldkit.surveys.editor.views import bp as editor
from fieldkit.surveys.fieldwork import views_cases, views_dashboard, views_mail, views_outcomes
from fieldkit.surveys.fieldwork.public_views import public_bp as decline
from fieldkit.surveys.fieldwork.views import bp as fieldwork
from fieldkit.surveys.paper.views import bp as paper
from fieldkit.surveys.questionnaires.views import bp as questionnaires
from fieldkit.surveys.respond.staff_views import bp as preview
from fieldkit.surveys.respond.views import respond_bp as respond
from fieldkit.surveys.results import views_cleaning
from fieldkit.surveys.results.views import bp as results

#: Modules that add routes to their area's blueprint (imported for that).
ROUTE_MODULES = (views_cases, views_dashboard, views_mail, views_outcomes, views_cleaning)

#: Staff pages, for members of the project in the address: endpoints ``surveys.<area>.<view>``.
staff = Blueprint("surveys", __name__, url_prefix="/p/<slug>")
for area in (questionnaires, editor, preview, fieldwork, results, paper):
    staff.register_blueprint(area)

#: Pages reached without logging in: answering a survey, declining further e-mail.
PUBLIC = (respond, decline)
