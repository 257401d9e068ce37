"""Tags are renamed and deleted from the synthesis page; the points keep or lose them."""

from __future__ import annotations

import re

from fieldkit.conferences.models import Tag, TagKind
from fieldkit.conferences.synthesis.overview import project_overview
from fieldkit.conferences.synthesis.tags import add_tag, tagged_point_ids
from fieldkit.core.models import AuditEvent
from fieldkit.extensions import db
from tests.conferences.synthesis_data import two_conferences

BASE = "/p/storby/conferences/synthesis"


def events(action: str) -> list[AuditEvent]:
    return db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == action)).all()


def test_renaming_a_tag_keeps_it_on_its_points(client, login, facilitator, project):
    bergen, oslo, tags, b, o = two_conferences(project)
    aetat = tags["Aetat"]
    before = tagged_point_ids(aetat)
    assert len(before) == 6
    login(facilitator)
    page = client.get(f"{BASE}/tags/{aetat.id}/edit").get_data(as_text=True)
    assert 'value="Aetat"' in page
    assert "De 6 momentene med dette stikkordet beholder det under det nye navnet." in page

    response = client.post(
        f"{BASE}/tags/{aetat.id}/edit", data={"name": "  NAV   (Aetat) ", "kind": "actor"}
    )
    assert response.status_code == 302
    db.session.expire_all()
    tag = db.session.get(Tag, aetat.id)
    assert tag.name == "NAV (Aetat)"
    assert tag.kind == TagKind.ACTOR
    assert tagged_point_ids(tag) == before
    rows = {r["name"]: r["counts"] for r in project_overview(project)["rows"]}
    assert rows["NAV (Aetat)"] == [3, 3] and "Aetat" not in rows
    (event,) = events("conference.tag_changed")
    assert event.details["before"] == {"name": "Aetat", "kind": "actor"}
    assert event.details["after"] == {"name": "NAV (Aetat)", "kind": "actor"}
    assert event.actor_id == facilitator.id

    # Another tag's name (in any case) is refused; the tag's own name in another case is not.
    refused = client.post(
        f"{BASE}/tags/{aetat.id}/edit", data={"name": "samarbeid", "kind": "theme"}
    )
    assert refused.status_code == 422
    assert "Prosjektet har allerede stikkordet «samarbeid»." in refused.get_data(as_text=True)
    same = client.post(
        f"{BASE}/tags/{aetat.id}/edit", data={"name": "nav (aetat)", "kind": "actor"}
    )
    assert same.status_code == 302


def test_deleting_a_tag_asks_first_then_takes_it_off_the_points(
    client, login, facilitator, project
):
    bergen, oslo, tags, b, o = two_conferences(project)
    samarbeid = tags["Samarbeid"]
    login(facilitator)
    overview = client.get(BASE).get_data(as_text=True)
    delete_url = f"{BASE}/tags/{samarbeid.id}/delete"
    assert f'href="{delete_url}"' in overview

    confirm = client.get(delete_url)
    assert confirm.status_code == 200
    html = confirm.get_data(as_text=True)
    assert "Slette stikkordet Samarbeid?" in html
    assert "Stikkordet tas av de 2 momentene som har det." in html
    assert re.search(r'<form method="post">', html)
    assert db.session.get(Tag, samarbeid.id) is not None  # nothing happens on GET

    response = client.post(delete_url, follow_redirects=True)
    assert response.status_code == 200
    assert "Stikkordet Samarbeid er slettet og tatt av 2 momenter." in response.get_data(
        as_text=True
    )
    db.session.expire_all()
    assert db.session.get(Tag, samarbeid.id) is None
    assert [t.name for t in db.session.get(type(b[2]), b[2].id).tags] == ["Aetat"]
    remaining = {r["name"]: r["counts"] for r in project_overview(project)["rows"]}
    assert "Samarbeid" not in remaining and remaining["Aetat"] == [3, 3]
    (event,) = events("conference.tag_deleted")
    assert event.details == {"name": "Samarbeid", "kind": "theme", "points": 2}
    assert client.get(delete_url).status_code == 404


def test_tag_changes_need_membership(client, login, make_user, project):
    bergen, oslo, tags, b, o = two_conferences(project)
    outsider = make_user("utenfor@example.no", "Ulf Utenfor")
    login(outsider)
    tag = tags["Aetat"]
    assert client.get(f"{BASE}/tags/{tag.id}/edit").status_code == 403
    assert client.post(f"{BASE}/tags/{tag.id}/edit", data={"name": "X"}).status_code == 403
    assert client.post(f"{BASE}/tags/{tag.id}/delete").status_code == 403
    db.session.expire_all()
    assert db.session.get(Tag, tag.id).name == "Aetat"


def test_a_tag_of_another_project_is_not_found(client, login, facilitator, make_project, project):
    two_conferences(project)
    other = make_project("annet", "Annet", members=[facilitator])
    foreign = add_tag(other, "Fremmed")
    db.session.commit()
    login(facilitator)
    assert client.get(f"{BASE}/tags/{foreign.id}/edit").status_code == 404
    assert client.post(f"{BASE}/tags/{foreign.id}/delete").status_code == 404
