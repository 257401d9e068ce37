"""Erasing a person for good: afterwards neither the database nor the instance folder holds
their name, address or answers anywhere (GDPR art. 17)."""

from __future__ import annotations

import email
import email.policy
import json
import re
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from fieldkit.core import audit
from fieldkit.core import erasure as erasure_core
from fieldkit.core.jobs import enqueue
from fieldkit.core.models import AuditEvent, Job, JobStatus, Role, utcnow
from fieldkit.extensions import db
from fieldkit.surveys.fieldwork import erasure, frame, sending
from fieldkit.surveys.fieldwork import operations as surveys
from fieldkit.surveys.models import Case, Mailing, Response, SentMessage
from fieldkit.surveys.respond import operations as responses
from fieldkit.surveys.results import exports
from tests import erasure_search as search
from tests.erasure_search import file_texts, texts_of

NAME = "Kari Nordmann-Testesen"
EMAIL = "kari.nordmann-testesen@eksempel.no"
EXTERNAL_ID = "KNT-4711"
ANSWER = "Saksbehandleren min heter Zyxwvut og var til stor hjelp"
NEEDLES = (NAME, EMAIL, ANSWER)


def database_hits() -> dict[str, int]:
    return search.database_hits(NEEDLES)


def instance_hits(app) -> dict[str, int]:
    return search.instance_hits(app, NEEDLES)


def sqlite_file_hits() -> list[str]:
    """The needles in the bytes of the SQLite database file and its write-ahead log (on
    PostgreSQL: none looked for)."""
    if db.engine.dialect.name != "sqlite":
        return []
    database = Path(db.engine.url.database)
    files = [database, database.with_name(database.name + "-wal")]
    raw = b"".join(f.read_bytes() for f in files if f.exists()).lower()
    return [n for n in NEEDLES if n.lower().encode() in raw]


@pytest.fixture
def seeded(app, make_user, make_project, make_survey):
    """Kari is invited, reminded, answers, is exported, and is named in the audit log and a
    job record; Ola, in the same survey, must keep everything."""
    researcher = make_user("forsker@nibr.no", role=Role.RESEARCHER)
    project = make_project(members=[researcher])
    survey = make_survey(project)
    kari = surveys.add_case(
        survey, EXTERNAL_ID, name=NAME, email=EMAIL, contact_person=NAME, actor=researcher
    )
    ola = surveys.add_case(survey, "OB-1", name="Ola Beholdes", email="ola.beholdes@eksempel.no")
    db.session.commit()
    sending.send_invitations(survey)
    db.session.execute(sa.update(SentMessage).values(sent_at=utcnow() - timedelta(days=8)))
    db.session.commit()
    sending.send_reminders(survey)
    for case, text in ((kari, ANSWER), (ola, "Ola sitt svar blir stående")):
        response = responses.start_for_case(survey, case)
        responses.save_answers(response, {"q16": "2", "q18": text}, ["q16", "q18"])
        responses.submit(response)
    db.session.commit()
    for fmt in ("csv", "xlsx", "sav"):
        job = enqueue(exports.export_job, survey.id, fmt, researcher.id, project=project)
        assert job.status == JobStatus.DONE, job.error
    audit.record("case.phoned", kari, actor=researcher, note=f"{NAME} ringte fra {EMAIL}")
    audit.record("survey.noted", survey, actor=researcher, note=f"Purret på {EMAIL} og Ola")
    db.session.add(
        Job(
            id="00000000-0000-4000-8000-000000000001",
            func="fieldkit.surveys.fieldwork.sending:run_mailing",
            args=[1],
            kwargs={},
            status=JobStatus.FAILED,
            project_id=project.id,
            message=f"Sender til {NAME}",
            error=f"SMTPRecipientsRefused: {{'{EMAIL}': (550, b'no such user')}}",
        )
    )
    mailing = db.session.scalars(sa.select(Mailing).order_by(Mailing.id)).first()
    mailing.error = f"550 {EMAIL}: no such user"
    frame.store_upload(
        survey, "utvalg.csv", f"Nr;Navn;E-post\n{EXTERNAL_ID};{NAME};{EMAIL}\n".encode()
    )
    db.session.commit()
    return researcher, survey, kari, ola


