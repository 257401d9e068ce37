"""Logging in and out, and who may see which project."""

from datetime import timedelta

import sqlalchemy as sa

from fieldkit.core import ratelimit
from fieldkit.core.models import AuditEvent, Membership, Role, User, utcnow
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


def test_logout_ends_a_copied_session_cookie(app, client, make_user, login):
    """A session cookie copied before logout (another tab, a shared computer, a thief) does
    not open anything after it."""
    user = make_user()
    login(user)
    copied = client.get_cookie("session").value
    thief = app.test_client()
    thief.set_cookie("session", copied)
    assert thief.get("/").status_code == 200
    assert client.post("/logout").status_code == 302
    replayed = thief.get("/")
    assert replayed.status_code == 302
    assert replayed.headers["Location"].startswith("/login")
    # Logging in again gives a session that works, and the old copy still does not.
    login(user)
    assert client.get("/").status_code == 200
    assert thief.get("/").status_code == 302


def test_changing_the_password_refuses_easy_ones_and_ends_other_sessions(
    app, client, make_user, login
):
    user = make_user("kari@example.no", name="Kari Nordmann")
    login(user)
    copied = client.get_cookie("session").value
    other_device = app.test_client()
    other_device.set_cookie("session", copied)
    page = client.get("/account/password")
    assert page.status_code == 200
    assert "Bytt passord" in page.get_data(as_text=True)

    def change(current, new, repeated=None):
        data = {"current_password": current, "new_password": new, "repeated": repeated or new}
        return client.post("/account/password", data=data)

    for easy, message in [
        ("passord123", "Dette passordet er blant de vanligste passordene"),
        ("sommer2024", "Dette passordet er blant de vanligste passordene"),
        ("kort", "minst 10 tegn"),
        ("kari nordmann", "Passordet kan ikke være e-postadressen eller navnet ditt."),
        ("kari@example.no", "Passordet kan ikke være e-postadressen eller navnet ditt."),
    ]:
        refused = change(PASSWORD, easy)
        assert refused.status_code == 422
        assert message in refused.get_data(as_text=True)
    assert change("gjetning", "tre tilfeldige ord").status_code == 422
    assert change(PASSWORD, "tre tilfeldige ord", "noe annet").status_code == 422
    assert other_device.get("/").status_code == 200  # nothing changed yet
    done = change(PASSWORD, "tre tilfeldige ord")
    assert done.status_code == 302
    assert client.get("/").status_code == 200  # this session goes on
    assert other_device.get("/").status_code == 302  # the other one has ended
    client.post("/logout")
    assert (
        client.post("/login", data={"email": user.email, "password": PASSWORD}).status_code == 422
    )
    login(user, "tre tilfeldige ord")


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
    for number in range(30):
        guess = {"email": f"gjest{number}@example.no", "password": "gjetning"}
        assert client.post("/login", data=guess).status_code == 422
    blocked = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert blocked.status_code == 429
    assert "For mange mislykkede forsøk fra denne forbindelsen" in blocked.get_data(as_text=True)
    assert client.get("/").status_code == 302  # not logged in
    # Another address is not limited by this one's failures.
    other = app.test_client()
    other.environ_base["REMOTE_ADDR"] = "192.0.2.7"
    wrong = other.post("/login", data={"email": user.email, "password": "gjetning"})
    assert wrong.status_code == 422
    right = other.post("/login", data={"email": user.email, "password": PASSWORD})
    assert right.status_code == 302
    assert other.get("/").status_code == 200  # logged in


def test_failed_logins_slow_down_one_account_from_every_client(app, make_user, monkeypatch):
    """Five wrong passwords for one e-mail address (from any clients) make that address wait
    15 minutes, right password or not; an unknown address gets the very same answer."""
    user = make_user("kari@example.no")
    make_user("ola@example.no")
    for number in range(5):
        guesser = app.test_client()
        guesser.environ_base["REMOTE_ADDR"] = f"192.0.2.{number + 10}"
        wrong = {"email": "Kari@Example.no", "password": f"gjetning{number}"}
        assert guesser.post("/login", data=wrong).status_code == 422
        unknown = {"email": "finnes.ikke@example.no", "password": f"gjetning{number}"}
        assert guesser.post("/login", data=unknown).status_code == 422
    owner = app.test_client()
    owner.environ_base["REMOTE_ADDR"] = "198.51.100.20"
    refused = owner.post("/login", data={"email": user.email, "password": PASSWORD})
    assert refused.status_code == 429
    text = refused.get_data(as_text=True)
    assert "For mange mislykkede forsøk med denne e-postadressen. Vent 15 minutter" in text
    assert owner.get("/").status_code == 302  # not logged in
    unknown = owner.post("/login", data={"email": "finnes.ikke@example.no", "password": "x"})
    assert unknown.status_code == 429
    assert unknown.get_data(as_text=True) == text.replace(user.email, "finnes.ikke@example.no")
    # Other accounts, from the same clients, are not slowed down.
    other = owner.post("/login", data={"email": "ola@example.no", "password": PASSWORD})
    assert other.status_code == 302
    later = utcnow() + timedelta(minutes=16)
    monkeypatch.setattr(ratelimit, "utcnow", lambda: later)
    again = app.test_client()
    again.environ_base["REMOTE_ADDR"] = "198.51.100.20"
    assert again.post("/login", data={"email": user.email, "password": PASSWORD}).status_code == 302


def _fail_logins(app, user, times, **environ):
    """``times`` failed logins, each with another address (no account is slowed down)."""
    client = app.test_client()
    client.environ_base.update(environ)
    for number in range(times):
        client.post("/login", data={"email": f"gjest{number}@example.no", "password": "gjetning"})
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
        _fail_logins(app, user, 30, **proxy, HTTP_X_FORWARDED_FOR="198.51.100.4")
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
    for number in range(30):
        client.environ_base["HTTP_X_FORWARDED_FOR"] = f"10.0.0.{number}"
        client.post("/login", data={"email": f"gjest{number}@example.no", "password": "x"})
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
