"""A respondent answers in a real browser: phone, tablet and desktop, with and without
JavaScript, by keyboard alone, and through a dropped connection."""

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from fieldkit.extensions import db
from fieldkit.surveys.fieldwork import operations as surveys
from fieldkit.surveys.models import Response, ResponseStatus
from fieldkit.surveys.questionnaires import operations as questionnaires
from fieldkit.surveys.respond import links
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, axe_violations, shot  # noqa: F401
from tests.paths import FIXTURES

FIXTURES = FIXTURES

WIDTHS = {
    "phone": {"width": 375, "height": 800},
    "tablet": {"width": 768, "height": 1024},
    "desktop": {"width": 1280, "height": 900},
}


@pytest.fixture
def staff_survey(app, make_project):
    project = make_project()
    record = questionnaires.import_questionnaire(
        project, "a.yaml", (FIXTURES / "ansatteskjema_storbysatsingen.yaml").read_bytes()
    )
    survey = surveys.create_survey(
        record, "Kartlegging 2004", contact_name="Kari Forsker", contact_email="kari@afi.no"
    )
    surveys.launch(survey)
    db.session.commit()
    return survey


def pick(page, field_id):
    """Tick a radio button or checkbox as a person does: on its label where the label shows
    (a grid on a wide screen shows only the box under its column heading)."""
    label = page.locator(f"label[for='{field_id}']").first
    if label.is_visible():
        label.click()
    else:
        page.locator(f"#{field_id}").click()


def check_page(page, name):
    assert axe_violations(page) == [], name
    shot(page, name)


def answer_staff_form(page, prefix):
    page.get_by_role("button", name="Start").click()
    page.wait_for_url("**/svar/side/om_kontoret")
    check_page(page, f"{prefix}-1-om-kontoret")
    pick(page, "f-q1--1-choice")
    pick(page, "f-q2--3-choice")
    page.fill("#f-q2--3", "Rådgiver")
    page.fill("#f-q3", "2,5")
    page.fill("#f-q4", "120")
    page.fill("#f-q5", "05.01.2004")
    page.get_by_role("button", name="Neste").click()
    page.wait_for_url("**/svar/side/samarbeid")
    for row, code in (("q6_aetat", "1"), ("q6_sosial", "2"), ("q6_helse", "9")):
        pick(page, f"f-{row}--{code}-choice")
    pick(page, "f-q7_kurs--aetat-choice")
    pick(page, "f-q7_kurs--satsingen-choice")
    pick(page, "f-q8--moter-choice")
    pick(page, "f-q8--annet-choice")
    page.fill("#f-q8--annet", "Felles kurs for deltakerne")
    pick(page, "f-q9--2-choice")
    pick(page, "f-q10--6-choice")
    page.fill("#f-q11", "7")
    check_page(page, f"{prefix}-2-samarbeid")
    page.get_by_role("button", name="Neste").click()
    page.wait_for_url("**/svar/side/tiltaksarrangorer")
    expect(page.locator("#item-q13")).to_be_hidden()
    pick(page, "f-q12--1-choice")
    # Skip logic runs as the respondent answers.
    expect(page.locator("#item-q13")).to_be_visible()
    expect(page.locator("#item-q15")).to_be_hidden()
    page.fill("#f-q13--1--navn", "Fretex")
    page.fill("#f-q13--1--deltakere", "12")
    pick(page, "f-q14--2-choice")
    expect(page.locator("#item-q15")).to_be_visible()
    page.fill("#f-q15", "Vi har ikke rukket det.")
    check_page(page, f"{prefix}-3-tiltaksarrangorer")
    page.get_by_role("button", name="Neste").click()
    page.wait_for_url("**/svar/side/vurdering")
    pick(page, "f-q16--2-choice")
    expect(page.locator("#item-q17")).to_be_visible()  # "Annet" was ticked in q8
    page.fill("#f-q17", "Felles kurs")
    check_page(page, f"{prefix}-4-vurdering")
    page.get_by_role("button", name="Neste").click()
    page.wait_for_url("**/svar/oversikt")
    check_page(page, f"{prefix}-5-oversikt")
    page.get_by_role("button", name="Send inn svarene").click()
    page.wait_for_url("**/svar/takk")
    assert page.locator("h1").inner_text() == "Takk for hjelpen!"


EXPECTED = {
    "q1": "1",
    "q2": "3",
    "q2.3": "Rådgiver",
    "q3": 2.5,
    "q4": 120,
    "q5": "2004-01-05",
    "q6_aetat": "1",
    "q6_sosial": "2",
    "q6_helse": "9",
    "q7_kurs": ["aetat", "satsingen"],
    "q8": ["moter", "annet"],
    "q8.annet": "Felles kurs for deltakerne",
    "q9": "2",
    "q10": "6",
    "q11": 7,
    "q12": "1",
    "q14": "2",
    "q15": "Vi har ikke rukket det.",
    "q16": "2",
    "q17": "Felles kurs",
}


@pytest.mark.parametrize("device", list(WIDTHS))
def test_complete_the_staff_form_on_every_device(browser, live_server, staff_survey, device):
    case = surveys.add_case(staff_survey, "0301", name="NAV Sagene")
    db.session.commit()
    context = browser.new_context(base_url=live_server, viewport=WIDTHS[device])
    page = context.new_page()
    page.goto(f"/s/{links.personal_token(case)}")
    assert page.url.endswith("/svar")  # the token is gone from the address
    check_page(page, f"respond-{device}-0-welcome")
    answer_staff_form(page, f"respond-{device}")
    assert page.evaluate("document.documentElement.scrollWidth") <= WIDTHS[device]["width"]
    context.close()
    response = db.session.scalar(sa.select(Response))
    assert response.status == ResponseStatus.SUBMITTED
    answers = dict(response.answers)
    table = answers.pop("q13")
    assert table[0] == {"navn": "Fretex", "deltakere": 12}
    assert answers == EXPECTED


