"""Questionnaire items in a real browser: every item type on phone, tablet and desktop, axe,
keyboard only, live skip logic, the same logic without JavaScript, and JS/Python agreement."""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import expect

from fieldkit.extensions import db
from fieldkit.surveys.questionnaires import definition, logic
from fieldkit.surveys.questionnaires import operations as questionnaires
from tests.browser.conftest import axe_violations, log_in, shot
from tests.conftest import PASSWORD
from tests.paths import FIXTURES

STAFF = FIXTURES / "ansatteskjema_storbysatsingen.yaml"
PAGES = ["om_kontoret", "samarbeid", "tiltaksarrangorer", "vurdering"]


@pytest.fixture
def preview_url(make_user, make_project):
    user = make_user("kari@example.no")
    project = make_project("storby", members=[user])
    q = definition.load(STAFF.read_text(encoding="utf-8"))
    record = questionnaires.create_questionnaire(project, q, actor=user)
    db.session.commit()
    return f"/p/storby/questionnaires/{record.id}/preview"


def fits_width(page, width: int) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= width


@pytest.mark.parametrize(
    "viewport",
    [{"width": 375, "height": 740}, {"width": 768, "height": 1000}, {"width": 1280, "height": 900}],
    ids=["phone", "tablet", "desktop"],
)
def test_every_item_type_on_every_screen(page, preview_url, viewport):
    width = viewport["width"]
    log_in(page, "kari@example.no", PASSWORD)
    page.goto(preview_url)
    assert axe_violations(page) == []
    for name in PAGES:
        page.goto(f"{preview_url}/page/{name}")
        # Show every item, as if the skip conditions held, to look at each type.
        page.evaluate(
            "document.querySelectorAll('.item[hidden]').forEach(e => { e.hidden = false;"
            " e.querySelectorAll('input,textarea').forEach(i => { i.disabled = false; }); })"
        )
        assert fits_width(page, width), name
        assert axe_violations(page) == [], name
        shot(page, f"survey-items-{name}-{width}")
        if name == "samarbeid":
            head = page.locator("#item-q6 table.grid thead")
            height = head.evaluate("e => e.getBoundingClientRect().height")
            if width >= 768:
                assert height > 20  # a real table with column headers
            else:
                assert height <= 1  # stacked: one question per row, a label at each box
            expect(page.get_by_role("radio", name="Aetat: Så å si alltid")).to_be_visible()
            expect(page.get_by_role("textbox", name="Andre? Hvilke")).to_be_visible()
    # Errors, with the summary and the messages at the fields, pass axe too.
    page.goto(f"{preview_url}/page/om_kontoret")
    page.locator("#f-q4").fill("mange")
    page.get_by_role("button", name="Neste").click()
    page.wait_for_load_state()
    assert page.evaluate("document.activeElement.id") == "error-summary"
    expect(page.locator(".warning-summary")).to_be_visible()
    assert fits_width(page, width)
    assert axe_violations(page) == []
    shot(page, f"survey-items-errors-{width}")


def test_live_skip_logic_and_other_text(page, preview_url):
    log_in(page, "kari@example.no", PASSWORD)
    page.goto(preview_url + "/page/tiltaksarrangorer")
    q13, q15 = page.locator("#item-q13"), page.locator("#item-q15")
    assert q13.is_hidden() and q15.is_hidden()
    assert page.locator("#f-q13--1--navn").is_disabled()
    page.get_by_label("Ja").first.check()
    expect(q13).to_be_visible()
    assert page.locator("#f-q13--1--navn").is_enabled()
    assert page.locator("input[name=_shown]").input_value() == "q12 q13 q14"
    page.locator("#f-q14--2-choice").check()
    expect(q15).to_be_visible()
    page.locator("#f-q12--2-choice").check()
    assert q13.is_hidden() and q15.is_hidden()
    assert page.locator("#f-q14--2-choice").is_disabled()
    assert page.locator("input[name=_shown]").input_value() == "q12"

    page.goto(preview_url + "/page/samarbeid")
    other = page.locator("#f-q8--annet")
    assert other.is_hidden()
    page.get_by_label("Annet, i så fall hva").first.check()
    assert other.is_visible() and other.is_enabled()
    page.get_by_role("button", name="Neste").click()
    page.wait_for_load_state()
    assert page.evaluate("document.activeElement.id") == "error-summary"
    assert page.get_by_role(
        "link", name="8. Hvilke samarbeidsformer har dere brukt? – Skriv hva «Annet» er."
    ).is_visible()
    assert axe_violations(page) == []
    shot(page, "survey-items-samarbeid-other-error")
    page.get_by_role(
        "link", name="8. Hvilke samarbeidsformer har dere brukt? – Skriv hva «Annet» er."
    ).click()
    assert page.evaluate("document.activeElement.id") == "f-q8--annet"


