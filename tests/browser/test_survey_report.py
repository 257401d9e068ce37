"""Composing the results report in a real browser: tick questions, move them with buttons (no
JavaScript needed), put a text between them, make the report and find that order in it."""

import re

from playwright.sync_api import expect

from tests.browser.conftest import axe_violations, log_in, shot
from tests.browser.test_survey_results import make
from tests.conftest import PASSWORD


def test_compose_the_report_and_find_the_order_in_it(page, make_user, make_project, tmp_path):
    survey = make(make_user, make_project)
    log_in(page, "forsker@example.no", PASSWORD)
    page.goto(f"/p/storby/surveys/{survey.id}/results")
    page.get_by_role("link", name="Sett sammen rapporten").click()
    assert page.locator("h1").inner_text() == "Rapport: Kartlegging 2004"
    expect(page.get_by_text("Spørsmål i rapporten: 13")).to_be_visible()

    page.get_by_role("button", name="Ta med ingen").click()
    expect(page.get_by_text("Spørsmål i rapporten: 0")).to_be_visible()
    for label in ("1. Hvilken etat arbeider du i?", "6. Hvor ofte samarbeider dere med",
                  "16. Hvor høy er måloppnåelsen så langt?"):  # fmt: skip
        page.get_by_role("checkbox", name=label).check()
    # Question 1 down past 2, 3, 4 and 6: the ticks go along with each press.
    for _step in range(4):
        page.get_by_role("button", name="Ned: 1. Hvilken etat arbeider du i?").click()
    expect(page.get_by_text("Spørsmål i rapporten: 3")).to_be_visible()
    page.get_by_role("button", name="Tekst etter: 6. Hvor ofte samarbeider dere med").click()
    # Back on the new text's line (the page's anchor), typed in, saved.
    assert page.url.endswith("#entry-4")
    page.get_by_role("textbox", name="Tekst", exact=True).fill("Samarbeidet først, så etatene.")
    page.get_by_label("Med figurer").uncheck()
    page.get_by_role("button", name="Lagre").first.click()
    page.get_by_text("Rapportens oppbygging er lagret.").wait_for()
    variables = page.locator("input[name=order]").evaluate_all("els => els.map(e => e.value)")
    assert variables[3:7] == ["item:q6", "text", "item:q1", "item:q7"]
    shot(page, "survey-report-composition")
    assert axe_violations(page) == []

    page.get_by_label("Format").select_option("html")
    page.get_by_role("button", name="Lag rapporten").click()
    with page.expect_download() as info:
        page.get_by_role("link", name=re.compile("Last ned")).click()
    target = tmp_path / "rapport.html"
    info.value.save_as(target)
    html = target.read_text("utf-8")
    body = re.sub(r"<[^>]+>", "", html[html.index('id="results"') :])
    captions = re.findall(r"(Tabell \d+\.|Figur \d+\.)(\d+)\.", body)
    assert captions == [("Tabell 2.", "6"), ("Tabell 3.", "1"), ("Tabell 4.", "16")]
    assert body.index("Tabell 2.6.") < body.index("Samarbeidet først") < body.index("Tabell 3.1.")
    shot(page, "survey-report-made")
    assert axe_violations(page) == []
