"""Composing the report: questions ticked, ordered and with texts between them, stored per
survey and used by the page, the export job and the command."""

from fieldkit.extensions import db
from fieldkit.surveys.models import ReportComposition
from fieldkit.surveys.results import composition, report
from fieldkit.surveys.results.composition import Entry

ALL = ["q1", "q2", "q3", "q4", "q6", "q7", "q8", "q9", "q10", "q11", "q12", "q14", "q16"]


def order(entries):
    return [e.item or f"text:{e.text}" for e in entries]


def test_without_a_composition_every_question_in_questionnaire_order(make_survey):
    survey = make_survey()
    entries, figures = composition.entries_for(survey)
    assert order(entries) == ALL and all(e.included for e in entries) and figures
    assert entries[0].label == "1. Hvilken etat arbeider du i?"


def test_buttons_move_add_and_remove_lines():
    entries = [Entry("q1"), Entry("q2"), Entry("q6")]
    entries = composition.apply_action(entries, "down-0")
    assert order(entries) == ["q2", "q1", "q6"]
    entries = composition.apply_action(entries, "up-2")
    assert order(entries) == ["q2", "q6", "q1"]
    # The first line cannot go up, the last not down; unknown buttons change nothing.
    for action in ("up-0", "down-2", "up-9", "jump-1", "up-x"):
        assert order(composition.apply_action(entries, action)) == ["q2", "q6", "q1"]
    entries = composition.apply_action(entries, "text--1")
    entries = composition.apply_action(entries, "text-2")
    assert order(entries) == ["text:", "q2", "q6", "text:", "q1"]
    assert order(composition.apply_action(entries, "remove-3")) == ["text:", "q2", "q6", "q1"]
    # Only texts can be removed; questions are left out by unticking them.
    assert order(composition.apply_action(entries, "remove-1")) == order(entries)
    assert not any(e.included for e in composition.apply_action(entries, "none") if e.item)


def test_posted_form_is_read_against_the_questions_there_are(make_survey):
    survey = make_survey()
    items = composition.report_items(survey)
    entries = composition.from_form(
        ["item:q16", "text", "item:q1", "item:q99", "item:q16", "text"],
        ["q16", "q1", "q99"],
        ["  Om måloppnåelse.  ", ""],
        items,
    )
    # q99 is no question and q16 comes once; the rest follow, not included.
    assert order(entries)[:5] == ["q16", "text:Om måloppnåelse.", "q1", "text:", "q2"]
    assert len(entries) == len(ALL) + 2
    assert [e.item for e in entries if e.included and e.item] == ["q16", "q1"]


def test_saved_composition_drives_the_report(make_survey, answer):
    survey = make_survey()
    for code in "1122":
        answer(survey, {"q1": "1", "q16": code})
    entries = [
        Entry("q16"),
        Entry(text="Etaten først.\n\nTo avsnitt."),
        Entry("q1"),
        Entry(text=""),
    ]
    entries += [Entry(name, included=False) for name in ALL if name not in ("q1", "q16")]
    composition.save_composition(survey, entries, include_figures=False)
    db.session.commit()
    stored = db.session.get(ReportComposition, survey.id)
    # The empty text stays in the composition (for the page), not in the report.
    assert stored.entries[:4] == [
        {"item": "q16", "included": True},
        {"text": "Etaten først.\n\nTo avsnitt."},
        {"item": "q1", "included": True},
        {"text": ""},
    ]
    assert stored.include_figures is False
    context = report.report_context(survey)
    results = context["chapters"][1].blocks
    assert [(b.kind, b.label or b.text) for b in results] == [
        ("table", "Tabell 2."),
        ("text", "Etaten først.\n\nTo avsnitt."),
        ("table", "Tabell 3."),
    ]
    assert results[0].caption == "16. Hvor høy er måloppnåelsen så langt? (n=4)"
    html = report.report_html(context)
    assert '<p class="text">Etaten først.</p><p class="text">To avsnitt.</p>' in html
    # The command's --items still chooses for itself (and figures unless --no-figures).
    chosen = report.report_context(survey, items=["q1"], include_figures=True)
    assert [b.label for b in chosen["chapters"][1].blocks] == ["Tabell 2."]
