"""The fieldwork pages, through the test client."""

from __future__ import annotations

import io
import re
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from fieldkit.core import uploads
from fieldkit.core.models import AuditEvent, utcnow
from fieldkit.extensions import db
from fieldkit.surveys.fieldwork import texts
from fieldkit.surveys.models import Case, EmailTemplate, ReminderSchedule, SentMessage
from fieldkit.surveys.respond import links
from tests import dead_jobs, hostile_files
from tests.surveys.fieldwork.conftest import FIXTURES, OFFICES

OSLO = ZoneInfo("Europe/Oslo")


@pytest.fixture
def researcher(make_user, login):
    user = make_user("forsker@nibr.no")
    login(user)
    return user


def url(survey, path=""):
    return f"/p/{survey.project.slug}/surveys/{survey.id}{path}"


def test_upload_preview_then_import(client, researcher, make_project, make_survey):
    survey = make_survey(make_project(members=[researcher]))
    response = client.post(
        url(survey, "/frame"),
        data={"file": (io.BytesIO(OFFICES.read_bytes()), OFFICES.name)},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    preview = client.get(response.location)
    page = preview.get_data(as_text=True)
    assert "160 rader: 160 nye, 0 endret, 0 uendret." in page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Case)) == 0
    upload = re.search(r'name="upload" type="hidden" value="([^"]+)"', page).group(1)
    done = client.post(
        response.location, data={"upload": upload, "action": "import", "role-8": "ignore"}
    )
    assert done.status_code == 302 and done.location.endswith("/cases")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Case)) == 160
    case = db.session.scalars(sa.select(Case).where(Case.external_id == "S001")).one()
    assert "antall ansatte" not in case.strata  # the researcher chose to ignore the column
    listing = client.get(url(survey, "/cases?q=halden")).get_data(as_text=True)
    assert "Sosialtjenesten i Halden kommune" in listing and "Aetat Halden" in listing
    assert "Enheter funnet: 2" in listing
    assert links.personal_token(case) not in listing  # links only on the case page
    aetat = client.get(url(survey, "/cases?s.etat=Aetat")).get_data(as_text=True)
    assert "Enheter funnet: 60" in aetat


def test_a_broken_frame_shows_rows_and_cannot_be_imported(
    client, researcher, make_project, make_survey
):
    survey = make_survey(make_project(members=[researcher]))
    path = FIXTURES / "frame_broken_cp1252.csv"
    response = client.post(
        url(survey, "/frame"),
        data={"file": (io.BytesIO(path.read_bytes()), path.name)},
        content_type="multipart/form-data",
    )
    page = client.get(response.location).get_data(as_text=True)
    assert "frame_broken_cp1252.csv, rad 4, kolonne Nr: Id-en 101 står også på rad 2." in page
    assert 'value="import"' not in page


def _frame_files(app) -> list[str]:
    folder = Path(app.config["UPLOAD_PATH"]) / "frames"
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        (
            "utvalg.xlsx",
            hostile_files.xlsx(
                {"Ark1": [["id"], [1]]},
                doctype='<!DOCTYPE x [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;&a;">]>',
            ),
            "utvalg.xlsx: delen xl/worksheets/sheet1.xml har en DOCTYPE",
        ),
        (
            "utvalg.csv",
            b"id;navn\n1;" + b"z" * (200 * 1024) + b"\n",
            "utvalg.csv, rad 2: en celle har mer enn 32767 tegn.",
        ),
        (
            "utvalg.xlsx",
            hostile_files.xlsx({"Kontorer": [["id", "navn"], [1, "x" * 40_000]]}),
            "utvalg.xlsx, ark Kontorer, rad 2, kolonne navn: cellen har mer enn 32767 tegn.",
        ),
    ],
    ids=["doctype", "csv-field-over-128-kb", "long-cell"],
)
def test_a_hostile_frame_is_refused_on_the_upload_page_and_nothing_is_kept(
    app, client, researcher, make_project, make_survey, name, content, message
):
    survey = make_survey(make_project(members=[researcher]))
    response = client.post(
        url(survey, "/frame"),
        data={"file": (io.BytesIO(content), name)},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Case)) == 0
    assert _frame_files(app) == []