def test_complete_the_staff_form_without_javascript(browser, live_server, staff_survey):
    case = surveys.add_case(staff_survey, "0301")
    db.session.commit()
    context = browser.new_context(
        base_url=live_server, viewport=WIDTHS["tablet"], java_script_enabled=False
    )
    page = context.new_page()
    page.goto(f"/s/{links.personal_token(case)}")
    page.get_by_role("button", name="Start").click()
    pick(page, "f-q1--2-choice")
    page.get_by_role("button", name="Neste").click()
    # q3 is soft-required: the respondent is reminded once, and may go on.
    assert page.url.endswith("/svar/side/om_kontoret")
    expect(page.locator(".warning-summary")).to_be_visible()
    shot(page, "respond-nojs-soft-reminder")
    page.get_by_role("button", name="Neste").click()
    page.wait_for_url("**/svar/side/samarbeid")
    pick(page, "f-q8--ingen-choice")  # at least one tick is required
    page.get_by_role("button", name="Neste").click()
    page.wait_for_url("**/svar/side/tiltaksarrangorer")
    pick(page, "f-q12--1-choice")
    page.get_by_role("button", name="Neste").click()
    # The server shows the questions that the answer opened before going on.
    assert page.url.endswith("/svar/side/tiltaksarrangorer")
    expect(page.locator("#item-q13")).to_be_visible()
    shot(page, "respond-nojs-revealed")  # (axe needs scripts: it runs on the JS tests' pages)
    pick(page, "f-q14--1-choice")
    page.get_by_role("button", name="Neste").click()
    page.wait_for_url("**/svar/side/vurdering")
    page.get_by_role("button", name="Neste").click()
    page.get_by_role("button", name="Send inn svarene").click()
    page.wait_for_url("**/svar/takk")
    context.close()
    response = db.session.scalar(sa.select(Response))
    assert response.status == ResponseStatus.SUBMITTED
    assert (response.answers["q1"], response.answers["q12"], response.answers["q14"]) == (
        "2",
        "1",
        "1",
    )


def tab_to(page, expression, wanted, limit=60):
    """Press Tab until ``expression`` (about the focused element) gives ``wanted``."""
    seen = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        seen.append(page.evaluate(expression))
        if seen[-1] == wanted:
            return
    raise AssertionError(f"never reached {wanted!r} by Tab; focus went {seen}")


def test_keyboard_only(browser, live_server, app, make_project):
    project = make_project()
    record = questionnaires.import_questionnaire(
        project, "d.yaml", (FIXTURES / "deltakerskjema_storbysatsingen.yaml").read_bytes()
    )
    survey = surveys.create_survey(record, "Deltakere")
    surveys.launch(survey)
    case = surveys.add_case(survey, "1")
    db.session.commit()
    context = browser.new_context(base_url=live_server, viewport=WIDTHS["desktop"])
    page = context.new_page()
    page.goto(f"/s/{links.personal_token(case)}")
    page.keyboard.press("Tab")  # skip link
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent.trim()") == "Start"
    page.keyboard.press("Enter")
    page.wait_for_url("**/svar/side/s1")
    tab_to(page, "document.activeElement.id", "f-q1")
    page.keyboard.type("34")
    page.keyboard.press("Tab")
    page.keyboard.press("ArrowDown")  # into the radio group q2: "kvinne"
    focused = page.evaluate("document.activeElement.id")
    assert focused == "f-q2--2-choice"
    page.keyboard.press("Enter")  # submits the form
    page.wait_for_url("**/svar/oversikt")
    tab_to(page, "document.activeElement.textContent.trim()", "Send inn svarene")
    page.keyboard.press("Enter")
    page.wait_for_url("**/svar/takk")
    context.close()
    response = db.session.scalar(sa.select(Response))
    assert response.answers == {"q1": 34, "q2": "2"}
    assert response.status == ResponseStatus.SUBMITTED


def test_a_dropped_connection_loses_nothing(browser, live_server, staff_survey):
    case = surveys.add_case(staff_survey, "0301")
    db.session.commit()
    context = browser.new_context(base_url=live_server, viewport=WIDTHS["tablet"])
    page = context.new_page()
    page.goto(f"/s/{links.personal_token(case)}")
    page.get_by_role("button", name="Start").click()
    page.wait_for_url("**/svar/side/om_kontoret")
    page.fill("#f-q3", "2,5")
    status = page.locator("#save-status")
    status.filter(has_text="Alle svarene er lagret.").wait_for()
    context.set_offline(True)
    page.fill("#f-q4", "77")
    pick(page, "f-q1--2-choice")
    status.filter(has_text="Ingen forbindelse akkurat nå.").wait_for()
    shot(page, "respond-offline")
    # Trying to go on while offline keeps the respondent on the page, answers intact.
    page.get_by_role("button", name="Neste").click()
    assert page.url.endswith("/svar/side/om_kontoret")
    page.close()  # the tab is closed while offline
    db.session.expire_all()
    assert db.session.scalar(sa.select(Response.answers)) == {"q3": 2.5}
    context.set_offline(False)
    page = context.new_page()
    page.goto("/svar/side/om_kontoret")
    page.locator("#save-status").filter(has_text="Alle svarene er lagret.").wait_for()
    assert page.input_value("#f-q4") == "77"
    context.close()
    db.session.expire_all()
    assert db.session.scalar(sa.select(Response.answers)) == {"q1": "2", "q3": 2.5, "q4": 77}
