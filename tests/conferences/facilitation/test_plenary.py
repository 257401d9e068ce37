"""The plenary view: the handed-in groups in programme order, and notes from the plenum."""

from fieldkit.conferences.referent.operations import hand_in_group
from fieldkit.conferences.setup import operations
from fieldkit.extensions import db
from tests.conferences.conftest import base


def test_plenary_follows_programme_order_and_takes_notes(client, login, facilitator, conference):
    first, second = conference.rounds
    g2 = operations.add_group(second, "Bergen")
    g1 = operations.add_group(first, "Blandet")
    hand_in_group(g2)
    hand_in_group(g1)
    db.session.commit()
    login(facilitator)
    groups = client.get(base(conference) + "/plenary.json").get_json()["groups"]
    assert [g["name"] for g in groups] == ["Blandet", "Bergen"]
    response = client.post(base(conference) + f"/groups/{g1.id}/notes", json={"text": "Spørsmål"})
    assert response.get_json() == {"ok": True, "notes": ["Spørsmål"]}
    assert (
        client.post(base(conference) + f"/groups/{g1.id}/notes", json={"text": " "}).status_code
        == 422
    )
