"""A researcher logs in in a real browser and sees the projects."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import axe_violations, log_in, shot
from tests.conftest import PASSWORD


def test_login_and_project_list(page, make_user, make_project):
    kari = make_user("kari@example.no", "Kari Nordmann")
    make_project("storby", "Storbysatsingen", members=[kari])
    make_project("annet", "Et annet prosjekt")

    page.goto("/")
    assert page.url.endswith("/login?next=%2F")
    assert page.locator("h1").inner_text() == "Logg inn"
    assert axe_violations(page) == []
    shot(page, "core-login")

    page.get_by_label("E-post").fill("kari@example.no")
    page.get_by_label("Passord").fill("feil passord")
    page.get_by_role("button", name="Logg inn").click()
    expect(page.get_by_text("Feil e-postadresse eller passord.").first).to_be_visible()
    assert axe_violations(page) == []

    page.get_by_label("Passord").fill(PASSWORD)
    page.get_by_role("button", name="Logg inn").click()
    page.wait_for_url("**/")
    assert page.locator("h1").inner_text() == "Prosjekter"
    expect(page.get_by_role("link", name="Storbysatsingen")).to_be_visible()
    assert page.get_by_text("Et annet prosjekt").count() == 0
    assert axe_violations(page) == []
    shot(page, "core-projects")

    page.get_by_role("link", name="Storbysatsingen").click()
    assert page.locator("h1").inner_text() == "Storbysatsingen"
    assert axe_violations(page) == []

    page.get_by_role("button", name="Logg ut").click()
    expect(page.get_by_text("Du er logget ut.")).to_be_visible()


@pytest.mark.parametrize("viewport", [{"width": 375, "height": 740}], indirect=False)
def test_login_page_on_a_phone(page, make_user, make_project, viewport):
    kari = make_user("kari@example.no")
    make_project("storby", "Storbysatsingen", members=[kari])
    log_in(page, "kari@example.no", PASSWORD)
    page.wait_for_url("**/")
    # Nothing runs off the side of a phone screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    shot(page, "core-projects-phone")


def test_keyboard_only_language_switch(page):
    page.goto("/login")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Gå til innholdet"
    page.get_by_role("button", name="Norsk (nynorsk)").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.locator("html").get_attribute("lang") == "nn"
    assert page.get_by_role("link", name="Gå til innhaldet").count() == 1
