"""Erasing a conference participant for good leaves nothing of them in the database or the
instance folder; the other participants keep everything."""

from __future__ import annotations

import email
import email.policy
from pathlib import Path

import sqlalchemy as sa

from fieldkit.conferences.models import GroupMembership, Participant, SummaryDocument, SummarySend
from fieldkit.conferences.setup import operations
from fieldkit.core import audit
from fieldkit.core import operations as core_operations
from fieldkit.core.mail import address, build_message, send_mail
from fieldkit.core.models import AuditEvent, Job, JobStatus, Role
from fieldkit.extensions import db
from tests import erasure_search as search
from tests.conferences.conftest import base

NAME = "Kari Nordmann-Testesen"
EMAIL = "kari.nordmann-testesen@eksempel.no"
NEEDLES = (NAME, EMAIL)


def test_a_researcher_erases_a_participant_for_good(
    app, client, login, make_user, facilitator, conference, group
):
    kari = operations.add_participant(conference, name=NAME, email=EMAIL, kommune="Bergen")
    ola = operations.add_participant(conference, name="Ola Beholdes", email="ola@eksempel.no")
    for person in (kari, ola):
        operations.assign(conference.rounds[0], person, group)
    group.referent_label = NAME
    group.minutes = f"Referent: {NAME}. Ola Beholdes leder."
    document = SummaryDocument(conference_id=conference.id, format="pdf", stem="a" * 32)
    db.session.add(document)
    db.session.flush()
    for person in (kari, ola):
        db.session.add(
            SummarySend(document_id=document.id, participant_id=person.id, status="failed",
                        error=f"550 {person.email}: no such user")
        )  # fmt: skip
        send_mail(build_message(address(person.name, person.email), "Oppsummering", "Hei"))
    audit.record("conference.noted", conference, note=f"{NAME} kommer sent")
    db.session.add(
        Job(id="00000000-0000-4000-8000-000000000002", func="x:y", args=[EMAIL],
            status=JobStatus.DONE, project_id=conference.project_id, message=f"Sendt til {NAME}")
    )  # fmt: skip
    researcher = make_user("forsker@nibr.no", role=Role.RESEARCHER)
    core_operations.add_member(conference.project, researcher)
    db.session.commit()
    assert search.database_hits(NEEDLES) == {
        "audit_events": 1,
        "jobs": 1,
        "conference_participants": 1,
        "conference_groups": 1,
        "conference_summary_sends": 1,
    }
    assert search.instance_hits(app, NEEDLES) == {"outbox": 1}

    page = f"{base(conference)}/participants/{kari.id}/erase"
    login(facilitator)
    assert client.get(page).status_code == 403
    client.post("/logout")
    login(researcher)
    listing = client.get(f"{base(conference)}/participants").get_data(as_text=True)
    assert f'href="{page}"' in listing
    assert "Slett deltaker Kari Nordmann-Testesen for godt" in client.get(page).get_data(
        as_text=True
    )
    assert client.post(page, data={}).status_code == 422
    done = client.post(page, data={"confirm": "y"})
    assert done.status_code == 302 and done.location.endswith(f"{base(conference)}/participants")

    assert search.database_hits(NEEDLES) == {} and search.instance_hits(app, NEEDLES) == {}
    assert db.session.get(Participant, kari.id) is None
    assert db.session.get(Participant, ola.id).email == "ola@eksempel.no"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(GroupMembership)) == 1
    sends = db.session.scalars(sa.select(SummarySend).order_by(SummarySend.id)).all()
    assert [(s.participant_id, s.error) for s in sends] == [
        (None, "550 [slettet]: no such user"),
        (ola.id, "550 ola@eksempel.no: no such user"),
    ]
    assert group.referent_label == "[slettet]"
    assert group.minutes == "Referent: [slettet]. Ola Beholdes leder."
    (kept,) = Path(app.config["OUTBOX_PATH"]).glob("*.eml")
    assert email.message_from_bytes(kept.read_bytes(), policy=email.policy.default)["To"] == (
        "Ola Beholdes <ola@eksempel.no>"
    )
    event = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "participant.erased")
    ).one()
    assert event.actor_id == researcher.id
    assert event.details == {
        "conference": conference.id,
        "group_places_deleted": 1,
        "summary_sends_anonymised": 1,
        "group_texts_scrubbed": 1,
        "outbox_messages_deleted": 1,
        "audit_events_scrubbed": 1,
        "job_records_scrubbed": 1,
    }
