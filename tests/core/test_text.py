"""Text at input (normalised, never refused) and at output (XML-safe)."""

import sqlalchemy as sa

from fieldkit.core.models import Project
from fieldkit.core.text import normalise, normalise_value, xml_safe
from fieldkit.extensions import db


def test_normalise_keeps_the_text_and_its_line_breaks():
    assert normalise("a\r\nb\rc\x0bd\x0ce") == "a\nb\nc\nd\ne"
    assert normalise("tab\tstays\nnewline stays") == "tab\tstays\nnewline stays"
    assert normalise("n\x00u\x01l\x1bl\x7f") == "null"
    assert normalise("lone \ud800 surrogate \ufffe") == "lone  surrogate "
    assert normalise("æøå – “quotes” 😀") == "æøå – “quotes” 😀"
    assert normalise_value({"a": ["x\x00", {"b": "y\x0b"}], "n": 3}) == {
        "a": ["x", {"b": "y\n"}],
        "n": 3,
    }


def test_xml_safe_keeps_what_xml_can_hold():
    assert xml_safe("linje\x0bskift\x00\x08 og\r\n\t") == "linje\nskift og\r\n\t"
    text = "vanlig tekst"
    assert xml_safe(text) is text


def test_staff_forms_store_normalised_text(client, make_user, login):
    """Every form field of every page goes through the same normalisation: here a project's
    name and description pasted from Word with a NUL (PostgreSQL would refuse it: a 500)."""
    login(make_user())
    response = client.post(
        "/projects/new",
        data={
            "name": "Evaluering\x00 av NAV",
            "slug": "nav\x00",
            "description": "Første\r\nandre\x0btredje",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    project = db.session.scalar(sa.select(Project).where(Project.slug == "nav"))
    assert project.name == "Evaluering av NAV"
    assert project.description == "Første\nandre\ntredje"


def test_a_nul_in_a_query_string_is_no_server_error(client, make_user, make_project, login):
    """``?job=%00`` is looked up in the database: PostgreSQL refused the NUL with a 500."""
    user = make_user()
    project = make_project("storby", members=[user])
    login(user)
    response = client.get(f"/p/{project.slug}/conferences/synthesis?job=%00x")
    assert response.status_code == 200
