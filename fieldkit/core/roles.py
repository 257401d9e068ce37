"""The role matrix: who may use which page, for every route of the app, in one place.

Each endpoint names one rule (``Rule``); ``init_app`` checks it before every request, so a view
cannot forget its check, and an endpoint missing from ``ENDPOINTS`` is refused to everyone
(``tests/core/test_roles.py`` fails on it too). Views keep their own finer checks (a project's
object ids, a job's owner, a link's token); this module decides only who may come in.

The roles: an *administrator* may use everything; a *researcher* runs the project's surveys
and conferences; a *facilitator* runs its conferences and may read its surveys' result tables,
but sees no case lists, personal links, frames, mailings or data exports; a *non-member* (a
logged-in user of another project) sees no page of the project; an *anonymous* visitor uses
only the public pages and the pages a link's token opens (respondents, referents, summary
downloads).
"""

from __future__ import annotations

import enum

import sqlalchemy as sa
from flask import Flask, abort, request
from flask_login import current_user

from fieldkit.core.models import Membership, Project, Role, User
from fieldkit.extensions import db, login_manager


class Rule(enum.StrEnum):
    """Who may use an endpoint."""

    #: Everyone, logged in or not (log in, language, health check, static files).
    PUBLIC = "public"
    #: Everyone with the link's token or the session it opened: respondents, referents,
    #: recipients of a summary document. The view checks the token.
    TOKEN = "token"
    #: Every logged-in user (the view may check more, e.g. a job's owner).
    USER = "user"
    #: Members of the project in the address, whatever their role (and administrators).
    MEMBER = "member"
    #: Members of the project in the address with the researcher role (and administrators).
    RESEARCHER = "researcher"
    #: Administrators only.
    ADMIN = "admin"


