"""Responses: one per personal link, merged saves, submitted once, anonymity in the database."""

import threading

import pytest
import sqlalchemy as sa

from fieldkit.extensions import db
from fieldkit.surveys.fieldwork import operations as surveys
from fieldkit.surveys.models import Case, Response, ResponseStatus
from fieldkit.surveys.questionnaires import operations as questionnaires
from fieldkit.surveys.respond import links
from fieldkit.surveys.respond import operations as responses
from tests.paths import FIXTURES

FIXTURES = FIXTURES


@pytest.fixture
def make_survey(app, make_project):
    def make(fixture="ansatteskjema_storbysatsingen.yaml", **options):
        project = make_project()
        record = questionnaires.import_questionnaire(
            project, fixture, (FIXTURES / fixture).read_bytes()
        )
        survey = surveys.create_survey(record, "Kartlegging 2004", **options)
        surveys.launch(survey)
        db.session.commit()
        return survey

    return make


def test_personal_links_are_long_random_and_not_in_the_database(make_survey):
    survey = make_survey()
    case = surveys.add_case(survey, "0301-1", name="NAV Grünerløkka", email="Post@Nav.no")
    db.session.commit()
    token = links.personal_token(case)
    assert len(token) == 43  # 256 bits, base64url
    assert links.personal_url(case) == f"http://fieldkit.test/s/{token}"
    assert links.case_for_token(token).id == case.id
    assert links.case_for_token(token[:-1] + ("A" if token[-1] != "A" else "B")) is None
    assert case.email == "post@nav.no"
    # Nothing in the stored row is the token.
    row = db.session.execute(sa.select(Case.__table__).where(Case.id == case.id)).one()
    assert token not in [str(v) for v in row]
    # A new link revokes the old.
    links.assign_personal_link(case)
    db.session.commit()
    assert links.case_for_token(token) is None


def test_same_case_gets_the_same_response(make_survey):
    survey = make_survey()
    case = surveys.add_case(survey, "1")
    db.session.commit()
    first = responses.start_for_case(survey, case)
    second = responses.start_for_case(survey, case)
    assert first.id == second.id
    assert db.session.scalar(sa.select(sa.func.count(Response.id))) == 1


def test_saves_from_two_tabs_are_merged(make_survey):
    survey = make_survey()
    case = surveys.add_case(survey, "1")
    db.session.commit()
    response = responses.start_for_case(survey, case)
    responses.save_answers(
        response,
        {"q1": "1", "q2": "3", "q2.3": "rådgiver"},
        ["q1", "q2", "q3", "q4", "q5"],
        section="om_kontoret",
    )
    # A second tab, still showing an old revision, saves another page.
    stale = db.session.get(Response, response.id)
    responses.save_answers(stale, {"q9": "2"}, ["q6_aetat", "q8", "q9"], section="samarbeid")
    db.session.refresh(response)
    assert response.answers == {"q1": "1", "q2": "3", "q2.3": "rådgiver", "q9": "2"}
    assert response.revision == 2
    assert response.current_section == "samarbeid"
    # Emptying a field on its page removes it; choosing another than "Annet" drops its text.
    responses.save_answers(
        response, {"q1": "1", "q2": "1", "q2.3": "rådgiver"}, ["q1", "q2", "q3", "q4", "q5"]
    )
    assert response.answers == {"q1": "1", "q2": "1", "q9": "2"}


def test_hidden_answers_are_not_kept(make_survey):
    survey = make_survey()
    case = surveys.add_case(survey, "1")
    db.session.commit()
    response = responses.start_for_case(survey, case)
    responses.save_answers(
        response,
        {"q12": "1", "q14": "2", "q15": "Har ikke rukket det"},
        ["q12", "q13", "q14", "q15"],
    )
    responses.save_answers(response, {"q12": "2"}, ["q12", "q13", "q14", "q15"])
    assert response.answers == {"q12": "2"}


def test_submit_once_and_no_change_afterwards(make_survey):
    survey = make_survey()
    case = surveys.add_case(survey, "1")
    db.session.commit()
    response = responses.start_for_case(survey, case)
    responses.save_answers(response, {"q1": "2"}, ["q1"])
    assert responses.submit(response) is True
    assert responses.submit(response) is False
    assert response.status == ResponseStatus.SUBMITTED
    with pytest.raises(responses.ResponseError) as error:
        responses.save_answers(response, {"q1": "1"}, ["q1"])
    assert error.value.reason == "already_submitted"
    assert db.session.get(Response, response.id).answers == {"q1": "2"}


