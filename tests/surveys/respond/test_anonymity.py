"""An attacker against an anonymous survey: 30 cases answer in a known order, and someone with
every row and column of the database (system columns too), the logs and the audit log tries
to tell which case gave which submitted response. Each attack must do no better than chance.

The test knows the truth (each case answers its own age, 20 + its number); the attacker only
uses what the database, the logs and the audit log hold. Response ids come from a seeded
generator, so that "no better than chance" is an exact, repeatable number.
"""

from __future__ import annotations

import logging
import os
import random
import uuid
from dataclasses import dataclass
from datetime import date, datetime

import pytest
import sqlalchemy as sa

from fieldkit.core.models import AuditEvent
from fieldkit.extensions import db
from fieldkit.surveys.fieldwork import operations as surveys
from fieldkit.surveys.models import Case, Response, ResponseStatus, Survey
from fieldkit.surveys.questionnaires import operations as questionnaires
from fieldkit.surveys.respond import links
from tests.paths import FIXTURES

CASES = 30
#: A random order of 30 has on average one fixed point; 4 or more happen by chance in 1.9 %
#: of orders, so more than 3 correct pairings means the attack works.
CHANCE = 3


def postgresql() -> bool:
    return db.engine.dialect.name == "postgresql"


ON_POSTGRESQL = "postgresql" in os.environ.get("FIELDKIT_TEST_DATABASE_URL", "")
only_postgresql = pytest.mark.skipif(
    not ON_POSTGRESQL, reason="an attack on PostgreSQL's system columns"
)
only_sqlite = pytest.mark.skipif(ON_POSTGRESQL, reason="an attack on SQLite's rowid")


@dataclass
class Field:
    """What happened (known to the test only) and the survey it happened in."""

    survey: Survey
    #: external ids in the order the cases opened their links and started.
    started: list[str]
    #: external ids in the order they submitted.
    submitted: list[str]
    #: response id -> the external id of the case that gave it (from the answers).
    truth: dict[str, str]
    log: str


def seeded_uuid4(seed: int):
    generator = random.Random(seed)
    return lambda: uuid.UUID(int=generator.getrandbits(128), version=4)


@pytest.fixture
def field(app, make_project, monkeypatch, caplog) -> Field:
    """30 cases of an anonymous survey open their links and start in one random order, then
    answer and submit in another; everything is logged at DEBUG."""
    monkeypatch.setattr(uuid, "uuid4", seeded_uuid4(15))
    caplog.set_level(logging.DEBUG)
    if postgresql():
        # Vacuum would let later inserts reuse freed space: keep storage order repeatable.
        db.session.execute(sa.text("ALTER TABLE responses SET (autovacuum_enabled = false)"))
        db.session.commit()
    project = make_project()
    fixture = "deltakerskjema_storbysatsingen.yaml"
    record = questionnaires.import_questionnaire(
        project, fixture, (FIXTURES / fixture).read_bytes()
    )
    survey = surveys.create_survey(record, "Deltakere 2006")
    surveys.launch(survey)
    assert survey.anonymous
    cases = [
        surveys.add_case(survey, f"d{n:02d}", name=f"Deltaker {n}", email=f"d{n}@example.no")
        for n in range(CASES)
    ]
    db.session.commit()
    tokens = {case.external_id: links.personal_token(case) for case in cases}
    started = sorted(tokens)
    random.Random(1).shuffle(started)
    submitted = sorted(tokens)
    random.Random(2).shuffle(submitted)
    browsers = {}
    for external_id in started:
        browser = app.test_client()
        assert browser.get(f"/s/{tokens[external_id]}").status_code == 302
        assert browser.post("/svar/start").status_code == 302
        browsers[external_id] = browser
    for external_id in submitted:
        browser = browsers[external_id]
        age = str(20 + int(external_id[1:]))
        page = browser.post("/svar/side/s1", data={"q1": age, "action": "next"})
        assert page.headers["Location"] == "/svar/oversikt"
        assert browser.post("/svar/oversikt").headers["Location"] == "/svar/takk"
    db.session.remove()
    if postgresql():
        db.session.execute(sa.text("ALTER TABLE responses RESET (autovacuum_enabled)"))
        db.session.commit()
    rows = db.session.execute(sa.select(Response.id, Response.answers)).all()
    truth = {id_: f"d{answers['q1'] - 20:02d}" for id_, answers in rows}
    assert sorted(truth.values()) == sorted(tokens)
    statuses = db.session.scalars(sa.select(Response.status)).all()
    assert statuses == [ResponseStatus.SUBMITTED] * CASES
    return Field(survey, started, submitted, truth, caplog.text)


