"""A facilitator sends the compiled summary by link from the browser; a participant downloads
it; the facilitator revokes the link. Also the export of all points as a background job."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from fieldkit.conferences.models import SummaryDocument
from fieldkit.conferences.setup import operations
from fieldkit.conferences.summary import compile as compiler
from fieldkit.conferences.summary import store
from fieldkit.conferences.synthesis import tags
from fieldkit.core.models import Role
from fieldkit.extensions import db
from tests.browser.conftest import axe_violations, log_in, shot
from tests.conferences.conftest import FIXTURE
from tests.conferences.summary_data import fill
from tests.conftest import PASSWORD


@pytest.fixture
def setup(app, make_user, make_project, smtp_server):
    app.config.update(smtp_server.config)
    facilitator = make_user("fasilitator@example.no", "Fia Fasilitator", Role.FACILITATOR)
    project = make_project(members=[facilitator])
    conference = operations.import_conference(project, FIXTURE)
    fill(conference, photo=False)
    tags.add_suggested_tags(project)
    document_id = compiler.compile_job(conference.id, "pdf", {}, facilitator.id)
    db.session.commit()
    return {
        "facilitator": facilitator,
        "conference": conference,
        "document": db.session.get(SummaryDocument, document_id),
        "smtp": smtp_server,
    }


def test_send_by_link_download_and_revoke(browser, page, live_server, setup):
    conference, document = setup["conference"], setup["document"]
    slug = conference.project.slug
    log_in(page, setup["facilitator"].email, PASSWORD)
    page.goto(f"/p/{slug}/conferences/{conference.id}/summary")
    page.get_by_role("link", name=re.compile("^Send til deltakerne")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Send oppsummeringen til deltakerne")
    # The link's lifetime is asked for only when sending by link.
    expect(page.get_by_label("Lenken virker i")).to_be_hidden()
    page.get_by_label("Som en lenke for nedlasting").check()
    expect(page.get_by_label("Lenken virker i")).to_be_visible()
    page.get_by_label("Lenken virker i").select_option("30")
    page.get_by_role("button", name="Send e-post til 4 deltakere").click()
    expect(page.get_by_text("Ferdig.")).to_be_visible()
    expect(page.locator(".link-address")).to_have_count(1)
    assert axe_violations(page) == []
    shot(page, "conference-summary-sent-by-link")

    messages = setup["smtp"].messages
    assert len(messages) == 4
    assert all(not list(m.message.iter_attachments()) for m in messages)
    body = messages[0].message.get_body(preferencelist=("plain",)).get_content()
    url = re.search(rf"{re.escape(live_server)}/d/[A-Za-z0-9_-]{{43}}", body).group(0)
    expect(page.locator(".link-address")).to_have_text(url)

    # A participant, not logged in, follows the link and gets the identical PDF.
    participant = browser.new_context(base_url=live_server, locale="nb-NO")
    response = participant.request.get(url)
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.body() == store.document_path(document).read_bytes()

    page.get_by_role("button", name=re.compile("^Trekk tilbake")).click()
    expect(page.locator(".flashes")).to_contain_text("Lenken virker ikke lenger.")
    expect(page.get_by_role("cell", name="Trukket tilbake")).to_be_visible()
    other = participant.new_page()
    answer = other.goto(url)
    assert answer.status == 404
    expect(other.get_by_role("heading", level=1)).to_have_text("Lenken virker ikke")
    assert axe_violations(other) == []
    shot(other, "conference-summary-link-revoked")
    participant.close()


def test_export_all_points_as_a_job(page, setup):
    slug = setup["conference"].project.slug
    log_in(page, setup["facilitator"].email, PASSWORD)
    page.goto(f"/p/{slug}/conferences/synthesis")
    page.get_by_role("button", name="Alle momenter (CSV)").click()
    expect(page.get_by_text("Ferdig.")).to_be_visible()
    assert axe_violations(page) == []
    shot(page, "conference-synthesis-export-job")
    with page.expect_download() as info:
        page.locator("#job-status").get_by_role("link", name="Last ned").click()
    assert info.value.suggested_filename == f"points-{slug}.csv"
