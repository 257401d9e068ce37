"""A researcher previews a questionnaire page by page, as a respondent; nothing is stored."""

import re

import sqlalchemy as sa

from fieldkit.core.models import AuditEvent
from fieldkit.extensions import db
from fieldkit.surveys.models import QuestionnaireVersion


def text(response) -> str:
    return response.get_data(as_text=True)


def test_overview_links_to_the_preview_and_it_welcomes(client, preview):
    overview = text(client.get(preview.removesuffix("preview")))
    assert f'href="{preview}">Forhåndsvis som respondent</a>' in overview
    html = text(client.get(preview))
    assert "<h1>Spørreskjema til ansatte i Aetat og sosialtjenesten</h1>" in html
    assert "Skjemaet fylles ut av en saksbehandler" in html
    assert f'href="{preview}/page/om_kontoret">Start</a>' in html
    assert 'href="/static/js/surveys/items.js"' not in html  # scripts are <script src>
    assert '<script src="/static/js/surveys/items.js"></script>' in html
    assert "<script>" not in html and "style=" not in html


def test_only_project_members_preview(client, preview, make_user, login):
    outsider = make_user("ola@example.no")
    client.post("/logout")
    assert client.get(preview).status_code == 302  # to the login page
    login(outsider)
    assert client.get(preview).status_code == 403
    assert client.get(preview + "/page/om_kontoret").status_code == 403


def test_a_page_with_mistakes_is_shown_again_with_a_summary(client, preview):
    response = client.post(
        preview + "/page/om_kontoret",
        data={"q3": "2,5,0", "q5": "17/5", "_shown": "intro_note q1 q2 q3 q4 q5"},
    )
    assert response.status_code == 422
    html = text(response)
    assert "<title>Feil: Forhåndsvisning" in html
    start = html.index('id="error-summary"')
    summary = html[start : html.index("</ul>", start)]
    assert re.findall(r'<a href="#([^"]+)">', summary) == ["f-q1--1-choice", "f-q3", "f-q5"]
    assert "1. Hvilken etat arbeider du i? – Svar på dette spørsmålet." in summary
    assert "Datoen må skrives som dd.mm.åååå." in summary
    # The message is tied to its field, and what was typed is shown again.
    assert 'value="2,5,0" name="q3" id="f-q3" aria-describedby="f-q3-error f-q3-unit"' in html
    assert '<p class="error-message" id="f-q3-error">' in html


def walk_staff_form(client, preview):
    first = client.post(
        preview + "/page/om_kontoret",
        data={
            "q1": "2",
            "q3": "2,5",
            "q4": "40",
            "q5": "01.03.2003",
            "_shown": "intro_note q1 q2 q3 q4 q5",
        },
    )
    assert first.headers["Location"] == preview + "/page/samarbeid"
    second = client.post(
        preview + "/page/samarbeid",
        data={"q6_aetat": "2", "q8": "moter", "q10": "7", "q11": "4", "_shown": "q6 q7 q8"},
    )
    assert second.status_code == 200  # q9, q10, q11 are not hidden, but were not "seen"
    second = client.post(
        preview + "/page/samarbeid",
        data={
            "q6_aetat": "2",
            "q8": "moter",
            "q10": "7",
            "q11": "4",
            "_shown": "q6 q7 q8 q9 q10 q11",
        },
    )
    assert second.headers["Location"] == preview + "/page/tiltaksarrangorer"
    return second


def test_answering_the_whole_form_with_skip_logic_then_review_and_finish(client, preview):
    walk_staff_form(client, preview)
    page = text(client.get(preview + "/page/tiltaksarrangorer"))
    assert "Side 3 av 4" in page
    # q13-q15 depend on q12: rendered hidden, with their inputs disabled.
    assert re.search(r'id="item-q13"[^>]*data-relevant=\'\["cmp", "=", \["var", "q12"\]', page)
    assert re.search(r'id="item-q13"[^>]*hidden>', page)
    assert 'name="q13.1.navn" id="f-q13--1--navn" value="" autocomplete="off" maxlength' in page
    assert re.search(r'name="q13\.1\.navn"[^>]* disabled>', page)

    third = client.post(preview + "/page/tiltaksarrangorer", data={"q12": "2", "_shown": "q12"})
    assert third.headers["Location"] == preview + "/page/vurdering"
    last = text(client.get(preview + "/page/vurdering"))
    assert "Side 4 av 4" in last
    # q17 shows only when q8 has "annet".
    assert re.search(r'id="item-q17"[^>]*hidden>', last)
    fourth = client.post(
        preview + "/page/vurdering", data={"q16": "2", "q18": "Ingen", "_shown": "q16 q18"}
    )
    assert fourth.headers["Location"] == preview + "/review"

    review = text(client.get(preview + "/review"))
    assert "<h1>Se over svarene dine</h1>" in review
    for line in (
        "Sosialtjenesten",
        "2,5 årsverk",
        "40 deltakere",
        "01.03.2003",
        "Aetat: Ofte",
        "Faste møter",
        "4 / 10",
        "Ganske høy",
        "Ingen",
    ):
        assert f'<span class="review-line">{line}</span>' in review, line
    assert "Hvilke tiltak har deltakerne brukt" in review  # unanswered, but listed
    assert "Ikke besvart" in review
    assert "Før opp de viktigste tiltaksarrangørene" not in review  # hidden by q12

    done = client.post(preview + "/review")
    assert done.headers["Location"] == preview + "/done"
    assert "Takk for svarene dine" in text(client.get(preview + "/done"))
    # Nothing went to the database: the version is not frozen and nothing was audited.
    assert db.session.scalar(sa.select(QuestionnaireVersion.frozen_at)) is None
    actions = db.session.scalars(sa.select(AuditEvent.action)).all()
    assert [a for a in actions if not a.startswith(("user.", "project."))] == [
        "questionnaire.created"
    ]