def correct_pairings(field: Field, cases_in_order: list[str], responses_in_order: list[str]):
    """How many pairs the attacker gets right by putting two orders side by side."""
    assert len(cases_in_order) == len(responses_in_order) == CASES
    return sum(
        field.truth[response] == case
        for case, response in zip(cases_in_order, responses_in_order, strict=True)
    )


def system_columns(table: str, *columns: str) -> list[tuple]:
    return db.session.execute(sa.text(f"SELECT {', '.join(columns)} FROM {table}")).all()


def ctid_key(ctid: str) -> tuple[int, int]:
    page, item = ctid.strip("()").split(",")
    return int(page), int(item)


@only_postgresql
def test_no_case_shares_a_transaction_with_a_response(field):
    """Joining cases to responses on ``xmin`` (the transaction that wrote the row) finds
    nothing: the case's new state is written in a transaction of its own."""
    joined = db.session.execute(
        sa.text(
            "SELECT c.external_id, r.id FROM cases c JOIN responses r"
            " ON c.xmin::text = r.xmin::text"
        )
    ).all()
    assert joined == []


@only_postgresql
def test_transaction_ids_of_responses_carry_no_order(field):
    """Sorting responses by transaction id (and command id) to pair them with the cases
    sorted by theirs: every submitted response was last written by one and the same
    statement."""
    responses = system_columns("responses", "xmin::text", "cmin::text", "id")
    assert len({(xmin, cmin) for xmin, cmin, _id in responses}) == 1
    cases = system_columns("cases", "xmin::text::bigint", "external_id")
    cases_by_transaction = [external_id for _xid, external_id in sorted(cases)]
    assert cases_by_transaction == field.submitted  # the attacker knows the order of cases
    by_ctid = system_columns("responses", "ctid::text", "id")
    responses_by_transaction = [id_ for _ctid, id_ in sorted(by_ctid, key=lambda r: ctid_key(r[0]))]
    assert correct_pairings(field, cases_by_transaction, responses_by_transaction) <= CHANCE


@only_postgresql
def test_physical_order_of_responses_is_the_order_of_their_random_ids(field):
    """Sorting responses by ``ctid`` (where the row lies in the table) and pairing them with
    the cases in the order they opened their links or submitted."""
    rows = system_columns("responses", "ctid::text", "id")
    by_ctid = [id_ for _ctid, id_ in sorted(rows, key=lambda row: ctid_key(row[0]))]
    assert by_ctid == sorted(field.truth)
    assert correct_pairings(field, field.started, by_ctid) <= CHANCE
    assert correct_pairings(field, field.submitted, by_ctid) <= CHANCE


@only_sqlite
def test_rowid_order_of_responses_is_the_order_of_their_random_ids(field):
    """Sorting responses by SQLite's ``rowid`` (the order rows were stored in) and pairing
    them with the cases in the order they opened their links or submitted."""
    rows = system_columns("responses", "rowid", "id")
    by_rowid = [id_ for _rowid, id_ in sorted(rows)]
    assert by_rowid == sorted(field.truth)
    assert correct_pairings(field, field.started, by_rowid) <= CHANCE
    assert correct_pairings(field, field.submitted, by_rowid) <= CHANCE