def tab_to(page, selector: str, limit: int = 60) -> None:
    """Press Tab until the element ``selector`` has the focus."""
    for _ in range(limit):
        if page.evaluate("s => document.activeElement.matches(s)", selector):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached {selector}")


def test_complete_the_preview_by_keyboard_only(page, preview_url):
    log_in(page, "kari@example.no", PASSWORD)
    page.goto(preview_url)
    tab_to(page, "main a.button")
    page.keyboard.press("Enter")
    page.wait_for_url("**/page/om_kontoret")
    tab_to(page, "#f-q1--1-choice")
    page.keyboard.press("ArrowDown")  # a radio group: moves to and ticks "Sosialtjenesten"
    assert page.locator("#f-q1--2-choice").is_checked()
    page.keyboard.press("Tab")  # q2 (its "Annet" text is closed until chosen)
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "f-q3"
    page.keyboard.type("1,5")
    page.keyboard.press("Tab")
    page.keyboard.type("30")
    page.keyboard.press("Tab")
    page.keyboard.type("01.02.2003")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Neste"
    assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") == "solid"
    page.keyboard.press("Enter")
    for name in PAGES[1:]:
        page.wait_for_url(f"**/page/{name}")
        if name == "samarbeid":
            tab_to(page, "#f-q8--moter-choice")
            page.keyboard.press("Space")
            assert page.locator("#f-q8--moter-choice").is_checked()
        tab_to(page, "button[value=next]")
        page.keyboard.press("Enter")
    page.wait_for_url("**/review")
    expect(page.get_by_text("1,5 årsverk")).to_be_visible()
    assert axe_violations(page) == []
    shot(page, "survey-items-review")
    tab_to(page, "form.page-buttons button")
    page.keyboard.press("Enter")
    page.wait_for_url("**/done")
    assert page.locator("h1").inner_text() == "Takk for svarene dine"
    assert axe_violations(page) == []


def test_skip_logic_without_javascript(browser, live_server, preview_url):
    context = browser.new_context(
        base_url=live_server,
        java_script_enabled=False,
        locale="nb-NO",
        viewport={"width": 1280, "height": 900},
    )
    page = context.new_page()
    try:
        log_in(page, "kari@example.no", PASSWORD)
        page.goto(preview_url + "/page/tiltaksarrangorer")
        assert page.locator("#item-q13").is_hidden()
        page.get_by_label("Ja").first.check()
        assert page.locator("#item-q13").is_hidden()  # nothing runs in the page
        page.get_by_role("button", name="Neste").click()
        # The server shows the page again with q13 and q14 opened, q15 still hidden.
        assert page.get_by_text(
            "Svarene dine har åpnet flere spørsmål på denne siden."
        ).is_visible()
        expect(page.locator("#item-q13")).to_be_visible()
        expect(page.locator("#item-q14")).to_be_visible()
        assert page.locator("#item-q15").is_hidden()
        page.locator("#f-q14--2-choice").check()
        page.get_by_role("button", name="Neste").click()
        expect(page.locator("#item-q15")).to_be_visible()
        shot(page, "survey-items-no-javascript")
        page.locator("#f-q15").fill("Har ikke hatt tid")
        page.get_by_role("button", name="Neste").click()
        page.wait_for_url("**/page/vurdering")
        assert page.locator("#item-q17").is_hidden()
    finally:
        context.close()


