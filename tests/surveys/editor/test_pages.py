"""The editor's pages through the test client: create, edit, refuse, version, reorder, delete."""

import re
from html import unescape

import pytest
import sqlalchemy as sa

from fieldkit.core.models import AuditEvent
from fieldkit.extensions import db
from fieldkit.surveys.models import Questionnaire, QuestionnaireVersion
from fieldkit.surveys.questionnaires import definition
from fieldkit.surveys.questionnaires import operations as questionnaires
from tests.paths import FIXTURES

FIXTURES = FIXTURES
STAFF = FIXTURES / "ansatteskjema_storbysatsingen.yaml"
PARTICIPANT = FIXTURES / "deltakerskjema_storbysatsingen.yaml"


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def form_data(html: str) -> dict:
    """What the browser would send for the page's form as it stands (ticked boxes only)."""
    data = {}
    for tag in re.findall(r"<input[^>]*>", html):
        name = re.search(r'name="([^"]+)"', tag)
        value = re.search(r'value="([^"]*)"', tag)
        if not name or name.group(1) == "csrf_token":
            continue
        if 'type="checkbox"' in tag and " checked" not in tag:
            continue
        data[name.group(1)] = unescape(value.group(1)) if value else ""
    for name, text in re.findall(
        r'<textarea[^>]*name="([^"]+)"[^>]*>\r?\n?([^<]*)</textarea>', html
    ):
        data[name] = unescape(text)
    for name, options in re.findall(r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', html):
        selected = re.search(r'<option selected value="([^"]*)"', options)
        first = re.search(r'<option value="([^"]*)"', options)
        data[name] = unescape((selected or first).group(1))
    return data


def new_questionnaire(client, **extra) -> Questionnaire:
    data = {"languages": ["nb", "en"], "title_nb": "Ansatteskjema", "title_en": "Staff form"}
    data.update(extra)
    response = client.post("/p/storby/questionnaires/new", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)
    record = db.session.scalars(sa.select(Questionnaire).order_by(Questionnaire.id.desc())).first()
    assert response.headers["Location"] == f"/p/storby/questionnaires/{record.id}/edit/"
    return record


def current(record) -> definition.Questionnaire:
    db.session.expire_all()
    return db.session.get(Questionnaire, record.id).current.definition


def test_links_lead_to_the_editor(client, make_user, make_project, login):
    user = make_user()
    make_project("storby", members=[user])
    login(user)
    html = client.get("/p/storby/").get_data(as_text=True)
    assert 'href="/p/storby/questionnaires/new">Nytt spørreskjema</a>' in html
    record = new_questionnaire(client)
    overview = client.get(f"/p/storby/questionnaires/{record.id}/").get_data(as_text=True)
    assert f'href="/p/storby/questionnaires/{record.id}/edit/">Rediger spørreskjema</a>' in overview


def test_create_a_questionnaire_from_scratch(client, make_user, make_project, login):
    user = make_user()
    make_project("storby", members=[user])
    login(user)
    empty = client.post("/p/storby/questionnaires/new", data={"languages": ["nn"]})
    assert empty.status_code == 422
    assert "Oppgi tittelen i hvert fall på det første språket som tilbys." in empty.get_data(
        as_text=True
    )
    assert count(Questionnaire) == 0
    record = new_questionnaire(client, intro_nb="Velkommen")
    assert record.title == "Ansatteskjema"
    assert definition.to_dict(current(record)) == {
        "format": "fieldkit-questionnaire/1",
        "title": {"nb": "Ansatteskjema", "en": "Staff form"},
        "languages": ["nb", "en"],
        "instruction": "Velkommen",
        "sections": [{"name": "s1", "questions": []}],
    }
    page = client.get(f"/p/storby/questionnaires/{record.id}/edit/").get_data(as_text=True)
    assert "Ingen spørsmål i denne delen ennå." in page
    assert "ingen svar ennå: endringer lagres i denne versjonen" in page


def test_add_and_edit_a_single_choice_with_annet(client, make_user, make_project, login):
    user = make_user()
    make_project("storby", members=[user])
    login(user)
    record = new_questionnaire(client)
    form = client.get(
        f"/p/storby/questionnaires/{record.id}/edit/new-item?section=s1&type=single"
    ).get_data(as_text=True)
    assert "Nytt spørsmål: Ett valg" in form
    assert 'id="choices-2-code"' in form and 'id="choices-3-code"' not in form
    response = client.post(
        f"/p/storby/questionnaires/{record.id}/edit/new-item?section=s1&type=single",
        data={
            "type": "single",
            "number": "2",
            "name": "stilling",
            "label_nb": "Hva er din stilling?",
            "label_en": "What is your position?",
            "required": "y",
            "layout": "vertical",
            "choice_list": "",
            "choices-0-code": "",
            "choices-0-label_nb": "Saksbehandler",
            "choices-1-code": "",
            "choices-1-label_nb": "Leder",
            "choices-2-code": "9",
            "choices-2-label_nb": "Annet, i så fall hva",
            "choices-2-other": "y",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    assert response.headers["Location"].endswith("/edit/#item-stilling")
    item = current(record).item("stilling")
    assert definition.to_dict(current(record))["sections"][0]["questions"] == [
        {
            "no": "2",
            "name": "stilling",
            "type": "single",
            "text": {"nb": "Hva er din stilling?", "en": "What is your position?"},
            "required": True,
            "options": [
                {"code": "1", "label": "Saksbehandler"},
                {"code": "2", "label": "Leder"},
                {"code": "9", "label": "Annet, i så fall hva", "other": True},
            ],
        }
    ]
    edit_page = client.get(f"/p/storby/questionnaires/{record.id}/edit/items/stilling")
    html = edit_page.get_data(as_text=True)
    assert 'value="Saksbehandler"' in html and 'id="choices-5-code"' in html
    assert item.choices[2].other is True


def test_a_broken_condition_shows_its_message_and_changes_nothing(
    client, make_user, make_project, login
):
    user = make_user()
    project = make_project("storby", members=[user])
    login(user)
    record = questionnaires.import_questionnaire(
        project, "staff.yaml", STAFF.read_bytes(), actor=user
    )
    db.session.commit()
    before = record.current.definition_json
    events = count(AuditEvent)
    edit = client.get(f"/p/storby/questionnaires/{record.id}/edit/items/q2")
    assert edit.status_code == 200
    html = edit.get_data(as_text=True)
    data = form_data(html)
    data.update(type="single", layout="vertical", choice_list="", relevant="${q1} = = '1'")
    response = client.post(f"/p/storby/questionnaires/{record.id}/edit/items/q2", data=data)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert '<a href="#relevant">Vises bare når: uventet «=» i «${q1} = = &#39;1&#39;»</a>' in page
    assert re.search(
        r'<input aria-describedby="relevant-hint relevant-error" aria-invalid="true"', page
    )
    data["relevant"] = "${q4} > 3"
    later = client.post(f"/p/storby/questionnaires/{record.id}/edit/items/q2", data=data)
    assert later.status_code == 422
    assert (
        '<p class="error-message" id="relevant-error">viser til «q4», som ikke er et spørsmål '
        "foran dette</p>" in later.get_data(as_text=True)
    )
    db.session.expire_all()
    assert db.session.get(Questionnaire, record.id).current.definition_json == before
    assert count(QuestionnaireVersion) == 1
    assert count(AuditEvent) == events


def test_wording_fix_and_structural_change_after_answers(client, make_user, make_project, login):
    user = make_user()
    project = make_project("storby", members=[user])
    login(user)
    record = questionnaires.import_questionnaire(
        project, "staff.yaml", STAFF.read_bytes(), actor=user
    )
    questionnaires.freeze(record.current)
    db.session.commit()
    page = client.get(f"/p/storby/questionnaires/{record.id}/edit/").get_data(as_text=True)
    assert "har svar: språkrettinger blir i denne versjonen" in page
    wording = client.post(
        f"/p/storby/questionnaires/{record.id}/edit/sections/om_kontoret",
        data={
            "name": "om_kontoret",
            "title_nb": "Om kontoret ditt",
            "title_nn": "Om kontoret",
            "title_en": "About the office",
        },
        follow_redirects=True,
    )
    assert "Språkrettingen er lagret i versjon 1, som har svar" in wording.get_data(as_text=True)
    assert current(record).sections[0].title["nb"] == "Om kontoret ditt"
    assert count(QuestionnaireVersion) == 1
    actions = db.session.scalars(sa.select(AuditEvent.action)).all()
    assert "questionnaire.wording_fixed" in actions
    moved = client.post(
        f"/p/storby/questionnaires/{record.id}/edit/move",
        data={"kind": "item", "name": "q5", "direction": "up"},
        follow_redirects=True,
    )
    assert "så den ble lagret som en ny versjon 2" in moved.get_data(as_text=True)
    assert count(QuestionnaireVersion) == 2
    db.session.expire_all()
    record = db.session.get(Questionnaire, record.id)
    assert [i.name for i in record.versions[0].definition.sections[0].items][-2:] == ["q4", "q5"]
    assert [i.name for i in record.current.definition.sections[0].items][-2:] == ["q5", "q4"]


def test_delete_asks_first(client, make_user, make_project, login):
    user = make_user()
    project = make_project("storby", members=[user])
    login(user)
    record = questionnaires.import_questionnaire(
        project, "staff.yaml", STAFF.read_bytes(), actor=user
    )
    db.session.commit()
    confirm = client.get(f"/p/storby/questionnaires/{record.id}/edit/items/q5/delete")
    assert "Slette spørsmål q5?" in confirm.get_data(as_text=True)
    assert current(record).item("q5") is not None
    client.post(f"/p/storby/questionnaires/{record.id}/edit/items/q5/delete")
    assert current(record).item("q5") is None
    refused = client.post(f"/p/storby/questionnaires/{record.id}/edit/items/q12/delete")
    assert refused.status_code == 422
    assert (
        "Ikke lagret: spørsmål q13, vilkår: viser til «q12», som ikke er et spørsmål foran dette"
        in refused.get_data(as_text=True)
    )
    assert current(record).item("q12") is not None


def test_shared_choice_list_is_created_and_reused(client, make_user, make_project, login):
    user = make_user()
    make_project("storby", members=[user])
    login(user)
    record = new_questionnaire(client)
    url = f"/p/storby/questionnaires/{record.id}/edit/new-list"
    response = client.post(
        url,
        data={
            "name": "enighet",
            "choices-0-label_nb": "Helt enig",
            "choices-1-label_nb": "Helt uenig",
            "choices-2-code": "9",
            "choices-2-label_nb": "Vet ikke",
            "choices-2-nonsubstantive": "y",
        },
    )
    assert response.status_code == 302
    client.post(
        f"/p/storby/questionnaires/{record.id}/edit/new-item?section=s1&type=grid_single",
        data={
            "type": "grid_single",
            "name": "q7",
            "label_nb": "Hvor enig er du?",
            "layout": "horizontal",
            "choice_list": "enighet",
            "rows-0-label_nb": "Tiltakene virker",
            "rows-1-label_nb": "Andre? Hvilke",
            "rows-1-other": "y",
        },
    )
    q = current(record)
    assert q.item("q7").choice_list == "enighet"
    assert [(r.name, r.other) for r in q.item("q7").rows] == [("q7_1", False), ("q7_2", True)]
    assert definition.to_dict(q)["choice_lists"] == {
        "enighet": [
            {"code": "1", "label": "Helt enig"},
            {"code": "2", "label": "Helt uenig"},
            {"code": "9", "label": "Vet ikke", "nonsubstantive": True},
        ]
    }
    delete_url = f"/p/storby/questionnaires/{record.id}/edit/lists/enighet/delete"
    confirm = client.get(delete_url).get_data(as_text=True)
    assert "Slette svarlisten enighet?" in confirm and "Brukes av: q7." in confirm
    refused = client.post(delete_url)
    assert refused.status_code == 422
    assert "Svarlisten «enighet» brukes av q7" in refused.get_data(as_text=True)
    client.post(f"/p/storby/questionnaires/{record.id}/edit/items/q7/delete")
    assert client.post(delete_url).status_code == 302
    assert current(record).choice_lists == {}


def test_only_members_reach_the_editor(client, make_user, make_project, login):
    member, stranger = make_user(), make_user()
    project = make_project("storby", members=[member])
    record = questionnaires.import_questionnaire(
        project, "staff.yaml", STAFF.read_bytes(), actor=member
    )
    db.session.commit()
    login(stranger)
    for url in (
        "/p/storby/questionnaires/new",
        f"/p/storby/questionnaires/{record.id}/edit/",
        f"/p/storby/questionnaires/{record.id}/edit/items/q1",
    ):
        assert client.get(url).status_code == 403
    assert (
        client.post(f"/p/storby/questionnaires/{record.id}/edit/items/q1/delete").status_code == 403
    )
    assert current(record).item("q1") is not None


@pytest.mark.parametrize("fixture", [STAFF, PARTICIPANT], ids=lambda p: p.stem)
def test_saving_every_item_unchanged_keeps_the_definition(
    client, make_user, make_project, login, fixture
):
    """The item form shows everything an item holds: saving it as shown changes nothing."""
    user = make_user()
    project = make_project("storby", members=[user])
    login(user)
    record = questionnaires.import_questionnaire(
        project, fixture.name, fixture.read_bytes(), actor=user
    )
    db.session.commit()
    before = definition.dump(record.current.definition)
    names = [item.name for _s, item in record.current.definition.items()]
    for name in names:
        url = f"/p/storby/questionnaires/{record.id}/edit/items/{name}"
        response = client.post(url, data=form_data(client.get(url).get_data(as_text=True)))
        assert response.status_code == 302, (name, response.get_data(as_text=True)[-3000:])
    assert definition.dump(current(record)) == before
    assert count(QuestionnaireVersion) == 1


def test_table_fraction_and_numbers_with_decimal_comma(client, make_user, make_project, login):
    user = make_user()
    make_project("storby", members=[user])
    login(user)
    record = new_questionnaire(client)
    base = f"/p/storby/questionnaires/{record.id}/edit/new-item?section=s1"
    table = client.post(
        f"{base}&type=table",
        data={
            "type": "table",
            "name": "arrangorer",
            "label_nb": "Tiltaksarrangører",
            "row_count": "5",
            "columns-0-name": "navn",
            "columns-0-type": "text",
            "columns-0-label_nb": "Navn",
            "columns-1-name": "plasser",
            "columns-1-type": "integer",
            "columns-1-label_nb": "Plasser",
            "columns-1-unit_nb": "plasser",
        },
    )
    assert table.status_code == 302, table.get_data(as_text=True)
    decimal = client.post(
        f"{base}&type=decimal",
        data={
            "type": "decimal",
            "name": "arsverk",
            "label_nb": "Hvor mange årsverk?",
            "unit_nb": "årsverk",
            "minimum": "0",
            "maximum": "12,5",
            "soft_required": "y",
            "constraint": ". >= 0",
            "constraint_message_nb": "Oppgi et tall fra 0.",
        },
    )
    assert decimal.status_code == 302, decimal.get_data(as_text=True)
    fraction = client.post(
        f"{base}&type=fraction", data={"type": "fraction", "name": "andel", "denominator": "10"}
    )
    assert fraction.status_code == 302
    assert definition.to_dict(current(record))["sections"][0]["questions"] == [
        {
            "name": "arrangorer",
            "type": "table",
            "text": "Tiltaksarrangører",
            "columns": [
                {"name": "navn", "label": "Navn", "type": "text"},
                {"name": "plasser", "label": "Plasser", "type": "integer", "unit": "plasser"},
            ],
            "row_count": 5,
        },
        {
            "name": "arsverk",
            "type": "decimal",
            "text": "Hvor mange årsverk?",
            "soft_required": True,
            "unit": "årsverk",
            "min": 0,
            "max": 12.5,
            "constraint": ". >= 0",
            "constraint_message": "Oppgi et tall fra 0.",
        },
        {"name": "andel", "type": "fraction", "denominator": 10},
    ]
    page = client.get(f"/p/storby/questionnaires/{record.id}/edit/items/arsverk")
    assert 'value="12,5"' in page.get_data(as_text=True)
    bad = client.post(
        f"{base}&type=integer", data={"type": "integer", "name": "antall", "minimum": "tolv"}
    )
    assert bad.status_code == 422
    assert "«tolv» er ikke et tall." in bad.get_data(as_text=True)
    no_columns = client.post(
        f"{base}&type=table", data={"type": "table", "name": "tom", "row_count": "3"}
    )
    assert no_columns.status_code == 422
    assert "Ikke lagret: spørsmål tom, kolonner: oppgi minst én kolonne" in (
        no_columns.get_data(as_text=True)
    )
    assert [i.name for _s, i in current(record).items()] == ["arrangorer", "arsverk", "andel"]


def test_settings_add_a_language_and_texts_follow(client, make_user, make_project, login):
    user = make_user()
    make_project("storby", members=[user])
    login(user)
    record = new_questionnaire(client)
    url = f"/p/storby/questionnaires/{record.id}/edit/settings"
    response = client.post(
        url,
        data={
            "languages": ["nb", "nn", "en"],
            "title_nb": "Ansatteskjema",
            "title_nn": "Tilsetteskjema",
            "title_en": "Staff form",
        },
    )
    assert response.status_code == 302
    q = current(record)
    assert q.languages == ["nb", "nn", "en"]
    assert q.title == {"nb": "Ansatteskjema", "nn": "Tilsetteskjema", "en": "Staff form"}
    new_item = client.get(
        f"/p/storby/questionnaires/{record.id}/edit/new-item?section=s1&type=text"
    ).get_data(as_text=True)
    assert 'for="label_nn">Tekst (nynorsk)</label>' in new_item
    # Offering fewer languages keeps the texts already written in the others.
    client.post(url, data={"languages": ["nb"], "title_nb": "Ansatteskjema"})
    q = current(record)
    assert q.languages == ["nb"]
    assert q.title == {"nb": "Ansatteskjema", "nn": "Tilsetteskjema", "en": "Staff form"}


def test_a_question_changed_meanwhile_is_not_overwritten(client, make_user, make_project, login):
    user = make_user()
    project = make_project("storby", members=[user])
    login(user)
    record = questionnaires.import_questionnaire(
        project, "staff.yaml", STAFF.read_bytes(), actor=user
    )
    db.session.commit()
    url = f"/p/storby/questionnaires/{record.id}/edit/items/q4"
    mine = form_data(client.get(url).get_data(as_text=True))
    theirs = dict(mine, label_nb="Hvor mange deltakere fulgte dere opp i 2003?")
    assert client.post(url, data=theirs).status_code == 302
    mine["label_nb"] = "Antall deltakere i 2003?"
    response = client.post(url, data=mine)
    assert response.status_code == 422
    assert "Noen andre endret dette spørsmålet etter at du åpnet det" in response.get_data(
        as_text=True
    )
    assert current(record).item("q4").label["nb"] == "Hvor mange deltakere fulgte dere opp i 2003?"


def test_sections_edit_condition_and_delete(client, make_user, make_project, login):
    user = make_user()
    project = make_project("storby", members=[user])
    login(user)
    record = questionnaires.import_questionnaire(
        project, "staff.yaml", STAFF.read_bytes(), actor=user
    )
    db.session.commit()
    q = record.current.definition
    first, second = q.sections[0].name, q.sections[1].name
    url = f"/p/storby/questionnaires/{record.id}/edit/sections/{first}"
    later = client.post(
        url, data={"name": first, "title_nb": "Om kontoret", "relevant": "${q6_aetat} = '1'"}
    )
    assert later.status_code == 422
    assert (
        '<p class="error-message" id="relevant-error">viser til «q6_aetat», som ikke er et '
        "spørsmål foran dette</p>" in later.get_data(as_text=True)
    )
    renamed = client.post(
        f"/p/storby/questionnaires/{record.id}/edit/sections/{second}",
        data={
            "name": "samarbeid_og_oppfolging",
            "title_nb": "Samarbeid",
            "relevant": "${q1} = '1'",
        },
    )
    assert renamed.status_code == 302
    q = current(record)
    assert (q.sections[1].name, q.sections[1].title["nb"], q.sections[1].relevant) == (
        "samarbeid_og_oppfolging",
        "Samarbeid",
        "${q1} = '1'",
    )
    assert q.sections[1].title == {"nb": "Samarbeid"}  # offered languages left empty are cleared
    base = f"/p/storby/questionnaires/{record.id}/edit/sections"
    # A later question's condition refers to q8 in this section: the deletion is refused.
    refused = client.post(f"{base}/samarbeid_og_oppfolging/delete")
    assert refused.status_code == 422
    assert "Ikke lagret: spørsmål q17, vilkår: viser til «q8»" in (refused.get_data(as_text=True))
    confirm = client.get(f"{base}/tiltaksarrangorer/delete").get_data(as_text=True)
    assert "Delen og de 4 spørsmålene i den fjernes fra spørreskjemaet." in confirm
    assert client.post(f"{base}/tiltaksarrangorer/delete").status_code == 302
    assert [s.name for s in current(record).sections] == [
        "om_kontoret",
        "samarbeid_og_oppfolging",
        "vurdering",
    ]


def test_leaving_a_shared_list_starts_from_its_choices(client, make_user, make_project, login):
    user = make_user()
    project = make_project("storby", members=[user])
    login(user)
    record = questionnaires.import_questionnaire(
        project, "staff.yaml", STAFF.read_bytes(), actor=user
    )
    db.session.commit()
    item = next(i for _s, i in record.current.definition.items() if i.choice_list == "hyppighet")
    url = f"/p/storby/questionnaires/{record.id}/edit/items/{item.name}"
    data = form_data(client.get(url).get_data(as_text=True))
    assert data["choice_list"] == "hyppighet"
    data["choice_list"] = ""
    data["choices-1-label_nb"] = "Ofte (ukentlig)"
    assert client.post(url, data=data).status_code == 302
    changed = current(record).item(item.name)
    assert changed.choice_list is None
    assert [c.code for c in changed.choices] == ["1", "2", "3", "4", "9"]
    assert changed.choices[1].label["nb"] == "Ofte (ukentlig)"
    assert changed.choices[4].nonsubstantive is True
    assert current(record).choice_lists["hyppighet"][1].label["nb"] == "Ofte"


def test_the_variable_name_defaults_to_q_and_the_number(client, make_user, make_project, login):
    user = make_user()
    make_project("storby", members=[user])
    login(user)
    record = new_questionnaire(client)
    url = f"/p/storby/questionnaires/{record.id}/edit/new-item?section=s1&type=text"
    assert client.post(url, data={"type": "text", "number": "19a"}).status_code == 302
    assert [i.name for _s, i in current(record).items()] == ["q19a"]
    unnamed = client.post(url, data={"type": "text"})
    assert unnamed.status_code == 422
    assert "Oppgi et variabelnavn, eller et nummer som spørsmålet kan få navn etter." in (
        unnamed.get_data(as_text=True)
    )
