"""The issue's scenario end to end: 160 offices, 115 returned, 2 discarded, RR1 70.6 %.

A postal/web survey of one form per office: 100 sosialtjeneste, 60 Aetat lokal. Invitations go
through a real SMTP server on loopback; 115 answer (on the web or on paper), 2 are discarded as
incomplete, reminders reach exactly the 45 who have not answered, and the command line shows
RR1 70.6 % overall, 76.7 % Aetat and 67.0 % sosialtjeneste.
"""

from __future__ import annotations

import json
from datetime import timedelta

import sqlalchemy as sa

from fieldkit.core.models import utcnow
from fieldkit.extensions import db
from fieldkit.surveys.fieldwork import outcomes, sending
from fieldkit.surveys.fieldwork.demo import ANSWERS as COMPLETE_ANSWERS
from fieldkit.surveys.models import Case, ResponseMode, SentMessage
from fieldkit.surveys.respond import operations as responses

FULL = COMPLETE_ANSWERS  # a staff form answered in full (the demo's)


def test_160_offices_from_frame_to_response_rates(
    runner, smtp_app, smtp_server, office_survey, make_user
):
    survey = office_survey
    sending.send_invitations(survey)
    assert len(smtp_server.messages) == 160 and len(smtp_server.handler.sessions) == 1
    cases = list(db.session.scalars(sa.select(Case).order_by(Case.external_id)))
    aetat = [c for c in cases if c.strata["etat"] == "Aetat"]
    sosial = [c for c in cases if c.strata["etat"] == "sosialtjeneste"]
    answering = aetat[:46] + sosial[:69]  # 115 returned
    clerk = make_user("registrering@nibr.no")
    for n, case in enumerate(answering):
        paper = n % 5 == 0  # every fifth form came back on paper and was keyed in
        response = responses.start_for_case(
            survey,
            case,
            mode=ResponseMode.PAPER if paper else ResponseMode.WEB,
            entered_by=clerk if paper else None,
        )
        responses.save_answers(response, FULL, list(FULL))
        assert responses.submit(response)
    db.session.commit()
    for case in sosial[67:69]:  # "forkastet på grunn av mangelfull utfylling"
        outcomes.discard_response(
            responses.response_for_case(survey, case), "Mangelfull utfylling", actor=clerk
        )
    db.session.commit()

    # A week later: reminders to exactly the 45 that have not returned anything.
    db.session.execute(sa.update(SentMessage).values(sent_at=utcnow() - timedelta(days=7)))
    db.session.commit()
    planned = sending.send_reminders(survey, dry_run=True)
    silent = {c.id for c in aetat[46:] + sosial[69:]}
    assert {p.case_id for p in planned} == silent and len(silent) == 45
    mailing = sending.send_reminders(survey)
    assert mailing.sent_count == 45
    reminded = {m.rcpt_tos[0] for m in smtp_server.messages[160:]}
    assert reminded == {c.email for c in cases if c.id in silent}

    result = runner.invoke(
        args=["survey", "rates", str(survey.id), "--by", "etat", "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    by_group = {g["group"]: g for g in data["groups"]}
    assert data["total"]["rates"]["RR1"] == 70.6
    assert by_group["Aetat"]["rates"]["RR1"] == 76.7
    assert by_group["sosialtjeneste"]["rates"]["RR1"] == 67.0
    assert data["total"]["counts"]["I"] == 113
    assert data["total"]["counts"]["R"] == 2
    assert data["total"]["cases"] == 160


def test_the_dashboard_shows_the_round_and_reminds_one_stratum(
    client, login, smtp_app, smtp_server, office_survey, make_user
):
    """The dashboard agrees with the command line, marks the mailings on its chart, and one
    click reminds exactly the non-respondents of one stratum."""
    from fieldkit.core.operations import add_member

    survey = office_survey
    sending.send_invitations(survey)
    cases = list(db.session.scalars(sa.select(Case).order_by(Case.external_id)))
    aetat = [c for c in cases if c.strata["etat"] == "Aetat"]
    sosial = [c for c in cases if c.strata["etat"] == "sosialtjeneste"]
    for case in aetat[:46] + sosial[:67]:
        response = responses.start_for_case(survey, case)
        responses.save_answers(response, FULL, list(FULL))
        responses.submit(response)
    db.session.execute(sa.update(SentMessage).values(sent_at=utcnow() - timedelta(days=7)))
    db.session.commit()
    researcher = make_user("forsker@nibr.no")
    add_member(survey.project, researcher)
    db.session.commit()
    login(researcher)
    base = f"/p/{survey.project.slug}/surveys/{survey.id}"
    html = client.get(f"{base}/dashboard?by=etat").get_data(as_text=True)
    assert '<span class="figure-value">70,6 %</span>' in html
    assert '<td class="num">76,7</td>' in html and '<td class="num">67,0</td>' in html
    assert "Invitasjon" in html  # the invitation day is marked on the chart

    sent_before = len(smtp_server.messages)
    moved = client.post(f"{base}/dashboard/remind", data={"by": "etat", "value": "Aetat"})
    assert moved.status_code == 302
    reminded = {m.rcpt_tos[0] for m in smtp_server.messages[sent_before:]}
    assert reminded == {c.email for c in aetat[46:]}
    assert len(reminded) == 14
    chart = client.get(f"{base}/dashboard?by=etat").get_data(as_text=True)
    assert "Purring" in chart
    assert (
        client.post(f"{base}/dashboard/remind", data={"by": "nope", "value": "x"}).status_code
        == 400
    )