def test_a_frame_over_the_row_limit_is_refused_by_its_reading_job(
    app, client, researcher, make_project, make_survey, monkeypatch
):
    monkeypatch.setattr(uploads, "MAX_ROWS", 100)
    survey = make_survey(make_project(members=[researcher]))
    response = client.post(
        url(survey, "/frame"),
        data={"file": (io.BytesIO(hostile_files.frame_csv(101)), "utvalg.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert (
        "utvalg.csv: tabellen har mer enn 100 rader (rad 102 er én for mye)."
        in response.get_data(as_text=True)
    )
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Case)) == 0
    assert _frame_files(app) == []


def test_a_utf16_frame_from_excel_imports(client, researcher, make_project, make_survey):
    survey = make_survey(make_project(members=[researcher]))
    text = "Nr\tNavn\tE-post\r\n1\tNAV Tromsø\ttromso@nav.no\r\n2\tNAV Bodø\tbodo@nav.no\r\n"
    response = client.post(
        url(survey, "/frame"),
        data={"file": (io.BytesIO(text.encode("utf-16")), "utvalg.txt")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    page = client.get(response.location).get_data(as_text=True)
    assert "2 rader: 2 nye, 0 endret, 0 uendret." in page
    assert "NAV Tromsø" in page


def test_the_reading_job_page_shows_progress_then_goes_to_the_preview(
    app, client, researcher, make_project, make_survey
):
    """With a worker (thread or RQ) the upload goes to the job's page, which waits for the
    reading and then goes on to the preview, or shows why the file was refused."""
    from fieldkit.core import jobs
    from fieldkit.core.models import Job, JobStatus
    from fieldkit.surveys.fieldwork import frame

    project = make_project(members=[researcher])
    survey = make_survey(project)

    def queued(token):
        job = Job(
            id=f"frame-{token[:8]}",
            func=jobs.func_path(frame.read_upload_job),
            args=[survey.id, token, None],
            kwargs={},
            status=JobStatus.QUEUED,
            project_id=project.id,
            runner="test",
        )
        db.session.add(job)
        db.session.commit()
        return job

    token = frame.store_upload(survey, "utvalg.csv", hostile_files.frame_csv(3))
    job = queued(token)
    waiting = client.get(url(survey, f"/frame/jobs/{job.id}"))
    assert waiting.status_code == 200
    assert "Leser filen" in waiting.get_data(as_text=True)
    jobs.execute(job.id, runner="test")
    done = client.get(url(survey, f"/frame/jobs/{job.id}"))
    assert done.status_code == 302 and f"upload={token}" in done.location
    assert "3 rader: 3 nye, 0 endret, 0 uendret." in client.get(done.location).get_data(
        as_text=True
    )

    bad = frame.store_upload(survey, "utvalg.csv", b"id;navn\n1;\x00\n")
    job = queued(bad)
    jobs.execute(job.id, runner="test")
    refused = client.get(url(survey, f"/frame/jobs/{job.id}"))
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    assert "Filen ble ikke lest; ingenting er lagret." in page
    assert "utvalg.csv: filen inneholder NUL-tegn" in page
    assert not any(name.startswith(bad) for name in _frame_files(app))
    other = make_survey(make_project("annet", "Annet", members=[researcher]))
    assert client.get(url(other, f"/frame/jobs/{job.id}")).status_code == 404


def test_case_page_edit_not_eligible_and_bounce(client, researcher, make_project, make_survey):
    survey = make_survey(make_project(members=[researcher]))
    from fieldkit.surveys.fieldwork import operations as surveys

    case = surveys.add_case(survey, "S1", name="NAV Vadsø", email="vadso@nav.no")
    db.session.commit()
    page = client.get(url(survey, f"/cases/{case.id}")).get_data(as_text=True)
    assert links.personal_url(case) not in page  # shown on request, see below
    saved = client.post(
        url(survey, f"/cases/{case.id}"),
        data={
            "name": "NAV Vadsø",
            "email": "post.vadso@nav.no",
            "contact_person": "Liv Berg",
            "strata": "fylke = Finnmark\netat = Aetat",
        },
    )
    assert saved.status_code == 302
    db.session.refresh(case)
    assert (case.email, case.contact_person) == ("post.vadso@nav.no", "Liv Berg")
    assert case.strata == {"fylke": "Finnmark", "etat": "Aetat"}
    client.post(url(survey, f"/cases/{case.id}/not-eligible"), data={"reason": "Nedlagt"})
    db.session.refresh(case)
    assert (case.eligible, case.ineligible_reason) == (False, "Nedlagt")
    client.post(url(survey, f"/cases/{case.id}/eligible"))
    client.post(url(survey, f"/cases/{case.id}/bounced"))
    db.session.refresh(case)
    assert case.eligible and case.bounced_at is not None
    actions = db.session.scalars(
        sa.select(AuditEvent.action).where(AuditEvent.object_type == "cases")
    ).all()
    assert actions == [
        "case.added",
        "case.edited",
        "case.not_eligible",
        "case.eligible_again",
        "case.bounced",
    ]


def test_the_decline_link_asks_then_stops_mail(client, app, make_survey):
    survey = make_survey()
    from fieldkit.surveys.fieldwork import operations as surveys

    case = surveys.add_case(survey, "S1", name="NAV Vadsø", email="vadso@nav.no")
    db.session.commit()
    path = texts.decline_url(case).removeprefix("http://fieldkit.test")
    page = client.get(path).get_data(as_text=True)
    assert "Jeg ønsker ikke å delta" in page
    db.session.refresh(case)
    assert case.declined_at is None  # opening the link is not declining
    client.post(path)
    db.session.refresh(case)
    assert case.declined_at is not None
    assert "du vil ikke få mer e-post" in client.get(path).get_data(as_text=True)
    assert client.get("/n/" + "x" * 43).status_code == 404


def test_pages_with_personal_data_are_not_cached_but_static_files_are(
    app, client, make_survey, make_user, login
):
    """``Cache-Control: no-store`` on staff pages, respondents' pages and the decline page
    (a shared computer's back button or a proxy must not keep them); static files cacheable."""
    survey = make_survey()
    from fieldkit.surveys.fieldwork import operations as surveys

    case = surveys.add_case(survey, "S1", name="NAV Vadsø", email="vadso@nav.no")
    db.session.commit()
    respondent = app.test_client()
    for path in (f"/s/{links.personal_token(case)}", "/svar", texts.decline_url(case)):
        page = respondent.get(path.removeprefix("http://fieldkit.test"))
        assert page.status_code in (200, 302), path
        assert page.headers["Cache-Control"] == "no-store", path
    user = make_user()
    from fieldkit.core import operations

    operations.add_member(survey.project, user)
    db.session.commit()
    login(user)
    for path in ("/", f"/p/{survey.project.slug}/", "/account/password", "/login"):
        page = client.get(path)
        assert page.status_code in (200, 302), path
        assert page.headers["Cache-Control"] == "no-store", path
    style = client.get("/static/css/fieldkit.css")
    assert style.status_code == 200
    assert "no-store" not in style.headers.get("Cache-Control", "")
    style.close()


def test_a_decline_link_declines_and_opens_no_questionnaire(client, make_survey):
    """A decline link in a log or a forwarded mail lets nobody answer in the respondent's
    name: it has a token of its own, which the personal-link route does not know."""
    survey = make_survey()
    from fieldkit.surveys.fieldwork import operations as surveys

    case = surveys.add_case(survey, "S1", name="NAV Vadsø", email="vadso@nav.no")
    db.session.commit()
    token = texts.decline_url(case).rsplit("/", 1)[1]
    assert token != links.personal_token(case)
    message = texts.render(survey, case, "invitation")
    assert message.decline_link.endswith(f"/n/{token}")
    assert message.link.endswith(f"/s/{links.personal_token(case)}")
    assert client.get(f"/s/{token}").status_code == 404
    assert client.get("/svar").status_code == 404
    assert client.get(f"/n/{token}").status_code == 200
    client.post(f"/n/{token}")
    db.session.refresh(case)
    assert case.declined_at is not None
    # A new personal link (revoking the old one) gives a new decline link too.
    old_decline = token
    links.assign_personal_link(case)
    db.session.commit()
    assert client.get(f"/n/{old_decline}").status_code == 404


def test_decline_links_sent_before_they_had_a_token_of_their_own_still_decline(client, make_survey):
    """Messages already sent carry the personal link's token in their decline link."""
    survey = make_survey()
    from fieldkit.surveys.fieldwork import operations as surveys

    case = surveys.add_case(survey, "S1", name="NAV Vadsø", email="vadso@nav.no")
    db.session.commit()
    old_link = f"/n/{links.personal_token(case)}"
    assert "Jeg ønsker ikke å delta" in client.get(old_link).get_data(as_text=True)
    client.post(old_link)
    db.session.refresh(case)
    assert case.declined_at is not None


def test_decline_links_share_the_limit_of_respondent_links(client, make_survey):
    survey = make_survey()
    from fieldkit.surveys.fieldwork import operations as surveys

    case = surveys.add_case(survey, "S1", name="NAV Vadsø", email="vadso@nav.no")
    db.session.commit()
    path = texts.decline_url(case).removeprefix("http://fieldkit.test")
    unknown = client.get("/n/" + "x" * 43)
    assert unknown.status_code == 404
    assert unknown.get_data() == client.get("/s/abc").get_data()  # every dead link alike
    for _ in range(18):
        assert client.get("/n/abc").status_code == 404
    # 20 failures (decline and personal links together): further failures are refused...
    assert client.get("/n/" + "y" * 43).status_code == 429
    assert client.get("/s/abc").status_code == 429
    # ...but a link that works is never refused.
    assert client.get(path).status_code == 200
    assert client.get(f"/s/{links.personal_token(case)}").status_code == 302


def test_reminder_schedule_is_saved_from_the_mail_page(
    client, researcher, make_project, make_survey
):
    survey = make_survey(make_project(members=[researcher]))
    saved = client.post(
        url(survey, "/mail/schedule"),
        data={"reminder_days": "14; 7", "min_gap_days": "4", "max_reminders": "2"},
    )
    assert saved.status_code == 302 and saved.location.endswith(url(survey, "/mail"))
    schedule = db.session.get(ReminderSchedule, survey.id)
    assert (schedule.reminder_days, schedule.min_gap_days, schedule.max_reminders) == (
        [7, 14],
        4,
        2,
    )
    page = client.get(url(survey, "/mail")).get_data(as_text=True)
    assert "Purreplanen er lagret." in page and 'value="7, 14"' in page
    refused = client.post(url(survey, "/mail/schedule"), data={"reminder_days": "sju"})
    assert refused.status_code == 302
    assert db.session.get(ReminderSchedule, survey.id).reminder_days == [7, 14]


def test_texts_page_saves_and_previews_with_a_real_case(
    client, researcher, make_project, office_survey
):
    survey = office_survey
    from fieldkit.core import operations

    operations.add_member(survey.project, researcher)
    db.session.commit()
    page = client.get(url(survey, "/mail/texts?kind=reminder_started")).get_data(as_text=True)
    assert "Påminnelse: du har ikke sendt inn svaret ennå" in page
    bad = client.post(
        url(survey, "/mail/texts?kind=invitation"),
        data={"subject": "Hei", "body": "Hei {navn}, svar her: {lenken}"},
    )
    assert bad.status_code == 422
    assert "Ukjente felter: {lenken}" in bad.get_data(as_text=True)
    client.post(
        url(survey, "/mail/texts?kind=invitation"),
        data={"subject": "Undersøkelse for {enhet}", "body": "Hei {navn}\n\nSvar her: {lenke}"},
    )
    record = db.session.scalars(sa.select(EmailTemplate)).one()
    assert (record.kind, record.language, record.subject) == (
        "invitation",
        "nb",
        "Undersøkelse for {enhet}",
    )
    first = db.session.scalars(sa.select(Case).order_by(Case.external_id)).first()
    page = client.get(url(survey, "/mail/texts?kind=invitation")).get_data(as_text=True)
    assert f"Undersøkelse for {first.name}" in page
    # The preview shows a stand-in, not the case's working link (that is only on the case
    # page, audited).
    assert links.personal_url(first) not in page
    assert "Svar her: http://fieldkit.test/s/personlig-lenke" in page
    chosen = db.session.scalars(sa.select(Case).where(Case.external_id == "A042")).one()
    page = client.get(url(survey, "/mail/texts?kind=invitation&case=A042")).get_data(as_text=True)
    assert f"Undersøkelse for {chosen.name}" in page and links.personal_url(chosen) not in page


def test_mail_page_dry_run_and_send(client, researcher, smtp_app, smtp_server, office_survey):
    from fieldkit.core import operations

    operations.add_member(office_survey.project, researcher)
    db.session.commit()
    page = client.get(url(office_survey, "/mail")).get_data(as_text=True)
    assert "160 enheter kan inviteres" in page
    stratum = '["etat", "Aetat"]'
    dry = client.post(
        url(office_survey, "/mail/invitation"),
        data={"invite-stratum": stratum, "invite-when": "now", "action": "dry-run"},
    )
    listing = client.get(dry.location).get_data(as_text=True)
    assert "E-poster som ville blitt sendt: 60" in listing
    assert smtp_server.messages == []
    sent = client.post(
        url(office_survey, "/mail/invitation"),
        data={"invite-stratum": stratum, "invite-when": "now", "action": "send"},
    )
    assert sent.status_code == 302
    assert len(smtp_server.messages) == 60
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SentMessage)) == 60
    page = client.get(url(office_survey, "/mail")).get_data(as_text=True)
    assert "100 enheter kan inviteres, 0 kan purres" in page


