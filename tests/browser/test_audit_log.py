"""An administrator reads the audit log in a real browser: who saw a personal link, who
removed a member."""

from __future__ import annotations

from playwright.sync_api import expect

from fieldkit.core.models import Role
from fieldkit.extensions import db
from fieldkit.surveys.fieldwork import cases as case_ops
from fieldkit.surveys.fieldwork import operations as surveys
from fieldkit.surveys.questionnaires import operations as questionnaires
from tests.browser.conftest import axe_violations, log_in, shot
from tests.conftest import PASSWORD
from tests.paths import FIXTURES


def test_admin_reads_and_filters_the_audit_log(page, make_user, make_project):
    make_user("admin@example.no", "Ada Admin", Role.ADMIN)
    kari = make_user("kari@example.no", "Kari Forsker")
    fia = make_user("fia@example.no", "Fia Fasilitator", Role.FACILITATOR)
    project = make_project("storby", "Storbysatsingen", members=[kari, fia])
    fixture = "ansatteskjema_storbysatsingen.yaml"
    record = questionnaires.import_questionnaire(
        project, fixture, (FIXTURES / fixture).read_bytes()
    )
    survey = surveys.create_survey(record, "Kartlegging", contact_email="kari@example.no")
    case = surveys.add_case(survey, "K0001", name="NAV Grünerløkka", email="k@example.no")
    case_ops.reveal_personal_link(case, actor=kari, via="case_page")
    db.session.commit()

    # Kari removes Fia from the project through the members list.
    log_in(page, "kari@example.no", PASSWORD)
    page.goto("/p/storby/")
    page.get_by_role("button", name="Fjern Fia Fasilitator fra prosjektet").click()
    expect(page.get_by_text("Fia Fasilitator er ikke lenger medlem.")).to_be_visible()
    assert page.get_by_role("link", name="Revisjonslogg").count() == 0
    page.get_by_role("button", name="Logg ut").click()

    log_in(page, "admin@example.no", PASSWORD)
    page.get_by_role("link", name="Revisjonslogg").click()
    assert page.locator("h1").inner_text() == "Revisjonslogg"
    rows = page.locator("table.audit-log tbody tr")
    first = rows.first.inner_text()
    assert "project.member_removed" in first and "Kari Forsker (kari@example.no)" in first
    assert f"user_id: {fia.id}" in first
    assert axe_violations(page) == []

    page.get_by_label("Handling").select_option("case.personal_link_shown")
    page.get_by_role("button", name="Filtrer").click()
    assert page.get_by_text("Hendelser funnet: 1").is_visible()
    row = rows.first.inner_text()
    assert "Kari Forsker" in row and "Storbysatsingen" in row and f"cases {case.id}" in row
    assert "via: case_page" in row and "/s/" not in page.content()
    assert axe_violations(page) == []
    shot(page, "core-audit-log")
