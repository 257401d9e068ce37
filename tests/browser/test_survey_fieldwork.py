"""Fieldwork in a real browser: import a frame with preview, send invitations, decline."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from fieldkit.core import uploads
from fieldkit.core.models import utcnow
from fieldkit.extensions import db
from fieldkit.surveys.fieldwork import operations as surveys
from fieldkit.surveys.fieldwork import texts
from fieldkit.surveys.models import Case
from fieldkit.surveys.questionnaires import operations as questionnaires
from tests.browser.conftest import axe_violations, log_in, shot
from tests.conftest import PASSWORD
from tests.paths import FIXTURES

FIXTURES = FIXTURES


@pytest.fixture
def survey(make_user, make_project):
    user = make_user("forsker@example.no")
    project = make_project("storby", members=[user])
    record = questionnaires.import_questionnaire(
        project, "a.yaml", (FIXTURES / "ansatteskjema_storbysatsingen.yaml").read_bytes()
    )
    survey = surveys.create_survey(
        record,
        "Kartlegging av sosialkontor og Aetat",
        closes_at=utcnow() + timedelta(days=30),
        contact_name="Ola Forsker",
        contact_email="ola.forsker@nibr.no",
    )
    surveys.launch(survey)
    db.session.commit()
    return survey


def test_import_preview_then_send_invitations(page, app, survey, smtp_server):
    app.config.update(smtp_server.config)
    log_in(page, "forsker@example.no", PASSWORD)
    page.goto(f"/p/storby/surveys/{survey.id}/")
    page.get_by_role("link", name="Importer utvalg").click()
    # A broken file first: the report names the rows, and there is no import button.
    page.get_by_label("Utvalgsfil").set_input_files(str(FIXTURES / "frame_broken_cp1252.csv"))
    page.get_by_role("button", name="Kontroller filen").click()
    report = page.locator(".error-summary").inner_text()
    assert "frame_broken_cp1252.csv, rad 4, kolonne Nr: Id-en 101 står også på rad 2." in report
    assert page.get_by_role("button", name="Importer", exact=False).count() == 0
    shot(page, "fieldwork-frame-broken")
    assert axe_violations(page) == []
    # The real frame.
    page.get_by_role("link", name="Velg en annen fil").click()
    page.get_by_label("Utvalgsfil").set_input_files(str(FIXTURES / "frame_sosial_aetat_160.csv"))
    page.get_by_role("button", name="Kontroller filen").click()
    assert page.locator(".frame-summary").inner_text() == (
        "160 rader: 160 nye, 0 endret, 0 uendret."
    )
    assert page.get_by_label("antall ansatte").input_value() == "stratum"
    shot(page, "fieldwork-frame-preview")
    assert axe_violations(page) == []
    page.get_by_role("button", name="Importer 160 nye og oppdater 0 enheter").click()
    assert "Enheter funnet: 160" in page.locator("main").inner_text()
    page.get_by_label("etat").select_option("Aetat")
    page.get_by_role("button", name="Filtrer").click()
    assert "Enheter funnet: 60" in page.locator("main").inner_text()
    shot(page, "fieldwork-cases")
    assert axe_violations(page) == []
    # The e-mail text, previewed with a real case.
    page.get_by_role("link", name="E-posttekster").first.click()
    assert "Invitasjon til spørreundersøkelse" in page.locator(".mail-preview").inner_text()
    shot(page, "fieldwork-texts")
    assert axe_violations(page) == []
    # A dry run for Aetat, then invitations to everyone.
    page.get_by_role("link", name="Invitasjoner og purringer").first.click()
    invite = page.locator("form").filter(has=page.get_by_role("button", name="Send invitasjoner"))
    invite.get_by_label("Send til").select_option(label="etat: Aetat")
    invite.get_by_role("button", name="Prøvekjøring: hvem får hva").click()
    assert "E-poster som ville blitt sendt: 60" in page.locator("#dry-run").inner_text()
    assert smtp_server.messages == []
    shot(page, "fieldwork-dry-run")
    assert axe_violations(page) == []
    invite = page.locator("form").filter(has=page.get_by_role("button", name="Send invitasjoner"))
    assert invite.get_by_label("Send til").input_value() == '["etat", "Aetat"]'  # as tried
    invite.get_by_role("button", name="Send invitasjoner").click()
    assert "60 e-poster sendt, 0 mislyktes." in page.locator(".flashes").inner_text()
    assert len(smtp_server.messages) == 60
    assert len(smtp_server.handler.sessions) == 1
    # Then everyone else: the 60 are not invited twice.
    invite = page.locator("form").filter(has=page.get_by_role("button", name="Send invitasjoner"))
    invite.get_by_label("Send til").select_option(label="Alle enheter reglene tillater")
    invite.get_by_role("button", name="Send invitasjoner").click()
    assert "100 e-poster sendt, 0 mislyktes." in page.locator(".flashes").inner_text()
    recipients = [m.rcpt_tos[0] for m in smtp_server.messages]
    assert len(recipients) == len(set(recipients)) == 160
    shot(page, "fieldwork-sent")
    assert axe_violations(page) == []


def test_declining_from_the_link_in_the_message(page, survey):
    case = surveys.add_case(survey, "A1", name="Aetat Bodø", email="aetat.bodo@aetat.no")
    db.session.commit()
    page.goto(texts.decline_url(case))
    shot(page, "fieldwork-decline")
    assert axe_violations(page) == []
    page.get_by_role("button", name="Jeg ønsker ikke å delta").click()
    assert "du vil ikke få mer e-post" in page.locator("main").inner_text()
    db.session.expire_all()
    declined = db.session.scalars(sa.select(Case.declined_at)).one()
    assert declined is not None


@pytest.mark.parametrize("viewport", [{"width": 390, "height": 844}])
def test_case_page_on_a_phone(page, survey):
    from fieldkit.surveys.fieldwork import frame

    path = FIXTURES / "frame_sosial_aetat_160.csv"
    frame.import_frame(survey, uploads.read_table(path.name, path.read_bytes()))
    db.session.commit()
    log_in(page, "forsker@example.no", PASSWORD)
    page.goto(f"/p/storby/surveys/{survey.id}/cases?q=A001")
    page.get_by_role("link", name="A001").click()
    assert page.locator("h1").inner_text() == "A001 Aetat Halden"
    assert page.locator(".personal-link").count() == 0  # shown on request, audited
    page.get_by_role("button", name="Vis den personlige lenken").click()
    assert "/s/" in page.locator(".personal-link").inner_text()
    page.get_by_label("Begrunnelse", exact=True).fill("Slått sammen med Aetat Sarpsborg")
    page.get_by_role("button", name="Merk som utenfor populasjonen").click()
    assert "Nei: Slått sammen med Aetat Sarpsborg" in page.locator("dl.meta").inner_text()
    shot(page, "fieldwork-case-phone")
    assert axe_violations(page) == []
    page.goto(f"/p/storby/surveys/{survey.id}/mail")
    shot(page, "fieldwork-mail-phone")
    assert axe_violations(page) == []


def test_erasing_a_case_for_good_asks_for_a_confirmation(page, survey):
    case = surveys.add_case(survey, "KNT-1", name="Kari Nordmann-Testesen", email="k@eksempel.no")
    db.session.commit()
    case_id = case.id
    log_in(page, "forsker@example.no", PASSWORD)
    page.goto(f"/p/storby/surveys/{survey.id}/cases/{case_id}")
    page.get_by_role("link", name="Slett saken for godt").click()
    assert page.locator("h1").inner_text() == "Slett sak KNT-1 for godt"
    page.get_by_role("button", name="Slett for godt").click()
    assert page.locator("#confirm-error").inner_text() == "Kryss av for å bekrefte."
    assert db.session.scalar(sa.select(Case.id).where(Case.id == case_id)) == case_id
    shot(page, "fieldwork-case-erase-unconfirmed")
    assert axe_violations(page) == []
    page.get_by_label("Jeg forstår at dette ikke kan angres").check()
    page.get_by_role("button", name="Slett for godt").click()
    assert "Saken er slettet for godt." in page.content()
    assert page.url.endswith(f"/surveys/{survey.id}/cases")
    assert db.session.scalar(sa.select(Case.id).where(Case.id == case_id)) is None