LOGIC_CASES = [
    ("${q19} = 'ja'", {"q19": "ja"}),
    ("${q19} = 'ja'", {"q19": "nei"}),
    ("${q19} = 'ja'", {}),
    ("${q19} != 'ja'", {}),
    ("${q19} != ''", {"q19": ""}),
    ("${q19} = ''", {}),
    ("selected(${q14}, 'annet')", {"q14": ["moter", "annet"]}),
    ("selected(${q14}, 'annet')", {"q14": ["moter"]}),
    ("selected(${q14}, 'annet')", {"q14": "annet"}),
    ("selected(${q14}, '2')", {"q14": 2}),
    ("count-selected(${q14}) > 1", {"q14": ["a", "b"]}),
    ("count-selected(${q14}) > 1", {"q14": "a"}),
    ("count-selected(${q14}) = 0", {}),
    ("${q14} = 'b'", {"q14": ["a", "b"]}),
    ("${q14} != 'b'", {"q14": ["a", "b"]}),
    ("${q14} > 'b'", {"q14": ["a", "b"]}),
    ("${q4} >= 3 and ${q4} <= 10", {"q4": 3}),
    ("${q4} >= 3 and ${q4} <= 10", {"q4": 10.5}),
    ("${q4} >= 3 and ${q4} <= 10", {"q4": "7,5"}),
    ("${q4} < 3 or ${q4} > 10", {}),
    ("${q4} > 2", {"q4": "abc"}),
    ("${q4} < 'b'", {"q4": "abc"}),
    ("${q4} = 1.50", {"q4": 1.5}),
    ("${q4} = '1.50'", {"q4": "1.5"}),
    ("not(${q7} = 'nei') or ${q8} = 'ja'", {"q7": "nei", "q8": "ja"}),
    ("not(${q7} = 'nei') or ${q8} = 'ja'", {"q7": "nei"}),
    ("not(${q7} = 'nei')", {}),
    ("(${a} = '1' or ${b} = '1') and not(${c} != '')", {"b": "1"}),
    ("(${a} = '1' or ${b} = '1') and not(${c} != '')", {"b": "1", "c": "x"}),
    ("answered(${a})", {"a": []}),
    ("answered(${a})", {"a": [{"navn": "x"}]}),
    ("${a}", {"a": "x"}),
    ("${a}", {}),
    ("count-selected(${a})", {}),
    (". >= 0 and . <= 10", {}, 10),
    (". >= 0 and . <= 10", {}, 11),
    (". >= 0 and . <= 10", {}, None),
    (". != ''", {}, "x"),
    ("${d} >= '2004-01-01'", {"d": "2004-05-17"}),
    ("${d} < '2004-01-01'", {"d": "2003-12-31"}),
    ("${n} = 0", {"n": 0}),
    ("${n} != 0", {"n": 0}),
    ("${n} > -1", {"n": 0}),
]


def test_javascript_evaluates_conditions_exactly_as_python(page, preview_url):
    """The browser's logic.js and logic.py agree on a table of conditions and answers."""
    log_in(page, "kari@example.no", PASSWORD)
    page.goto(preview_url + "/page/om_kontoret")
    cases = []
    for case in LOGIC_CASES:
        expression, answers = case[0], case[1]
        this = case[2] if len(case) > 2 else None
        tree = logic.parse(expression)
        expected = logic.evaluate(tree, answers, this=this)
        cases.append(
            {
                "expr": expression,
                "tree": tree,
                "answers": answers,
                "this": this,
                "expected": expected,
            }
        )
    results = page.evaluate(
        "cases => cases.map(c => window.fieldkitLogic.evaluate(c.tree, c.answers,"
        " c.this === null ? undefined : c.this))",
        json.loads(json.dumps(cases)),
    )
    disagreements = [
        (c["expr"], c["answers"], c["this"], c["expected"], got)
        for c, got in zip(cases, results, strict=True)
        if got != c["expected"]
    ]
    assert disagreements == []
    # Both true and false outcomes are covered.
    assert sum(c["expected"] for c in cases) >= 15
    assert sum(not c["expected"] for c in cases) >= 15