#: Every endpoint of the app and its rule. A route added without a line here is refused.
ENDPOINTS: dict[str, Rule] = {
    # --- Core -----------------------------------------------------------------------------
    "static": Rule.PUBLIC,
    "core.login": Rule.PUBLIC,
    "core.logout": Rule.PUBLIC,
    "core.set_language": Rule.PUBLIC,
    "core.healthz": Rule.PUBLIC,
    "core.index": Rule.USER,
    "core.new_project": Rule.USER,
    "core.job_status": Rule.USER,
    "core.change_password": Rule.USER,
    "core.project": Rule.MEMBER,
    "core.add_member": Rule.RESEARCHER,
    "core.remove_member": Rule.RESEARCHER,
    "core.outbox": Rule.ADMIN,
    "core.outbox_message": Rule.ADMIN,
    "core.audit_log": Rule.ADMIN,
    # --- Respondents, referents, summary recipients (token links) --------------------------
    "respond.personal_link": Rule.TOKEN,
    "respond.open_link": Rule.TOKEN,
    "respond.resume_link": Rule.TOKEN,
    "respond.home": Rule.TOKEN,
    "respond.start": Rule.TOKEN,
    "respond.page": Rule.TOKEN,
    "respond.autosave": Rule.TOKEN,
    "respond.review": Rule.TOKEN,
    "respond.thanks": Rule.TOKEN,
    "respond.set_language": Rule.TOKEN,
    "fieldwork_public.decline": Rule.TOKEN,
    "referent.entry": Rule.TOKEN,
    "referent.page": Rule.TOKEN,
    "referent.state": Rule.TOKEN,
    "referent.ops": Rule.TOKEN,
    "referent.hand_in": Rule.TOKEN,
    "referent.photo": Rule.TOKEN,
    "referent.photo_upload": Rule.TOKEN,
    "summary_link.download": Rule.TOKEN,
    # --- Questionnaires -------------------------------------------------------------------
    "surveys.questionnaires.questionnaire_list": Rule.RESEARCHER,
    "surveys.questionnaires.questionnaire": Rule.RESEARCHER,
    "surveys.questionnaires.questionnaire_import": Rule.RESEARCHER,
    "surveys.questionnaires.questionnaire_upload": Rule.RESEARCHER,
    "surveys.questionnaires.questionnaire_job": Rule.RESEARCHER,
    "surveys.questionnaires.questionnaire_export": Rule.RESEARCHER,
    "surveys.editor.questionnaire_new": Rule.RESEARCHER,
    "surveys.editor.questionnaire_editor": Rule.RESEARCHER,
    "surveys.editor.editor_settings": Rule.RESEARCHER,
    "surveys.editor.editor_section": Rule.RESEARCHER,
    "surveys.editor.editor_section_add": Rule.RESEARCHER,
    "surveys.editor.editor_section_delete": Rule.RESEARCHER,
    "surveys.editor.editor_item": Rule.RESEARCHER,
    "surveys.editor.editor_item_new": Rule.RESEARCHER,
    "surveys.editor.editor_item_delete": Rule.RESEARCHER,
    "surveys.editor.editor_choice_list": Rule.RESEARCHER,
    "surveys.editor.editor_choice_list_delete": Rule.RESEARCHER,
    "surveys.editor.editor_move": Rule.RESEARCHER,
    "surveys.paper.questionnaire_paper": Rule.RESEARCHER,
    "surveys.paper.questionnaire_codebook": Rule.RESEARCHER,
    "surveys.paper.questionnaire_codebook_file": Rule.RESEARCHER,
    "surveys.preview.questionnaire_preview": Rule.RESEARCHER,
    "surveys.preview.questionnaire_preview_page": Rule.RESEARCHER,
    "surveys.preview.questionnaire_preview_review": Rule.RESEARCHER,
    "surveys.preview.questionnaire_preview_done": Rule.RESEARCHER,
    "surveys.preview.questionnaire_preview_language": Rule.RESEARCHER,
    "surveys.preview.questionnaire_preview_reset": Rule.RESEARCHER,
    # --- Surveys: fieldwork (cases, personal links, frames, mail) ----------------------------
    "surveys.fieldwork.survey_new": Rule.RESEARCHER,
    "surveys.fieldwork.survey": Rule.RESEARCHER,
    "surveys.fieldwork.survey_launch": Rule.RESEARCHER,
    "surveys.fieldwork.survey_close": Rule.RESEARCHER,
    "surveys.fieldwork.survey_dashboard": Rule.RESEARCHER,
    "surveys.fieldwork.survey_remind_stratum": Rule.RESEARCHER,
    "surveys.fieldwork.survey_rates_download": Rule.RESEARCHER,
    "surveys.fieldwork.frame_upload": Rule.RESEARCHER,
    "surveys.fieldwork.frame_preview": Rule.RESEARCHER,
    "surveys.fieldwork.frame_job": Rule.RESEARCHER,
    "surveys.fieldwork.cases": Rule.RESEARCHER,
    "surveys.fieldwork.cases_send": Rule.RESEARCHER,
    "surveys.fieldwork.case_new": Rule.RESEARCHER,
    "surveys.fieldwork.case": Rule.RESEARCHER,
    "surveys.fieldwork.case_action": Rule.RESEARCHER,
    "surveys.fieldwork.case_erase": Rule.RESEARCHER,
    "surveys.fieldwork.response_erase": Rule.RESEARCHER,
    "surveys.fieldwork.case_outcome": Rule.RESEARCHER,
    "surveys.fieldwork.mail": Rule.RESEARCHER,
    "surveys.fieldwork.mail_texts": Rule.RESEARCHER,
    "surveys.fieldwork.mail_send": Rule.RESEARCHER,
    "surveys.fieldwork.mail_schedule": Rule.RESEARCHER,
    "surveys.fieldwork.mail_bounces": Rule.RESEARCHER,
    "surveys.fieldwork.mail_release_uncertain": Rule.RESEARCHER,
    "surveys.fieldwork.mailing_action": Rule.RESEARCHER,
    "surveys.preview.enter_for_case": Rule.RESEARCHER,
    # --- Surveys: results (tables for every member; data, cleaning and exports for researchers)
    "surveys.results.survey_results": Rule.MEMBER,
    "surveys.results.survey_results_figure": Rule.MEMBER,
    "surveys.results.survey_results_export": Rule.RESEARCHER,
    "surveys.results.survey_results_job": Rule.RESEARCHER,
    "surveys.results.survey_results_download": Rule.RESEARCHER,
    "surveys.results.survey_results_retry": Rule.RESEARCHER,
    "surveys.results.survey_results_report": Rule.RESEARCHER,
    "surveys.results.survey_report_composition": Rule.RESEARCHER,
    "surveys.results.survey_new_wave": Rule.RESEARCHER,
    "surveys.results.survey_cleaning": Rule.RESEARCHER,
    "surveys.results.survey_cleaning_undo": Rule.RESEARCHER,
    "surveys.results.survey_code_frame": Rule.RESEARCHER,
    # --- Conferences: every member runs them ------------------------------------------------
    "conferences.setup.new_conference": Rule.MEMBER,
    "conferences.setup.conference": Rule.MEMBER,
    "conferences.setup.edit_conference": Rule.MEMBER,
    "conferences.setup.copy_conference": Rule.MEMBER,
    "conferences.setup.edit_round": Rule.MEMBER,
    "conferences.setup.groups": Rule.MEMBER,
    "conferences.setup.cards": Rule.MEMBER,
    "conferences.setup.cards_pdf": Rule.MEMBER,
    "conferences.setup.participants": Rule.MEMBER,
    "conferences.setup.remove_participant": Rule.MEMBER,
    # Erasing a person for good is for researchers, as in the surveys.
    "conferences.setup.erase_participant": Rule.RESEARCHER,
    "conferences.setup.renew_link": Rule.MEMBER,
    "conferences.facilitation.live": Rule.MEMBER,
    "conferences.facilitation.live_json": Rule.MEMBER,
    "conferences.facilitation.group": Rule.MEMBER,
    "conferences.facilitation.add_note": Rule.MEMBER,
    "conferences.facilitation.reopen_group": Rule.MEMBER,
    "conferences.facilitation.points": Rule.MEMBER,
    "conferences.facilitation.edit_point": Rule.MEMBER,
    "conferences.facilitation.photo": Rule.MEMBER,
    "conferences.facilitation.plenary": Rule.MEMBER,
    "conferences.facilitation.plenary_json": Rule.MEMBER,
    "conferences.summary.index": Rule.MEMBER,
    "conferences.summary.download": Rule.MEMBER,
    "conferences.summary.send": Rule.MEMBER,
    "conferences.summary.retry_compile": Rule.MEMBER,
    "conferences.summary.retry_send": Rule.MEMBER,
    "conferences.summary.revoke_link": Rule.MEMBER,
    "conferences.synthesis.overview": Rule.MEMBER,
    "conferences.synthesis.edit_tag": Rule.MEMBER,
    "conferences.synthesis.delete_tag": Rule.MEMBER,
    "conferences.synthesis.export_points": Rule.MEMBER,
    "conferences.synthesis.combined_document": Rule.MEMBER,
    "conferences.synthesis.download": Rule.MEMBER,
    "conferences.synthesis.retry": Rule.MEMBER,
}

