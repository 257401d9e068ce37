"""Reading a page of answers: cleaned values in the storage convention, specific messages in
the respondent's language, soft reminders once, and skip logic decided on the server."""

import pytest
from werkzeug.datastructures import MultiDict

from fieldkit.surveys.questionnaires import definition
from fieldkit.surveys.respond.answers import parse_date, parse_number, read_page


def section(q, name):
    return next(s for s in q.sections if s.name == name)


def page(q, name, data, language="nb", so_far=None):
    return read_page(q, section(q, name), MultiDict(data), language, so_far or {})


FIRST_PAGE_SHOWN = [("_shown", "intro_note q1 q2 q3 q4 q5")]


def test_a_complete_first_page_gives_exact_values(app, staff):
    result = page(
        staff,
        "om_kontoret",
        [
            ("q1", "1"),
            ("q2", "3"),
            ("q2.3", " Konsulent "),
            ("q3", "2,5"),
            ("q4", "1 200"),
            ("q5", "17.05.2004"),
            *FIRST_PAGE_SHOWN,
        ],
    )
    assert result.errors == {}
    assert result.warnings == {}
    assert result.ok
    assert result.answers == {
        "q1": "1",
        "q2": "3",
        "q2.3": "Konsulent",
        "q3": 2.5,
        "q4": 1200,
        "q5": "2004-05-17",
    }
    assert result.page_answers == result.answers
    assert result.shown == ["intro_note", "q1", "q2", "q3", "q4", "q5"]


@pytest.mark.parametrize(
    ("field", "typed", "message"),
    [
        ("q3", "abc", "Skriv et tall, for eksempel 2,5."),
        ("q3", "250", "Oppgi et tall fra 0 til 200."),
        ("q3", "-0,5", "Oppgi et tall fra 0 til 200."),
        ("q4", "12,5", "Skriv et helt tall, for eksempel 12."),
        ("q4", "tolv", "Skriv et helt tall, for eksempel 12."),
        ("q4", "10001", "Oppgi et tall fra 0 til 10 000."),
        ("q5", "2004/05/17", "Datoen må skrives som dd.mm.åååå."),
        ("q5", "31.02.2004", "Datoen 31.02.2004 finnes ikke."),
        ("q1", "7", "Velg blant svarene som vises."),
    ],
)
def test_wrong_values_get_specific_messages(app, staff, field, typed, message):
    data = [("q1", "1"), ("q3", "1"), *FIRST_PAGE_SHOWN]
    data = [(k, v) for k, v in data if k != field] + [(field, typed)]
    result = page(staff, "om_kontoret", data)
    assert result.errors == {field: message.replace("10 000", "10\xa0000")}
    assert field not in result.answers
    assert result.raw[field] in (typed, [typed])
    assert not result.ok


def test_numbers_and_dates_as_people_write_them(app, staff):
    result = page(
        staff,
        "om_kontoret",
        [("q1", "2"), ("q3", "200"), ("q4", "12,0"), ("q5", "2004-05-17"), *FIRST_PAGE_SHOWN],
    )
    assert result.answers == {"q1": "2", "q3": 200.0, "q4": 12, "q5": "2004-05-17"}
    assert parse_number("1\u00a0234,75") == parse_number("1234.75")
    assert parse_number("−3") == -3
    assert parse_number("1.2.3") is None
    assert parse_date("1.2.2004") == "2004-02-01"
    assert parse_date("29.02.2003") is None


def test_required_is_an_error_and_soft_required_a_reminder_given_once(app, staff):
    first = page(staff, "om_kontoret", FIRST_PAGE_SHOWN)
    assert first.errors == {"q1": "Svar på dette spørsmålet."}
    assert first.warnings == {
        "q3": "Du har ikke svart på dette spørsmålet. Svar på det, eller gå videre uten å "
        "svare om du vil."
    }
    assert first.warned == ["q3"]
    second = page(staff, "om_kontoret", [("q1", "1"), ("_warned", "q3"), *FIRST_PAGE_SHOWN])
    assert second.errors == {}
    assert second.warnings == {}
    assert second.ok
    assert second.answers == {"q1": "1"}