def test_no_timestamp_of_a_response_singles_out_a_case(field):
    """A response keeps only the day it was submitted: every time a case has (opened,
    invited, submitted, created) matches either every response or none."""
    response_rows = db.session.execute(sa.select(Response.__table__)).mappings().all()
    for row in response_rows:
        assert row["started_at"] is None and row["updated_at"] is None
        assert row["submitted_at"] is None and row["submitted_on"] is not None
    case_rows = db.session.execute(sa.select(Case.__table__)).mappings().all()

    def moments(row) -> set:
        found = set()
        for value in row.values():
            if isinstance(value, datetime):
                found |= {value.replace(tzinfo=None), value.date()}
            elif isinstance(value, date):
                found.add(value)
        return found

    for response in response_rows:
        theirs = moments(response)
        candidates = [case["external_id"] for case in case_rows if moments(case) & theirs]
        assert len(candidates) in (0, CASES)
    # Nor do the cases' times, sorted, line up with anything the responses hold.
    by_opening = [row["external_id"] for row in sorted(case_rows, key=lambda row: row["opened_at"])]
    assert by_opening == field.started
    by_revision = [
        row["id"] for row in sorted(response_rows, key=lambda r: (r["revision"], r["id"]))
    ]
    assert correct_pairings(field, by_opening, by_revision) <= CHANCE


def test_no_row_anywhere_points_to_a_response(field):
    """No column of any other table (cases' ``open_response_id``, the audit log, jobs, mail)
    holds a response's id, and no response names a case, a person or a member."""
    ids = set(field.truth)
    for table in db.metadata.sorted_tables:
        if table.name == "responses":
            continue
        for row in db.session.execute(sa.select(table)).all():
            text = " ".join(str(value) for value in row)
            assert not [id_ for id_ in ids if id_ in text], table.name
    assert (
        db.session.scalar(sa.select(sa.func.count()).where(Case.open_response_id.is_not(None))) == 0
    )
    for row in db.session.execute(sa.select(Response.__table__)).mappings():
        assert row["case_id"] is None and row["entered_by_id"] is None
        assert row["resume_hash"] is None


def test_logs_and_audit_log_name_no_response(field):
    """Neither the application's log (at DEBUG) nor the audit log mentions a response."""
    assert field.log  # something was logged: the attacker had something to read
    assert [id_ for id_ in field.truth if id_ in field.log] == []
    events = db.session.execute(sa.select(AuditEvent.__table__)).all()
    text = " ".join(str(value) for event in events for value in event)
    assert [id_ for id_ in field.truth if id_ in text] == []


def test_unfinished_anonymous_answers_are_not_readable_by_staff(
    app, client, make_project, make_user, login
):
    """A member cannot open a respondent's unfinished anonymous response from the case page:
    neither through the interviewer or paper entry, nor by forging the session."""
    member = make_user("kari@afi.no")
    project = make_project(members=[member])
    fixture = "deltakerskjema_storbysatsingen.yaml"
    record = questionnaires.import_questionnaire(
        project, fixture, (FIXTURES / fixture).read_bytes()
    )
    survey = surveys.create_survey(record, "Deltakere 2006")
    surveys.launch(survey)
    case = surveys.add_case(survey, "d01", name="Deltaker 1", email="d1@example.no")
    db.session.commit()
    respondent = app.test_client()
    respondent.get(f"/s/{links.personal_token(case)}")
    respondent.post("/svar/start")
    respondent.post("/svar/autosave", data={"q3": "Hemmelig fagbrev", "_section": "s1"})
    assert "Hemmelig fagbrev" in db.session.scalar(sa.select(Response.answers))["q3"]

    login(member)
    base = f"/p/{project.slug}/surveys/{survey.id}/cases/{case.id}"
    page = client.get(base).get_data(as_text=True)
    assert "Hemmelig fagbrev" not in page
    assert "/enter/" not in page  # no way in is offered, and the page says why
    assert "Respondenten har begynt på dette anonyme svaret" in page
    token = links.personal_token(case)
    assert token not in page  # the personal link is hidden while the response is in progress
    # Nor does the personal link itself show a member the answers.
    assert client.get(f"/s/{token}").status_code == 302
    refused = client.get("/svar")
    assert refused.status_code == 403
    assert "Respondenten har begynt på dette anonyme svaret" in refused.get_data(as_text=True)
    assert "Hemmelig fagbrev" not in client.get("/svar/side/s1").get_data(as_text=True)
    assert client.post("/svar/autosave", data={"q3": "", "_section": "s1"}).status_code == 403
    for mode in ("interviewer", "paper"):
        entered = client.post(f"{base}/enter/{mode}")
        assert entered.status_code == 403
        shown = client.get("/svar")
        assert shown.status_code in (403, 404)
        assert "Hemmelig fagbrev" not in client.get("/svar/side/s1").get_data(as_text=True)
    with client.session_transaction() as state:
        state["respondent"] = {
            "survey": survey.id,
            "case": case.id,
            "mode": "interviewer",
            "staff": member.id,
        }
    assert client.get("/svar").status_code == 403
    forged = client.get("/svar/side/s1")
    assert forged.status_code == 403
    assert "Hemmelig fagbrev" not in forged.get_data(as_text=True)
    # The respondent still has every answer and goes on.
    resumed = respondent.get("/svar/side/s1").get_data(as_text=True)
    assert "Hemmelig fagbrev" in resumed


