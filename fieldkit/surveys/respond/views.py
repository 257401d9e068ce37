"""The respondent's pages: enter by a personal, open or resume link, answer page by page, submit.

A link's token only ever appears in the address once: the entry route finds the case (or the
survey, or the response), puts what it found in the session and redirects to ``/svar``. Every
page change is saved on the server; ``/svar/autosave`` saves while the respondent types.
Researchers use the same pages to enter an interview or a returned paper form for a case.
"""

from __future__ import annotations

from functools import cached_property
from typing import Any

from flask import (
    Blueprint,
    abort,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user

from fieldkit.core import access, audit, database, roles
from fieldkit.core.loaders import acting_user
from fieldkit.core.models import utcnow
from fieldkit.extensions import db
from fieldkit.surveys.models import Case, Response, ResponseMode, SurveyState
from fieldkit.surveys.questionnaires import logic
from fieldkit.surveys.respond import links, navigation
from fieldkit.surveys.respond import operations as responses
from fieldkit.surveys.respond.answers import read_page
from fieldkit.surveys.respond.rendering import PageView, answer_texts

respond_bp = Blueprint("respond", __name__)

SESSION_KEY = "respondent"


def unknown_link():
    """The same page for every respondent link that does not work (personal, open, resume,
    decline): nothing says whether it existed. Counts a failure against the client, or, when
    it has had too many, refuses it for a while (a link that works is never refused)."""
    return links.FAILED_LINKS.failure(too_many, _unknown_page)


def _unknown_page():
    return render_template(
        "surveys/respond/message.html", kind="unknown", survey=None, language="nb"
    ), 404


def too_many():
    """The page for a client refused after too many links that did not work."""
    return render_template(
        "surveys/respond/message.html", kind="too_many", survey=None, language="nb"
    ), 429


def _enter(token: str, find, state_of):
    """One way in for every link: look the token up, keep what it opened in the
    session, and redirect so the token leaves the address bar."""
    found = find(token)
    if found is None:
        return unknown_link()
    session.pop(SESSION_KEY, None)
    session[SESSION_KEY] = {"mode": ResponseMode.WEB.value, **state_of(found)}
    return redirect(url_for("respond.home"))


def _case_for_token(token: str) -> Case | None:
    case = links.case_for_token(token)
    if case is not None and case.opened_at is None:
        case.opened_at = utcnow()
        db.session.commit()
    return case


@respond_bp.route("/s/<token>")
def personal_link(token: str):
    """A personal link: the case it belongs to."""
    return _enter(token, _case_for_token, lambda case: {"survey": case.survey_id, "case": case.id})


@respond_bp.route("/o/<token>")
def open_link(token: str):
    """A survey's open link: anyone may start a response."""
    return _enter(
        token, links.survey_for_open_token, lambda survey: {"survey": survey.id, "open": True}
    )


@respond_bp.route("/r/<token>")
def resume_link(token: str):
    """An open-link respondent's resume link."""
    return _enter(
        token,
        links.response_for_resume_token,
        lambda response: {"survey": response.survey_id, "response": response.id, "open": True},
    )


# --------------------------------------------------------------------------------------------
# Where the respondent is


class Visit:
    """The respondent's session: the survey, the case or response, the mode, the language.

    Every page needs the survey with its questionnaire and the response, so they come in one
    query; the case row only when something asks for it (a personal link's response is found
    by the case's id, which the session holds).
    """

    def __init__(self, state: dict[str, Any]):
        self.state = state
        self.case_id: int | None = state.get("case") or None
        self.survey, response = responses.survey_with_response(
            state.get("survey"), case_id=self.case_id, response_id=state.get("response")
        )
        if self.survey is not None and not (self.case_id is not None and self.survey.anonymous):
            self.response = response  # what ``response`` would look up (not needed again)
        self.mode = ResponseMode(state.get("mode", "web"))
        self.staff = state.get("staff")

    @cached_property
    def case(self) -> Case | None:
        """The case of a personal link (looked up once per request, when needed)."""
        return db.session.get(Case, self.case_id) if self.case_id is not None else None

    @cached_property
    def response(self) -> Response | None:
        """The response of this visit: found with the survey, except the one an anonymous
        survey's case holds while it is in progress."""
        case = self.case
        return responses.response_for_case(self.survey, case) if case is not None else None

    @property
    def language(self) -> str:
        offered = self.survey.languages or ["nb"]
        language = self.state.get("language")
        return language if language in offered else offered[0]

    @property
    def staff_entry(self) -> bool:
        return self.mode != ResponseMode.WEB

    def closed_for_respondent(self) -> SurveyState | None:
        """The state that keeps this visitor out, if any (researchers keying in forms are not
        kept out by the field period)."""
        state = self.survey.state
        if self.staff_entry:
            return None if state != SurveyState.DRAFT else state
        return None if state == SurveyState.OPEN else state


def _visit() -> Visit:
    state = session.get(SESSION_KEY)
    if not state:
        abort(404)
    visit = Visit(state)
    if visit.survey is None:
        abort(404)
    if visit.staff_entry and (
        not current_user.is_authenticated
        or current_user.id != visit.staff
        or not roles.may("surveys.preview.enter_for_case", visit.survey.project)
        or (
            visit.case is not None
            and not responses.staff_may_enter(visit.survey, visit.case, current_user)
        )
    ):
        abort(403)
    if not visit.staff_entry and _member_at_anonymous_answers(visit):
        abort(
            make_response(
                render_template(
                    "errors/error.html",
                    code=403,
                    title=_("No access"),
                    text=_(
                        "The respondent has begun this anonymous response. Its answers are "
                        "shown to nobody else; the respondent finishes it with the personal link."
                    ),
                ),
                403,
            )
        )
    return visit


def _member_at_anonymous_answers(visit: Visit) -> bool:
    """Whether a logged-in member of the project opened the personal link of a case whose
    anonymous response someone else began: staff see the links, not the answers behind them
    (unless the case is the member's own)."""
    case = visit.case if visit.case_id is not None and visit.survey.anonymous else None
    if case is None or case.open_response_id is None or not current_user.is_authenticated:
        return False
    if not access.is_member(current_user, visit.survey.project):
        return False
    if case.email and case.email == (current_user.email or "").lower():
        return False
    return not responses.staff_may_enter(visit.survey, case, current_user)


def _render(template: str, visit: Visit, status: int = 200, **context):
    with force_locale(visit.language):
        html = render_template(
            template,
            visit=visit,
            survey=visit.survey,
            q=visit.survey.definition,
            language=visit.language,
            **context,
        )
    return html, status


def _message(visit: Visit, kind: str, status: int):
    return _render("surveys/respond/message.html", visit, status, kind=kind)


def _gate(visit: Visit):
    """The page to show instead of the questionnaire, if the visitor may not answer now."""
    state = visit.closed_for_respondent()
    if state in (SurveyState.DRAFT, SurveyState.NOT_YET_OPEN):
        return _message(visit, "not_yet_open", 403)
    if state == SurveyState.CLOSED:
        return _message(visit, "closed", 410)
    response = visit.response
    if visit.survey.anonymous and visit.case is not None:
        submitted = visit.case.submitted_at is not None
    else:
        submitted = response is not None and response.submitted
    # A submitted response stays closed unless the researcher lets respondents edit it.
    if submitted and (response is None or visit.staff_entry or not responses.editable(response)):
        return _message(visit, "already_answered", 200)
    return None


@respond_bp.route("/svar")
def home():
    """The welcome page (or, for a started response, the way back to where it was left)."""
    visit = _visit()
    blocked = _gate(visit)
    if blocked:
        return blocked
    q = visit.survey.definition
    response = visit.response
    answers = response.answers if response is not None else {}
    pages = navigation.pages(q, answers)
    return _render(
        "surveys/respond/welcome.html",
        visit,
        response=response,
        first=pages[0] if pages else None,
        deadline=visit.survey.last_day,
    )


@respond_bp.route("/svar/sprak", methods=["POST"])
def set_language():
    """Answer in another of the survey's languages (remembered for the response)."""
    visit = _visit()
    language = request.form.get("language", "")
    if language in (visit.survey.languages or ["nb"]):
        visit.state["language"] = language
        session[SESSION_KEY] = visit.state
        response = visit.response
        if response is not None and responses.editable(response):
            responses.save_answers(response, {}, [], language=language)
    here = request.form.get("here", "")
    if navigation.section_named(visit.survey.definition, here):
        return redirect(url_for("respond.page", section=here))
    return redirect(url_for("respond.home"))


@respond_bp.route("/svar/start", methods=["POST"])
def start():
    """Start (or resume) the response and go to its page."""
    visit = _visit()
    blocked = _gate(visit)
    if blocked:
        return blocked
    response = visit.response
    if response is None:
        if visit.case is not None:
            try:
                response = responses.start_for_case(
                    visit.survey,
                    visit.case,
                    mode=visit.mode,
                    language=visit.language,
                    entered_by=acting_user() if visit.staff_entry else None,
                )
            except responses.ResponseError:
                return _message(visit, "already_answered", 200)
        else:
            response, token = responses.start_open(visit.survey, language=visit.language)
            visit.state["response"] = response.id
            visit.state["resume"] = links.resume_url(token)
            session[SESSION_KEY] = visit.state
    q = visit.survey.definition
    section = navigation.section_named(q, response.current_section or "")
    if section is None or section not in navigation.pages(q, response.answers):
        pages = navigation.pages(q, response.answers)
        section = pages[0] if pages else None
    if section is None:
        return redirect(url_for("respond.review"))
    return redirect(url_for("respond.page", section=section.name))


def _require_response(visit: Visit) -> Response:
    response = visit.response
    if response is None:
        abort(409)
    return response


@respond_bp.route("/svar/side/<section>", methods=["GET", "POST"])
def page(section: str):
    """One page of the questionnaire; on submit it is checked and saved, then next or back."""
    # Reads, then at most one save before anything else writes (``_submit`` comes after the
    # save's commit): no transaction block needed around them.
    database.autocommit_until_commit()
    visit = _visit()
    blocked = _gate(visit)
    if blocked:
        return blocked
    response = visit.response
    if response is None:
        return redirect(url_for("respond.home"))
    q = visit.survey.definition
    current = navigation.section_named(q, section)
    if current is None:
        abort(404)
    result = None
    if request.method == "POST":
        result = read_page(q, current, request.form, visit.language, response.answers)
        going_back = request.form.get("action") == "back"
        moves = result.ok or going_back
        if going_back:
            target = navigation.previous_page(q, result.answers, current.name)
        else:
            target = navigation.next_page(q, result.answers, current.name)
        # One save: the page's answers, and the page the respondent goes on to.
        stay = current.name if not moves or target is None else target.name
        try:
            responses.save_answers(
                response, result.page_answers, result.fields, section=stay, warned=result.warned
            )
        except responses.ResponseError:
            return _message(visit, "already_answered", 200)
        if moves:
            if target is not None:
                return redirect(url_for("respond.page", section=target.name))
            if going_back:
                return redirect(url_for("respond.home"))
            if visit.survey.review_page:
                return redirect(url_for("respond.review"))
            return _submit(visit, response)
    view = PageView(q, current, visit.language, response.answers, result)
    number, total, has_previous, is_last = navigation.place(q, response.answers, current.name)
    status = 422 if result is not None and result.errors else 200
    return _render(
        "surveys/respond/page.html",
        visit,
        status,
        view=view,
        response=response,
        number=number,
        total=total,
        here=current.name,
        is_last=is_last,
        has_previous=has_previous,
    )


@respond_bp.route("/svar/autosave", methods=["POST"])
def autosave():
    """Save what the respondent has typed on a page so far (called by the page's script)."""
    database.autocommit_until_commit()  # reads and one save, as on ``page``
    visit = _visit()
    if _gate(visit) is not None:
        return jsonify(saved=False, reason="closed"), 409
    response = visit.response
    section = navigation.section_named(visit.survey.definition, request.form.get("_section", ""))
    if response is None or section is None:
        return jsonify(saved=False, reason="unknown"), 404
    result = read_page(
        visit.survey.definition, section, request.form, visit.language, response.answers
    )
    # Only what can be read is saved; what has a message waits for the respondent.
    fields = [name for name in result.fields if name not in result.errors]
    try:
        responses.save_answers(response, result.page_answers, fields, section=section.name)
    except responses.ResponseError as exc:
        return jsonify(saved=False, reason=exc.reason), 409
    return jsonify(saved=True, revision=response.revision)


@respond_bp.route("/svar/oversikt", methods=["GET", "POST"])
def review():
    """Every answer, page by page, with links back; then send."""
    visit = _visit()
    blocked = _gate(visit)
    if blocked:
        return blocked
    response = _require_response(visit)
    if request.method == "POST":
        return _submit(visit, response)
    q = visit.survey.definition
    pages = navigation.pages(q, response.answers)
    _sections, shown = logic.visibility(q, response.answers)
    review_items = [
        {
            "section": section,
            "items": [
                (item, answer_texts(item, response.answers, visit.language))
                for item in section.items
                if item.holds_answer and item.name in shown
            ],
        }
        for section in pages
    ]
    return _render(
        "surveys/respond/review.html",
        visit,
        response=response,
        review=review_items,
        last=pages[-1] if pages else None,
        here="review",
    )


def _submit(visit: Visit, response: Response):
    if response.submitted:
        # Allowed edits of a submitted response are saved as they are made.
        return redirect(url_for("respond.thanks"))
    responses.submit(response)
    if visit.staff_entry:
        audit.record(
            f"response.{visit.mode.value}_entry_submitted",
            visit.case,
            actor=acting_user(),
            project=visit.survey.project_id,
        )
        db.session.commit()
    return redirect(url_for("respond.thanks"))


@respond_bp.route("/svar/takk")
def thanks():
    """The thank-you page. In kiosk mode the session is cleared for the next respondent."""
    visit = _visit()
    context = {"kiosk": visit.survey.kiosk}
    if visit.staff_entry:
        context["back"] = url_for(
            "surveys.fieldwork.survey", slug=visit.survey.project.slug, sid=visit.survey.id
        )
    html, status = _render("surveys/respond/thanks.html", visit, **context)
    if visit.survey.kiosk or visit.state.get("open"):
        # Nothing of this respondent's answers stays reachable from this browser.
        session.pop(SESSION_KEY, None)
        if visit.survey.kiosk:
            session[SESSION_KEY] = {"survey": visit.survey.id, "mode": "web", "open": True}
    return html, status
