"""A researcher builds a questionnaire from nothing in the browser's editor, then downloads it."""

from pathlib import Path

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from fieldkit.extensions import db
from fieldkit.surveys.models import Questionnaire
from fieldkit.surveys.questionnaires import definition
from tests.browser.conftest import axe_violations, log_in, shot
from tests.conftest import PASSWORD

#: What the researcher builds below, in the native format.
EXPECTED = {
    "format": "fieldkit-questionnaire/1",
    "title": "Spørreskjema til ansatte",
    "languages": ["nb"],
    "instruction": "Svarene behandles konfidensielt.",
    "sections": [
        {
            "name": "s1",
            "title": "Om kontoret",
            "questions": [
                {
                    "no": "2",
                    "name": "tiltak",
                    "type": "multiple",
                    "text": "Hvilke tiltak bruker kontoret?",
                    "options": [
                        {"code": "1", "label": "Kurs"},
                        {"code": "2", "label": "Arbeidspraksis"},
                        {"code": "9", "label": "Ingen av disse", "exclusive": True},
                    ],
                    "max_choices": 2,
                },
                {
                    "no": "1",
                    "name": "etat",
                    "type": "single",
                    "text": "Hvilken etat arbeider du i?",
                    "required": True,
                    "options": [
                        {"code": "1", "label": "Aetat"},
                        {"code": "2", "label": "Sosialtjenesten"},
                        {"code": "3", "label": "Annet, i så fall hva", "other": True},
                    ],
                },
            ],
        },
        {
            "name": "s2",
            "title": "Samarbeid",
            "questions": [
                {
                    "no": "3",
                    "name": "samarbeid",
                    "type": "grid_single",
                    "text": "Hvor ofte samarbeider dere med følgende?",
                    "layout": "horizontal",
                    "columns": [
                        {"code": "1", "label": "Ofte"},
                        {"code": "2", "label": "Noen ganger"},
                        {"code": "3", "label": "Aldri"},
                    ],
                    "rows": [
                        {"name": "samarbeid_1", "label": "Helsetjenesten"},
                        {"name": "samarbeid_2", "label": "Andre? Hvilke", "other": True},
                    ],
                },
                {
                    "no": "4",
                    "name": "vanskelighet",
                    "type": "single",
                    "text": "Hvor lett eller vanskelig er samarbeidet?",
                    "ordinal": True,
                    "layout": "horizontal",
                    "relevant": "${etat} = '1'",
                    "options": [
                        {"code": "1", "label": "Svært lett"},
                        {"code": "2"},
                        {"code": "3"},
                        {"code": "4"},
                        {"code": "5"},
                        {"code": "6"},
                        {"code": "7", "label": "Svært vanskelig"},
                    ],
                },
            ],
        },
    ],
}


def add_question(page, section: str, item_type: str) -> None:
    page.select_option("#section", section)
    page.select_option("#type", item_type)
    page.get_by_role("button", name="Legg til spørsmål").click()


def save_question(page) -> None:
    page.get_by_role("button", name="Lagre spørsmålet").click()
    page.wait_for_url("**/edit/#item-*")


