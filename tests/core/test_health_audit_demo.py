"""Health check, audit log, the demo and the account commands."""

import pytest
import sqlalchemy as sa

from fieldkit.core import audit
from fieldkit.core.models import AuditEvent, Membership, Project, User
from fieldkit.extensions import db


def test_healthz_reports_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "checks": {"database": "ok"}}


def test_healthz_fails_when_redis_is_unreachable(client, app):
    app.config["REDIS_URL"] = "redis://127.0.0.1:1/0"
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["checks"]["redis"].startswith("error")


def test_audit_records_actor_object_and_project(app, make_user, make_project):
    user = make_user()
    project = make_project()
    event = audit.record("survey.invitations_sent", project, actor=user, sent=160)
    db.session.commit()
    assert (event.action, event.object_type, event.object_id) == (
        "survey.invitations_sent",
        "projects",
        str(project.id),
    )
    assert event.actor_id == user.id
    assert event.project_id == project.id
    assert event.details == {"sent": 160}
    assert audit.events_for(project)[0].id == event.id


def test_user_create_command(runner):
    result = runner.invoke(
        args=[
            "user",
            "create",
            "kari@example.no",
            "--name",
            "Kari Nordmann",
            "--role",
            "facilitator",
            "--password",
            "et langt passord",
        ]
    )
    assert result.exit_code == 0, result.output
    user = db.session.scalar(sa.select(User).where(User.email == "kari@example.no"))
    assert user.role.value == "facilitator"
    again = runner.invoke(
        args=["user", "create", "kari@example.no", "--name", "Kari", "--password", "x" * 12]
    )
    assert again.exit_code == 1
    assert "kari@example.no" in again.output


def test_user_create_refuses_a_short_password(runner):
    result = runner.invoke(
        args=["user", "create", "a@example.no", "--name", "A", "--password", "kort"]
    )
    assert result.exit_code == 1
    assert "minst 10 tegn" in result.output
    assert db.session.scalar(sa.select(sa.func.count(User.id))) == 0


@pytest.mark.parametrize(
    "password, message",
    [
        ("passord123", "blant de vanligste passordene"),
        ("Sommer2024", "blant de vanligste passordene"),
        ("Passord2025!", "blant de vanligste passordene"),
        ("qwertyuiop", "blant de vanligste passordene"),
        ("Kari Nordmann", "kan ikke være e-postadressen eller navnet ditt"),
        ("KARI.NORDMANN@example.no", "kan ikke være e-postadressen eller navnet ditt"),
    ],
)
def test_user_create_refuses_a_common_or_personal_password(runner, password, message):
    result = runner.invoke(
        args=[
            "user",
            "create",
            "kari.nordmann@example.no",
            "--name",
            "Kari Nordmann",
            "--password",
            password,
        ]
    )
    assert result.exit_code == 1
    assert message in result.output
    assert db.session.scalar(sa.select(sa.func.count(User.id))) == 0


def test_user_set_password_applies_the_same_rules_and_logs_out(runner, make_user):
    user = make_user("kari@example.no")
    old_hash, old_session = user.password_hash, user.session_token
    refused = runner.invoke(args=["user", "set-password", user.email, "--password", "sommer2024"])
    assert refused.exit_code == 1
    assert "blant de vanligste passordene" in refused.output
    db.session.refresh(user)
    assert user.password_hash == old_hash
    done = runner.invoke(
        args=["user", "set-password", user.email, "--password", "tre tilfeldige ord"]
    )
    assert done.exit_code == 0, done.output
    db.session.refresh(user)
    assert user.password_hash != old_hash and user.session_token != old_session
    unknown = runner.invoke(args=["user", "set-password", "nei@example.no", "--password", "x"])
    assert unknown.exit_code == 1


def test_demo_twice_changes_nothing(runner, client):
    first = runner.invoke(args=["demo"])
    assert first.exit_code == 0, first.output
    counts = [
        db.session.scalar(sa.select(sa.func.count()).select_from(model))
        for model in (User, Project, Membership, AuditEvent)
    ]
    second = runner.invoke(args=["demo"])
    assert second.exit_code == 0
    assert second.output == first.output
    assert counts == [
        db.session.scalar(sa.select(sa.func.count()).select_from(model))
        for model in (User, Project, Membership, AuditEvent)
    ]
    email = first.output.split("Log in as:")[1].split()[0]
    password = first.output.split("Password:")[1].split()[0]
    response = client.post("/login", data={"email": email, "password": password})
    assert response.status_code == 302
    assert client.get("/p/demo/").status_code == 200


def test_project_commands(runner, make_user):
    make_user("kari@example.no")
    assert runner.invoke(args=["project", "create", "storby", "Storbysatsingen"]).exit_code == 0
    result = runner.invoke(args=["project", "add-member", "storby", "kari@example.no"])
    assert result.exit_code == 0
    assert result.output.strip() == "kari@example.no is a member of storby"
    result = runner.invoke(args=["project", "add-member", "nope", "kari@example.no"])
    assert result.exit_code == 1


def test_flask_run_upgrades_the_schema_first(tmp_path, monkeypatch):
    """`fieldkit run` brings a new instance's database up to date before serving."""
    import flask.cli

    from fieldkit.cli import main

    monkeypatch.setenv("FIELDKIT_INSTANCE_PATH", str(tmp_path))
    monkeypatch.delenv("FIELDKIT_DATABASE_URL", raising=False)
    served = []
    monkeypatch.setattr(flask.cli, "run_simple", lambda *a, **k: served.append((a, k)))
    from click.testing import CliRunner

    result = CliRunner().invoke(main, ["run", "--port", "5099"])
    assert result.exit_code == 0, result.output
    assert served and served[0][0][1] == 5099
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'fieldkit.sqlite'}")
    assert {"users", "projects", "alembic_version"} <= set(sa.inspect(engine).get_table_names())
