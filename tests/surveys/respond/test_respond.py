"""The respondent's side through HTTP: links, pages, saving, submitting, the state pages."""

import re
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from fieldkit.core.models import AuditEvent, RateLimitHit, utcnow
from fieldkit.extensions import db
from fieldkit.surveys.fieldwork import operations as surveys
from fieldkit.surveys.models import Case, Response, ResponseMode, ResponseStatus
from fieldkit.surveys.questionnaires import operations as questionnaires
from fieldkit.surveys.respond import links
from fieldkit.surveys.respond import operations as responses
from tests.paths import FIXTURES

FIXTURES = FIXTURES


@pytest.fixture
def field_survey(app, make_project):
    projects = []

    def make(fixture="ansatteskjema_storbysatsingen.yaml", launch=True, **options):
        if not projects:
            projects.append(make_project())
        project = projects[0]
        record = questionnaires.import_questionnaire(
            project, fixture, (FIXTURES / fixture).read_bytes()
        )
        options.setdefault("contact_name", "Kari Forsker")
        options.setdefault("contact_email", "kari@afi.no")
        survey = surveys.create_survey(record, "Kartlegging 2004", **options)
        if launch:
            surveys.launch(survey)
        db.session.commit()
        return survey

    return make


def enter(client, case):
    response = client.get(f"/s/{links.personal_token(case)}")
    assert response.status_code == 302
    assert response.headers["Location"] == "/svar"
    return client.get("/svar")


PAGE1 = {
    "q1": "1",
    "q2": "3",
    "q2.3": "Rådgiver",
    "q3": "2,5",
    "q4": "120",
    "q5": "05.01.2004",
    "_shown": "intro_note q1 q2 q3 q4 q5",
}


def test_a_personal_link_leads_through_the_questionnaire(client, field_survey):
    survey = field_survey()
    case = surveys.add_case(survey, "0301", name="NAV Sagene", email="post@sagene.no")
    db.session.commit()
    welcome = enter(client, case).get_data(as_text=True)
    assert "Spørreskjema til ansatte i Aetat og sosialtjenesten" in welcome
    assert "Svarene behandles konfidensielt." in welcome
    assert "kari@afi.no" in welcome
    assert db.session.get(Case, case.id).opened_at is not None
    start = client.post("/svar/start")
    assert start.headers["Location"] == "/svar/side/om_kontoret"
    page = client.get("/svar/side/om_kontoret").get_data(as_text=True)
    assert "Side 1 av 4" in page
    assert "Hvilken etat arbeider du i?" in page
    moved = client.post("/svar/side/om_kontoret", data={**PAGE1, "action": "next"})
    assert moved.headers["Location"] == "/svar/side/samarbeid"
    stored = db.session.scalar(sa.select(Response))
    assert stored.answers == {
        "q1": "1",
        "q2": "3",
        "q2.3": "Rådgiver",
        "q3": 2.5,
        "q4": 120,
        "q5": "2004-01-05",
    }
    assert stored.current_section == "samarbeid"
    assert stored.mode == ResponseMode.WEB and stored.case_id == case.id
    # A respondent who comes back through the link continues where they left off.
    client.get("/svar")
    assert client.post("/svar/start").headers["Location"] == "/svar/side/samarbeid"


def test_invalid_answers_are_refused_with_messages_and_nothing_wrong_is_saved(client, field_survey):
    survey = field_survey()
    case = surveys.add_case(survey, "0301")
    db.session.commit()
    enter(client, case)
    client.post("/svar/start")
    page = client.post(
        "/svar/side/om_kontoret", data={**PAGE1, "q1": "", "q4": "mange", "action": "next"}
    )
    assert page.status_code == 422
    html = page.get_data(as_text=True)
    assert 'class="error-summary"' in html
    assert "mange" in html  # what was typed is shown again
    stored = db.session.scalar(sa.select(Response))
    assert "q4" not in stored.answers and "q1" not in stored.answers
    assert stored.answers["q3"] == 2.5  # what was right is kept