def test_pages_need_membership(client, make_user, login, make_survey):
    survey = make_survey()
    login(make_user("utenfor@example.no"))
    for path in ("/cases", "/frame", "/mail", "/mail/texts"):
        assert client.get(url(survey, path)).status_code in (403, 404)


def test_one_case_invited_and_reminded_from_its_page(
    client, researcher, smtp_app, smtp_server, make_project, make_survey
):
    survey = make_survey(make_project(members=[researcher]))
    from fieldkit.surveys.fieldwork import operations as surveys

    case = surveys.add_case(survey, "A1", name="Aetat Alta", email="alta@aetat.no")
    other = surveys.add_case(survey, "A2", name="Aetat Vadsø", email="vadso@aetat.no")
    db.session.commit()
    page = client.get(url(survey, f"/cases/{case.id}")).get_data(as_text=True)
    assert "Send invitasjonen nå" in page
    client.post(url(survey, f"/cases/{case.id}/invite"))
    assert [m.rcpt_tos for m in smtp_server.messages] == [["alta@aetat.no"]]
    assert other.invited_at is None
    # Too soon for a reminder (the minimum gap): the button is gone and the rules say no.
    page = client.get(url(survey, f"/cases/{case.id}")).get_data(as_text=True)
    assert "Send en purring nå" not in page and "Send invitasjonen nå" not in page
    client.post(url(survey, f"/cases/{case.id}/remind"))
    assert len(smtp_server.messages) == 1
    db.session.execute(sa.update(SentMessage).values(sent_at=utcnow() - timedelta(days=5)))
    db.session.commit()
    assert "Send en purring nå" in client.get(url(survey, f"/cases/{case.id}")).get_data(
        as_text=True
    )
    client.post(url(survey, f"/cases/{case.id}/remind"))
    assert smtp_server.messages[-1].message["Subject"] == "Påminnelse: spørreundersøkelse"