def test_other_text_is_required_with_its_choice_and_implies_it(app, staff):
    missing = page(staff, "om_kontoret", [("q1", "1"), ("q2", "3"), ("q3", "1"), *FIRST_PAGE_SHOWN])
    assert missing.errors == {"q2.3": "Skriv hva «Annet» er."}
    assert missing.answers == {"q1": "1", "q2": "3", "q3": 1.0}

    implied = page(
        staff, "om_kontoret", [("q1", "1"), ("q2.3", "Rådgiver"), ("q3", "1"), *FIRST_PAGE_SHOWN]
    )
    assert implied.errors == {}
    assert implied.answers == {"q1": "1", "q2": "3", "q2.3": "Rådgiver", "q3": 1.0}

    contradicted = page(
        staff,
        "om_kontoret",
        [("q1", "1"), ("q2", "1"), ("q2.3", "Rådgiver"), ("q3", "1"), *FIRST_PAGE_SHOWN],
    )
    assert contradicted.errors == {
        "q2.3": "Du skrev en tekst for «Annet», men valgte et annet svar: velg «Annet» eller "
        "slett teksten."
    }
    assert contradicted.answers == {"q1": "1", "q2": "1", "q3": 1.0}


SECOND_PAGE_SHOWN = [("_shown", "q6 q7 q8 q9 q10 q11")]


def test_grids_multiple_choice_scales_and_fractions(app, staff):
    result = page(
        staff,
        "samarbeid",
        [
            ("q6_aetat", "1"),
            ("q6_sosial", "9"),
            ("q6_andre", "3"),
            ("q6_andre.other", "Politiet"),
            ("q7_kurs", "aetat"),
            ("q7_kurs", "satsingen"),
            ("q7_praksis", "kommunen"),
            ("q8", "plan"),
            ("q8", "moter"),
            ("q8", "annet"),
            ("q8.annet", "Nettverk"),
            ("q9", "8"),
            ("q10", "6"),
            ("q11", "7"),
            *SECOND_PAGE_SHOWN,
        ],
    )
    assert result.errors == {}
    assert result.answers == {
        "q6_aetat": "1",
        "q6_sosial": "9",
        "q6_andre": "3",
        "q6_andre.other": "Politiet",
        "q7_kurs": ["aetat", "satsingen"],
        "q7_praksis": ["kommunen"],
        "q8": ["moter", "plan", "annet"],
        "q8.annet": "Nettverk",
        "q9": "8",
        "q10": "6",
        "q11": 7,
    }


@pytest.mark.parametrize(
    ("data", "errors"),
    [
        ([], {"q8": "Velg minst 1."}),
        (
            [("q8", "moter"), ("q8", "ingen")],
            {"q8": "«Ingen av disse» kan ikke kombineres med andre valg."},
        ),
        ([("q8", "team"), ("q11", "11")], {"q11": "Oppgi et tall fra 0 til 10."}),
        (
            [("q8", "team"), ("q6_andre", "2")],
            {"q6_andre.other": "Fyll ut tekstfeltet for «Andre? Hvilke»."},
        ),
        ([("q8", "team"), ("q9", "1"), ("q9", "2")], {"q9": "Velg bare ett svar."}),
        ([("q8", "team"), ("q6_helse", "5")], {"q6_helse": "Velg blant svarene som vises."}),
    ],
)
def test_second_page_messages(app, staff, data, errors):
    result = page(staff, "samarbeid", [*data, *SECOND_PAGE_SHOWN])
    assert result.errors == errors
    for name in errors:
        assert name not in result.answers


def test_tables_keep_their_rows_and_check_each_cell(app, staff):
    result = page(
        staff,
        "tiltaksarrangorer",
        [
            ("q12", "1"),
            ("q13.1.navn", "Fretex"),
            ("q13.1.deltakere", "12"),
            ("q13.1.plasser", "3,5"),
            ("q13.3.navn", "AS Vekst"),
            ("q13.3.deltakere", "mange"),
            ("q14", "1"),
            ("_shown", "q12 q13 q14"),
        ],
    )
    assert result.errors == {"q13.3.deltakere": "Skriv et helt tall, for eksempel 12."}
    assert result.answers == {
        "q12": "1",
        "q13": [{"navn": "Fretex", "deltakere": 12, "plasser": 3.5}, {}, {"navn": "AS Vekst"}],
        "q14": "1",
    }


def test_hidden_items_are_never_required_and_lose_their_answers(app, staff):
    so_far = {"q1": "1", "q13": [{"navn": "Fretex"}, {}, {}], "q14": "2", "q15": "Ingen tid"}
    result = page(
        staff,
        "tiltaksarrangorer",
        [("q12", "2"), ("q13.1.deltakere", "x"), ("q14", "1"), ("_shown", "q12 q13 q14 q15")],
        so_far=so_far,
    )
    assert result.errors == {}
    assert result.shown == ["q12"]
    assert result.answers == {"q1": "1", "q12": "2"}
    assert result.ok


