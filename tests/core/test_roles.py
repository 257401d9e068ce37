"""The role matrix (``fieldkit.core.roles``): every route has a rule, and every rule holds.

The matrix test is derived from ``app.url_map``: each route of the app is requested, with the
ids of a real project (a survey with a case, a conference with a group), by an anonymous
visitor, a logged-in user of another project, a facilitator and a researcher of the project,
and an administrator. Forms are posted without their CSRF token, so a request that gets past
the roles stops at the CSRF check (400) and changes nothing.
"""

from __future__ import annotations

import pytest
from werkzeug.routing import AnyConverter

from fieldkit.conferences.setup import operations as conferences
from fieldkit.conferences.setup.links import active_link, token_for
from fieldkit.core.models import Role
from fieldkit.core.roles import ENDPOINTS, Rule
from fieldkit.extensions import db
from fieldkit.surveys.fieldwork import operations as surveys
from fieldkit.surveys.questionnaires import operations as questionnaires
from fieldkit.surveys.respond import links
from tests.conftest import PASSWORD
from tests.paths import FIXTURES

ROLES = ("anonymous", "non-member", "facilitator", "researcher", "admin")

#: Which rules let each role in (for a project the facilitator and researcher are members of).
ALLOWED = {
    "anonymous": {Rule.PUBLIC, Rule.TOKEN},
    "non-member": {Rule.PUBLIC, Rule.TOKEN, Rule.USER},
    "facilitator": {Rule.PUBLIC, Rule.TOKEN, Rule.USER, Rule.MEMBER},
    "researcher": {Rule.PUBLIC, Rule.TOKEN, Rule.USER, Rule.MEMBER, Rule.RESEARCHER},
    "admin": set(Rule),
}


