"""The view of a page that the item macros render: values as people write them, ids, and
the answers the browser's skip logic may read."""

from fieldkit.surveys.respond.rendering import PageView, answer_texts, field_id, format_answer


def test_stored_values_are_shown_as_the_respondent_writes_them():
    assert format_answer(2.5, "nb") == "2,5"
    assert format_answer(2.5, "en") == "2.5"
    assert format_answer(3.0, "nn") == "3"
    assert format_answer(1200, "nb") == "1200"
    assert format_answer("2004-05-17", "nb", "date") == "17.05.2004"
    assert format_answer(None, "nb") == ""
    assert field_id("q13.2.navn") == "f-q13--2--navn"


def test_a_page_gives_the_browser_only_the_earlier_answers_its_conditions_read(staff):
    answers = {"q1": "1", "q8": ["annet"], "q12": "1", "q14": "2", "q18": "Hemmelig"}
    view = PageView(staff, staff.sections[3], "nb", answers)
    assert view.prior_answers() == {"q8": ["annet"]}
    assert view.shown == ["q16", "q17", "q18"]
    third = PageView(staff, staff.sections[2], "en", answers)
    assert third.prior_answers() == {}  # q12 and q14 are on the page itself
    assert third.shown == ["q12", "q13", "q14", "q15"]
    assert third.title(staff.item("q12")) == "12. Does the office use external providers?"


def test_answers_read_back_in_the_respondents_language(staff):
    answers = {
        "q2": "3",
        "q2.3": "Rådgiver",
        "q6_aetat": "2",
        "q6_andre": "4",
        "q6_andre.other": "Politiet",
        "q7_kurs": ["aetat", "kommunen"],
        "q13": [{"navn": "Fretex", "plasser": 3.5}, {}, {"deltakere": 4}],
        "q3": 2.5,
        "q11": 7,
        "q5": "2004-05-17",
    }
    assert answer_texts(staff.item("q2"), answers, "en") == ["Other, please specify: Rådgiver"]
    assert answer_texts(staff.item("q6"), answers, "nb") == [
        "Aetat: Ofte",
        "Andre? Hvilke (Politiet): Aldri",
    ]
    assert answer_texts(staff.item("q7"), answers, "nn") == ["Kurs: Aetat, Kommunen"]
    assert answer_texts(staff.item("q13"), answers, "nb") == [
        "1. Tiltaksarrangør Fretex, Plasser 3,5",
        "3. Deltakere 4",
    ]
    assert answer_texts(staff.item("q3"), answers, "nb") == ["2,5 årsverk"]
    assert answer_texts(staff.item("q11"), answers, "nb") == ["7 / 10"]
    assert answer_texts(staff.item("q5"), answers, "nb") == ["17.05.2004"]
    assert answer_texts(staff.item("q4"), answers, "nb") == []


def test_error_summary_links_point_at_a_field_of_the_question(app, staff):
    from werkzeug.datastructures import MultiDict

    from fieldkit.surveys.questionnaires import definition
    from fieldkit.surveys.respond.answers import read_page

    q = definition.load(
        """
title: Tabell
sections:
  - name: a
    questions:
      - no: "1"
        name: arr
        type: table
        required: true
        row_count: 2
        columns: [{name: navn, label: Navn}, {name: antall, label: Antall, type: integer}]
      - {no: "2", name: rg, type: grid_multiple, required: true, columns: [a, b], rows: [x, y]}
"""
    )
    result = read_page(q, q.sections[0], MultiDict([("arr.2.antall", "to")]), "nb", {})
    view = PageView(q, q.sections[0], "nb", {}, result)
    assert view.summary() == [
        ("f-arr--2--antall", "1. – 2: Antall", "Skriv et helt tall, for eksempel 12."),
        ("f-rg_1--1-choice", "2. – x", "Svar på dette spørsmålet."),
    ]
    result = read_page(q, q.sections[0], MultiDict([("rg_2", "1")]), "nb", {})
    view = PageView(q, q.sections[0], "nb", {}, result)
    assert view.summary() == [("f-arr--1--navn", "1.", "Svar på dette spørsmålet.")]