def test_items_opened_by_this_page_are_shown_before_going_on(app, staff):
    opened = page(staff, "tiltaksarrangorer", [("q12", "1"), ("_shown", "q12")])
    assert opened.revealed == ["q13", "q14"]
    assert opened.errors == {}
    assert not opened.ok
    assert opened.answers == {"q12": "1"}
    again = page(
        staff, "tiltaksarrangorer", [("q12", "1"), ("q14", "2"), ("_shown", "q12 q13 q14")]
    )
    assert again.revealed == ["q15"]
    last = page(
        staff,
        "tiltaksarrangorer",
        [("q12", "1"), ("q14", "2"), ("q15", "Ikke tid"), ("_shown", "q12 q13 q14 q15")],
    )
    assert last.ok
    assert last.answers == {"q12": "1", "q14": "2", "q15": "Ikke tid"}


def test_a_changed_answer_prunes_later_pages(app, staff):
    so_far = {"q8": ["annet"], "q8.annet": "Nettverk", "q17": "Felles lunsj", "q18": "Bra"}
    result = page(staff, "samarbeid", [("q8", "team"), *SECOND_PAGE_SHOWN], so_far=so_far)
    assert result.answers == {"q8": ["team"], "q18": "Bra"}


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("nb", {"q1": "Svar på dette spørsmålet.", "q4": "Skriv et helt tall, for eksempel 12."}),
        ("nn", {"q1": "Svar på dette spørsmålet.", "q4": "Skriv eit heilt tal, til dømes 12."}),
        ("en", {"q1": "Answer this question.", "q4": "Enter a whole number, for example 12."}),
    ],
)
def test_messages_are_in_the_respondents_language(app, staff, language, expected):
    result = page(
        staff, "om_kontoret", [("q3", "1"), ("q4", "1,5"), *FIRST_PAGE_SHOWN], language=language
    )
    assert result.errors == expected


def test_other_and_exclusive_labels_follow_the_language(app, staff):
    result = page(
        staff,
        "samarbeid",
        [("q8", "annet"), ("q8", "ingen"), *SECOND_PAGE_SHOWN],
        language="en",
    )
    assert result.errors == {
        "q8": "«None of these» cannot be combined with other choices.",
        "q8.annet": "Write what «Other» is.",
    }


RULES = """
title: Regler
languages: [nb, en]
sections:
  - name: a
    questions:
      - {no: "1", name: antall, type: integer, constraint: ". >= 0 and . <= 10",
         constraint_message: {nb: "Mellom 0 og 10, takk.", en: "Between 0 and 10, please."}}
      - {no: "2", name: valg, type: multiple, max_choices: 2, options: [a, b, c]}
      - no: "3"
        name: rutenett
        type: grid_single
        required: true
        columns: [ja, nei]
        rows:
          - {name: r1, label: Første}
          - {name: r2, label: Andre}
          - {name: r3, label: Annet, other: true}
      - {no: "4", name: dato, type: date, required: true, relevant: "${antall} > 5"}
  - name: b
    relevant: "${antall} > 2"
    questions:
      - {no: "5", name: tekst, type: text, required: true}
"""


def test_constraints_maximum_ticks_required_grid_rows_and_hidden_sections(app):
    q = definition.load(RULES)
    result = page(
        q,
        "a",
        [("antall", "11"), ("valg", "1"), ("valg", "2"), ("valg", "3"), ("r1", "1")],
    )
    assert result.errors == {
        "antall": "Mellom 0 og 10, takk.",
        "valg": "Velg høyst 2.",
        "r2": "Velg et svar for «Andre».",
        # Shown as the respondent typed 11 (the browser shows it too), so it is required.
        "dato": "Svar på dette spørsmålet.",
    }
    assert result.shown == ["antall", "valg", "rutenett", "dato"]
    assert result.answers == {"r1": "1"}
    english = page(q, "a", [("antall", "11")], language="en")
    assert english.errors["antall"] == "Between 0 and 10, please."

    shown_date = page(q, "a", [("antall", "6"), ("r1", "1"), ("r2", "2"), ("_shown", "x")])
    assert shown_date.shown == ["antall", "valg", "rutenett", "dato"]
    assert shown_date.revealed == ["antall", "valg", "rutenett", "dato"]

    ok = page(
        q,
        "a",
        [("antall", "1"), ("r1", "1"), ("r2", "2"), ("_shown", "antall valg rutenett")],
    )
    assert ok.ok
    assert ok.answers == {"antall": 1, "r1": "1", "r2": "2"}
    # Section b is hidden when antall <= 2: nothing there is required.
    hidden = page(q, "b", [("tekst", "")], so_far=ok.answers)
    assert hidden.shown == []
    assert hidden.errors == {}
    assert hidden.ok
    shown = page(q, "b", [("_shown", "tekst")], so_far={**ok.answers, "antall": 3})
    assert shown.errors == {"tekst": "Svar på dette spørsmålet."}