def _ola_keeps_everything(app, survey, ola) -> None:
    ola = db.session.get(Case, ola.id)
    assert ola is not None and ola.email == "ola.beholdes@eksempel.no"
    assert (
        db.session.scalar(sa.select(Response).where(Response.case_id == ola.id)).answers["q18"]
        == "Ola sitt svar blir stående"
    )
    assert (
        db.session.scalar(
            sa.select(sa.func.count()).select_from(SentMessage).where(SentMessage.case_id == ola.id)
        )
        == 2
    )
    to = [
        email.message_from_bytes(p.read_bytes(), policy=email.policy.default)["To"]
        for p in Path(app.config["OUTBOX_PATH"]).glob("*.eml")
    ]
    assert sorted(to) == ["ola.beholdes@eksempel.no"] * 2


def test_erasing_a_case_leaves_nothing_of_the_person(app, seeded):
    researcher, survey, kari, ola = seeded
    before_db, before_files = database_hits(), instance_hits(app)
    assert before_db == {
        "audit_events": 2,
        "jobs": 1,
        "cases": 1,
        "responses": 1,
        "survey_mailings": 1,
        "survey_sent_messages": 2,
    }
    assert before_files == {"outbox": 2, "uploads/exports": 3, "uploads/frames": 1}

    result = erasure.erase_case(kari, actor=researcher)
    db.session.commit()

    assert database_hits() == {} and instance_hits(app) == {}
    assert result.counts == {
        "responses_deleted": 1,
        "sent_messages_deleted": 2,
        "exports_deleted": 3,
        "frame_uploads_deleted": 1,
        "outbox_messages_deleted": 2,
        "audit_events_scrubbed": 2,
        "job_records_scrubbed": 1,
    }
    _ola_keeps_everything(app, survey, ola)
    # The mailings keep their counts: the response rates stay explainable.
    assert [m.sent_count for m in db.session.scalars(sa.select(Mailing).order_by(Mailing.id))] == [
        2,
        2,
    ]
    event = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "case.erased")
    ).one()
    assert event.actor_id == researcher.id and event.object_id == str(kari.id)
    assert event.details == {"survey": survey.id, "disposition": "2.12", **result.counts}
    noted = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "survey.noted"))
    assert noted.one().details == {"note": "Purret på [slettet] og Ola"}
    phoned = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "case.phoned"))
    assert phoned.one().details == {}


def test_the_case_page_erases_after_a_confirmation(app, client, login, make_user, seeded):
    researcher, survey, kari, ola = seeded
    base = f"/p/{survey.project.slug}/surveys/{survey.id}/cases/{kari.id}"
    facilitator = make_user("fasilitator@nibr.no", role=Role.FACILITATOR)
    from fieldkit.core import operations

    operations.add_member(survey.project, facilitator)
    db.session.commit()
    login(facilitator)
    assert client.get(base + "/erase").status_code == 403
    assert client.post(base + "/erase", data={"confirm": "y"}).status_code == 403
    client.post("/logout")
    login(researcher)
    case_page = client.get(base).get_data(as_text=True)
    assert "Slett saken for godt" in case_page and "Slett bare svaret for godt" in case_page
    page = client.get(base + "/erase").get_data(as_text=True)
    assert "Slett for godt" in page and "Jeg forstår at dette ikke kan angres" in page
    unconfirmed = client.post(base + "/erase", data={})
    assert unconfirmed.status_code == 422
    assert "Kryss av for å bekrefte." in unconfirmed.get_data(as_text=True)
    assert db.session.get(Case, kari.id) is not None
    done = client.post(base + "/erase", data={"confirm": "y"})
    assert done.status_code == 302 and done.location.endswith(f"/surveys/{survey.id}/cases")
    assert database_hits() == {} and instance_hits(app) == {}
    assert sqlite_file_hits() == []
    _ola_keeps_everything(app, survey, ola)


def test_the_erase_form_needs_its_csrf_token(app, client, login, seeded):
    researcher, survey, kari, _ola = seeded
    app.config["WTF_CSRF_ENABLED"] = True
    login_page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', login_page).group(1)
    client.post("/login", data={"email": researcher.email, "password": "correct horse battery",
                                "csrf_token": token})  # fmt: skip
    base = f"/p/{survey.project.slug}/surveys/{survey.id}/cases/{kari.id}/erase"
    assert client.post(base, data={"confirm": "y"}).status_code in (400, 422)
    assert db.session.get(Case, kari.id) is not None


