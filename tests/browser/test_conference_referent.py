"""The referent's tablet in a real browser, at tablet sizes: the whole flow, offline, two
tablets on one group; and the plenary view on the projector."""

from __future__ import annotations

import io
import re
import time

import pytest
from PIL import Image
from playwright.sync_api import expect

from fieldkit.conferences.models import Group, Point, PointConflict
from fieldkit.conferences.referent.operations import hand_in_group
from fieldkit.conferences.setup import links, operations
from fieldkit.core.models import Role
from fieldkit.extensions import db
from tests.browser.conftest import axe_violations, log_in, shot
from tests.conferences.conftest import FIXTURE
from tests.conftest import PASSWORD

TABLETS = [{"width": 768, "height": 1024}, {"width": 1024, "height": 768}]
TABLET_IDS = ["portrait", "landscape"]


@pytest.fixture
def setup(app, make_user, make_project):
    facilitator = make_user("fasilitator@example.no", "Fia Fasilitator", Role.FACILITATOR)
    project = make_project(members=[facilitator])
    conference = operations.import_conference(project, FIXTURE)
    operations.add_participant(conference, name="Hemmelig Navnesen", kommune="Bergen")
    group = operations.add_group(conference.rounds[0])
    db.session.commit()
    token = links.token_for(links.active_link(group))
    return {"facilitator": facilitator, "conference": conference, "group": group, "token": token}


def fresh_points(group_id: int) -> list[Point]:
    db.session.expire_all()
    return list(
        db.session.query(Point)
        .filter_by(group_id=group_id, deleted_at=None)
        .order_by(Point.task_id, Point.position, Point.id)
    )


def saved(page):
    expect(page.locator("#save-status")).to_have_attribute("data-state", "saved", timeout=10_000)


def expect_texts(page, task_id: int, texts: list[str], timeout: float = 10.0) -> None:
    """Wait until the task's points on the page read ``texts``, in order."""
    locator = points_of(page, task_id)
    deadline = time.monotonic() + timeout
    while True:
        values = locator.evaluate_all("els => els.map(e => e.value)")
        if values == texts:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"points on the page: {values}, expected {texts}")
        page.wait_for_timeout(100)


def points_of(page, task_id: int):
    return page.locator(f'ol.points[data-task-id="{task_id}"] > li .point-text')