def test_skip_logic_on_the_server_without_javascript(client, field_survey):
    survey = field_survey()
    case = surveys.add_case(survey, "1")
    db.session.commit()
    enter(client, case)
    client.post("/svar/start")
    client.post("/svar/side/om_kontoret", data={**PAGE1, "action": "next"})
    # q12 = Nei: q13-q15 are not asked, and the page goes on.
    client.post(
        "/svar/side/samarbeid",
        data={"_shown": "q6 q7 q8 q9 q10 q11", "q8": "team", "action": "next"},
    )
    moved = client.post(
        "/svar/side/tiltaksarrangorer", data={"_shown": "q12", "q12": "2", "action": "next"}
    )
    assert moved.headers["Location"] == "/svar/side/vurdering"
    # q12 = Ja without JavaScript: the page comes back showing q13-q14 (q15 still hidden).
    again = client.post(
        "/svar/side/tiltaksarrangorer", data={"_shown": "q12", "q12": "1", "action": "next"}
    )
    assert again.status_code == 200
    html = again.get_data(as_text=True)
    assert re.search(r'id="item-q13"[^>]*>', html) and 'id="item-q13" hidden' not in html
    assert "hidden" in re.search(r'<div class="item[^"]*" id="item-q15"[^>]*>', html).group(0)


def test_review_submit_thanks_and_already_answered(client, field_survey):
    survey = field_survey()
    case = surveys.add_case(survey, "1")
    db.session.commit()
    enter(client, case)
    client.post("/svar/start")
    client.post("/svar/side/om_kontoret", data={**PAGE1, "action": "next"})
    review = client.get("/svar/oversikt").get_data(as_text=True)
    assert "<h1>Se over svarene dine</h1>" in review
    assert "Rådgiver" in review
    assert '<a href="/svar/side/om_kontoret">' in review  # back to change a page
    sent = client.post("/svar/oversikt")
    assert sent.headers["Location"] == "/svar/takk"
    assert "Takk for hjelpen!" in client.get("/svar/takk").get_data(as_text=True)
    assert db.session.scalar(sa.select(Response.status)) == ResponseStatus.SUBMITTED
    # Double click, back button, the link again: one response, never changed.
    assert client.post("/svar/oversikt").status_code == 200
    again = client.post("/svar/side/om_kontoret", data={**PAGE1, "q1": "2", "action": "next"})
    assert "Du har allerede svart" in again.get_data(as_text=True)
    assert db.session.scalar(sa.select(Response.answers))["q1"] == "1"
    page = enter(client, case)
    assert page.status_code == 200
    assert "Du har allerede svart" in page.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(Response.id))) == 1


def test_unknown_links_look_alike_and_are_rate_limited(app, client, field_survey):
    survey = field_survey()
    case = surveys.add_case(survey, "1")
    db.session.commit()
    token = links.personal_token(case)
    wrong = token[:-2] + ("xy" if token[-2:] != "xy" else "zz")
    first = client.get(f"/s/{wrong}")
    short = client.get("/s/abc")
    assert first.status_code == short.status_code == 404
    assert first.get_data() == short.get_data()
    assert "Lenken virker ikke" in first.get_data(as_text=True)
    for _ in range(18):
        client.get("/s/abc")
    assert client.get("/s/abc").status_code == 429
    assert client.get("/r/" + "x" * 43).status_code == 429
    # Refusals are not counted: the client waits ten minutes from its 20th failure.
    assert db.session.scalar(sa.select(sa.func.count(RateLimitHit.id))) == 20
    # A link that works is looked up first and never refused, not even after one's own
    # failures.
    assert client.get(f"/s/{token}").status_code == 302
    assert client.get("/svar").status_code == 200
    # Another address is not limited by this one's failures.
    other = app.test_client()
    other.environ_base["REMOTE_ADDR"] = "192.0.2.7"
    assert other.get("/s/abc").status_code == 404


