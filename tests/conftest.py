"""Fixtures for every test: an app on a clean database, a client, a runner, small factories.

The suite runs on SQLite by default and on PostgreSQL when ``FIELDKIT_TEST_DATABASE_URL`` is
set. The schema is built once per run by the Alembic migrations (so every run also proves they
apply), and every table is emptied after each test.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import g
from flask.testing import FlaskClient

from fieldkit import create_app
from fieldkit.core import operations
from fieldkit.core.models import Project, Role, User
from fieldkit.extensions import db

TEST_SECRET_KEY = "test-secret-key-that-is-long-enough-0123456789"
PASSWORD = "correct horse battery"


def pytest_report_header(config) -> list[str]:
    return [
        "fieldkit database: " + (os.environ.get("FIELDKIT_TEST_DATABASE_URL") or "SQLite"),
        "fieldkit redis: " + (os.environ.get("FIELDKIT_TEST_REDIS_URL") or "none (jobs inline)"),
    ]


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    """A database with the schema built by the migrations, shared by the run's tests."""
    url = os.environ.get("FIELDKIT_TEST_DATABASE_URL")
    if not url:
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite'}"
    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": url,
            "INSTANCE_PATH": tmp_path_factory.mktemp("schema-instance"),
            "SECRET_KEY": TEST_SECRET_KEY,
        }
    )
    with app.app_context():
        drop_everything()
        from fieldkit.core.database import upgrade_schema

        upgrade_schema()
        db.engine.dispose()
    return url


def drop_everything() -> None:
    """Remove every table (and type) so the migrations start from nothing."""
    if db.engine.dialect.name == "postgresql":
        with db.engine.begin() as connection:
            connection.execute(sa.text("DROP SCHEMA public CASCADE"))
            connection.execute(sa.text("CREATE SCHEMA public"))
    else:
        metadata = sa.MetaData()
        metadata.reflect(db.engine)
        metadata.drop_all(db.engine)


def empty_tables() -> None:
    """Delete every row of every table, keeping the schema."""
    db.session.remove()
    tables = [t for t in db.metadata.sorted_tables]
    with db.engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            names = ", ".join(f'"{t.name}"' for t in tables)
            connection.execute(sa.text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in reversed(tables):
                connection.execute(table.delete())


def make_config(database_url: str, instance_path: Path, **overrides) -> dict:
    config = {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "INSTANCE_PATH": instance_path,
        "SECRET_KEY": TEST_SECRET_KEY,
        "WTF_CSRF_ENABLED": False,
        "BASE_URL": "http://fieldkit.test",
        "SMTP_HOST": None,
        "REDIS_URL": None,
        # Jobs run to the end inside enqueue(), so a test can assert right after starting one;
        # tests/core/test_jobs_liveness.py and a browser test cover the thread mode.
        "JOBS_MODE": "inline",
    }
    config.update(overrides)
    return config


@pytest.fixture
def app_config(database_url, tmp_path) -> dict:
    """The config of the test's app; a test may change it before asking for ``app``."""
    return make_config(database_url, tmp_path / "instance")


class RequestClient(FlaskClient):
    """A test client whose requests do not see what earlier requests cached in ``g``.

    The test's app context stays pushed so tests can use the database directly, and Flask then
    reuses it for each request; in a real server every request has a context of its own.
    """

    def open(self, *args, **kwargs):
        for name in ("_flask_babel", "_login_user"):
            g.pop(name, None)
        return super().open(*args, **kwargs)


@pytest.fixture
def app(app_config) -> Iterator:
    app = create_app(app_config)
    app.test_client_class = RequestClient
    with app.app_context():
        yield app
        empty_tables()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def make_user(app):
    """Factory: a user with the test password, committed."""
    counter = iter(range(1, 10_000))

    def make(email: str | None = None, name: str = "Kari Nordmann", role=Role.RESEARCHER) -> User:
        email = email or f"user{next(counter)}@example.no"
        user = operations.create_user(email, name, PASSWORD, role)
        db.session.commit()
        return user

    return make


@pytest.fixture
def make_project(app):
    """Factory: a project with the given members, committed."""

    def make(slug: str = "storby", name: str = "Storbysatsingen", members=()) -> Project:
        project = operations.create_project(slug, name)
        for user in members:
            operations.add_member(project, user)
        db.session.commit()
        return project

    return make


@pytest.fixture
def login(client):
    """Log ``user`` in through the login form."""

    def do(user: User, password: str = PASSWORD):
        response = client.post("/login", data={"email": user.email, "password": password})
        assert response.status_code == 302, response.get_data(as_text=True)
        return response

    return do


@pytest.fixture
def smtp_server(tmp_path):
    """A real SMTP server on loopback; point the app at it with ``app.config.update(...)``."""
    from tests.smtp import SMTPServer

    server = SMTPServer(tmp_path).start()
    yield server
    server.stop()
