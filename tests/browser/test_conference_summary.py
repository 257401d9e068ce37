"""Facilitators tag points by keyboard, correct one, compile the summary and see the overview,
in a real browser."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from fieldkit.conferences.models import SummaryDocument
from fieldkit.conferences.setup import operations
from fieldkit.conferences.synthesis import tags
from fieldkit.core.models import Role
from fieldkit.extensions import db
from tests.browser.conftest import axe_violations, log_in, shot
from tests.conferences.conftest import FIXTURE
from tests.conferences.summary_data import fill
from tests.conftest import PASSWORD


@pytest.fixture
def setup(app, make_user, make_project):
    facilitator = make_user("fasilitator@example.no", "Fia Fasilitator", Role.FACILITATOR)
    project = make_project(members=[facilitator])
    conference = operations.import_conference(project, FIXTURE)
    data = fill(conference)
    tags.add_suggested_tags(project)
    db.session.commit()
    return {"facilitator": facilitator, "conference": conference, **data}


def test_tag_by_keyboard_correct_compile_and_overview(page, setup):
    conference, points = setup["conference"], setup["points"]
    slug = conference.project.slug
    log_in(page, setup["facilitator"].email, PASSWORD)
    page.goto(f"/p/{slug}/conferences/{conference.id}/points")
    # Tick two points with the keyboard, then press 1 (the first tag, "Aetat").
    first = page.locator(f"#point-{points[0].id}")
    first.focus()
    page.keyboard.press("Space")
    page.locator(f"#point-{points[1].id}").focus()
    page.keyboard.press("Space")
    page.keyboard.press("1")
    expect(page.locator(".flashes")).to_contain_text("2 momenter endret")
    aetat = tags.project_tags(conference.project)[0]
    assert aetat.name == "Aetat"
    assert tags.tagged_point_ids(aetat) == sorted([points[0].id, points[1].id])
    assert axe_violations(page) == []
    shot(page, "conference-summary-points")

    page.get_by_role("link", name=f"Rett {points[2].text}").click()
    page.get_by_label("Ordlyd i oppsummeringen").fill("Lite toleranse for fravær")
    page.get_by_role("button", name="Lagre").click()
    expect(page.get_by_text("Lite toleranse for fravær")).to_be_visible()

    page.goto(f"/p/{slug}/conferences/{conference.id}/summary")
    page.get_by_label("Format").select_option("pdf")
    page.get_by_role("button", name="Sett sammen").click()
    expect(page.get_by_text("Ferdig.")).to_be_visible()
    assert axe_violations(page) == []
    shot(page, "conference-summary-compiled")
    document = db.session.scalars(db.select(SummaryDocument)).one()
    with page.expect_download() as info:
        page.get_by_role("link", name="Last ned PDF").click()
    assert info.value.suggested_filename.endswith(".pdf")

    page.goto(f"/p/{slug}/conferences/synthesis")
    row = page.locator("tr", has=page.get_by_role("rowheader", name="Aetat"))
    expect(row.locator("td").first).to_have_text("2")
    assert axe_violations(page) == []
    shot(page, "conference-synthesis-overview")
    assert document.format == "pdf"