def test_build_a_questionnaire_from_nothing(page, make_user, make_project, tmp_path):
    kari = make_user("kari@example.no", "Kari Nordmann")
    make_project("storby", "Storbysatsingen", members=[kari])
    log_in(page, "kari@example.no", PASSWORD)
    page.goto("/p/storby/")
    page.get_by_role("link", name="Nytt spørreskjema").click()

    # The questionnaire: title, introduction, language.
    assert page.locator("h1").inner_text() == "Nytt spørreskjema"
    assert axe_violations(page) == []
    page.get_by_label("Tittel (bokmål)").fill("Spørreskjema til ansatte")
    page.get_by_label("Innledning (bokmål)").fill("Svarene behandles konfidensielt.")
    page.get_by_role("button", name="Opprett spørreskjema").click()
    page.wait_for_url("**/edit/")
    expect(
        page.get_by_text("Spørreskjemaet Spørreskjema til ansatte er opprettet.")
    ).to_be_visible()

    # Two sections with titles.
    page.get_by_role("link", name="Rediger del s1").click()
    page.get_by_label("Tittel (bokmål)").fill("Om kontoret")
    assert axe_violations(page) == []
    page.get_by_role("button", name="Lagre").click()
    page.get_by_label("Tittel på den nye delen").fill("Samarbeid")
    page.get_by_role("button", name="Legg til del").click()
    expect(page.get_by_role("heading", name="Samarbeid (s2)")).to_be_visible()

    # A single choice with an "Annet" choice that opens a text field.
    add_question(page, "s1", "single")
    assert page.locator("h1").inner_text() == "Nytt spørsmål: Ett valg"
    assert axe_violations(page) == []
    page.get_by_label("Nummer", exact=True).fill("1")
    page.get_by_label("Variabelnavn", exact=True).fill("etat")
    page.get_by_label("Tekst (bokmål)", exact=True).fill("Hvilken etat arbeider du i?")
    page.check("#required")
    page.fill("#choices-0-label_nb", "Aetat")
    page.fill("#choices-1-label_nb", "Sosialtjenesten")
    page.fill("#choices-2-label_nb", "Annet, i så fall hva")
    page.get_by_label("Alternativ 3: annet, åpner et tekstfelt").check()
    shot(page, "surveys-editor-new-single")
    save_question(page)

    # A multiple choice with an exclusive choice and at most two ticks.
    add_question(page, "s1", "multiple")
    page.get_by_label("Nummer", exact=True).fill("2")
    page.get_by_label("Variabelnavn", exact=True).fill("tiltak")
    page.get_by_label("Tekst (bokmål)", exact=True).fill("Hvilke tiltak bruker kontoret?")
    page.fill("#choices-0-label_nb", "Kurs")
    page.fill("#choices-1-label_nb", "Arbeidspraksis")
    page.fill("#choices-2-code", "9")
    page.fill("#choices-2-label_nb", "Ingen av disse")
    page.get_by_label("Alternativ 3: utelukkende").check()
    page.get_by_label("Høyst antall kryss").fill("2")
    save_question(page)

    # A grid, one choice per row, with a free-text row.
    add_question(page, "s2", "grid_single")
    page.get_by_label("Nummer", exact=True).fill("3")
    page.get_by_label("Variabelnavn", exact=True).fill("samarbeid")
    page.get_by_label("Tekst (bokmål)", exact=True).fill("Hvor ofte samarbeider dere med følgende?")
    page.select_option("#layout", "horizontal")
    for index, label in enumerate(["Ofte", "Noen ganger", "Aldri"]):
        page.fill(f"#choices-{index}-label_nb", label)
    page.fill("#rows-0-label_nb", "Helsetjenesten")
    page.fill("#rows-1-label_nb", "Andre? Hvilke")
    page.get_by_label("Rad 2: har et tekstfelt").check()
    assert axe_violations(page) == []
    shot(page, "surveys-editor-new-grid")
    save_question(page)

    # A 1-7 scale labelled at the end points only, shown when etat = Aetat (skip logic).
    add_question(page, "s2", "single")
    page.get_by_label("Nummer", exact=True).fill("4")
    page.get_by_label("Variabelnavn", exact=True).fill("vanskelighet")
    page.get_by_label("Tekst (bokmål)", exact=True).fill(
        "Hvor lett eller vanskelig er samarbeidet?"
    )
    page.get_by_label("Vises bare når").fill("${etat} = '1'")
    page.fill("#choices-0-label_nb", "Svært lett")
    page.fill("#choices-1-code", "7")
    page.fill("#choices-1-label_nb", "Svært vanskelig")
    page.get_by_label("Skala fra").fill("1")
    page.get_by_label("Skala til").fill("7")
    save_question(page)
    expect(page.get_by_text("Lagret i versjon 1.")).to_be_visible()

    # Reorder: the multiple choice moves above the single choice.
    page.get_by_role("button", name="Opp (flytt tiltak opp)").click()
    page.wait_for_url("**/edit/#item-tiltak")
    items = page.locator(".editor-item code").all_inner_texts()
    assert items[:4] == ["tiltak", "etat", "samarbeid", "vanskelighet"]
    assert axe_violations(page) == []
    shot(page, "surveys-editor-overview")

    # A broken condition shows the parser's message and saves nothing.
    record = db.session.scalar(sa.select(Questionnaire))
    before = record.current.definition_json
    page.goto(f"/p/storby/questionnaires/{record.id}/edit/items/vanskelighet")
    page.get_by_label("Vises bare når").fill("${etat} = = '1'")
    page.get_by_role("button", name="Lagre spørsmålet").click()
    expect(page.locator("#error-summary")).to_be_visible()
    message = page.locator("#relevant-error")
    assert message.inner_text() == "uventet «=» i «${etat} = = '1'»"
    assert page.locator("#relevant").get_attribute("aria-invalid") == "true"
    assert axe_violations(page) == []
    shot(page, "surveys-editor-broken-condition")
    page.get_by_label("Vises bare når").fill("${samarbeid_1} = '1' and ${tiltak2} != ''")
    page.get_by_role("button", name="Lagre spørsmålet").click()
    assert message.inner_text() == "viser til «tiltak2», som ikke er et spørsmål foran dette"
    db.session.expire_all()
    assert db.session.get(Questionnaire, record.id).current.definition_json == before

    # Download the definition and compare it with what was built, exactly.
    page.get_by_role("link", name="Tilbake til redigeringen").click()
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Last ned definisjonen (YAML)").click()
    path = Path(tmp_path) / "download.yaml"
    download_info.value.save_as(path)
    text = path.read_text(encoding="utf-8")
    assert definition.to_dict(definition.load(text)) == EXPECTED
    assert text == definition.dump(definition.from_dict(EXPECTED))


