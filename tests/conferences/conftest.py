"""Fixtures for conference tests: a project with a facilitator and the Storbysatsingen design."""

from __future__ import annotations

import pytest

from fieldkit.conferences.setup import operations
from fieldkit.conferences.setup.links import active_link, token_for
from fieldkit.core.models import Role
from fieldkit.extensions import db
from tests.paths import FIXTURES

FIXTURE = FIXTURES / "dialogkonferanse_storbysatsingen.yaml"


def base(conference) -> str:
    """The address of a conference's staff pages."""
    return f"/p/{conference.project.slug}/conferences/{conference.id}"


@pytest.fixture
def facilitator(make_user):
    return make_user("fasilitator@example.no", "Fia Fasilitator", Role.FACILITATOR)


@pytest.fixture
def project(make_project, facilitator):
    return make_project(members=[facilitator])


@pytest.fixture
def conference(project):
    conference = operations.import_conference(project, FIXTURE)
    db.session.commit()
    return conference


@pytest.fixture
def group(conference):
    group = operations.add_group(conference.rounds[0])
    db.session.commit()
    return group


@pytest.fixture
def referent(client, group):
    """A client that opened the group's referent link (as a tablet does)."""
    response = client.get(f"/g?t={token_for(active_link(group))}")
    assert response.status_code == 302
    return client