def test_without_javascript_the_server_opens_questions_on_the_same_page(client, preview):
    walk_staff_form(client, preview)
    response = client.post(preview + "/page/tiltaksarrangorer", data={"q12": "1", "_shown": "q12"})
    assert response.status_code == 200
    html = text(response)
    assert "Svarene dine har åpnet flere spørsmål på denne siden." in html
    assert not re.search(r'id="item-q13"[^>]*hidden>', html)
    assert not re.search(r'id="item-q14"[^>]*hidden>', html)
    assert re.search(r'id="item-q15"[^>]*hidden>', html)
    assert '<input type="hidden" name="_shown" value="q12 q13 q14" data-shown-field>' in html
    going_on = client.post(
        preview + "/page/tiltaksarrangorer",
        data={"q12": "1", "q13.1.navn": "Fretex", "q14": "1", "_shown": "q12 q13 q14"},
    )
    assert going_on.headers["Location"] == preview + "/page/vurdering"


def test_back_keeps_the_answers_and_reset_forgets_them(client, preview):
    walk_staff_form(client, preview)
    back = client.post(
        preview + "/page/tiltaksarrangorer",
        data={"q12": "2", "action": "back", "_shown": "q12"},
    )
    assert back.headers["Location"] == preview + "/page/samarbeid"
    html = text(client.get(preview + "/page/samarbeid"))
    assert 'name="q8" value="moter" id="f-q8--moter-choice" checked>' in html
    html = text(client.get(preview + "/page/om_kontoret"))
    assert 'value="2,5" name="q3"' in html
    assert 'value="01.03.2003" name="q5"' in html
    client.post(preview + "/reset")
    html = text(client.get(preview + "/page/om_kontoret"))
    assert 'value="" name="q3"' in html


def test_the_language_is_chosen_among_the_questionnaires(client, preview):
    html = text(client.get(preview + "/page/om_kontoret"))
    for code in ("nb", "nn", "en"):
        assert f'name="language" value="{code}"' in html
    client.post(preview + "/language", data={"language": "en", "here": "om_kontoret"})
    response = client.post(
        preview + "/page/om_kontoret", data={"_shown": "intro_note q1 q2 q3 q4 q5"}
    )
    html = text(response)
    assert '<html lang="en">' in html
    assert "Page 1 of 4" in html
    assert "1. Which agency do you work in?" in html
    assert "Answer this question." in html
    client.post(preview + "/language", data={"language": "sv", "here": "om_kontoret"})
    assert "Page 1 of 4" in text(client.get(preview + "/page/om_kontoret"))
    redirect = client.post(preview + "/language", data={"language": "nn", "here": "//evil.example"})
    assert redirect.headers["Location"] == preview
    assert "Side 1 av 4" in text(client.get(preview + "/page/om_kontoret"))
    assert "Kva etat arbeider du i?" in text(client.get(preview + "/page/om_kontoret"))


def test_the_participant_form_previews_with_its_grids(client, make_user, make_project, login):
    from fieldkit.surveys.questionnaires import operations as questionnaires
    from tests.surveys.respond.conftest import PARTICIPANT

    user = make_user("ola@example.no")
    project = make_project("deltaker", members=[user])
    record = questionnaires.import_questionnaire(
        project, "deltakerskjema.yaml", PARTICIPANT.read_bytes(), actor=user
    )
    db.session.commit()
    login(user)
    url = f"/p/deltaker/questionnaires/{record.id}/preview"
    html = text(client.get(url + "/page/s1"))
    assert "Side 1 av 1" in html
    assert '<th scope="col">ganske fornøyd</th>' in html
    assert 'name="q9_2" value="3" id="f-q9_2--3-choice"' in html
    assert '<span class="unit" id="f-q1-unit">år</span>' in html
    response = client.post(
        url + "/page/s1",
        data={
            "q1": "34",
            "q2": "2",
            "q9_1": "3",
            "q10_5": "1",
            "_shown": "q1 q2 q3 q4 q5 q6 q7 q8 q9 q10",
        },
    )
    assert response.headers["Location"] == url + "/review"
    review = text(client.get(url + "/review"))
    for line in ("34 år", "kvinne", "Aetat: ganske fornøyd", "Min livsglede er ...: BEDRE"):
        assert f'<span class="review-line">{line}</span>' in review, line


def test_long_texts_that_do_not_fit_the_session_cookie_are_left_out_with_a_warning(client, preview):
    walk_staff_form(client, preview)
    client.post(preview + "/page/tiltaksarrangorer", data={"q12": "2", "_shown": "q12"})
    long_text = "".join(f"{n} ord " for n in range(1200))  # about 8 000 characters
    response = client.post(
        preview + "/page/vurdering",
        data={"q16": "1", "q18": long_text, "_shown": "q16 q18"},
        follow_redirects=True,
    )
    html = text(response)
    assert "disse lange tekstene ble ikke tatt vare på: q18." in html
    assert "Ganske høy" not in html and "Svært høy" in html  # q16 was kept
    assert "Andre kommentarer" in html and "Ikke besvart" in html