def test_erasing_only_the_response_keeps_the_case(app, client, login, seeded):
    researcher, survey, kari, _ola = seeded
    response = db.session.scalar(sa.select(Response).where(Response.case_id == kari.id))
    login(researcher)
    done = client.post(
        f"/p/{survey.project.slug}/surveys/{survey.id}/responses/{response.id}/erase",
        data={"confirm": "y"},
    )
    assert done.status_code == 302 and done.location.endswith(f"/cases/{kari.id}")
    assert db.session.get(Response, response.id) is None
    assert db.session.get(Case, kari.id).email == EMAIL
    text = json.dumps([texts_of(r) for r in db.session.scalars(sa.select(AuditEvent))])
    assert ANSWER not in text
    assert ANSWER.lower() not in "\n".join(
        "\n".join(file_texts(p)).lower() for p in Path(app.instance_path).rglob("*") if p.is_file()
    )
    event = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "response.erased")
    ).one()
    assert event.details == {
        "survey": survey.id,
        "responses_deleted": 1,
        "exports_deleted": 3,
        "frame_uploads_deleted": 1,
        "audit_events_scrubbed": 0,
        "job_records_scrubbed": 0,
    }


def test_the_command_erases_a_person_in_every_survey_by_address(app, runner, seeded, make_survey):
    researcher, survey, kari, ola = seeded
    second = make_survey(survey.project)
    again = surveys.add_case(second, "X-1", name=NAME, email=EMAIL.upper())
    db.session.commit()
    refused = runner.invoke(args=["survey", "erase", "--email", EMAIL], input="n\n")
    assert refused.exit_code == 1 and db.session.get(Case, again.id) is not None
    result = runner.invoke(args=["survey", "erase", "--email", EMAIL, "--yes"])
    assert result.exit_code == 0, result.output
    assert result.output == (
        f"Erased case {kari.id}:\n  responses_deleted: 1\n  sent_messages_deleted: 2\n"
        "  exports_deleted: 3\n  frame_uploads_deleted: 1\n  outbox_messages_deleted: 2\n"
        "  audit_events_scrubbed: 2\n  job_records_scrubbed: 1\n"
        f"Erased case {again.id}:\n  responses_deleted: 0\n  sent_messages_deleted: 0\n"
        "  exports_deleted: 0\n  frame_uploads_deleted: 0\n  outbox_messages_deleted: 0\n"
        "  audit_events_scrubbed: 0\n  job_records_scrubbed: 0\n"
    )
    assert database_hits() == {} and instance_hits(app) == {}
    _ola_keeps_everything(app, survey, ola)


def test_the_command_erases_one_case_of_a_survey(app, runner, seeded):
    researcher, survey, kari, ola = seeded
    missing = runner.invoke(args=["survey", "erase", "--case", EXTERNAL_ID, "--yes"])
    assert missing.exit_code == 1 and "--case needs --survey" in missing.output
    unknown = runner.invoke(args=["survey", "erase", "--survey", str(survey.id), "--case", "Z"])
    assert unknown.exit_code == 1 and f"survey {survey.id} has no case Z" in unknown.output
    result = runner.invoke(
        args=["survey", "erase", "--survey", str(survey.id), "--case", EXTERNAL_ID, "--yes"]
    )
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"Erased case {kari.id}:\n  responses_deleted: 1\n")
    assert database_hits() == {} and instance_hits(app) == {}


def test_on_sqlite_the_database_file_keeps_no_copy_of_the_erased_rows(app, seeded):
    """Deleted rows linger in free pages and the write-ahead log unless overwritten."""
    if db.engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL's dead rows are removed by (auto)vacuum; see docs/fieldwork.md")
    researcher, survey, kari, _ola = seeded
    assert sqlite_file_hits() == list(NEEDLES)
    erasure.erase_case(kari, actor=researcher)
    db.session.commit()
    erasure_core.forget_erased()
    assert sqlite_file_hits() == []