@pytest.mark.parametrize("viewport", TABLETS, ids=TABLET_IDS)
def test_referent_whole_flow(page, setup, viewport):
    group = setup["group"]
    task = group.round.tasks[0]
    page.goto(f"/g?t={setup['token']}")
    expect(page.locator(".referent-group")).to_contain_text("Gruppe 1")
    expect(page.locator("#save-status")).to_have_text("Alt er lagret")

    new = page.get_by_label("Nytt moment til oppgave 1")
    for text in ("Første moment", "Andre moment", "Tredje moment"):
        new.fill(text)
        new.press("Enter")
    expect(points_of(page, task.id)).to_have_count(3)
    expect(new).to_be_focused()
    saved(page)
    assert [p.text for p in fresh_points(group.id)] == [
        "Første moment",
        "Andre moment",
        "Tredje moment",
    ]

    # Edit the second point; Enter finishes the edit.
    second = points_of(page, task.id).nth(1)
    second.fill("Andre moment, endret")
    second.press("Enter")
    saved(page)
    assert fresh_points(group.id)[1].text == "Andre moment, endret"

    # Reorder: the third point up one place.
    page.get_by_role("button", name="Flytt opp 3").click()
    expect_texts(page, task.id, ["Første moment", "Tredje moment", "Andre moment, endret"])
    # Merge the last point into the one above.
    page.get_by_role("button", name="Slå sammen med momentet over 3").click()
    expect_texts(page, task.id, ["Første moment", "Tredje moment / Andre moment, endret"])
    # Delete with undo.
    page.get_by_role("button", name="Slett 1").click()
    expect(points_of(page, task.id)).to_have_count(1)
    page.get_by_role("button", name="Angre").click()
    expect(points_of(page, task.id)).to_have_count(2)
    saved(page)
    assert [p.text for p in fresh_points(group.id)] == [
        "Første moment",
        "Tredje moment / Andre moment, endret",
    ]
    shot(page, f"conference-referent-brainstorming-{viewport['width']}")

    # Structuring: justify and mark for the plenum.
    page.get_by_role("button", name="Strukturering").click()
    first = page.locator(f'ol.points[data-task-id="{task.id}"] > li').first
    first.get_by_label("Begrunnelse").fill("Fordi tilbudene var for stive")
    first.get_by_label("Begrunnelse").press("Tab")
    first.get_by_label("Til plenum").check()
    saved(page)
    point = fresh_points(group.id)[0]
    assert (point.justification, point.for_plenum) == ("Fordi tilbudene var for stive", True)
    assert db.session.get(Group, group.id).phase.value == "structuring"
    shot(page, f"conference-referent-structuring-{viewport['width']}")
    assert axe_violations(page) == []

    # Slide preview shows only what is marked.
    page.get_by_role("button", name="Lysark", exact=True).click()
    preview = page.locator("#slide-preview")
    expect(preview).to_contain_text("Første moment")
    expect(preview).not_to_contain_text("Tredje moment")
    assert axe_violations(page) == []
    shot(page, f"conference-referent-slides-{viewport['width']}")

    # Minutes.
    page.get_by_role("button", name="Referat", exact=True).click()
    assert axe_violations(page) == []
    page.locator("#minutes").fill("Gruppa diskuterte fleksibilitet.")
    page.locator("#minutes").press("Tab")
    saved(page)
    db.session.expire_all()
    assert db.session.get(Group, group.id).minutes == "Gruppa diskuterte fleksibilitet."

    # Photo of the flip chart.
    page.get_by_role("button", name="Bilder", exact=True).click()
    buffer = io.BytesIO()
    Image.new("RGB", (2400, 1800), (240, 240, 240)).save(buffer, "JPEG")
    page.get_by_label("Ta eller velg et bilde").set_input_files(
        {"name": "tavle.jpg", "mimeType": "image/jpeg", "buffer": buffer.getvalue()}
    )
    page.get_by_role("button", name="Last opp bilde").click()
    expect(page.locator("#photo-status")).to_have_text("Bildet er lagret.")
    expect(page.locator("#photo-list img")).to_have_count(1)
    db.session.expire_all()
    assert len(db.session.get(Group, group.id).photos) == 1
    assert axe_violations(page) == []
    shot(page, f"conference-referent-photos-{viewport['width']}")

    # Hand in.
    page.get_by_role("button", name="Lysark", exact=True).click()
    page.get_by_role("button", name="Lever til plenum").click()
    page.get_by_role("button", name="Ja, lever").click()
    expect(page.locator("#locked-note")).to_be_visible()
    db.session.expire_all()
    assert db.session.get(Group, group.id).is_handed_in
    page.get_by_role("button", name="Momenter", exact=True).click()
    expect(page.get_by_label("Nytt moment til oppgave 1")).to_be_hidden()
    assert "Hemmelig Navnesen" not in page.content()
    assert axe_violations(page) == []
    shot(page, f"conference-referent-handed-in-{viewport['width']}")


