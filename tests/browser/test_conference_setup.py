"""A facilitator sets up a conference in the browser: design, participants, groups by drag and
drop, referent cards."""

from __future__ import annotations

from playwright.sync_api import expect

from fieldkit.conferences.models import Conference
from fieldkit.conferences.setup import operations
from fieldkit.core.models import Role
from fieldkit.extensions import db
from tests.browser.conftest import axe_violations, log_in, shot
from tests.conferences.conftest import FIXTURE
from tests.conftest import PASSWORD

CSV = (
    "navn;organisasjon;kategori;kommune;e-post\n"
    "Ola Hansen;Aetat Bergen;Aetat;Bergen;ola@example.no\n"
    "Kari Lie;Fretex;Tiltaksarrangør;Askøy;kari@example.no\n"
    "Per Berg;;Tiltaksdeltaker (bruker);Bergen;\n"
    "Siri Dahl;Aetat Askøy;Aetat;Askøy;siri@example.no\n"
)


def test_facilitator_sets_up_a_conference(page, make_user, make_project):
    facilitator = make_user("fasilitator@example.no", "Fia Fasilitator", Role.FACILITATOR)
    project = make_project(members=[facilitator])
    log_in(page, facilitator.email, PASSWORD)
    page.goto(f"/p/{project.slug}/")
    page.get_by_role("link", name="Ny konferanse").click()
    page.get_by_label("Oppleggsfil (YAML)").set_input_files(str(FIXTURE))
    page.get_by_role("button", name="Opprett konferanse").click()
    expect(page.get_by_role("heading", name="Gruppearbeid II – lokal utvikling")).to_be_visible()
    conference = db.session.query(Conference).one()
    assert axe_violations(page) == []
    shot(page, "conference-setup-overview")

    page.get_by_role("link", name="Deltakere", exact=True).click()
    page.get_by_label("Deltakerliste (CSV eller Excel)").set_input_files(
        {"name": "deltakere.csv", "mimeType": "text/csv", "buffer": CSV.encode()}
    )
    page.get_by_role("button", name="Importer").click()
    expect(page.get_by_text("4 deltakere importert.")).to_be_visible()
    assert axe_violations(page) == []

    page.get_by_role("link", name="Grupper, runde 1").click()
    page.get_by_label("Antall grupper").fill("2")
    page.get_by_role("button", name="Lag grupper").click()
    expect(page.get_by_text("2 grupper laget.")).to_be_visible()
    round_ = conference.rounds[0]
    db.session.expire_all()
    placed = operations.memberships(round_)
    assert len(placed) == 4
    # Drag Ola to the other group.
    ola = next(p for p in conference.participants if p.name == "Ola Hansen")
    other = next(g for g in round_.groups if g.id != placed[ola.id])
    card = page.locator(f'.member-card[data-participant-id="{ola.id}"]')
    card.drag_to(page.locator(f'.group-column[data-group-id="{other.id}"]'))
    expect(page.locator(f"#p{ola.id}")).to_have_value(str(other.id))
    shot(page, "conference-setup-groups")
    assert axe_violations(page) == []
    page.get_by_role("button", name="Lagre gruppene").click()
    expect(page.get_by_text("Lagret.")).to_be_visible()
    db.session.expire_all()
    assert operations.memberships(round_)[ola.id] == other.id

    page.get_by_role("link", name="Skriv ut referentkort").click()
    expect(page.locator(".referent-card")).to_have_count(2)
    shot(page, "conference-setup-cards")