def test_every_route_has_a_rule_and_every_rule_a_route(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert sorted(endpoints - set(ENDPOINTS)) == [], "routes without a rule in core/roles.py"
    assert sorted(set(ENDPOINTS) - endpoints) == [], "rules for routes that no longer exist"


def test_a_route_without_a_rule_is_refused_to_everyone(app, client, make_user, login):
    @app.route("/forgotten")
    def forgotten():
        return "secret"

    assert client.get("/forgotten").status_code == 403
    login(make_user("admin@example.no", role=Role.ADMIN))
    assert client.get("/forgotten").status_code == 403


@pytest.fixture
def world(app, make_user, make_project):
    """A project with a researcher and a facilitator, a survey with a case, a conference with
    a group and a participant; an administrator and a user of another project."""
    people = {
        "researcher": make_user("forsker@example.no", "Ola Forsker"),
        "facilitator": make_user("fasilitator@example.no", "Fia Fasilitator", Role.FACILITATOR),
        "non-member": make_user("annen@example.no", "Anne Annen"),
        "admin": make_user("admin@example.no", "Ada Admin", Role.ADMIN),
    }
    project = make_project("storby", members=[people["researcher"], people["facilitator"]])
    make_project("annet", "Annet prosjekt", members=[people["non-member"]])
    fixture = "ansatteskjema_storbysatsingen.yaml"
    record = questionnaires.import_questionnaire(
        project, fixture, (FIXTURES / fixture).read_bytes()
    )
    survey = surveys.create_survey(record, "Kartlegging", contact_email="ola@nibr.no")
    surveys.launch(survey)
    case = surveys.add_case(survey, "K0001", name="NAV Grünerløkka", email="k@example.no")
    conference = conferences.import_conference(
        project, FIXTURES / "dialogkonferanse_storbysatsingen.yaml"
    )
    round_ = conference.rounds[0]
    group = conferences.add_group(round_)
    participant = conferences.add_participant(conference, name="Per Deltaker")
    db.session.commit()
    definition = survey.definition
    items = list(definition.variables())
    return {
        "people": people,
        "project": project,
        "survey": survey,
        "case": case,
        "values": {
            "slug": project.slug,
            "qid": record.id,
            "sid": survey.id,
            "cid": case.id,
            "case_id": case.id,
            "conference_id": conference.id,
            "round_id": round_.id,
            "group_id": group.id,
            "participant_id": participant.id,
            "section": definition.sections[0].name,
            "item": items[0],
            "mode": "interviewer",
            "action": "eligible",
            "kind": "invitation",
            "size": "thumb",
            "filename": "css/fieldkit.css",
            "job_id": "no-such-job",
            "personal_token": links.personal_url(case).rsplit("/", 1)[1],
            "referent_token": token_for(active_link(group)),
        },
    }


def _url(rule, values: dict) -> str:
    """The address of ``rule`` with the world's ids (999999 for objects it has none of)."""
    args = {}
    for name in rule.arguments:
        converter = rule._converters.get(name)
        if isinstance(converter, AnyConverter):
            args[name] = sorted(converter.items)[0]
        elif name == "fmt":
            args[name] = "csv"
        elif name == "name":
            args[name] = "melding.eml" if rule.endpoint.startswith("core.") else values["item"]
        elif name == "token":
            args[name] = values["personal_token"]
        elif name in values:
            args[name] = values[name]
        else:
            args[name] = 999999
    url = rule.build(args, append_unknown=False)[1]
    if rule.endpoint == "referent.entry":
        url += "?t=" + values["referent_token"]
    return url


def _client_as(app, role, people, number):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = f"192.0.2.{number}"
    if role != "anonymous":
        response = client.post("/login", data={"email": people[role].email, "password": PASSWORD})
        assert response.status_code == 302
    return client


def _request(client, rule, url):
    if "GET" in rule.methods:
        return client.get(url)
    return client.post(url)


def _refused(response) -> bool:
    login = response.status_code == 302 and response.headers["Location"].startswith("/login")
    return response.status_code == 403 or login


def test_every_route_admits_exactly_the_roles_of_its_rule(app, world):
    clients = {
        role: _client_as(app, role, world["people"], number)
        for number, role in enumerate(ROLES, start=10)
    }
    app.config["WTF_CSRF_ENABLED"] = True  # after logging in: forms now need their token
    rules = sorted(app.url_map.iter_rules(), key=lambda r: (r.endpoint, r.rule))
    wrong = []
    for rule in rules:
        url = _url(rule, world["values"])
        expected_rule = ENDPOINTS[rule.endpoint]
        statuses = {}
        for role in ROLES:
            response = _request(clients[role], rule, url)
            statuses[role] = response.status_code
            allowed = expected_rule in ALLOWED[role]
            if response.status_code >= 500:
                wrong.append((rule.endpoint, url, role, response.status_code))
            elif allowed == _refused(response):
                wrong.append((rule.endpoint, url, role, response.status_code, response.location))
            elif not allowed and role == "anonymous" and response.status_code != 302:
                wrong.append((rule.endpoint, url, role, "not sent to login"))
        if expected_rule == Rule.TOKEN:
            # The token decides, not who is logged in: every role gets what anonymous gets.
            assert len(set(statuses.values())) == 1, (rule.endpoint, statuses)
    assert wrong == []


FACILITATOR_REFUSED = [
    "/surveys/{sid}/",
    "/surveys/{sid}/cases",
    "/surveys/{sid}/cases/{cid}",
    "/surveys/{sid}/mail",
    "/surveys/{sid}/mail/texts",
    "/surveys/{sid}/frame",
    "/surveys/{sid}/dashboard",
    "/surveys/{sid}/rates.csv",
    "/surveys/{sid}/results/cleaning",
    "/questionnaires/{qid}/",
]
FACILITATOR_ALLOWED = [
    "/",
    "/conferences/{conference_id}/",
    "/conferences/{conference_id}/live",
    "/conferences/{conference_id}/participants",
    "/conferences/{conference_id}/groups/{group_id}/",
    "/conferences/{conference_id}/summary",
    "/conferences/synthesis",
    "/surveys/{sid}/results",
]


def test_facilitators_run_conferences_but_see_no_cases_links_exports_or_mail(
    app, client, world, login
):
    login(world["people"]["facilitator"])
    values = world["values"]
    base = "/p/storby"
    for path in FACILITATOR_REFUSED:
        assert client.get(base + path.format(**values)).status_code == 403, path
    assert client.post(f"{base}/surveys/{values['sid']}/results/export").status_code == 403
    assert (
        client.post(f"{base}/surveys/{values['sid']}/cases/{values['cid']}/enter/paper").status_code
        == 403
    )
    assert client.post(f"{base}/members", data={"email": "x@example.no"}).status_code == 403
    for path in FACILITATOR_ALLOWED:
        assert client.get(base + path.format(**values)).status_code == 200, path
    page = client.get(f"{base}/").get_data(as_text=True)
    assert "Kartlegging" in page
    assert f"/surveys/{values['sid']}/results" in page  # the survey links to its tables
    assert f'/surveys/{values["sid"]}/"' not in page
    assert "Ny undersøkelse" not in page and "Legg til medlem" not in page
    results = client.get(f"{base}/surveys/{values['sid']}/results").get_data(as_text=True)
    assert "<h2>Tabeller</h2>" in results
    assert "Datarensing" not in results and "/results/export" not in results
    assert "/results/new-wave" not in results and "/results/report" not in results


def test_new_role_checks_do_not_hide_pages_from_the_researcher(app, client, world, login):
    login(world["people"]["researcher"])
    values = world["values"]
    for path in FACILITATOR_REFUSED + FACILITATOR_ALLOWED:
        url = ("/p/storby" + path if path != "/" else path).format(**values)
        assert client.get(url).status_code == 200, url
    page = client.get("/p/storby/").get_data(as_text=True)
    assert "Ny undersøkelse" in page and "Legg til medlem" in page
    results = client.get(f"/p/storby/surveys/{values['sid']}/results").get_data(as_text=True)
    assert "Datarensing" in results and "/results/export" in results
