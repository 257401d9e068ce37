"""Logging in and out, and who may see which project."""

import sqlalchemy as sa

from fieldkit.core.models import AuditEvent, Membership, Role, User
from fieldkit.extensions import db
from tests.conftest import PASSWORD


def test_login_page_speaks_bokmal_by_default(client):
    response = client.get("/login")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert '<html lang="nb">' in html
    assert "<h1>Logg inn</h1>" in html
    assert "Passord" in html


def test_anonymous_visitor_is_sent_to_login(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_login_shows_own_projects_only(client, make_user, make_project, login):
    kari = make_user("kari@example.no", "Kari Nordmann")
    ola = make_user("ola@example.no", "Ola Nordmann")
    make_project("storby", "Storbysatsingen", members=[kari])
    make_project("nav-reform", "NAV-reformen", members=[ola])
    login(kari)
    html = client.get("/").get_data(as_text=True)
    assert "Storbysatsingen" in html
    assert "NAV-reformen" not in html


def test_wrong_password_is_refused_with_a_message(client, make_user):
    user = make_user("kari@example.no")
    response = client.post("/login", data={"email": user.email, "password": "wrong password"})
    assert response.status_code == 422
    assert "Feil e-postadresse eller passord." in response.get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_unknown_address_gets_the_same_message(client):
    response = client.post("/login", data={"email": "nobody@example.no", "password": "x" * 12})
    assert response.status_code == 422
    assert "Feil e-postadresse eller passord." in response.get_data(as_text=True)


def test_inactive_user_cannot_log_in(client, make_user):
    user = make_user("kari@example.no")
    user.active = False
    db.session.commit()
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 422


def test_login_is_case_insensitive_on_email(client, make_user):
    make_user("kari@example.no")
    response = client.post("/login", data={"email": "Kari@Example.NO", "password": PASSWORD})
    assert response.status_code == 302


def test_next_goes_to_local_pages_only(client, make_user, make_project):
    user = make_user()
    make_project("storby", members=[user])
    data = {"email": user.email, "password": PASSWORD}
    response = client.post("/login", data={**data, "next": "https://evil.example/"})
    assert response.headers["Location"] == "/"
    client.post("/logout")
    response = client.post("/login", data={**data, "next": "/p/storby/"})
    assert response.headers["Location"] == "/p/storby/"


def test_logout_needs_post(client, make_user, login):
    login(make_user())
    assert client.get("/logout").status_code == 405
    assert client.post("/logout").status_code == 302
    assert client.get("/").status_code == 302


def test_passwords_are_stored_as_argon2id(app, make_user):
    user = make_user()
    stored = db.session.scalar(sa.select(User.password_hash).where(User.id == user.id))
    assert stored.startswith("$argon2id$")
    assert PASSWORD not in stored


def test_non_member_gets_403_member_200_admin_200(client, make_user, make_project, login):
    member = make_user("member@example.no")
    outsider = make_user("outsider@example.no")
    admin = make_user("admin@example.no", role=Role.ADMIN)
    make_project("storby", "Storbysatsingen", members=[member])

    login(outsider)
    response = client.get("/p/storby/")
    assert response.status_code == 403
    assert "Storbysatsingen" not in response.get_data(as_text=True)
    response = client.post("/p/storby/members", data={"email": "outsider@example.no"})
    assert response.status_code == 403
    client.post("/logout")

    login(member)
    assert client.get("/p/storby/").status_code == 200
    client.post("/logout")

    login(admin)
    assert client.get("/p/storby/").status_code == 200
    assert client.get("/p/no-such-project/").status_code == 404


def test_member_adds_a_colleague_and_it_is_audited(client, make_user, make_project, login):
    member = make_user("member@example.no")
    colleague = make_user("colleague@example.no", "Per Hansen")
    project = make_project("storby", members=[member])
    login(member)
    response = client.post("/p/storby/members", data={"email": "colleague@example.no"})
    assert response.status_code == 302
    html = client.get("/p/storby/").get_data(as_text=True)
    assert (
        "Hvis colleague@example.no tilhører en bruker, er vedkommende nå medlem (se listen over "
        "medlemmer)." in html
    )
    assert "Per Hansen (colleague@example.no)" in html
    event = db.session.scalar(
        sa.select(AuditEvent).where(
            AuditEvent.action == "project.member_added", AuditEvent.actor_id == member.id
        )
    )
    assert event.project_id == project.id
    assert event.details == {"user_id": colleague.id}
    client.post("/logout")
    login(colleague)
    assert client.get("/p/storby/").status_code == 200


def test_creating_a_project_makes_the_creator_a_member(client, make_user, login):
    user = make_user()
    login(user)
    response = client.post(
        "/projects/new", data={"name": "Evaluering av NAV-reformen", "slug": "nav-reform"}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/p/nav-reform/"
    assert client.get("/p/nav-reform/").status_code == 200


def test_project_short_name_must_be_unique(client, make_user, make_project, login):
    user = make_user()
    make_project("storby", members=[user])
    login(user)
    response = client.post("/projects/new", data={"name": "Andre", "slug": "storby"})
    assert response.status_code == 200
    assert "finnes allerede" in response.get_data(as_text=True)


def test_outbox_is_for_administrators(client, make_user, login):
    login(make_user("researcher@example.no"))
    assert client.get("/admin/outbox").status_code == 403


def test_failed_logins_are_rate_limited(app, client, make_user):
    user = make_user("kari@example.no")
    for _ in range(10):
        assert (
            client.post("/login", data={"email": user.email, "password": "gjetning"}).status_code
            == 422
        )
    blocked = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert blocked.status_code == 429
    assert "For mange mislykkede forsøk" in blocked.get_data(as_text=True)
    assert client.get("/").status_code == 302  # not logged in
    # Another address is not limited by this one's failures, nor this one by its.
    other = app.test_client()
    other.environ_base["REMOTE_ADDR"] = "192.0.2.7"
    wrong = other.post("/login", data={"email": user.email, "password": "gjetning"})
    assert wrong.status_code == 422
    right = other.post("/login", data={"email": user.email, "password": PASSWORD})
    assert right.status_code == 302
    assert other.get("/").status_code == 200  # logged in
    again = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert again.status_code == 429


def _fail_logins(app, user, times, **environ):
    client = app.test_client()
    client.environ_base.update(environ)
    for _ in range(times):
        client.post("/login", data={"email": user.email, "password": "gjetning"})
    return client


def test_behind_a_trusted_proxy_clients_are_told_apart_by_their_forwarded_address(
    app_config, make_user
):
    """Behind nginx every request comes from 127.0.0.1: without ``TRUSTED_PROXIES`` one
    client's failures would lock everyone out."""
    from fieldkit import create_app

    app = create_app({**app_config, "TRUSTED_PROXIES": 1})
    with app.app_context():
        user = make_user()
        proxy = {"REMOTE_ADDR": "127.0.0.1"}
        _fail_logins(app, user, 10, **proxy, HTTP_X_FORWARDED_FOR="198.51.100.4")
        locked = app.test_client()
        locked.environ_base.update(proxy, HTTP_X_FORWARDED_FOR="198.51.100.4")
        assert (
            locked.post("/login", data={"email": user.email, "password": PASSWORD}).status_code
            == 429
        )
        # Another client behind the same proxy logs in; a client that puts a made-up address
        # first is known by the address the proxy appended, and stays locked.
        other = app.test_client()
        other.environ_base.update(proxy, HTTP_X_FORWARDED_FOR="203.0.113.9")
        assert (
            other.post("/login", data={"email": user.email, "password": PASSWORD}).status_code
            == 302
        )
        spoofing = app.test_client()
        spoofing.environ_base.update(proxy, HTTP_X_FORWARDED_FOR="203.0.113.9, 198.51.100.4")
        assert (
            spoofing.post("/login", data={"email": user.email, "password": PASSWORD}).status_code
            == 429
        )


def test_without_trusted_proxies_forwarded_addresses_are_ignored(app, make_user):
    """A client cannot escape its limit by sending a new ``X-Forwarded-For`` each time."""
    user = make_user()
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = "192.0.2.50"
    for number in range(10):
        client.environ_base["HTTP_X_FORWARDED_FOR"] = f"10.0.0.{number}"
        client.post("/login", data={"email": user.email, "password": "gjetning"})
    client.environ_base["HTTP_X_FORWARDED_FOR"] = "10.0.0.99"
    assert (
        client.post("/login", data={"email": user.email, "password": PASSWORD}).status_code == 429
    )


def test_adding_an_unknown_address_says_the_same_and_creates_nothing(
    client, make_user, make_project, login
):
    """The form does not tell whether an address is registered."""
    member = make_user("member@example.no")
    make_project("storby", members=[member])
    login(member)
    response = client.post("/p/storby/members", data={"email": "nobody@example.no"})
    assert response.status_code == 302
    html = client.get("/p/storby/").get_data(as_text=True)
    assert (
        "Hvis nobody@example.no tilhører en bruker, er vedkommende nå medlem (se listen over "
        "medlemmer)." in html
    )
    assert "finnes ikke" not in html and "Ingen bruker" not in html
    assert db.session.scalar(sa.select(sa.func.count(User.id))) == 1
    assert db.session.scalar(sa.select(sa.func.count(Membership.id))) == 1
    added = sa.select(sa.func.count(AuditEvent.id)).where(
        AuditEvent.action == "project.member_added"
    )
    assert db.session.scalar(added) == 1  # the member's own, when the project was made


def test_researcher_removes_a_member_and_it_is_audited(app, client, make_user, make_project, login):
    researcher = make_user("forsker@example.no", "Ola Forsker")
    facilitator = make_user("fasilitator@example.no", "Fia Fasilitator", Role.FACILITATOR)
    project = make_project("storby", members=[researcher, facilitator])
    login(researcher)
    page = client.get("/p/storby/").get_data(as_text=True)
    assert f'action="/p/storby/members/{facilitator.id}/remove"' in page
    app.config["WTF_CSRF_ENABLED"] = True
    assert client.post(f"/p/storby/members/{facilitator.id}/remove").status_code == 400
    app.config["WTF_CSRF_ENABLED"] = False
    response = client.post(f"/p/storby/members/{facilitator.id}/remove")
    assert response.status_code == 302
    html = client.get("/p/storby/").get_data(as_text=True)
    assert "Fia Fasilitator er ikke lenger medlem." in html
    assert "fasilitator@example.no" not in html.split("members-heading")[1]
    event = db.session.scalar(
        sa.select(AuditEvent).where(AuditEvent.action == "project.member_removed")
    )
    assert (event.actor_id, event.project_id, event.details) == (
        researcher.id,
        project.id,
        {"user_id": facilitator.id},
    )
    client.post("/logout")
    login(facilitator)
    assert client.get("/p/storby/").status_code == 403


def test_the_last_researcher_cannot_be_removed(client, make_user, make_project, login):
    researcher = make_user("forsker@example.no", "Ola Forsker")
    facilitator = make_user("fasilitator@example.no", "Fia Fasilitator", Role.FACILITATOR)
    admin = make_user("admin@example.no", "Ada Admin", Role.ADMIN)
    make_project("storby", members=[researcher, facilitator])
    login(admin)
    response = client.post(f"/p/storby/members/{researcher.id}/remove", follow_redirects=True)
    assert (
        "Ola Forsker er prosjektets siste forsker og kan ikke fjernes. Legg til en annen "
        "forsker først." in response.get_data(as_text=True)
    )
    assert db.session.scalar(sa.select(sa.func.count(Membership.id))) == 2
    assert not db.session.scalar(
        sa.select(AuditEvent).where(AuditEvent.action == "project.member_removed")
    )


def test_facilitators_neither_add_nor_remove_members(client, make_user, make_project, login):
    researcher = make_user("forsker@example.no", "Ola Forsker")
    facilitator = make_user("fasilitator@example.no", "Fia Fasilitator", Role.FACILITATOR)
    make_user("per@example.no", "Per Hansen")
    make_project("storby", members=[researcher, facilitator])
    login(facilitator)
    page = client.get("/p/storby/").get_data(as_text=True)
    assert "/remove" not in page and 'action="/p/storby/members"' not in page
    assert client.post("/p/storby/members", data={"email": "per@example.no"}).status_code == 403
    assert client.post(f"/p/storby/members/{researcher.id}/remove").status_code == 403
    assert db.session.scalar(sa.select(sa.func.count(Membership.id))) == 2