def test_behind_one_office_address_mistyped_links_do_not_block_working_links(
    app_config, make_project
):
    """Behind nginx and an office NAT, 20 mistyped links from colleagues (all one address)
    leave every working link open: personal, open, resume and decline links."""
    from fieldkit import create_app
    from fieldkit.surveys.fieldwork import texts

    app = create_app({**app_config, "TRUSTED_PROXIES": 1})
    with app.app_context():
        record = questionnaires.import_questionnaire(
            make_project(),
            "ansatteskjema_storbysatsingen.yaml",
            (FIXTURES / "ansatteskjema_storbysatsingen.yaml").read_bytes(),
        )
        survey = surveys.create_survey(
            record,
            "Kartlegging 2004",
            contact_name="Kari",
            contact_email="kari@afi.no",
            open_link=True,
        )
        surveys.launch(survey)
        cases = [surveys.add_case(survey, str(number)) for number in range(3)]
        db.session.commit()
        office = {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": "198.51.100.4"}
        colleague = app.test_client()
        colleague.environ_base.update(office)
        for number in range(20):
            assert colleague.get(f"/s/{'A' * 42}{number % 10}").status_code == 404
        assert colleague.get("/s/" + "B" * 43).status_code == 429
        assert colleague.get("/n/" + "B" * 43).status_code == 429
        respondent = app.test_client()
        respondent.environ_base.update(office)
        assert respondent.get(f"/s/{links.personal_token(cases[0])}").status_code == 302
        assert respondent.get(f"/o/{links.open_token(survey)}").status_code == 302
        decline = texts.decline_url(cases[1]).removeprefix("http://fieldkit.test")
        assert respondent.get(decline).status_code == 200
        assert colleague.get(f"/s/{links.personal_token(cases[2])}").status_code == 302
        # The office is one client: its failures are refused, a client elsewhere is not.
        assert respondent.get("/s/" + "C" * 43).status_code == 429
        elsewhere = app.test_client()
        elsewhere.environ_base.update(office, HTTP_X_FORWARDED_FOR="203.0.113.9")
        assert elsewhere.get("/s/" + "C" * 43).status_code == 404


def test_not_yet_open_and_closed(client, field_survey):
    later = field_survey(opens_at=utcnow() + timedelta(days=3))
    case = surveys.add_case(later, "1")
    db.session.commit()
    page = enter(client, case)
    assert page.status_code == 403
    assert "Undersøkelsen har ikke åpnet ennå" in page.get_data(as_text=True)
    assert client.post("/svar/start").status_code == 403
    closed = field_survey(
        opens_at=datetime(2004, 3, 1, tzinfo=UTC), closes_at=datetime(2004, 4, 1, tzinfo=UTC)
    )
    other = surveys.add_case(closed, "2")
    db.session.commit()
    page = enter(client, other)
    assert page.status_code == 410
    assert "Undersøkelsen er avsluttet" in page.get_data(as_text=True)
    draft = field_survey(launch=False)
    third = surveys.add_case(draft, "3")
    db.session.commit()
    assert enter(client, third).status_code == 403


def test_open_link_resume_link_and_kiosk(client, field_survey):
    survey = field_survey(open_link=True, kiosk=True)
    entered = client.get(f"/o/{links.open_token(survey)}")
    assert entered.headers["Location"] == "/svar"
    client.post("/svar/start")
    page = client.get("/svar/side/om_kontoret").get_data(as_text=True)
    resume = re.search(r'<code class="resume-link">([^<]+)</code>', page).group(1)
    assert resume.startswith("http://fieldkit.test/r/")
    client.post("/svar/side/om_kontoret", data={**PAGE1, "action": "next"})
    # Another browser resumes with the resume link.
    other = client.application.test_client()
    assert other.get(resume.replace("http://fieldkit.test", "")).status_code == 302
    assert other.post("/svar/start").headers["Location"] == "/svar/side/samarbeid"
    other.post("/svar/oversikt")
    thanks = other.get("/svar/takk").get_data(as_text=True)
    assert 'id="next-respondent"' in thanks
    # Kiosk: the next respondent starts afresh and sees nothing of the previous answers.
    assert other.post("/svar/start").headers["Location"] == "/svar/side/om_kontoret"
    fresh = other.get("/svar/side/om_kontoret").get_data(as_text=True)
    assert "Rådgiver" not in fresh
    assert db.session.scalar(sa.select(sa.func.count(Response.id))) == 2
    assert (
        db.session.scalar(
            sa.select(Response.resume_hash).where(Response.status == ResponseStatus.SUBMITTED)
        )
        is None
    )
    assert other.get(resume.replace("http://fieldkit.test", "")).status_code == 404


def test_answering_in_nynorsk_is_remembered(client, field_survey):
    survey = field_survey(languages=["nb", "nn", "en"])
    case = surveys.add_case(survey, "1")
    db.session.commit()
    enter(client, case)
    client.post("/svar/start")
    client.post("/svar/sprak", data={"language": "nn", "here": "om_kontoret"})
    page = client.get("/svar/side/om_kontoret").get_data(as_text=True)
    assert "Kva etat arbeider du i?" in page
    assert '<html lang="nn">' in page
    assert db.session.scalar(sa.select(Response.language)) == "nn"


def test_autosave_keeps_what_can_be_read(client, field_survey):
    survey = field_survey()
    case = surveys.add_case(survey, "1")
    db.session.commit()
    enter(client, case)
    client.post("/svar/start")
    saved = client.post(
        "/svar/autosave", data={"_section": "om_kontoret", "q3": "3,5", "q4": "tolv", "q2": "1"}
    )
    assert saved.get_json() == {"saved": True, "revision": 1}
    assert db.session.scalar(sa.select(Response.answers)) == {"q2": "1", "q3": 3.5}
    responses.submit(db.session.scalar(sa.select(Response)))
    refused = client.post("/svar/autosave", data={"_section": "om_kontoret", "q3": "9"})
    assert refused.status_code == 409


def test_researcher_enters_a_paper_form(client, field_survey, make_user, login):
    survey = field_survey(
        opens_at=datetime(2004, 3, 1, tzinfo=UTC), closes_at=datetime(2004, 4, 1, tzinfo=UTC)
    )
    researcher = make_user("forsker@afi.no")
    from fieldkit.core.operations import add_member

    add_member(survey.project, researcher)
    case = surveys.add_case(survey, "0301", name="NAV Sagene")
    db.session.commit()
    login(researcher)
    entered = client.post(
        f"/p/{survey.project.slug}/surveys/{survey.id}/cases/{case.id}/enter/paper"
    )
    assert entered.headers["Location"] == "/svar"
    welcome = client.get("/svar").get_data(as_text=True)
    assert "Papirskjema" in welcome and "NAV Sagene" in welcome  # the survey closed, but paper
    client.post("/svar/start")
    client.post("/svar/side/om_kontoret", data={**PAGE1, "action": "next"})
    client.post("/svar/oversikt")
    stored = db.session.scalar(sa.select(Response))
    assert stored.mode == ResponseMode.PAPER
    assert stored.entered_by_id == researcher.id
    assert stored.status == ResponseStatus.SUBMITTED
    actions = db.session.scalars(
        sa.select(AuditEvent.action).where(AuditEvent.action.like("response.paper%"))
    ).all()
    assert actions == ["response.paper_entry_started", "response.paper_entry_submitted"]
    # Someone else's browser cannot use the researcher's entry.
    other = client.application.test_client()
    with other.session_transaction() as state:
        state["respondent"] = {
            "survey": survey.id,
            "case": case.id,
            "mode": "paper",
            "staff": researcher.id,
        }
    assert other.get("/svar").status_code == 403


def test_an_entry_stops_when_its_researcher_may_no_longer_enter(
    client, field_survey, make_user, login
):
    """Staff entry follows the role matrix: a researcher made facilitator mid-entry is
    refused the respondent's pages."""
    from fieldkit.core.models import Role
    from fieldkit.core.operations import add_member

    survey = field_survey()
    researcher = make_user("forsker@afi.no")
    add_member(survey.project, researcher)
    case = surveys.add_case(survey, "0301", name="NAV Sagene")
    db.session.commit()
    login(researcher)
    client.post(f"/p/{survey.project.slug}/surveys/{survey.id}/cases/{case.id}/enter/paper")
    assert client.get("/svar").status_code == 200
    researcher.role = Role.FACILITATOR
    db.session.commit()
    assert client.get("/svar").status_code == 403


class Statements:
    """The SQL statements and commits the app sends while it is listening."""

    def __init__(self, engine):
        self.engine = engine
        self.sql: list[str] = []
        #: Each statement's verb, with "+" when it committed by itself (autocommit).
        self.modes: list[str] = []
        self.commits = 0

    def _statement(self, connection, _cursor, statement, *_args) -> None:
        verb = statement.split(None, 1)[0].upper()
        self.sql.append(verb)
        autocommit = connection.get_execution_options().get("isolation_level") == "AUTOCOMMIT"
        self.modes.append(verb + ("+" if autocommit else ""))

    def _commit(self, _connection) -> None:
        self.commits += 1

    def __enter__(self):
        sa.event.listen(self.engine, "before_cursor_execute", self._statement)
        sa.event.listen(self.engine, "commit", self._commit)
        return self

    def __exit__(self, *_exc) -> None:
        sa.event.remove(self.engine, "before_cursor_execute", self._statement)
        sa.event.remove(self.engine, "commit", self._commit)


def as_a_new_request(client, method: str, path: str, **kwargs):
    """A request with nothing loaded beforehand, as each request of a real server starts (the
    test's session would otherwise still hold what earlier requests loaded)."""
    db.session.remove()
    with Statements(db.engine) as statements:
        response = client.open(path, method=method, **kwargs)
    return response, statements


def test_a_page_is_shown_with_one_query_and_saved_with_one_update(client, field_survey):
    survey = field_survey()
    case = surveys.add_case(survey, "1")
    db.session.commit()
    enter(client, case)
    client.post("/svar/start")
    # The survey, its questionnaire and the response come in one query, outside a
    # transaction block (nothing to begin, nothing to roll back).
    shown, statements = as_a_new_request(client, "GET", "/svar/side/om_kontoret")
    assert shown.status_code == 200
    assert statements.modes == ["SELECT+"] and statements.commits == 0
    # Saving the page and moving on: that query and the conditional UPDATE, which commits as
    # it runs; what was read is not read again after the save.
    moved, statements = as_a_new_request(
        client, "POST", "/svar/side/om_kontoret", data={**PAGE1, "action": "next"}
    )
    assert moved.headers["Location"] == "/svar/side/samarbeid"
    assert statements.modes == ["SELECT+", "UPDATE+"]
    # A page sent back with a message is saved and shown again from the same query.
    refused, statements = as_a_new_request(
        client, "POST", "/svar/side/om_kontoret", data={**PAGE1, "q1": "", "action": "next"}
    )
    assert refused.status_code == 422
    assert statements.modes == ["SELECT+", "UPDATE+"]
    # Autosave too.
    saved, statements = as_a_new_request(
        client, "POST", "/svar/autosave", data={**PAGE1, "_section": "om_kontoret", "q4": "121"}
    )
    assert saved.get_json() == {"saved": True, "revision": 3}
    assert statements.modes == ["SELECT+", "UPDATE+"]
    # Every save is committed: a new session reads it.
    db.session.remove()
    stored = db.session.scalar(sa.select(Response))
    assert stored.revision == 3 and stored.current_section == "om_kontoret"
    assert stored.answers["q1"] == "1" and stored.answers["q4"] == 121


def test_submitting_from_the_last_page_is_two_transactions_after_the_save(client, field_survey):
    """Without a review page the last page's save is followed by the submission. In an
    anonymous survey its two writes (the response, and the case that answered) go in two
    transactions, so that no transaction id ties them together (tests/surveys/respond/
    test_anonymity.py); the response's also rewrites the survey's submitted responses."""
    survey = field_survey("deltakerskjema_storbysatsingen.yaml", review_page=False, anonymous=True)
    case = surveys.add_case(survey, "1")
    db.session.commit()
    enter(client, case)
    client.post("/svar/start")
    last = survey.definition.sections[-1]
    for section in survey.definition.sections[:-1]:
        client.post(f"/svar/side/{section.name}", data={"action": "next"})
    sent, statements = as_a_new_request(
        client, "POST", f"/svar/side/{last.name}", data={"action": "next"}
    )
    assert sent.headers["Location"] == "/svar/takk"
    # The survey, the case, its response (an anonymous one is found from the case), the save.
    assert statements.modes[:4] == ["SELECT+", "SELECT+", "SELECT+", "UPDATE+"]
    # Then the submission: the response, the re-mix of the survey's submitted responses (one
    # statement on PostgreSQL, after a lock; the rowids renumbered on SQLite), commit; the
    # response read back; the case, commit.
    if db.engine.dialect.name == "postgresql":
        remix = ["SELECT", "WITH"]
    else:
        remix = ["SELECT", "SELECT", "UPDATE"]
    assert statements.modes[4:] == ["UPDATE", *remix, "SELECT", "UPDATE"]
    assert statements.commits == 3
    db.session.remove()
    assert db.session.scalar(sa.select(Response.status)) == ResponseStatus.SUBMITTED
    stored = db.session.get(Case, case.id)
    assert stored.submitted_class is not None and stored.open_response_id is None


def test_control_characters_in_answers_are_normalised_not_refused(client, field_survey):
    """Text pasted from Word (vertical tab), CRLF and NUL, on a page and in an autosave: the
    answer is kept, with line breaks as newlines and NUL left out, on every database."""
    survey = field_survey()
    case = surveys.add_case(survey, "0301")
    db.session.commit()
    enter(client, case)
    client.post("/svar/start")
    moved = client.post(
        "/svar/side/om_kontoret",
        data={**PAGE1, "q2.3": "Råd\x0bgiver\x00\r\nleder\x1b", "action": "next"},
    )
    assert moved.status_code == 302
    stored = db.session.scalar(sa.select(Response))
    assert stored.answers["q2.3"] == "Råd\ngiver\nleder"
    saved = client.post(
        "/svar/autosave", data={"_section": "om_kontoret", "q2": "3", "q2.3": "a\x0cb\x00c"}
    )
    assert saved.status_code == 200
    db.session.refresh(stored)
    assert stored.answers["q2.3"] == "a\nbc"
    # The operation cleans what any caller gives it, not only what a form sends.
    responses.save_answers(stored, {"q2": "3", "q2.3": "x\x00\x0by"}, ["q2", "q2.3"])
    db.session.refresh(stored)
    assert stored.answers["q2.3"] == "x\ny"
