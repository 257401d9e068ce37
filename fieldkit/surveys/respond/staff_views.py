"""Preview: a researcher answers the questionnaire exactly as a respondent would.

The answers live in the Flask session only (never in the database), under one key for the
questionnaire being previewed, and can be thrown away at any time. Each page goes through
``read_page`` and the item macros, as the respondent's pages do; the pages are shown in the
language the researcher picks among those the questionnaire offers.
"""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import force_locale
from flask_babel import gettext as _

from fieldkit.core import access, audit
from fieldkit.core.loaders import acting_user, owned_or_404
from fieldkit.extensions import db
from fieldkit.surveys.models import Case, Questionnaire, Survey
from fieldkit.surveys.questionnaires import logic
from fieldkit.surveys.respond import navigation
from fieldkit.surveys.respond import operations as responses
from fieldkit.surveys.respond.answers import read_page
from fieldkit.surveys.respond.rendering import PageView, answer_texts
from fieldkit.surveys.respond.views import SESSION_KEY as RESPONDENT_SESSION_KEY

bp = Blueprint("preview", __name__)

SESSION_KEY = "survey_preview"
#: Browsers drop cookies over 4 kB; the session cookie must stay below.
COOKIE_ROOM = 3800


def _state(record) -> dict[str, Any]:
    """This questionnaire's preview state; a new one when another questionnaire or version
    was previewed last."""
    version = record.current
    state = session.get(SESSION_KEY)
    if not state or state.get("qid") != record.id or state.get("version") != version.id:
        languages = version.definition.languages
        state = {
            "qid": record.id,
            "version": version.id,
            "language": languages[0],
            "answers": {},
            "finished": False,
        }
    if state["language"] not in version.definition.languages:
        state["language"] = version.definition.languages[0]
    return state


def _save(state: dict[str, Any]) -> None:
    session[SESSION_KEY] = state


def _cookie_size(state: dict[str, Any]) -> int:
    serializer = current_app.session_interface.get_signing_serializer(current_app)
    return len(serializer.dumps({**dict(session), SESSION_KEY: state})) if serializer else 0


def _keep_answers(state: dict[str, Any], answers: dict[str, Any]) -> None:
    """Keep ``answers`` in the state; if the session cookie would overflow, leave out the
    longest texts (the preview has no database to hold them) and say so."""
    answers = dict(answers)
    dropped = []
    while _cookie_size({**state, "answers": answers}) > COOKIE_ROOM:
        texts = [(len(v), k) for k, v in answers.items() if isinstance(v, str) and len(v) > 20]
        if not texts:
            break
        _length, name = max(texts)
        dropped.append(name)
        del answers[name]
    if dropped:
        flash(
            _(
                "The preview keeps answers in a browser cookie, which has room for about "
                "3000 characters: these long texts were not kept: %(names)s.",
                names=", ".join(sorted(dropped)),
            ),
            "warning",
        )
    state["answers"] = answers


def _render(template: str, record, state: dict[str, Any], status: int = 200, **context):
    """Render a preview page in the preview's language."""
    with force_locale(state["language"]):
        html = render_template(
            template,
            project=record.project,
            record=record,
            q=record.current.definition,
            language=state["language"],
            answers=state["answers"],
            **context,
        )
    return html, status


@bp.route("/questionnaires/<int:qid>/preview")
@access.require_project_access
def questionnaire_preview(project, qid: int):
    """The welcome page: title, introduction, language, start."""
    record = owned_or_404(Questionnaire, qid, project)
    state = _state(record)
    _save(state)
    q = record.current.definition
    pages = navigation.pages(q, state["answers"])
    return _render(
        "surveys/respond/items/preview_welcome.html",
        record,
        state,
        first=pages[0] if pages else None,
        here="welcome",
    )


@bp.route("/questionnaires/<int:qid>/preview/language", methods=["POST"])
@access.require_project_access
def questionnaire_preview_language(project, qid: int):
    """Show the preview in another of the questionnaire's languages."""
    record = owned_or_404(Questionnaire, qid, project)
    state = _state(record)
    language = request.form.get("language", "")
    if language in record.current.definition.languages:
        state["language"] = language
    _save(state)
    return redirect(_here_url(record, request.form.get("here", "welcome")))


def _here_url(record, here: str) -> str:
    """The preview page called ``here`` (a page of our own, never an outside address)."""
    slug, qid = record.project.slug, record.id
    if here == "review":
        return url_for(".questionnaire_preview_review", slug=slug, qid=qid)
    if here == "done":
        return url_for(".questionnaire_preview_done", slug=slug, qid=qid)
    if navigation.section_named(record.current.definition, here) is not None:
        return url_for(".questionnaire_preview_page", slug=slug, qid=qid, section=here)
    return url_for(".questionnaire_preview", slug=slug, qid=qid)


