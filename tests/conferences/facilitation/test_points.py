"""The points page: tag, untag and hide points in bulk, correct one; the synthesis and the export
show the correction."""

from __future__ import annotations

import re

from fieldkit.conferences.models import Point
from fieldkit.conferences.synthesis.tags import tagged_point_ids
from fieldkit.extensions import db
from tests.conferences.synthesis_data import two_conferences


def test_tagging_and_correcting_in_the_browser_pages(client, login, facilitator, project):
    bergen, oslo, tags, b, o = two_conferences(project)
    login(facilitator)
    base = f"/p/{project.slug}/conferences/{bergen.id}"
    page = client.get(f"{base}/points")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert 'data-key="1"' in body and "Bergen 3" in body
    tag = tags["Tiltaksutvikling"]
    response = client.post(
        f"{base}/points", data={"point": [str(b[0].id), str(b[1].id)], "action": f"tag:{tag.id}"}
    )
    assert response.status_code == 302
    assert tagged_point_ids(tag) == sorted([b[0].id, b[1].id])
    # A point of another conference cannot be tagged through this conference's page.
    client.post(f"{base}/points", data={"point": [str(o[0].id)], "action": f"tag:{tag.id}"})
    assert o[0].id not in tagged_point_ids(tag)
    client.post(f"{base}/points", data={"point": [str(b[0].id)], "action": f"untag:{tag.id}"})
    assert tagged_point_ids(tag) == [b[1].id]
    client.post(f"{base}/points", data={"point": [str(b[1].id)], "action": "hide"})
    db.session.expire_all()
    assert db.session.get(Point, b[1].id).edit.hidden is True

    response = client.post(
        f"{base}/points/{b[0].id}", data={"corrected_text": "Bergen null, rettet"}
    )
    assert response.status_code == 302
    db.session.expire_all()
    point = db.session.get(Point, b[0].id)
    assert point.edit.corrected_text == "Bergen null, rettet"
    assert point.text == "Bergen 0"
    assert point.edit.hidden is False

    page = client.get(f"/p/{project.slug}/conferences/synthesis")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Bergen null, rettet" in html
    started = client.post(f"/p/{project.slug}/conferences/synthesis/points.csv")
    assert started.status_code == 302
    job_page = client.get(started.headers["Location"]).get_data(as_text=True)
    download = re.search(r'href="([^"]+/download)"', job_page).group(1)
    csv_response = client.get(download)
    assert csv_response.status_code == 200
    assert "Bergen null, rettet" in csv_response.get_data(as_text=True)
    added = client.post(
        f"/p/{project.slug}/conferences/synthesis", data={"name": "aetat", "kind": "actor"}
    )
    assert added.status_code == 422
    assert "Prosjektet har allerede stikkordet «aetat»." in added.get_data(as_text=True)


def test_an_action_needs_ticked_points_and_one_the_page_offers(client, login, facilitator, project):
    bergen, oslo, tags, b, o = two_conferences(project)
    login(facilitator)
    url = f"/p/{project.slug}/conferences/{bergen.id}/points"
    response = client.post(url, data={"action": "hide"}, follow_redirects=True)
    assert "Huk av minst ett moment." in response.get_data(as_text=True)
    foreign = tags["Aetat"].id + 1000
    for action in ("delete", f"tag:{foreign}", "tag:", "retag:1"):
        assert client.post(url, data={"point": [str(b[0].id)], "action": action}).status_code == 400
    db.session.expire_all()
    assert db.session.get(Point, b[0].id).edit is None