def test_schedule_invitations_for_later_then_cancel(client, researcher, office_survey):
    from fieldkit.core import operations
    from fieldkit.surveys.models import Mailing

    operations.add_member(office_survey.project, researcher)
    db.session.commit()
    later = (utcnow() + timedelta(days=3)).strftime("%Y-%m-%d")
    response = client.post(
        url(office_survey, "/mail/invitation"),
        data={
            "invite-stratum": "",
            "invite-when": "later",
            "invite-scheduled_at": f"{later}T09:00",
            "action": "send",
        },
    )
    assert response.status_code == 302
    mailing = db.session.scalars(sa.select(Mailing)).one()
    assert mailing.status == "scheduled"
    assert mailing.scheduled_at.isoformat().endswith(("08:00:00+00:00", "07:00:00+00:00"))
    assert mailing.scheduled_at.astimezone(OSLO).strftime("%Y-%m-%d %H:%M") == (f"{later} 09:00")
    page = client.get(url(office_survey, "/mail")).get_data(as_text=True)
    assert "Planlagt" in page
    client.post(url(office_survey, f"/mail/mailings/{mailing.id}/cancel"))
    db.session.refresh(mailing)
    assert mailing.status == "cancelled"
    missing = client.post(
        url(office_survey, "/mail/invitation"),
        data={"invite-stratum": "", "invite-when": "later", "action": "send"},
    )
    assert missing.status_code == 302
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Mailing)) == 1