def test_edits_after_submission_when_the_researcher_allows_them(make_survey):
    survey = make_survey(allow_edit_after_submit=True)
    case = surveys.add_case(survey, "1")
    db.session.commit()
    response = responses.start_for_case(survey, case)
    responses.submit(response)
    responses.save_answers(response, {"q1": "1"}, ["q1"])
    assert response.answers == {"q1": "1"}
    assert response.status == ResponseStatus.SUBMITTED


def test_completeness_counts_applicable_questions():
    from fieldkit.surveys.questionnaires import definition

    q = definition.load((FIXTURES / "ansatteskjema_storbysatsingen.yaml").read_text("utf-8"))
    # 23 variables; q13-q15 (3) and q17 (1) are hidden without q12 = 1 and "annet" in q8.
    assert responses.completeness(q, {}) == 0.0
    assert responses.completeness(q, {"q1": "1", "q2": "1"}) == pytest.approx(2 / 19)
    answers = {"q12": "1", "q13": [{"navn": "", "deltakere": None}], "q14": "1"}
    # q13, q14 shown (21 applicable; q15 needs q14 = 2); the empty table does not count.
    assert responses.completeness(q, answers) == pytest.approx(2 / 21)


def run_at_once(app, count, work):
    """Run ``work(index)`` in ``count`` threads that start together; return their results."""
    barrier = threading.Barrier(count)
    results, errors = [None] * count, []

    def target(index):
        try:
            with app.app_context():
                barrier.wait()
                results[index] = work(index)
                db.session.remove()
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=target, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    return results


@pytest.mark.parametrize("anonymous", [False, True])
def test_concurrent_starts_and_submits_make_one_response(app, make_survey, anonymous):
    survey = make_survey(anonymous=anonymous)
    case = surveys.add_case(survey, "1")
    db.session.commit()
    survey_id, case_id = survey.id, case.id

    def start(_index):
        from fieldkit.surveys.models import Survey

        s, c = db.session.get(Survey, survey_id), db.session.get(Case, case_id)
        return responses.start_for_case(s, c).id

    ids = run_at_once(app, 6, start)
    assert len(set(ids)) == 1
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count(Response.id))) == 1

    def submit(_index):
        return responses.submit(db.session.get(Response, ids[0]))

    assert sorted(run_at_once(app, 6, submit)) == [False] * 5 + [True]


def test_anonymous_response_cannot_be_traced_to_its_case(make_survey):
    survey = make_survey("deltakerskjema_storbysatsingen.yaml")
    assert survey.anonymous is True  # from the questionnaire
    cases = [surveys.add_case(survey, str(n), email=f"d{n}@example.no") for n in range(3)]
    db.session.commit()
    response = responses.start_for_case(survey, cases[1])
    responses.save_answers(response, {"q1": 34, "q2": "2"}, ["q1", "q2"])
    assert cases[1].open_response_id == response.id  # needed to resume, until submission
    responses.submit(response)
    db.session.expire_all()
    stored = db.session.execute(sa.select(Response.__table__)).mappings().one()
    assert stored["case_id"] is None
    assert stored["started_at"] is None and stored["updated_at"] is None
    assert stored["submitted_at"] is None
    assert stored["submitted_on"] is not None  # the day only
    assert stored["resume_hash"] is None
    assert len(stored["id"]) == 36  # random, not a sequence number
    case_rows = db.session.execute(sa.select(Case.__table__)).mappings().all()
    for row in case_rows:
        assert row["open_response_id"] is None
        assert response.id not in [str(v) for v in row.values()]
    answered = [row for row in case_rows if row["submitted_at"] is not None]
    assert [row["external_id"] for row in answered] == ["1"]
    assert answered[0]["submitted_at"].hour == 0 and answered[0]["submitted_at"].minute == 0
    assert answered[0]["submitted_class"] == "R"  # 2 of 16 questions answered
    # The case cannot start a second response.
    with pytest.raises(responses.ResponseError):
        responses.start_for_case(survey, db.session.get(Case, cases[1].id))