@bp.route("/questionnaires/<int:qid>/preview/reset", methods=["POST"])
@access.require_project_access
def questionnaire_preview_reset(project, qid: int):
    """Throw the preview's answers away and start again."""
    record = owned_or_404(Questionnaire, qid, project)
    state = _state(record)
    state.update(answers={}, finished=False)
    _save(state)
    return redirect(url_for(".questionnaire_preview", slug=project.slug, qid=qid))


@bp.route("/questionnaires/<int:qid>/preview/page/<section>", methods=["GET", "POST"])
@access.require_project_access
def questionnaire_preview_page(project, qid: int, section: str):
    """One page (section) of the questionnaire; on submit, check it and go on or back."""
    record = owned_or_404(Questionnaire, qid, project)
    q = record.current.definition
    page = navigation.section_named(q, section)
    if page is None:
        abort(404)
    state = _state(record)
    result = None
    if request.method == "POST":
        result = read_page(q, page, request.form, state["language"], state["answers"])
        going_back = request.form.get("action") == "back"
        if result.ok or going_back:
            _keep_answers(state, result.answers)
            state["finished"] = False
            _save(state)
            if going_back:
                target = navigation.previous_page(q, state["answers"], page.name)
                return redirect(_here_url(record, target.name if target else "welcome"))
            target = navigation.next_page(q, state["answers"], page.name)
            return redirect(_here_url(record, target.name if target else "review"))
    _save(state)
    view = PageView(q, page, state["language"], state["answers"], result)
    number, total = navigation.position(q, state["answers"], page.name)
    status = 422 if result is not None and result.errors else 200
    return _render(
        "surveys/respond/items/preview_page.html",
        record,
        state,
        status,
        view=view,
        number=number,
        total=total,
        here=page.name,
        has_previous=navigation.previous_page(q, state["answers"], page.name) is not None,
    )


@bp.route("/questionnaires/<int:qid>/preview/review", methods=["GET", "POST"])
@access.require_project_access
def questionnaire_preview_review(project, qid: int):
    """Every answer given, page by page, with links back to change them; then finish."""
    record = owned_or_404(Questionnaire, qid, project)
    q = record.current.definition
    state = _state(record)
    if request.method == "POST":
        state["finished"] = True
        _save(state)
        return redirect(url_for(".questionnaire_preview_done", slug=project.slug, qid=qid))
    _save(state)
    language = state["language"]
    pages = navigation.pages(q, state["answers"])
    _sections, shown_items = logic.visibility(q, state["answers"])
    review = [
        {
            "section": section,
            "items": [
                (item, answer_texts(item, state["answers"], language))
                for item in section.items
                if item.holds_answer and item.name in shown_items
            ],
        }
        for section in pages
    ]
    return _render(
        "surveys/respond/items/preview_review.html",
        record,
        state,
        review=review,
        here="review",
        last=pages[-1] if pages else None,
    )


@bp.route("/questionnaires/<int:qid>/preview/done")
@access.require_project_access
def questionnaire_preview_done(project, qid: int):
    """The page a respondent sees after finishing."""
    record = owned_or_404(Questionnaire, qid, project)
    state = _state(record)
    _save(state)
    return _render("surveys/respond/items/preview_done.html", record, state, here="done")


@bp.route("/surveys/<int:sid>/cases/<int:case_id>/enter/<mode>", methods=["POST"])
@access.require_project_access
def enter_for_case(project, sid: int, case_id: int, mode: str):
    """A researcher fills in the case's response: as interviewer, or from a paper form."""
    survey = owned_or_404(Survey, sid, project)
    case = owned_or_404(Case, case_id, survey, by="survey_id")
    if mode not in ("interviewer", "paper"):
        abort(404)
    staff = acting_user()
    if not responses.staff_may_enter(survey, case, staff):
        return render_template(
            "errors/error.html",
            code=403,
            title=_("No access"),
            text=_(
                "The respondent has begun this anonymous response. Its answers are shown to "
                "nobody else; the respondent finishes it with the personal link."
            ),
        ), 403
    session[RESPONDENT_SESSION_KEY] = {
        "survey": survey.id,
        "case": case.id,
        "mode": mode,
        "staff": staff.id,
    }
    audit.record(f"response.{mode}_entry_started", case, actor=staff, project=project)
    db.session.commit()
    return redirect(url_for("respond.home"))