def test_invite_the_ticked_cases(client, researcher, smtp_app, smtp_server, office_survey):
    from fieldkit.core import operations

    operations.add_member(office_survey.project, researcher)
    db.session.commit()
    chosen = db.session.scalars(
        sa.select(Case).where(Case.external_id.in_(["A003", "S010", "S099"]))
    ).all()
    page = client.get(url(office_survey, "/cases?q=S010")).get_data(as_text=True)
    assert 'aria-label="Velg S010"' in page
    response = client.post(
        url(office_survey, "/cases/send"),
        data={"case": [str(c.id) for c in chosen], "action": "invite", "back": "//evil.example"},
    )
    assert response.location == url(office_survey, "/cases")  # never elsewhere
    assert sorted(m.rcpt_tos[0] for m in smtp_server.messages) == sorted(c.email for c in chosen)
    nothing = client.post(url(office_survey, "/cases/send"), data={"action": "invite"})
    assert nothing.status_code == 302 and len(smtp_server.messages) == 3


class ProcessDied(BaseException):
    """What a killed process looks like from inside: nothing after it runs (no except)."""


def test_a_mailing_whose_process_died_is_interrupted_and_continues_without_second_copies(
    client, researcher, smtp_app, smtp_server, office_survey, monkeypatch
):
    from contextlib import contextmanager

    from fieldkit.core import operations
    from fieldkit.surveys.fieldwork import sending
    from fieldkit.surveys.models import Mailing

    operations.add_member(office_survey.project, researcher)
    db.session.commit()
    real_connection = sending.mail_connection

    @contextmanager
    def dies_at_the_58th_message():
        with real_connection() as connection:
            handed = []
            real_send = connection.send

            def send(message):
                handed.append(message)
                if len(handed) == 58:  # killed while the server takes the 58th
                    raise ProcessDied
                return real_send(message)

            connection.send = send
            yield connection

    monkeypatch.setattr(sending, "mail_connection", dies_at_the_58th_message)
    with pytest.raises(ProcessDied):
        sending.send_invitations(office_survey, actor=researcher)
    db.session.rollback()
    monkeypatch.setattr(sending, "mail_connection", real_connection)
    mailing = db.session.scalars(sa.select(Mailing)).one()
    assert mailing.status == "running" and len(smtp_server.messages) == 57
    dead_jobs.die(mailing.job_id)  # a minute later nothing has beaten

    page = client.get(url(office_survey, "/mail")).get_data(as_text=True)
    db.session.refresh(mailing)
    assert (mailing.status, mailing.sent_count, mailing.failed_count) == ("interrupted", 57, 0)
    assert mailing.error.startswith("Jobben stoppet uventet")
    assert "Avbrutt" in page and "Fortsett utsendingen" in page
    assert 'class="job-progress"' not in page  # nothing left to poll
    assert len(sending.uncertain_messages(office_survey)) == 1  # the 58th: did it go out?

    resumed = client.post(url(office_survey, f"/mail/mailings/{mailing.id}/resume"))
    assert resumed.status_code == 302
    db.session.refresh(mailing)
    assert (mailing.status, mailing.sent_count) == ("done", 159)
    addressees = [m.rcpt_tos[0] for m in smtp_server.messages]
    assert len(addressees) == len(set(addressees)) == 159  # nobody twice, one left uncertain


