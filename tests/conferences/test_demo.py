"""The demo conferences: made once, and no participant's name on the referent's or plenary pages."""

import json

from fieldkit.conferences.demo import load_demo
from fieldkit.conferences.models import Conference, Point
from fieldkit.conferences.setup.links import active_link, token_for
from fieldkit.extensions import db
from tests.conferences.conftest import base


def test_demo_conference_is_made_once_and_hides_names(client, login, facilitator, make_project):
    project = make_project("demo", members=[facilitator])
    assert load_demo(project, facilitator) is True
    db.session.commit()
    assert load_demo(project, facilitator) is False
    conference, oslo = db.session.query(Conference).order_by(Conference.id).all()
    assert (conference.place, oslo.place) == ("Bergen", "Oslo")
    assert len(conference.participants) == 12 and len(oslo.participants) == 8
    assert db.session.query(Point).count() == 7 + 7
    assert {p.email for p in oslo.participants} >= {"bjorn.lunde@example.no"}
    names = [p.name for p in conference.participants]
    group = conference.rounds[0].groups[0]

    login(facilitator)
    live = client.get(base(conference) + "/live").get_data(as_text=True)
    assert "Gruppe 1" in live
    plenary = json.dumps(
        client.get(base(conference) + "/plenary.json").get_json(), ensure_ascii=False
    )
    assert "Mangel på fleksibilitet i tilbudene til målgruppa" in plenary
    group_page = client.get(base(conference) + f"/groups/{group.id}/").get_data(as_text=True)
    member_names = [m.participant.name for m in group.memberships]
    assert all(name in group_page for name in member_names)  # facilitators see the members

    client.post("/logout")
    token = token_for(active_link(group))
    client.get(f"/g?t={token}")
    pages = [
        client.get(f"/g/{group.id}").get_data(as_text=True),
        json.dumps(client.get(f"/g/{group.id}/api/state").get_json(), ensure_ascii=False),
        plenary,
        client.get(base(conference) + "/plenary").get_data(as_text=True),
    ]
    for page in pages:
        for name in names:
            assert name not in page