#: The rules that concern a project: their endpoints carry the project's ``slug``.
PROJECT_RULES = frozenset({Rule.MEMBER, Rule.RESEARCHER})


def rule_for(endpoint: str | None) -> Rule | None:
    """The rule of ``endpoint``, or None when it has none (and is refused)."""
    return ENDPOINTS.get(endpoint or "")


def project_role(user: User, project: Project) -> Role | None:
    """``user``'s role within ``project``: their own role when a member (administrators always
    count as administrators), None otherwise."""
    if not user.is_authenticated or not user.is_active:
        return None
    if user.is_admin:
        return Role.ADMIN
    member = db.session.scalar(
        sa.select(Membership.id).where(
            Membership.user_id == user.id, Membership.project_id == project.id
        )
    )
    return user.role if member is not None else None


def allows(rule: Rule, user: User, project: Project | None = None) -> bool:
    """Whether ``rule`` lets ``user`` in (``project`` for the project rules)."""
    if rule in (Rule.PUBLIC, Rule.TOKEN):
        return True
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_admin:
        return True
    if rule == Rule.USER:
        return True
    if rule == Rule.ADMIN or project is None:
        return False
    role = project_role(user, project)
    if rule == Rule.MEMBER:
        return role is not None
    return role in (Role.RESEARCHER, Role.ADMIN)


def may(endpoint: str, project: Project | None = None, user: User | None = None) -> bool:
    """Whether ``user`` (the current user) may use ``endpoint`` (of ``project``): for pages
    that show a link or a button only to those who may follow it."""
    rule = rule_for(endpoint)
    if rule is None:
        return False
    return allows(rule, user if user is not None else current_user, project)


def check_request() -> None:
    """Refuse the current request unless its endpoint's rule lets the user in: anonymous
    visitors go to the login page, logged-in users get 403. Unknown addresses pass (404)."""
    if request.endpoint is None:
        return None
    rule = rule_for(request.endpoint)
    if rule is None:
        abort(403)
    if rule in (Rule.PUBLIC, Rule.TOKEN):
        return None
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    project = None
    if rule in PROJECT_RULES:
        slug = (request.view_args or {}).get("slug")
        if slug is None:
            abort(403)
        project = db.session.scalar(sa.select(Project).where(Project.slug == slug))
        if project is None:
            abort(404)
    if not allows(rule, current_user, project):
        abort(403)
    return None


def init_app(app: Flask) -> None:
    """Check every request against the matrix; offer ``may`` to templates."""
    app.before_request(check_request)
    app.jinja_env.globals["may"] = may