@pytest.mark.parametrize("viewport", [{"width": 640, "height": 450}], ids=["zoom-200"])
def test_zoomed_to_200_percent_nothing_is_cut_off(page, preview_url, viewport):
    """A 1280 × 900 window at 200 % zoom lays out like a 640 × 450 one."""
    log_in(page, "kari@example.no", PASSWORD)
    for name in PAGES:
        page.goto(f"{preview_url}/page/{name}")
        assert fits_width(page, 640), name
    page.goto(f"{preview_url}/page/samarbeid")
    expect(page.get_by_role("radio", name="Helsevesenet: Aldri")).to_be_visible()
    shot(page, "survey-items-samarbeid-zoom-200")


def test_an_exclusive_choice_clears_the_other_ticks(page, preview_url):
    log_in(page, "kari@example.no", PASSWORD)
    page.goto(f"{preview_url}/page/samarbeid")
    page.get_by_label("Faste møter").check()
    page.get_by_label("Felles team").check()
    page.get_by_label("Ingen av disse").check()
    assert page.get_by_label("Faste møter").is_checked() is False
    assert page.get_by_label("Felles team").is_checked() is False
    page.get_by_label("Individuell plan").check()
    assert page.get_by_label("Ingen av disse").is_checked() is False


READ_ALL_ITEMS = """() => {
  const answers = {};
  document.querySelectorAll('.item[data-name]').forEach(element => {
    if (!element.hidden) Object.assign(answers, window.fieldkitItems.readItem(element));
  });
  return answers;
}"""

FORM_DATA = "() => Array.from(new FormData(document.querySelector('form.questionnaire-form')))"


def test_the_browser_reads_answers_as_the_server_does(page, preview_url):
    """What skip logic sees in the browser equals what read_page stores for the same form."""
    from werkzeug.datastructures import MultiDict

    from fieldkit.surveys.respond.answers import read_page

    q = definition.load(STAFF.read_text(encoding="utf-8"))
    fills = {
        "om_kontoret": [
            ("#f-q1--2-choice", None),
            ("#f-q2--3-choice", None),
            ("#f-q2--3", " Rådgiver "),
            ("#f-q3", "2,5"),
            ("#f-q4", "1 200"),
            ("#f-q5", "7.5.2004"),
        ],
        "samarbeid": [
            ("#f-q6_aetat--1-choice", None),
            ("#f-q6_andre--4-choice", None),
            ("#f-q6_andre--other", "Politiet"),
            ("#f-q7_kurs--aetat-choice", None),
            ("#f-q7_kurs--satsingen-choice", None),
            ("#f-q8--plan-choice", None),
            ("#f-q8--annet-choice", None),
            ("#f-q8--annet", "Nettverk"),
            ("#f-q10--7-choice", None),
            ("#f-q11", "7"),
        ],
        "tiltaksarrangorer": [
            ("#f-q12--1-choice", None),
            ("#f-q13--1--navn", "Fretex"),
            ("#f-q13--1--deltakere", "12"),
            ("#f-q13--3--plasser", "3,5"),
            ("#f-q14--2-choice", None),
            ("#f-q15", "Ingen tid"),
        ],
    }
    log_in(page, "kari@example.no", PASSWORD)
    for name, steps in fills.items():
        page.goto(f"{preview_url}/page/{name}")
        for selector, value in steps:
            if value is None:
                page.locator(selector).check()
            else:
                page.locator(selector).fill(value)
        in_browser = page.evaluate(READ_ALL_ITEMS)
        section = next(s for s in q.sections if s.name == name)
        on_server = read_page(q, section, MultiDict(page.evaluate(FORM_DATA)), "nb", {})
        assert on_server.ok, on_server.errors
        assert in_browser == on_server.page_answers, name
    assert in_browser["q13"] == [
        {"navn": "Fretex", "deltakere": 12},
        {},
        {"plasser": 3.5},
    ]