def test_a_submission_stopped_between_its_two_transactions_is_finished_later(
    app, make_project, monkeypatch
):
    """The response commits first, then the case. If the process stops in between, the case
    still points to the submitted response: the next look at the case finishes the job."""
    from fieldkit.surveys.respond import operations as responses

    project = make_project()
    fixture = "deltakerskjema_storbysatsingen.yaml"
    record = questionnaires.import_questionnaire(
        project, fixture, (FIXTURES / fixture).read_bytes()
    )
    survey = surveys.create_survey(record, "Deltakere 2006")
    surveys.launch(survey)
    case = surveys.add_case(survey, "d01")
    db.session.commit()
    response = responses.start_for_case(survey, case)
    responses.save_answers(response, {"q1": 34, "q2": "2"}, ["q1", "q2"])
    monkeypatch.setattr(responses, "_forget_case", lambda *args: None)  # the process stops
    assert responses.submit(response) is True
    monkeypatch.undo()
    db.session.expire_all()
    case = db.session.get(Case, case.id)
    assert case.open_response_id == response.id and case.submitted_at is None
    assert responses.response_for_case(survey, case) is None
    db.session.expire_all()
    stored = db.session.get(Case, case.id)
    assert stored.open_response_id is None
    assert stored.submitted_at.date() == response.submitted_on
    assert stored.submitted_class == "R"  # 2 of 16 questions answered


def test_submissions_at_the_same_moment_are_mixed_together(app, make_project):
    """Six respondents of one anonymous survey submit at once: each re-mix waits for the one
    before (PostgreSQL: an advisory lock; SQLite: the write lock), none fails or duplicates a
    row, and the rows end up in the order of their ids with one transaction id."""
    from fieldkit.surveys.respond import operations as responses
    from tests.surveys.respond.test_responses import run_at_once

    project = make_project()
    fixture = "deltakerskjema_storbysatsingen.yaml"
    record = questionnaires.import_questionnaire(
        project, fixture, (FIXTURES / fixture).read_bytes()
    )
    survey = surveys.create_survey(record, "Deltakere 2006")
    surveys.launch(survey)
    cases = [surveys.add_case(survey, f"d{n}") for n in range(6)]
    db.session.commit()
    started = [responses.start_for_case(survey, case).id for case in cases]
    survey_id = survey.id

    def submit(index):
        db.session.get(Survey, survey_id)
        return responses.submit(db.session.get(Response, started[index]))

    assert run_at_once(app, 6, submit) == [True] * 6
    db.session.remove()
    assert sorted(db.session.scalars(sa.select(Response.id))) == sorted(started)
    assert db.session.scalar(sa.select(sa.func.count()).where(Case.submitted_at.is_not(None))) == 6
    assert db.session.scalar(sa.select(sa.func.count(Case.open_response_id))) == 0
    order = "ctid" if postgresql() else "rowid"
    stored = db.session.execute(sa.text(f"SELECT id FROM responses ORDER BY {order}")).scalars()
    assert stored.all() == sorted(started)
    if postgresql():
        xmins = db.session.execute(sa.text("SELECT DISTINCT xmin::text FROM responses")).all()
        assert len(xmins) == 1