@pytest.mark.parametrize("viewport", TABLETS[:1], ids=TABLET_IDS[:1])
def test_offline_changes_wait_and_are_sent_on_reconnect(page, setup, viewport):
    group = setup["group"]
    task = group.round.tasks[1]
    page.goto(f"/g?t={setup['token']}")
    expect(page.locator("#save-status")).to_have_text("Alt er lagret")
    page.context.set_offline(True)
    new = page.get_by_label("Nytt moment til oppgave 2")
    for text in ("Skrevet uten nett", "Også uten nett"):
        new.fill(text)
        new.press("Enter")
    points_of(page, task.id).first.fill("Skrevet uten nett, rettet")
    points_of(page, task.id).first.press("Enter")
    status = page.locator("#save-status")
    expect(status).to_have_attribute("data-state", "offline")
    expect(status).to_contain_text("Ikke lagret")
    shot(page, "conference-referent-offline")
    assert fresh_points(group.id) == []
    # The queue survives a reload of the page from the tablet's storage.
    stored = page.evaluate(f"localStorage.getItem('fieldkit.referent.{group.id}.queue')")
    assert "Også uten nett" in stored

    # A photo taken without network waits on the tablet too.
    page.get_by_role("button", name="Bilder", exact=True).click()
    buffer = io.BytesIO()
    Image.new("RGB", (800, 600), (20, 120, 20)).save(buffer, "PNG")
    page.get_by_label("Ta eller velg et bilde").set_input_files(
        {"name": "tavle.png", "mimeType": "image/png", "buffer": buffer.getvalue()}
    )
    page.get_by_role("button", name="Last opp bilde").click()
    expect(page.locator("#photo-status")).to_contain_text("bildet venter på nettbrettet")
    expect(status).to_contain_text("4 endring(er)")

    page.context.set_offline(False)
    saved(page)
    assert [p.text for p in fresh_points(group.id)] == [
        "Skrevet uten nett, rettet",
        "Også uten nett",
    ]
    assert fresh_points(group.id)[0].original_text == "Skrevet uten nett"
    expect(page.locator("#photo-list img")).to_have_count(1, timeout=15_000)
    db.session.expire_all()
    assert [(p.width, p.height) for p in db.session.get(Group, group.id).photos] == [(800, 600)]


@pytest.mark.parametrize("viewport", TABLETS[1:], ids=TABLET_IDS[1:])
def test_two_tablets_on_one_group_keep_both_versions(browser, live_server, setup, viewport):
    group = setup["group"]
    task = group.round.tasks[0]
    tablets = []
    for _ in range(2):
        context = browser.new_context(base_url=live_server, viewport=viewport, locale="nb-NO")
        page = context.new_page()
        page.set_default_timeout(10_000)
        page.goto(f"/g?t={setup['token']}")
        expect(page.locator("#save-status")).to_have_text("Alt er lagret")
        tablets.append(page)
    a, b = tablets
    try:
        new = a.get_by_label("Nytt moment til oppgave 1")
        new.fill("Felles moment")
        new.press("Enter")
        saved(a)
        expect_texts(b, task.id, ["Felles moment"])  # B polls

        b.context.set_offline(True)
        points_of(a, task.id).first.fill("Versjon fra A")
        points_of(a, task.id).first.press("Enter")
        saved(a)
        points_of(b, task.id).first.fill("Versjon fra B")
        points_of(b, task.id).first.press("Enter")
        b.context.set_offline(False)
        saved(b)

        for page in (a, b):
            expect_texts(page, task.id, ["Versjon fra A"])
            expect(page.locator(".point-conflicts .conflict-text")).to_have_text("Versjon fra B")
        shot(b, "conference-referent-conflict")
        db.session.expire_all()
        assert fresh_points(group.id)[0].text == "Versjon fra A"
        assert [c.text for c in db.session.query(PointConflict)] == ["Versjon fra B"]

        b.get_by_role("button", name="Bruk den andre versjonen").click()
        saved(b)
        expect_texts(a, task.id, ["Versjon fra B"])
        expect(a.locator(".point-conflicts .conflict-text")).to_have_count(0)
        assert fresh_points(group.id)[0].text == "Versjon fra B"

        # The minutes: both write at once; the later text is kept and shown on both tablets.
        for page in (a, b):
            page.get_by_role("button", name="Referat", exact=True).click()
        b.context.set_offline(True)
        a.locator("#minutes").fill("Referat fra A")
        a.locator("#minutes").press("Tab")
        saved(a)
        b.locator("#minutes").fill("Referat fra B")
        b.locator("#minutes").press("Tab")
        b.context.set_offline(False)
        saved(b)
        for page in (a, b):
            expect(page.locator("#minutes")).to_have_value("Referat fra A")
            expect(page.locator("#minutes-theirs")).to_have_text("Referat fra B")
        shot(a, "conference-referent-minutes-conflict")
        a.get_by_role("button", name="Bruk den versjonen").click()
        saved(a)
        for page in (a, b):
            expect(page.locator("#minutes")).to_have_value("Referat fra B")
            expect(page.locator("#minutes-conflict")).to_be_hidden()
        db.session.expire_all()
        assert db.session.get(Group, group.id).minutes == "Referat fra B"
    finally:
        for page in tablets:
            page.context.close()