def test_showing_a_personal_link_or_entering_a_response_is_audited(
    client, researcher, make_project, make_survey
):
    """Staff see a case's working link only by asking for it; the audit log records who saw
    it and when, and who entered answers for the case, never the link's token."""
    from fieldkit.surveys.fieldwork import operations as surveys

    survey = make_survey(make_project(members=[researcher]))
    case = surveys.add_case(survey, "S1", name="NAV Vadsø", email="vadso@nav.no")
    db.session.commit()
    token = links.personal_url(case).rsplit("/", 1)[1]
    page = client.get(url(survey, f"/cases/{case.id}")).get_data(as_text=True)
    assert token not in page and "Vis den personlige lenken" in page
    assert f'action="{url(survey, f"/cases/{case.id}/link")}"' in page

    shown = client.post(url(survey, f"/cases/{case.id}/link"))
    assert shown.status_code == 200
    assert f'<code class="personal-link">{links.personal_url(case)}</code>' in shown.get_data(
        as_text=True
    )
    client.post(url(survey, f"/cases/{case.id}/enter/paper"))

    watched = ("case.personal_link_shown", "response.paper_entry_started")
    events = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action.in_(watched)).order_by(AuditEvent.id)
    ).all()
    assert [
        (e.action, e.actor_id, e.project_id, e.object_type, e.object_id, e.details) for e in events
    ] == [
        (watched[0], researcher.id, survey.project_id, "cases", str(case.id), {"via": "case_page"}),
        (watched[1], researcher.id, survey.project_id, "cases", str(case.id), {}),
    ]
    for event in db.session.scalars(sa.select(AuditEvent)):
        assert token not in repr(event.details)