@pytest.mark.parametrize(
    "viewport", [{"width": 1280, "height": 900}, {"width": 375, "height": 812}], ids=["pc", "phone"]
)
def test_shared_choice_list_and_delete_in_the_browser(page, make_user, make_project, viewport):
    kari = make_user("kari@example.no", "Kari Nordmann")
    make_project("storby", "Storbysatsingen", members=[kari])
    log_in(page, "kari@example.no", PASSWORD)
    page.goto("/p/storby/questionnaires/new")
    page.get_by_label("Tittel (bokmål)").fill("Liste")
    page.get_by_role("button", name="Opprett spørreskjema").click()

    page.get_by_role("link", name="Ny svarliste").click()
    page.get_by_label("Listenavn").fill("janei")
    page.fill("#choices-0-label_nb", "Ja")
    page.fill("#choices-1-label_nb", "Nei")
    # With JavaScript, lines can be added beyond the three blank ones before saving.
    page.get_by_role("button", name="Legg til en linje").click()
    page.get_by_role("button", name="Legg til en linje").click()
    assert page.locator("table.editor-lines tbody tr").count() == 5
    page.get_by_label("Alternativ 5: kode").fill("9")
    page.get_by_label("Alternativ 5: tekst (bokmål)").fill("Vet ikke")
    page.locator("#choices-4-nonsubstantive").check()
    assert axe_violations(page) == []
    shot(page, f"surveys-editor-choice-list-{viewport['width']}")
    page.get_by_role("button", name="Lagre listen").click()
    page.wait_for_url("**/edit/#choice-lists")
    record = db.session.scalar(sa.select(Questionnaire))
    assert definition.to_dict(record.current.definition)["choice_lists"] == {
        "janei": [
            {"code": "1", "label": "Ja"},
            {"code": "2", "label": "Nei"},
            {"code": "9", "label": "Vet ikke", "nonsubstantive": True},
        ]
    }
    page.get_by_role("link", name="Tittel, innledning og språk").click()
    assert axe_violations(page) == []
    page.get_by_role("link", name="Tilbake til redigeringen").click()

    add_question(page, "s1", "single")
    page.get_by_label("Variabelnavn", exact=True).fill("q1")
    page.get_by_label("Tekst (bokmål)", exact=True).fill("Deltar kontoret?")
    page.select_option("#choice_list", "janei")
    assert page.evaluate("document.documentElement.scrollWidth") == viewport["width"]
    shot(page, f"surveys-editor-item-{viewport['width']}")
    save_question(page)
    expect(page.get_by_role("cell", name="q1")).to_be_visible()

    shot(page, f"surveys-editor-list-reused-{viewport['width']}")
    page.get_by_role("link", name="Slett q1").click()
    assert page.locator("h1").inner_text() == "Slette spørsmål q1?"
    assert axe_violations(page) == []
    page.get_by_role("link", name="Avbryt").click()
    assert page.locator(".editor-item code").all_inner_texts() == ["q1"]
    page.get_by_role("link", name="Slett q1").click()
    page.get_by_role("button", name="Ja, slett").click()
    expect(page.get_by_text("Ingen spørsmål i denne delen ennå.")).to_be_visible()
    shot(page, f"surveys-editor-after-delete-{viewport['width']}")


def test_the_editor_works_without_javascript(browser, live_server, make_user, make_project):
    kari = make_user("kari@example.no", "Kari Nordmann")
    make_project("storby", "Storbysatsingen", members=[kari])
    context = browser.new_context(base_url=live_server, java_script_enabled=False, locale="nb-NO")
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        log_in(page, "kari@example.no", PASSWORD)
        page.goto("/p/storby/questionnaires/new")
        page.get_by_label("Tittel (bokmål)").fill("Uten skript")
        page.get_by_role("button", name="Opprett spørreskjema").click()
        add_question(page, "s1", "single")
        assert page.get_by_role("button", name="Legg til en linje").count() == 0
        page.get_by_label("Variabelnavn", exact=True).fill("q1")
        for index, label in enumerate(["Svært høy", "Ganske høy", "Ganske lav"]):
            page.fill(f"#choices-{index}-label_nb", label)
        save_question(page)
        # Saving offers three new blank lines: the fourth point of the scale goes there.
        page.get_by_role("link", name="Rediger q1").click()
        page.fill("#choices-3-label_nb", "Svært lav")
        page.fill("#choices-4-code", "9")
        page.fill("#choices-4-label_nb", "Vet ikke")
        page.check("#choices-4-nonsubstantive")
        save_question(page)
        assert page.get_by_role("button", name="Ned (flytt q1 ned)").is_disabled()
        record = db.session.scalar(sa.select(Questionnaire))
        db.session.refresh(record)
        choices = record.current.definition.item("q1").choices
        assert [(c.code, c.label["nb"], c.nonsubstantive) for c in choices] == [
            ("1", "Svært høy", False),
            ("2", "Ganske høy", False),
            ("3", "Ganske lav", False),
            ("4", "Svært lav", False),
            ("9", "Vet ikke", True),
        ]
    finally:
        context.close()