def test_revoked_link_stops_the_tablet(page, setup):
    page.goto(f"/g?t={setup['token']}")
    expect(page.locator("#save-status")).to_have_text("Alt er lagret")
    links.renew_link(db.session.get(Group, setup["group"].id))
    db.session.commit()
    page.reload()
    expect(page.get_by_role("heading", name="Ingen tilgang")).to_be_visible()
    page.goto(f"/g?t={setup['token']}")
    expect(page.get_by_role("heading", name="Lenken virker ikke")).to_be_visible()


def test_plenary_view_keyboard_and_no_names(page, setup):
    conference = setup["conference"]
    first, second = conference.rounds
    groups = []
    for round_, name, text in [
        (first, None, "Mer fleksible tiltak"),
        (second, "Bergen", "Bedre samarbeid"),
    ]:
        group = setup["group"] if name is None else operations.add_group(round_, name)
        db.session.add(
            Point(
                group_id=group.id,
                task_id=round_.tasks[0].id,
                key=f"plenary-{group.id}-key",
                text=text,
                original_text=text,
                for_plenum=True,
            )
        )
        groups.append(group)
    hand_in_group(groups[0])
    db.session.commit()
    log_in(page, "fasilitator@example.no", PASSWORD)
    page.goto(f"/p/{conference.project.slug}/conferences/{conference.id}/plenary")
    slide = page.locator("#slide")
    expect(slide).to_contain_text("Mer fleksible tiltak")
    expect(page.locator("#position")).to_have_text("1 av 1")
    # The second group hands in while the plenum watches: it appears without a reload.
    hand_in_group(groups[1])
    db.session.commit()
    expect(page.locator("#position")).to_have_text("1 av 2", timeout=10_000)
    page.keyboard.press("ArrowRight")
    expect(slide).to_contain_text("Bedre samarbeid")
    expect(slide).to_contain_text("Gruppearbeid II")
    page.keyboard.press("PageUp")
    expect(slide).to_contain_text("Mer fleksible tiltak")
    assert "Hemmelig Navnesen" not in page.content()
    assert axe_violations(page) == []
    shot(page, "conference-plenary")

    page.get_by_role("button", name="Notat").click()
    page.get_by_label("Spørsmål eller kommentar til denne gruppen").fill("Hva med brukerne?")
    page.get_by_role("button", name="Legg til notat").click()
    expect(page.locator("#note-status")).to_have_text("Notatet er lagt til.")
    db.session.expire_all()
    assert [n.text for n in db.session.get(Group, groups[0].id).notes] == ["Hva med brukerne?"]

    page.goto(f"/p/{conference.project.slug}/conferences/{conference.id}/live")
    expect(page.locator(f'tr[data-group-id="{groups[0].id}"]')).to_contain_text("Ja")
    assert axe_violations(page) == []
    shot(page, "conference-live")
    page.get_by_role("link", name="Gruppe 1").click()
    expect(page.get_by_text("Hva med brukerne?")).to_be_visible()
    expect(page.get_by_text("Hemmelig Navnesen")).to_have_count(0)  # not a member of a group
    assert axe_violations(page) == []
    shot(page, "conference-group-page")
    page.get_by_role("button", name="Åpne igjen").click()
    expect(page.get_by_text("Gruppe 1 kan endre lysarkene sine igjen.")).to_be_visible()
    db.session.expire_all()
    assert not db.session.get(Group, groups[0].id).is_handed_in
    page.goto(f"/p/{conference.project.slug}/conferences/{conference.id}/rounds/{first.id}/cards")
    expect(page.locator(".referent-card svg")).to_have_count(1)
    shot(page, "conference-cards")
    assert re.search(r"/g\?t=[A-Za-z0-9_-]{43}", page.content())
