"""Invitations and reminders through a real SMTP server on loopback."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from fieldkit.core.models import Job, JobStatus, utcnow
from fieldkit.core.operations import OperationError
from fieldkit.extensions import db
from fieldkit.surveys.fieldwork import recipients, sending, texts
from fieldkit.surveys.models import Case, Mailing, SentMessage
from fieldkit.surveys.respond import links
from fieldkit.surveys.respond import operations as responses

LINK = re.compile(r"http://fieldkit\.test/s/[A-Za-z0-9_-]{43}")
DECLINE = re.compile(r"http://fieldkit\.test/n/[A-Za-z0-9_-]{43}")


def cases_by_id(survey) -> dict[str, Case]:
    return {
        c.external_id: c
        for c in db.session.scalars(sa.select(Case).where(Case.survey_id == survey.id))
    }


def bodies(received):
    text = received.message.get_body(preferencelist=("plain",)).get_content()
    text = text.replace("\r\n", "\n")
    html = received.message.get_body(preferencelist=("html",)).get_content()
    return text, html


def test_invitations_to_160_offices_go_through_one_smtp_session(
    smtp_app, smtp_server, office_survey
):
    mailing = sending.send_invitations(office_survey)
    assert mailing.status == "done"
    assert mailing.sent_count == 160 and mailing.failed_count == 0
    assert len(smtp_server.messages) == 160
    assert len(smtp_server.handler.sessions) == 1
    cases = cases_by_id(office_survey)
    by_address = {c.email: c for c in cases.values()}
    for received in smtp_server.messages:
        (address,) = received.rcpt_tos
        case = by_address[address]
        text, html = bodies(received)
        personal = links.personal_url(case)
        decline = texts.decline_url(case)
        assert LINK.findall(text) == [personal]
        assert DECLINE.findall(text) == [decline]
        assert f'href="{personal}"' in html and f'href="{decline}"' in html
        assert received.message["List-Unsubscribe"].strip() == f"<{decline}>"
        assert received.message["Subject"] == "Invitasjon til spørreundersøkelse"
        assert "Jeg ønsker ikke å delta" in text
        assert f"Til {case.contact_person or case.name}\n" in text
        assert "Ola Forsker (ola.forsker@nibr.no)" in text
    # The deadline is the survey's last day, in Norwegian.
    assert texts.deadline_text(office_survey) in bodies(smtp_server.messages[0])[0]
    # The send log: one sent row per case, with the Message-ID the server got.
    rows = db.session.scalars(sa.select(SentMessage)).all()
    assert len(rows) == 160 and {r.status for r in rows} == {"sent"}
    ids = {str(r.message["Message-ID"]) for r in smtp_server.messages}
    assert {r.message_id for r in rows} == ids
    assert all(c.invited_at is not None for c in cases.values())
    assert sending.invited_case_ids(office_survey) == {c.id for c in cases.values()}
    assert [(kind, count) for _day, kind, count in sending.mailing_dates(office_survey)] == [
        ("invitation", 160)
    ]
    job = db.session.get(Job, mailing.job_id)
    assert job.status == JobStatus.DONE and job.progress_done == job.progress_total == 160
    # Sending again sends nothing: everyone has had the invitation.
    again = sending.send_invitations(office_survey)
    assert again.sent_count == 0 and len(smtp_server.messages) == 160


def test_a_mail_server_crash_after_57_messages_then_a_rerun_gives_each_case_one_invitation(
    smtp_app, smtp_server, office_survey
):
    smtp_server.handler.fail_after = 57
    mailing = sending.send_invitations(office_survey)
    assert mailing.status == "interrupted"
    assert "421" in mailing.error
    assert (mailing.sent_count, mailing.failed_count) == (57, 1)
    assert len(smtp_server.messages) == 57
    statuses = db.session.execute(
        sa.select(SentMessage.status, sa.func.count()).group_by(SentMessage.status)
    ).all()
    assert dict(statuses) == {"sent": 57, "failed": 1}
    assert len(recipients.outgoing_invitations(office_survey)) == 103
    smtp_server.handler.fail_after = None  # the server is back
    rerun = sending.resume(mailing)
    assert rerun.status == "done"
    assert len(smtp_server.messages) == 160
    addressees = [r.rcpt_tos[0] for r in smtp_server.messages]
    assert len(set(addressees)) == 160  # nobody twice
    assert {c.email for c in cases_by_id(office_survey).values()} == set(addressees)
    assert (
        db.session.scalar(
            sa.select(sa.func.count()).select_from(SentMessage).where(SentMessage.status == "sent")
        )
        == 160
    )


def test_an_uncertain_message_is_never_sent_twice_until_released(
    smtp_app, smtp_server, make_survey
):
    survey = make_survey()
    from fieldkit.surveys.fieldwork import operations as surveys

    case = surveys.add_case(survey, "1", name="NAV Alta", email="alta@nav.no")
    db.session.commit()
    # A run that died between the server's acceptance and our commit leaves "sending".
    mailing = sending.create_mailing(survey, "invitation")
    db.session.add(
        SentMessage(
            mailing_id=mailing.id, case_id=case.id, round=0, kind="invitation",
            to_address=case.email, status="sending", message_id="<x@y>", error="",
        )
    )  # fmt: skip
    db.session.commit()
    assert recipients.outgoing_invitations(survey) == []
    sending.send_invitations(survey)
    assert smtp_server.messages == []
    assert [m.message_id for m in sending.uncertain_messages(survey)] == ["<x@y>"]
    assert sending.release_uncertain(survey) == 1
    db.session.commit()
    sending.send_invitations(survey)
    assert [r.rcpt_tos for r in smtp_server.messages] == [["alta@nav.no"]]


def _answer(survey, case, *, submit: bool):
    response = responses.start_for_case(survey, case)
    first = survey.definition.sections[0].items
    item = next(i for i in first if i.type == "text" or i.type == "long_text" or i.choices)
    value = item.choices[0].code if item.choices else "svar"
    responses.save_answers(response, {item.name: value}, [item.name])
    if submit:
        responses.submit(response)
    db.session.commit()
    return response


@pytest.fixture
def fielded(smtp_app, smtp_server, office_survey):
    """The 160 offices invited 8 days ago, with every kind of case that must not be reminded."""
    sending.send_invitations(office_survey)
    eight_days_ago = utcnow() - timedelta(days=8)
    db.session.execute(sa.update(SentMessage).values(sent_at=eight_days_ago))
    db.session.commit()
    smtp_server.messages.clear()
    cases = cases_by_id(office_survey)
    for external_id in ("S001", "S002", "A001"):
        _answer(office_survey, cases[external_id], submit=True)
    for external_id in ("S003", "A002"):
        _answer(office_survey, cases[external_id], submit=False)
    cases["S004"].declined_at = utcnow()
    cases["S005"].bounced_at = utcnow()
    cases["S006"].eligible = False
    cases["S006"].ineligible_reason = "Nedlagt 2004"
    db.session.commit()
    return office_survey


def test_reminders_reach_exactly_the_right_people_with_the_right_text(fielded, smtp_server):
    planned = sending.send_reminders(fielded, dry_run=True)
    by_id = {p.external_id: p for p in planned}
    excluded = {"S001", "S002", "A001", "S004", "S005", "S006"}
    assert len(planned) == 154
    assert not excluded & set(by_id)
    assert by_id["S003"].kind == "reminder_started" and by_id["A002"].kind == "reminder_started"
    assert {p.kind for p in planned if p.external_id not in ("S003", "A002")} == {
        "reminder_not_started"
    }
    assert {p.round for p in planned} == {1}
    assert smtp_server.messages == []  # a dry run sends nothing
    mailing = sending.send_reminders(fielded)
    assert mailing.sent_count == 154
    received = {r.rcpt_tos[0]: r for r in smtp_server.messages}
    cases = cases_by_id(fielded)
    assert set(received) == {cases[i].email for i in by_id}
    started = received[cases["S003"].email].message
    assert started["Subject"] == "Påminnelse: du har ikke sendt inn svaret ennå"
    assert received[cases["S007"].email].message["Subject"] == "Påminnelse: spørreundersøkelse"
    # The minimum gap (5 days) holds the next reminder back.
    assert sending.send_reminders(fielded, dry_run=True) == []


def test_reminders_to_one_stratum_and_at_most_the_maximum_count(fielded, smtp_server):
    recipients.save_reminder_schedule(fielded, [7, 14], min_gap_days=0, max_reminders=2)
    db.session.commit()
    planned = sending.send_reminders(fielded, strata={"etat": "Aetat"}, dry_run=True)
    assert len(planned) == 59  # 60 Aetat offices, one has answered
    assert all(p.external_id.startswith("A") for p in planned)
    sending.send_reminders(fielded, strata={"etat": "Aetat"})
    sending.send_reminders(fielded, strata={"etat": "Aetat"})
    assert len(smtp_server.messages) == 118
    assert sending.send_reminders(fielded, strata={"etat": "Aetat"}, dry_run=True) == []
    rounds = db.session.execute(
        sa.select(SentMessage.round, sa.func.count()).group_by(SentMessage.round)
    ).all()
    assert dict(rounds) == {0: 160, 1: 59, 2: 59}
    assert [(k, c) for _d, k, c in sending.mailing_dates(fielded)] == [
        ("invitation", 160),
        ("reminder", 59),
        ("reminder", 59),
    ]


def test_the_schedule_sends_reminders_on_the_planned_days(fielded, smtp_server):
    recipients.save_reminder_schedule(fielded, [7, 14])
    db.session.commit()
    results = sending.run_schedule()
    assert [(m.schedule_day, r["sent"]) for m, r in results] == [(7, 154)]
    assert sending.run_schedule() == []  # day 7 is done, day 14 not yet
    later = utcnow() + timedelta(days=7)
    results = sending.run_schedule(now=later)
    assert [m.schedule_day for m, _r in results] == [14]
    assert results[0][1]["sent"] == 0  # gap: the day-7 reminders went out just now


def test_a_scheduled_invitation_waits_for_its_time(smtp_app, smtp_server, office_survey):
    at = utcnow() + timedelta(hours=2)
    mailing = sending.send_invitations(office_survey, scheduled_at=at)
    assert mailing.status == "scheduled" and smtp_server.messages == []
    assert sending.run_schedule() == []
    results = sending.run_schedule(now=at + timedelta(minutes=1))
    assert [(m.id, r["sent"]) for m, r in results] == [(mailing.id, 160)]


def test_no_mail_from_a_draft_survey(make_survey):
    survey = make_survey()
    survey.launched_at = None
    db.session.commit()
    with pytest.raises(OperationError):
        sending.send_invitations(survey)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Mailing)) == 0


def test_bounced_addresses_in_bulk(office_survey):
    count, unknown = sending.mark_bounced_addresses(
        office_survey, ["AETAT.HALDEN@aetat.no", "ukjent@example.no", " aetat.moss@aetat.no "]
    )
    db.session.commit()
    assert (count, unknown) == (2, ["ukjent@example.no"])
    planned = {p.external_id for p in recipients.outgoing_invitations(office_survey)}
    assert len(planned) == 158 and "A001" not in planned


def test_an_address_the_server_refuses_for_good_is_marked_undeliverable(
    smtp_app, smtp_server, office_survey
):
    async def handle_RCPT(server, session, envelope, address, rcpt_options):
        if address == "aetat.halden@aetat.no":
            return "550 5.1.1 No such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    smtp_server.handler.handle_RCPT = handle_RCPT
    mailing = sending.send_invitations(office_survey)
    assert (mailing.status, mailing.sent_count, mailing.failed_count) == ("done", 159, 1)
    halden = cases_by_id(office_survey)["A001"]
    assert halden.bounced_at is not None
    row = db.session.scalars(sa.select(SentMessage).where(SentMessage.case_id == halden.id)).one()
    assert row.status == "failed" and "550" in row.error
    assert recipients.outgoing_invitations(office_survey) == []  # no retry to a dead address


def test_a_mailing_that_broke_on_an_unexpected_error_can_be_continued(
    smtp_app, smtp_server, office_survey, monkeypatch
):
    real_render = texts.render
    calls = {"n": 0}

    def flaky(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 11:
            raise RuntimeError("template broke")
        return real_render(*args, **kwargs)

    monkeypatch.setattr(texts, "render", flaky)
    mailing = sending.send_invitations(office_survey)
    db.session.refresh(mailing)
    assert mailing.status == "interrupted" and "template broke" in mailing.error
    assert db.session.get(Job, mailing.job_id).status == JobStatus.FAILED
    assert len(smtp_server.messages) == 10
    sending.resume(mailing)
    addressees = [m.rcpt_tos[0] for m in smtp_server.messages]
    assert len(addressees) == len(set(addressees)) == 160
