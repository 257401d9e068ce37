"""The tablet API needs the CSRF token in the X-CSRFToken header, like every form."""

import re

import pytest


@pytest.fixture
def app_config(app_config):
    app_config["WTF_CSRF_ENABLED"] = True
    return app_config


def test_tablet_saves_need_the_csrf_header(referent, group):
    body = {"ops": [{"op": "phase", "phase": "structuring"}]}
    assert referent.post(f"/g/{group.id}/api/ops", json=body).status_code == 400
    assert group.phase.value == "brainstorming"
    page = referent.get(f"/g/{group.id}").get_data(as_text=True)
    token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
    response = referent.post(f"/g/{group.id}/api/ops", json=body, headers={"X-CSRFToken": token})
    assert response.status_code == 200
    assert response.get_json()["state"]["group"]["phase"] == "structuring"
