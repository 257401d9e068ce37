"""Renaming and deleting tags need the form's CSRF token."""

from __future__ import annotations

import re

import pytest

from fieldkit.conferences.models import Tag
from fieldkit.conferences.synthesis import tags
from fieldkit.extensions import db


@pytest.fixture
def app_config(app_config):
    app_config["WTF_CSRF_ENABLED"] = True
    return app_config


def token(client, url: str) -> str:
    page = client.get(url).get_data(as_text=True)
    return re.search(
        r'<form method="post"[^>]*>\s*<input[^>]*name="csrf_token"[^>]*value="([^"]+)"', page
    ).group(1)


def test_rename_and_delete_need_the_csrf_token(client, facilitator, project):
    tag = tags.add_tag(project, "Aetat")
    db.session.commit()
    response = client.post(
        "/login",
        data={
            "email": facilitator.email,
            "password": "correct horse battery",
            "csrf_token": token(client, "/login"),
        },
    )
    assert response.status_code == 302
    base = f"/p/{project.slug}/conferences/synthesis/tags/{tag.id}"

    assert client.post(f"{base}/edit", data={"name": "NAV", "kind": "actor"}).status_code == 400
    assert client.post(f"{base}/delete").status_code == 400
    db.session.expire_all()
    assert db.session.get(Tag, tag.id).name == "Aetat"

    edit = client.post(
        f"{base}/edit",
        data={"name": "NAV", "kind": "actor", "csrf_token": token(client, f"{base}/edit")},
    )
    assert edit.status_code == 302
    delete = client.post(f"{base}/delete", data={"csrf_token": token(client, f"{base}/delete")})
    assert delete.status_code == 302
    assert db.session.get(Tag, tag.id) is None
